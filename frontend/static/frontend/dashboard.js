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
      var narrow = heatEl.clientWidth < 500;
      // The colour is the cell's class on the balance scale (the legend above the chart,
      // rendered by the server); the tooltip lines come preformatted in the page's language.
      heatChart.setOption({
        tooltip: { position: "top", formatter: function (p) {
          return (p.data.tip || []).map(function (line) {
            return echarts.format.encodeHTML(line); }).join("<br>"); } },
        grid: { left: narrow ? 96 : 110, right: 10, top: 10, bottom: narrow ? 90 : 70,
          containLabel: false },
        xAxis: { type: "category", data: heat.technologies || [],
          axisLabel: { rotate: narrow ? 45 : 30, interval: 0 } },
        yAxis: { type: "category", data: heat.sectors || [],
          axisLabel: { width: narrow ? 88 : 100, overflow: "break" } },
        visualMap: { type: "piecewise", dimension: 2, show: false, pieces: heat.pieces || [] },
        series: [{ type: "heatmap", data: heat.cells || [], label: { show: false },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
      });
      heatChart.on("click", function (p) {
        var c = p.data.value;
        var url = cellUrl + "?sector=" + encodeURIComponent(heat.sector_codes[c[1]]) +
          "&technology=" + encodeURIComponent(heat.tech_codes[c[0]]);
        htmx.ajax("GET", url, { target: "#cell-detail" });
      });
      charts.push(heatChart);
    }
    var grouped = new Intl.NumberFormat(document.documentElement.lang || undefined);
    var trend = data.trend || {};
    var trendEl = document.getElementById("trend");
    if (trendEl) {
      var trendChart = echarts.init(trendEl);
      trendChart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return grouped.format(v); } },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 10, right: 20, top: 20, bottom: 50, containLabel: true },
        xAxis: { type: "category", data: trend.dates || [] },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return grouped.format(v); } } },
        series: (trend.series || []).map(function (s) {
          return { name: s.name, type: "line", data: s.data, showSymbol: true };
        })
      });
      charts.push(trendChart);
    }
    var prov = data.provinces || {};
    var provEl = document.getElementById("provinces-chart");
    if (provEl) {
      var provChart = echarts.init(provEl);
      provChart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return grouped.format(v); } },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 10, right: 20, top: 20, bottom: 70, containLabel: true },
        xAxis: { type: "category", data: prov.names || [], axisLabel: { rotate: 40 } },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return grouped.format(v); } } },
        series: (prov.series || []).map(function (s) {
          return { name: s.name, type: "bar", data: s.data };
        })
      });
      charts.push(provChart);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
