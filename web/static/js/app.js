// Small behaviours for every page; the pages work without them.
(function () {
  "use strict";
  // A submit button is disabled after the first click (the request id stops doubles anyway).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var buttons = form.querySelectorAll("button[data-once], button.btn[type=submit]");
    setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });
  // Sortable tables: <table class="data sortable">, cells may carry data-sort values.
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    if (v === null) v = cell.textContent.trim();
    var n = Number(String(v).replace(/[,%+元]/g, ""));
    return isNaN(n) || v === "" ? v : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, index) {
      if (th.hasAttribute("data-nosort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) return 0;
          return (x > y ? 1 : -1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Charts: <div class="chart" data-figure="ID"> with <script type="application/json" id="ID">.
  if (window.Plotly) {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      var config = Object.assign({ locale: "zh-CN", displaylogo: false, responsive: true,
        modeBarButtons: [["toImage"]] }, fig.config || {});
      Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
        el.setAttribute("data-rendered", "1");
      });
      if (fig.links) {
        el.on("plotly_click", function (ev) {
          var p = ev.points && ev.points[0];
          var key = p && (p.customdata !== undefined ? p.customdata : p.y);
          var url = fig.links[Array.isArray(key) ? key[0] : key];
          if (url) window.location.href = url;
        });
      }
    });
    // Printing: redraw every chart at the paper's width, then back at the screen's.
    var resizeAll = function () {
      document.querySelectorAll("[data-rendered]").forEach(function (el) { Plotly.Plots.resize(el); });
    };
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
    if (window.matchMedia) {
      var printing = window.matchMedia("print");
      if (printing.addEventListener) printing.addEventListener("change", resizeAll);
    }
  }
})();
