/* Charts of the activity statistics page, drawn from the JSON in #stats-data; a click opens the list. */
(function () {
  "use strict";
  function open(url) { if (url) { window.location.href = url; } }
  function init(el) { el.style.height = "320px"; return echarts.init(el); }

  function draw() {
    var blob = document.getElementById("stats-data");
    if (!blob || !window.echarts) { return; }
    var data = JSON.parse(blob.textContent);
    var charts = [];

    var monthsEl = document.getElementById("chart-months");
    if (monthsEl) {
      var bar = init(monthsEl);
      bar.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [data.labels.activities, data.labels.person_times] },
        grid: { left: 40, right: 50, bottom: 30, top: 40 },
        xAxis: { type: "category", data: data.months },
        yAxis: [{ type: "value", name: data.labels.activities, minInterval: 1 },
                { type: "value", name: data.labels.person_times, minInterval: 1 }],
        series: [
          { name: data.labels.activities, type: "bar", data: data.activities },
          { name: data.labels.person_times, type: "line", yAxisIndex: 1, data: data.person_times }
        ]
      });
      bar.on("click", function (p) { open(data.month_urls[p.dataIndex]); });
      charts.push(bar);
    }

    var kindsEl = document.getElementById("chart-kinds");
    if (kindsEl) {
      var pie = init(kindsEl);
      pie.setOption({
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { type: "scroll", bottom: 0 },
        series: [{ name: data.labels.kinds, type: "pie", radius: ["35%", "65%"], data: data.kinds }]
      });
      pie.on("click", function (p) { open(p.data && p.data.url); });
      charts.push(pie);
    }

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
