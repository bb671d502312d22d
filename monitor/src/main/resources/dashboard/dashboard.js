/*
 * The live dashboard: polls /api/lag, /api/metrics and /api/alerts every 2 s, keeps the last 10
 * minutes of every series in the page, and fills them from /api/history when it loads. After each
 * successful poll <body data-polls> counts up and data-status is "live"; when the monitor cannot be
 * reached data-status is "unreachable" and the header says since when.
 */
(function () {
  'use strict';

  var POLL_MS = 2000;
  var WINDOW_MS = 10 * 60 * 1000;
  var C = window.XzCharts;

  var polls = 0;
  var failingSince = null;
  var board = C.standardCharts(WINDOW_MS);
  var stores = board.stores;
  var charts = board.charts;

  window.xzDashboard = board;

  function addLag(lag) {
    C.addLag(stores, lag);
  }

  function addWindows(windows) {
    C.addWindows(stores, windows);
  }

  function redraw() {
    Object.keys(charts).forEach(function (id) {
      stores[id].trim();
      charts[id].update();
    });
  }

  function time(ms) {
    return new Date(ms).toLocaleTimeString();
  }

  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) {
      el.className = cls;
    }
    el.textContent = content;
    return el;
  }

  function renderStages(stages) {
    var box = document.getElementById('stages');
    box.textContent = '';
    if (!stages.length) {
      box.appendChild(text('span', 'muted', 'no stage reported yet'));
      return;
    }
    stages.forEach(function (s) {
      var el = document.createElement('div');
      el.className = 'stage state-' + s.state;
      el.setAttribute('data-stage', s.stage);
      var head = document.createElement('div');
      head.appendChild(text('span', 'name', s.stage));
      head.appendChild(text('span', 'state', s.state));
      el.appendChild(head);
      el.appendChild(text('div', 'detail', C.formatNumber(s.records) + ' waiting · ' + C.formatNumber(s.seconds) + ' s old · '
        + (s.drain_seconds === null || s.drain_seconds === undefined ? 'not draining' : 'drains in ' + C.formatNumber(s.drain_seconds) + ' s')));
      el.appendChild(text('div', 'detail', s.members + ' members · ' + s.recommended_workers + ' recommended'));
      box.appendChild(el);
    });
  }

  function alertItem(a) {
    var li = document.createElement('li');
    li.className = 'sev-' + a.severity + ' state-' + a.state;
    li.setAttribute('data-alert-id', a.id);
    li.appendChild(text('span', 'sev', a.state === 'resolved' ? 'resolved' : a.severity));
    li.appendChild(text('span', 'msg', a.message));
    var meta = a.rule + ' · ' + a.subject + ' · since ' + time(a.since);
    if (a.repeat) {
      meta += ' · repeated ' + a.repeat + '×';
    }
    if (a.state === 'resolved' || a.timestamp !== a.since) {
      meta += ' · at ' + time(a.timestamp);
    }
    li.appendChild(text('span', 'meta', meta));
    return li;
  }

  function renderAlerts(alerts) {
    var active = document.getElementById('alerts-active');
    active.textContent = '';
    var order = {critical: 0, warning: 1};
    alerts.active.slice().sort(function (a, b) {
      return (order[a.severity] - order[b.severity]) || (b.since - a.since);
    }).forEach(function (a) {
      active.appendChild(alertItem(a));
    });
    var count = document.getElementById('alerts-count');
    count.textContent = String(alerts.active.length);
    count.className = 'count' + (alerts.active.length ? ' firing' : '');
    document.getElementById('alerts-none').style.display = alerts.active.length ? 'none' : '';
    var recent = document.getElementById('alerts-recent');
    recent.textContent = '';
    alerts.recent.slice(0, 20).forEach(function (a) {
      recent.appendChild(alertItem(a));
    });
  }

  function getJson(path) {
    return fetch(path, {cache: 'no-store'}).then(function (r) {
      if (!r.ok) {
        return r.text().then(function (body) {
          throw new Error(path + ': ' + r.status + ' ' + body);
        });
      }
      return r.json();
    });
  }

  function setStatus(ok, message) {
    document.body.setAttribute('data-status', ok ? 'live' : 'unreachable');
    document.getElementById('status-text').textContent = message;
  }

  function poll() {
    Promise.all([getJson('api/lag'), getJson('api/metrics'), getJson('api/alerts')]).then(function (answers) {
      var lag = answers[0];
      var metrics = answers[1];
      lag.stages.forEach(addLag);
      addWindows(metrics.windows);
      renderStages(lag.stages);
      renderAlerts(answers[2]);
      redraw();
      polls++;
      failingSince = null;
      document.body.setAttribute('data-polls', String(polls));
      setStatus(true, 'live · updated ' + time(lag.timestamp));
    }).catch(function (e) {
      if (failingSince === null) {
        failingSince = Date.now();
      }
      setStatus(false, 'monitor unreachable since ' + time(failingSince) + ' (' + e.message + ')');
      if (window.console) {
        console.warn('poll failed', e);
      }
    }).then(function () {
      setTimeout(poll, POLL_MS);
    });
  }

  function backfill() {
    var now = Date.now();
    return getJson('api/history?from=' + (now - WINDOW_MS) + '&to=' + now).then(function (history) {
      addWindows(history.windows || []);
      (history.lag || []).forEach(addLag);
      document.body.setAttribute('data-backfill', String((history.windows || []).length + (history.lag || []).length));
    }).catch(function (e) {
      document.body.setAttribute('data-backfill', 'failed');
      if (window.console) {
        console.warn('history back-fill failed', e);
      }
    });
  }

  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].resize();
    });
  });

  redraw();
  backfill().then(poll);
})();
