/* LianRong console: draws ECharts from data-chart options and keeps them sized. No inline scripts. */
(function () {
  "use strict";

  function yuanFormatter(value) {
    if (typeof value !== "number") { return value; }
    return value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function draw(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn === "1") { return; }
      var option;
      try { option = JSON.parse(el.dataset.chart); } catch (e) { return; }
      var unit = option.lr && option.lr.unit;
      delete option.lr;
      if (unit && option.tooltip) {
        option.tooltip.valueFormatter = function (v) { return yuanFormatter(v) + " " + unit; };
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.drawn = "1";
    });
  }

  function loadECharts(then) {
    if (!document.querySelector("[data-chart]")) { return; }
    if (typeof window.echarts !== "undefined") { then(); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/echarts/echarts.min.js";
    s.onload = then;
    document.head.appendChild(s);
  }

  document.addEventListener("DOMContentLoaded", function () {
    loadECharts(function () { draw(document); });
    document.body.addEventListener("htmx:afterSettle", function (evt) {
      loadECharts(function () { draw(evt.target); });
    });
    var timer;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (typeof window.echarts === "undefined") { return; }
        document.querySelectorAll("[data-chart]").forEach(function (el) {
          var c = window.echarts.getInstanceByDom(el);
          if (c) { c.resize(); }
        });
      }, 150);
    });
    // a form's submit buttons are disabled while its HTMX request runs (double clicks send nothing twice)
    function submitButtons(evt) {
      if (evt.target.tagName !== "FORM") { return []; }
      return Array.prototype.slice.call(evt.target.querySelectorAll("button[type=submit]"));
    }
    document.body.addEventListener("htmx:beforeRequest", function (evt) {
      submitButtons(evt).forEach(function (btn) { btn.disabled = true; btn.classList.add("busy"); });
    });
    document.body.addEventListener("htmx:afterRequest", function (evt) {
      submitButtons(evt).forEach(function (btn) { btn.disabled = false; btn.classList.remove("busy"); });
    });
  });
})();
