/* The sales drill-down's charts (Apache ECharts, vendored under vendor/echarts): bars
   of the grouped figures and a line of the trend by period, drawn from the page's
   JSON (#sd-chart-data). Amounts come as strings (exact decimals) and are drawn as
   numbers; labels and tooltips show them with thousands separators. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("sd-chart-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var locale = document.documentElement.lang || undefined;
    var money = function (value) {
      return Number(value).toLocaleString(locale, { maximumFractionDigits: 2 });
    };
    var charts = [];
    var bars = document.getElementById("sd-bars");
    if (bars) {
      var barChart = window.echarts.init(bars, null, { renderer: "canvas" });
      barChart.setOption({
        animation: false,
        grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: money },
        xAxis: { type: "value", splitNumber: 3, axisLabel: { formatter: money, hideOverlap: true } },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.labels,
          axisLabel: { width: 140, overflow: "truncate" },
        },
        series: [{ name: data.measure, type: "bar", data: data.values.map(Number), itemStyle: { color: "#2f6fb3" } }],
      });
      charts.push(barChart);
    }
    var trend = document.getElementById("sd-trend");
    if (trend && data.trend.labels.length) {
      var colors = ["#2f6fb3", "#e07b39"];
      var lineChart = window.echarts.init(trend, null, { renderer: "canvas" });
      lineChart.setOption({
        animation: false,
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: "axis", valueFormatter: money },
        xAxis: { type: "category", data: data.trend.labels, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", axisLabel: { formatter: money } },
        series: data.trend.series.map(function (series, index) {
          return {
            name: series.name,
            type: data.trend.labels.length > 1 ? "line" : "bar",
            data: series.values.map(Number),
            itemStyle: { color: colors[index % colors.length] },
          };
        }),
      });
      charts.push(lineChart);
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
