/* Mismatch dashboard: heatmap sector × technology, trend lines, provinces — drawn with ECharts.
   Data and every label come from the server (translated) in #dashboard-data. */
(function () {
  "use strict";
  function draw() {
    var data = JSON.parse(document.getElementById("dashboard-data").textContent || "{}");
    var cellUrl = document.getElementById("dashboard-config").dataset.cellUrl;
    var charts = [];
    var heat = data.heatmap || {};
    var heatEl = document.getElementById("heatmap");
    if (heatEl) {
      var heatChart = echarts.init(heatEl);
      var max = Math.max(1, ...(heat.cells || []).map(function (c) { return Math.abs(c[2]); }));
      heatChart.setOption({
        tooltip: { position: "top", formatter: function (p) {
          var c = p.data; return heat.sectors[c[1]] + " × " + heat.technologies[c[0]] + "<br>" +
            heat.labels.demanded + ": " + c[3] + "<br>" + heat.labels.capacity + ": " + c[4] +
            "<br>" + heat.labels.gap + ": " + c[2]; } },
        grid: { left: 110, right: 20, top: 10, bottom: 110, containLabel: false },
        xAxis: { type: "category", data: heat.technologies || [], axisLabel: { rotate: 30 } },
        yAxis: { type: "category", data: heat.sectors || [] },
        visualMap: { dimension: 2, min: -max, max: max, calculable: true, orient: "horizontal",
          left: "center",
          bottom: 0, inRange: { color: ["#2c7bb6", "#f7f7f7", "#d7191c"] } },
        series: [{ type: "heatmap", data: heat.cells || [], label: { show: false },
          emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
      });
      heatChart.on("click", function (p) {
        var c = p.data;
        var url = cellUrl + "?sector=" + encodeURIComponent(heat.sector_codes[c[1]]) +
          "&technology=" + encodeURIComponent(heat.tech_codes[c[0]]);
        htmx.ajax("GET", url, { target: "#cell-detail" });
      });
      charts.push(heatChart);
    }
    var trend = data.trend || {};
    var trendEl = document.getElementById("trend");
    if (trendEl) {
      var trendChart = echarts.init(trendEl);
      trendChart.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 50, right: 20, top: 20, bottom: 50 },
        xAxis: { type: "category", data: trend.dates || [] },
        yAxis: { type: "value" },
        series: (trend.series || []).map(function (s) {
          return { name: s.name, type: "line", smooth: true, data: s.data };
        })
      });
      charts.push(trendChart);
    }
    var prov = data.provinces || {};
    var provEl = document.getElementById("provinces-chart");
    if (provEl) {
      var provChart = echarts.init(provEl);
      provChart.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 60, right: 20, top: 20, bottom: 70 },
        xAxis: { type: "category", data: prov.names || [], axisLabel: { rotate: 40 } },
        yAxis: { type: "value" },
        series: [
          { name: prov.labels ? prov.labels.demanded : "", type: "bar", data: prov.demanded || [] },
          { name: prov.labels ? prov.labels.capacity : "", type: "bar", data: prov.capacity || [] }
        ]
      });
      charts.push(provChart);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
