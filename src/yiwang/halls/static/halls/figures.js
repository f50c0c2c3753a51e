/* The hall manager's history charts (ECharts, vendored by supervision), drawn above the
   table that carries the same numbers. Data from a json_script block (the CSP forbids
   inline scripts); tooltips on the canvas (renderMode "richText"), as the supervision
   dashboard does. Nothing here is needed to read the figures. */
(function () {
  "use strict";

  var BLUE = "#0b4ea2";
  var GREEN = "#1b6e3a";
  var AMBER = "#b36b00";
  var RED = "#b3261e";
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  function base(days) {
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: days },
      animation: false,
    };
  }

  function volume(el, data) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var option = base(data.days);
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = [
      { name: data.labels.taken, type: "bar", data: data.taken, itemStyle: { color: BLUE } },
      { name: data.labels.served, type: "bar", data: data.served, itemStyle: { color: GREEN } },
      { name: data.labels.no_shows, type: "bar", data: data.no_shows, itemStyle: { color: RED } },
    ];
    chart.setOption(option);
    return chart;
  }

  function times(el, data) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var option = base(data.days);
    option.yAxis = { type: "value", axisLabel: { formatter: "{value}" } };
    function line(name, values, color, dashed) {
      return {
        name: name,
        type: "line",
        data: values,
        connectNulls: false,
        showSymbol: false,
        itemStyle: { color: color },
        lineStyle: dashed ? { type: "dashed" } : {},
      };
    }
    option.series = [
      line(data.labels.wait, data.wait, BLUE, false),
      line(data.labels.service, data.service, GREEN, false),
      line(data.labels.error, data.error, AMBER, true),
    ];
    chart.setOption(option);
    return chart;
  }

  function draw() {
    var source = document.getElementById("hall-chart-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var a = document.getElementById("hall-chart-volume");
    var b = document.getElementById("hall-chart-times");
    if (a) {
      charts.push(volume(a, data));
    }
    if (b) {
      charts.push(times(b, data));
    }
    document.documentElement.classList.add("charts-drawn");
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
