// Robnu dashboard: the search dialog (Ctrl/Cmd+K), the CSRF header on every htmx request, and charts.
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (ev) {
    if (meta) ev.detail.headers["X-CSRF-Token"] = meta.content;
  });
  const dialog = document.getElementById("search-dialog");
  function openSearch() {
    if (!dialog) return;
    dialog.showModal();
    const input = dialog.querySelector("input[type=search]");
    if (input) { input.focus(); input.select(); }
  }
  document.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "k") { ev.preventDefault(); openSearch(); }
  });
  const opener = document.getElementById("search-open");
  if (opener) opener.addEventListener("click", openSearch);
  const closer = document.getElementById("search-close");
  if (closer) closer.addEventListener("click", function () { dialog.close(); });

  // Charts: a <canvas data-chart="id-of-json-script"> gets a Chart.js chart from the JSON beside it.
  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {});
      new Chart(canvas, spec);
      canvas.dataset.drawn = "1";
    });
  }
  drawCharts(document);
  // A keyboard-wedge scanner types into whatever has focus: the scan box takes it back after any click elsewhere
  // (except another field of its form) and selects its text, so the next parcel's code replaces the last.
  const scanBox = document.querySelector("input[data-keep-focus]");
  if (scanBox) {
    scanBox.focus();
    document.addEventListener("click", function (ev) {
      const t = ev.target;
      if (t instanceof Element && t.closest("input, select, textarea, summary, a, button")) return;
      scanBox.focus();
    });
  }
  document.body.addEventListener("htmx:afterSwap", function (ev) { drawCharts(ev.target); });
})();
