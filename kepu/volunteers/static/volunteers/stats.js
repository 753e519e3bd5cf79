/* Charts of the volunteer statistics page, drawn from the JSON in #volunteer-stats-data; a click opens the figures behind. */
(function () {
  "use strict";
  function open(url) { if (url) { window.location.href = url; } }
  function init(el) { el.style.height = "320px"; return echarts.init(el); }

  function draw() {
    var blob = document.getElementById("volunteer-stats-data");
    if (!blob || !window.echarts) { return; }
    var data = JSON.parse(blob.textContent);
    var L = data.labels;
    var charts = [];

    var regionsEl = document.getElementById("chart-regions");
    if (regionsEl) {
      var bar = init(regionsEl);
      bar.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [L.registered, L.active, L.hours] },
        grid: { left: 50, right: 60, bottom: 60, top: 40 },
        xAxis: { type: "category", data: data.regions, axisLabel: { interval: 0, rotate: data.regions.length > 8 ? 40 : 0 } },
        yAxis: [{ type: "value", name: L.registered, minInterval: 1 }, { type: "value", name: L.hours }],
        series: [
          { name: L.registered, type: "bar", data: data.registered },
          { name: L.active, type: "bar", data: data.active },
          { name: L.hours, type: "bar", yAxisIndex: 1, data: data.hours }
        ]
      });
      bar.on("click", function (p) { open(data.region_urls[p.dataIndex]); });
      charts.push(bar);
    }

    var starsEl = document.getElementById("chart-stars");
    if (starsEl) {
      var pie = init(starsEl);
      pie.setOption({
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { type: "scroll", bottom: 0 },
        series: [{ name: L.stars, type: "pie", radius: ["35%", "65%"], data: data.stars }]
      });
      pie.on("click", function (p) { open(p.data && p.data.url); });
      charts.push(pie);
    }

    var monthsEl = document.getElementById("chart-months");
    if (monthsEl) {
      var months = init(monthsEl);
      months.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [L.records, L.hours] },
        grid: { left: 50, right: 60, bottom: 30, top: 40 },
        xAxis: { type: "category", data: data.months },
        yAxis: [{ type: "value", name: L.records, minInterval: 1 }, { type: "value", name: L.hours }],
        series: [
          { name: L.records, type: "bar", data: data.month_records },
          { name: L.hours, type: "line", yAxisIndex: 1, data: data.month_hours }
        ]
      });
      charts.push(months);
    }

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
