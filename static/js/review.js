/* The review page: the record's trace for the beats in the table; clicking a beat on the
   trace (or near it) selects that beat's row and focuses its class select. Changed selects
   are highlighted so the doctor sees what they are about to correct. */
(function () {
  "use strict";
  var COLORS = { NOR: "#2b8a3e", LBB: "#1971c2", RBB: "#0c8599", APC: "#e67700", PVC: "#c92a2a",
                 PAB: "#6741d9", VEB: "#a61e4d", VFW: "#000000" };

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#beats-table tbody tr[data-t]")); }

  function currentLabel(row) { return row.querySelector("select").value; }

  function pick(t) {
    var best = null, bestD = Infinity;
    rows().forEach(function (row) {
      var d = Math.abs(Number(row.dataset.t) - t);
      if (d < bestD) { best = row; bestD = d; }
    });
    if (!best) return;
    rows().forEach(function (row) { row.classList.remove("table-active"); });
    best.classList.add("table-active");
    best.scrollIntoView({ block: "nearest" });
    best.querySelector("select").focus();
  }

  function markChanged(select) {
    var row = select.closest("tr");
    row.classList.toggle("table-warning", select.value !== select.dataset.model);
  }

  function init() {
    document.querySelectorAll("#beats-table select").forEach(function (select) {
      select.addEventListener("change", function () { markChanged(select); if (window.reviewChart) redraw(); });
    });
    var canvas = document.getElementById("review-trace");
    if (!canvas || !window.Chart) return;
    var url = canvas.dataset.traceUrl + "?start=" + canvas.dataset.start + "&seconds=" + canvas.dataset.seconds;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (w) {
      var points = w.values.map(function (v, i) { return { x: w.start_s + i / w.fs, y: v }; });
      window.reviewTrace = { points: points, w: w };
      window.reviewChart = new Chart(canvas, {
        data: { datasets: datasets() },
        options: { maintainAspectRatio: false, animation: false, parsing: false,
          onClick: function (event, elements, chart) {
            var x = chart.scales.x.getValueForPixel(event.x);
            pick(x);
          },
          plugins: { legend: { display: false },
                     tooltip: { callbacks: { label: function (c) { return c.raw.label ? c.raw.label + " at " + c.raw.x.toFixed(2) + " s" : ""; } } } },
          scales: { x: { type: "linear", title: { display: true, text: "seconds" } },
                    y: { title: { display: true, text: "mV" } } } }
      });
    });
  }

  function datasets() {
    var points = window.reviewTrace.points, w = window.reviewTrace.w;
    var beats = rows().map(function (row) {
      var t = Number(row.dataset.t);
      var i = Math.min(points.length - 1, Math.max(0, Math.round((t - w.start_s) * w.fs)));
      return { x: t, y: points.length ? points[i].y : 0, label: currentLabel(row) };
    });
    return [
      { type: "line", data: points, borderColor: "#444", borderWidth: 1, pointRadius: 0, label: "ECG" },
      { type: "scatter", data: beats, label: "Beats", pointRadius: 6, pointHoverRadius: 8,
        backgroundColor: beats.map(function (b) { return COLORS[b.label] || "#888"; }) }
    ];
  }

  function redraw() { window.reviewChart.data.datasets = datasets(); window.reviewChart.update(); }

  document.addEventListener("DOMContentLoaded", init);
})();
