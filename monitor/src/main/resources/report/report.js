/* Draws a report's charts from the figures embedded in the page (no network). */
(function () {
  'use strict';
  var C = window.XzCharts;
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var board = C.standardCharts(0);
  (report.series.lag || []).forEach(function (lag) {
    C.addLag(board.stores, lag);
  });
  C.addWindows(board.stores, report.series.windows || []);
  Object.keys(board.charts).forEach(function (id) {
    board.charts[id].update();
  });
  window.xzReport = board;
  document.body.setAttribute('data-charts', String(Object.keys(board.charts).length));
})();
