/* Charts for the result and history pages: class probabilities, the ECG trace with beats
   coloured by class (paged and zoomable), and the burden trend. Runs on page load and on
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

  function trace(root) {
    var canvas = root.querySelector("#trace-chart");
    if (!canvas || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    var card = canvas.closest(".card");
    var state = { start: 0, seconds: 10, duration: null };
    var chart = null;
    function load() {
      var url = canvas.dataset.traceUrl + "?start=" + state.start + "&seconds=" + state.seconds;
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (w) {
        state.start = w.start_s; state.duration = w.duration_s;
        var points = w.values.map(function (v, i) { return { x: w.start_s + i / w.fs, y: v }; });
        var beats = w.beats.map(function (b) {
          var i = Math.min(points.length - 1, Math.max(0, Math.round((b.t - w.start_s) * w.fs)));
          return { x: b.t, y: points.length ? points[i].y : 0, label: b.label, uncertain: b.uncertain };
        });
        var datasets = [
          { type: "line", data: points, borderColor: "#444", borderWidth: 1, pointRadius: 0, label: "ECG" },
          { type: "scatter", data: beats, label: "Beats", pointRadius: 5,
            pointStyle: beats.map(function (b) { return b.uncertain ? "triangle" : "circle"; }),
            backgroundColor: beats.map(function (b) { return COLORS[b.label] || "#888"; }) }
        ];
        var pos = card.querySelector("[data-trace-position]");
        if (pos) pos.textContent = "Showing " + w.start_s.toFixed(0) + "–" + (w.start_s + w.seconds).toFixed(0) +
          " s of " + w.duration_s.toFixed(0) + " s. Coloured dots are beats (triangles: uncertain).";
        if (chart) { chart.data.datasets = datasets; chart.update(); return; }
        chart = new Chart(canvas, {
          data: { datasets: datasets },
          options: { maintainAspectRatio: false, animation: false, parsing: false,
            plugins: { legend: { display: false },
                       tooltip: { callbacks: { label: function (c) { return c.raw.label ? c.raw.label + " at " + c.raw.x.toFixed(2) + " s" : ""; } } } },
            scales: { x: { type: "linear", title: { display: true, text: "seconds" } },
                      y: { title: { display: true, text: "mV" } } } }
        });
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
    load();
  }

  function trend(root) {
    var canvas = root.querySelector("#trend-chart");
    var data = readJSON(root, "trend-data");
    if (!canvas || !data || canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    new Chart(canvas, {
      type: "line",
      data: { labels: data.map(function (d) { return d.date.slice(0, 10); }),
              datasets: [
                { label: "PVC burden %", data: data.map(function (d) { return d.PVC * 100; }), borderColor: COLORS.PVC },
                { label: "APC burden %", data: data.map(function (d) { return d.APC * 100; }), borderColor: COLORS.APC }] },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0 } } }
    });
  }

  function init(root) { probabilities(root); trace(root); trend(root); }
  if (window.htmx) { htmx.onLoad(init); } else { document.addEventListener("DOMContentLoaded", function () { init(document); }); }
})();
