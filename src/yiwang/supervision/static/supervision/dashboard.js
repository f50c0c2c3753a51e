/* 效能监察 charts: draws the dashboard's figures with ECharts on top of the tables, which stay
   the accessible source. The data comes from a json_script block (the CSP forbids inline
   scripts); tooltips render on the canvas (renderMode "richText"), since the CSP also
   forbids the inline style attributes of HTML tooltips. Nothing here is needed to read the
   figures. */
(function () {
  "use strict";

  var BLUE = "#0b4ea2";
  var GREEN = "#1b6e3a";
  var AMBER = "#b36b00";
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  function base() {
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 40, bottom: 8, containLabel: true },
      animation: false,
    };
  }

  function departments(el, data) {
    if (!data.names.length) {
      return null;
    }
    // Horizontal bars: department names are long; one row per department.
    el.style.height = Math.max(220, 60 + data.names.length * 34) + "px";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var option = base();
    option.grid = { left: 8, right: 24, top: 36, bottom: 24, containLabel: true };
    option.yAxis = {
      type: "category",
      data: data.names,
      inverse: true,
      axisLabel: { interval: 0, fontSize: 12, width: 150, overflow: "truncate" },
    };
    option.xAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    option.series = [
      { name: data.labels.on_time, type: "bar", data: data.on_time, itemStyle: { color: BLUE } },
      {
        name: data.labels.satisfaction,
        type: "bar",
        data: data.satisfaction,
        itemStyle: { color: GREEN },
      },
    ];
    chart.setOption(option);
    return chart;
  }

  function series(el, data) {
    if (!data.days.length) {
      return null;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var option = base();
    option.xAxis = { type: "category", data: data.days, boundaryGap: false };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = [
      {
        name: data.labels.received,
        type: "line",
        data: data.received,
        showSymbol: data.days.length <= 31,
        itemStyle: { color: BLUE },
      },
      {
        name: data.labels.concluded,
        type: "line",
        data: data.concluded,
        showSymbol: data.days.length <= 31,
        lineStyle: { type: "dashed" },
        itemStyle: { color: AMBER },
      },
    ];
    chart.setOption(option);
    return chart;
  }

  function draw() {
    var source = document.getElementById("supervision-chart-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var byDepartment = document.getElementById("chart-departments");
    var perDay = document.getElementById("chart-series");
    if (byDepartment) {
      charts.push(departments(byDepartment, data.departments));
    }
    if (perDay) {
      charts.push(series(perDay, data.series));
    }
    charts = charts.filter(Boolean);
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
