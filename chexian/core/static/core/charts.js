/* Draws the report's charts (the JSON in #chart-data, as Chart.as_json() writes it) with ECharts. */
(function () {
  var holder = document.getElementById("report-charts");
  var source = document.getElementById("chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var charts = JSON.parse(source.textContent);
  charts.forEach(function (chart) {
    var box = document.createElement("div");
    box.className = "chart card";
    box.setAttribute("data-chart", chart.key);
    holder.appendChild(box);
    var instance = echarts.init(box, null, { renderer: "svg" });
    var unit = chart.unit || "";
    var horizontal = chart.kind === "hbar";
    var series = chart.series.map(function (s) {
      return { name: s.name, type: chart.kind === "line" ? "line" : "bar",
               data: s.data.map(function (v) { return v === null ? null : Number(v); }),
               label: { show: true, position: horizontal ? "right" : "top", formatter: "{c}" + unit } };
    });
    if (chart.kind === "pie" || chart.kind === "funnel") {
      series = [{ type: chart.kind, data: chart.categories.map(function (name, i) {
        return { name: name, value: Number(chart.series[0].data[i] || 0) }; }) }];
      instance.setOption({ title: { text: chart.title, textStyle: { fontSize: 13 } }, tooltip: {}, series: series });
    } else {
      var categoryAxis = { type: "category", data: chart.categories };
      var valueAxis = { type: "value", axisLabel: { formatter: "{value}" + unit } };
      instance.setOption({
        title: { text: chart.title, textStyle: { fontSize: 13 } }, tooltip: { trigger: "axis" },
        legend: { bottom: 0 }, grid: { left: horizontal ? 90 : 40, right: 20, top: 40, bottom: 40 },
        xAxis: horizontal ? valueAxis : categoryAxis, yAxis: horizontal ? categoryAxis : valueAxis, series: series
      });
    }
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
