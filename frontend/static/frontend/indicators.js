/* Monitoring indicators: the monthly 4G/5G share against the 2027 target, drawn with ECharts.
   Data and labels come from the server (translated) in #indicators-data. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("broadband-chart");
    if (!el || typeof echarts === "undefined") { return; }
    var data = JSON.parse(document.getElementById("indicators-data").textContent || "{}");
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { top: 0, data: [data.labels.share, data.labels.target] },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.labels.share, type: "line", data: data.share, connectNulls: false },
        { name: data.labels.target, type: "line", data: data.months.map(function () { return data.target; }),
          lineStyle: { type: "dashed" }, symbol: "none" }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
