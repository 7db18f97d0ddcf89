/* Charts for the result and history pages: class probabilities, the ECG trace with beats
   coloured by class and rhythm episodes shaded (paged, zoomable, and paged to an episode from
   the list under the verdict), and the burden trend. Runs on page load and on
   every htmx swap (the result page swaps in the finished result). */
(function () {
  "use strict";
  var COLORS = { NOR: "#2b8a3e", LBB: "#1971c2", RBB: "#0c8599", APC: "#e67700", PVC: "#c92a2a",
                 PAB: "#6741d9", VEB: "#a61e4d", VFW: "#000000" };

  function readJSON(root, id) {
    var el = root.querySelector("#" + id) || document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function probabilities(root) {
    var canvas = root.querySelector("#probabilities-chart");
    var data = readJSON(root, "probabilities-data");
    if (!canvas || !data || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.map(function (d) { return d[0]; }),
              datasets: [{ data: data.map(function (d) { return Math.round(d[1] * 1000) / 10; }),
                           backgroundColor: data.map(function (d) { return COLORS[d[0]] || "#888"; }) }] },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: false } },
                 scales: { x: { min: 0, max: 100, title: { display: true, text: "%" } } } }
    });
  }

  // Rhythm episodes are shaded behind the trace: AF orange, ventricular red, noise grey,
  // anything else violet. The same colours are in site.css (.band-*) for the list and legend.
  var BANDS = { AFIB: "rgba(230,119,0,0.20)", VT: "rgba(201,42,42,0.20)", VFL: "rgba(201,42,42,0.28)",
                NOISE: "rgba(134,142,150,0.32)" };
  var BAND_OTHER = "rgba(103,65,217,0.15)";
  var BAND_WORDS = { AFIB: "AF", AFL: "atrial flutter", SVTA: "SVT", VT: "VT", VFL: "VF / flutter",
                     B: "bigeminy", T: "trigeminy", P: "paced", SBR: "slow", STACH: "fast", PAUSE: "pause", NOISE: "noise" };
  var NOISE_GREY = "#868e96";

  var rhythmBands = {
    id: "rhythmBands",
    beforeDatasetsDraw: function (chart) {
      var episodes = chart.$episodes || [];
      if (!episodes.length) return;
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
      ctx.font = "11px system-ui, sans-serif";
      episodes.forEach(function (e) {
        var a = Math.max(x.getPixelForValue(e.start_s), area.left);
        var b = Math.min(x.getPixelForValue(e.end_s), area.right);
        if (b <= a) return;
        ctx.fillStyle = BANDS[e.rhythm] || BAND_OTHER;
        ctx.fillRect(a, area.top, b - a, area.bottom - area.top);
        ctx.fillStyle = "#343a40";
        // Along the bottom edge: beat markers sit on the R peaks near the top.
        ctx.fillText(BAND_WORDS[e.rhythm] || e.rhythm, a + 3, area.bottom - 4);
      });
      ctx.restore();
    }
  };

  function beatStyle(b) {
    if (b.noise) return { style: "circle", fill: "rgba(0,0,0,0)", line: NOISE_GREY };
    var colour = COLORS[b.label] || NOISE_GREY;
    return { style: b.uncertain ? "triangle" : "circle", fill: colour, line: colour };
  }

  function beatText(b) {
    var what = b.noise ? "noise, not classified" : (b.label || "beat") + (b.uncertain ? " (uncertain)" : "");
    return what + " at " + b.x.toFixed(2) + " s";
  }

  function trace(root) {
    var canvas = root.querySelector("#trace-chart");
    if (!canvas || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    var card = canvas.closest(".card");
    var state = { start: 0, seconds: 10, duration: null };
    function secs(v) { return Math.abs(v - Math.round(v)) < 0.05 ? v.toFixed(0) : v.toFixed(1); }
    var chart = null;
    function load() {
      var url = canvas.dataset.traceUrl + "?start=" + state.start + "&seconds=" + state.seconds;
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (w) {
        state.start = w.start_s; state.duration = w.duration_s;
        var points = w.values.map(function (v, i) { return { x: w.start_s + i / w.fs, y: v }; });
        var beats = w.beats.map(function (b) {
          var i = Math.min(points.length - 1, Math.max(0, Math.round((b.t - w.start_s) * w.fs)));
          return { x: b.t, y: points.length ? points[i].y : 0, label: b.label, uncertain: b.uncertain, noise: b.noise };
        });
        var styles = beats.map(beatStyle);
        var datasets = [
          { type: "line", data: points, borderColor: "#444", borderWidth: 1, pointRadius: 0, label: "ECG" },
          { type: "scatter", data: beats, label: "Beats", pointRadius: 5, borderWidth: 1.5,
            pointStyle: styles.map(function (s) { return s.style; }),
            backgroundColor: styles.map(function (s) { return s.fill; }),
            borderColor: styles.map(function (s) { return s.line; }) }
        ];
        var pos = card.querySelector("[data-trace-position]");
        if (pos) pos.textContent = "Showing " + secs(w.start_s) + "\u2013" + secs(w.start_s + w.seconds) +
          " s of " + w.duration_s.toFixed(0) + " s. Coloured dots are beats (triangles: uncertain; hollow grey: noise).";
        var xMin = w.start_s, xMax = w.start_s + w.seconds;
        if (chart) {
          chart.$episodes = w.episodes || [];
          chart.data.datasets = datasets;
          chart.options.scales.x.min = xMin; chart.options.scales.x.max = xMax;
          chart.update();
          return;
        }
        chart = new Chart(canvas, {
          data: { datasets: datasets },
          plugins: [rhythmBands],
          options: { maintainAspectRatio: false, animation: false, parsing: false,
            plugins: { legend: { display: false },
                       tooltip: { callbacks: { label: function (c) { return c.datasetIndex === 1 ? beatText(c.raw) : ""; } } } },
            scales: { x: { type: "linear", min: xMin, max: xMax, title: { display: true, text: "seconds" } },
                      y: { title: { display: true, text: "mV" } } } }
        });
        chart.$episodes = w.episodes || [];
        chart.update();
      });
    }
    card.querySelectorAll("[data-trace-move]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        state.start = Math.max(0, state.start + Number(btn.dataset.traceMove) * state.seconds);
        load();
      });
    });
    card.querySelectorAll("[data-trace-zoom]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        state.seconds = state.seconds === 10 ? 4 : state.seconds === 4 ? 30 : 10;
        btn.textContent = "Zoom (" + state.seconds + " s)";
        load();
      });
    });
    // Next / previous event (or abnormal beat): the first one after (or before) the middle
    // of the window in view, shown from a second before it.
    var targets = { events: readJSON(root, "events-data") || [], abnormal: readJSON(root, "abnormal-data") || [] };
    card.querySelectorAll("[data-trace-step]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var times = targets[btn.dataset.traceStep];
        var here = state.start + 1;
        var forward = Number(btn.dataset.direction) > 0;
        var next = forward
          ? times.find(function (t) { return t > here + 0.05; })
          : times.slice().reverse().find(function (t) { return t < here - 0.05; });
        if (next === undefined) return;
        state.start = Math.max(0, next - 1);
        load();
      });
    });
    // The episode and event lists page the trace to where each one starts.
    var scope = canvas.closest("#result-body") || document;
    scope.querySelectorAll("[data-trace-jump]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        // One second before the episode, so its start is in view with what came before.
        state.start = Math.max(0, (Number(link.dataset.traceJump) || 0) - 1);
        load();
        card.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    });
    load();
  }

  function trend(root) {
    var canvas = root.querySelector("#trend-chart");
    var data = readJSON(root, "trend-data");
    if (!canvas || !data || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    new Chart(canvas, {
      type: "line",
      data: { labels: data.map(function (d) { return d.date.slice(0, 16).replace("T", " "); }),
              datasets: [
                { label: "PVC burden %", data: data.map(function (d) { return d.PVC * 100; }), borderColor: COLORS.PVC },
                { label: "APC burden %", data: data.map(function (d) { return d.APC * 100; }), borderColor: COLORS.APC }] },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0 } } }
    });
  }

  function tachogram(root) {
    var canvas = root.querySelector("#tachogram-chart");
    var data = readJSON(root, "tachogram-data");
    if (!canvas || !data || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    new Chart(canvas, {
      type: "line",
      data: { datasets: [{ data: data.map(function (d) { return { x: d.t / 60, y: d.bpm }; }),
                           borderColor: "#9b1c31", borderWidth: 1.5, pointRadius: 0, label: "bpm" }] },
      options: { maintainAspectRatio: false, animation: false, parsing: false,
                 plugins: { legend: { display: false } },
                 scales: { x: { type: "linear", title: { display: true, text: "minutes" } },
                           y: { title: { display: true, text: "beats per minute" } } } }
    });
  }
  function init(root) { probabilities(root); trace(root); trend(root); tachogram(root); }
  if (window.htmx) { htmx.onLoad(init); } else { document.addEventListener("DOMContentLoaded", function () { init(document); }); }
})();
