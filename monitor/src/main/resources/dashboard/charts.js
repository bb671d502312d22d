/*
 * Chart helpers shared by the dashboard and the HTML report: a store of time series keyed by name
 * (aligned on one time axis for uPlot), stable colours per stage and service, and one uPlot chart
 * per store that is rebuilt when its set of series changes and otherwise only given new data.
 */
(function (global) {
  'use strict';

  var STAGES = ['asr', 'llm', 'tts', 'vllm'];
  var SERVICES = ['gateway', 'asr-worker', 'llm-worker', 'tts-worker', 'vllm-worker', 'monitor'];
  var PALETTE = ['#1f77b4', '#e4572e', '#2e9d5a', '#8e44ad', '#d98b00', '#17becf', '#7f7f7f', '#bcbd22', '#e377c2', '#8c564b'];

  /** A colour for a stage or service name that stays the same across charts and reloads. */
  function colour(name) {
    var i = STAGES.indexOf(name);
    if (i < 0) {
      i = SERVICES.indexOf(name);
    }
    if (i < 0) {
      var h = 0;
      for (var c = 0; c < name.length; c++) {
        h = (h * 31 + name.charCodeAt(c)) >>> 0;
      }
      i = 4 + (h % (PALETTE.length - 4));
    }
    return PALETTE[i % PALETTE.length];
  }

  function rank(key) {
    var base = key.split(':')[0];
    var i = STAGES.indexOf(base);
    if (i < 0) {
      i = SERVICES.indexOf(base);
    }
    return i < 0 ? 100 : i;
  }

  /** Time series by key over a rolling window (windowMs; 0 keeps everything), x in epoch ms. */
  function SeriesStore(windowMs) {
    this.windowMs = windowMs;
    this.points = new Map();
    this.keySet = new Set();
  }
  SeriesStore.prototype.put = function (xMs, key, value) {
    if (typeof xMs !== 'number' || !isFinite(xMs) || value === null || value === undefined || !isFinite(value)) {
      return;
    }
    var row = this.points.get(xMs);
    if (!row) {
      row = new Map();
      this.points.set(xMs, row);
    }
    row.set(key, value);
    this.keySet.add(key);
  };
  SeriesStore.prototype.trim = function () {
    if (!this.windowMs || this.points.size === 0) {
      return;
    }
    var newest = Math.max.apply(null, Array.from(this.points.keys()));
    var oldest = newest - this.windowMs;
    var self = this;
    Array.from(this.points.keys()).forEach(function (x) {
      if (x < oldest) {
        self.points.delete(x);
      }
    });
  };
  SeriesStore.prototype.keys = function () {
    return Array.from(this.keySet).sort(function (a, b) {
      return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
  };
  /** [xs in seconds, then one column per key (null where a key has no point)]. */
  SeriesStore.prototype.aligned = function (keys) {
    var xs = Array.from(this.points.keys()).sort(function (a, b) { return a - b; });
    var points = this.points;
    var data = [xs.map(function (x) { return x / 1000; })];
    keys.forEach(function (key) {
      data.push(xs.map(function (x) {
        var v = points.get(x).get(key);
        return v === undefined ? null : v;
      }));
    });
    return data;
  };
  SeriesStore.prototype.size = function () {
    return this.points.size;
  };

  /**
   * A chart in `el` drawing `store`. `describe(key)` gives {label, stroke, dash, width}; `unit` names
   * the y axis. update() redraws; the uPlot instance is `chart.plot`.
   */
  function Chart(el, store, describe, unit, height) {
    this.el = el;
    this.store = store;
    this.describe = describe;
    this.unit = unit;
    this.height = height || 220;
    this.plot = null;
    this.keys = [];
    this.empty = document.createElement('div');
    this.empty.className = 'empty';
    this.empty.textContent = 'waiting for data…';
    el.appendChild(this.empty);
  }
  Chart.prototype.width = function () {
    return Math.max(300, this.el.clientWidth || 600);
  };
  Chart.prototype.update = function () {
    var keys = this.store.keys();
    var data = this.store.aligned(keys);
    var hasPoints = data[0].length > 0 && keys.length > 0;
    this.empty.style.display = hasPoints ? 'none' : '';
    this.el.setAttribute('data-series', String(keys.length));
    this.el.setAttribute('data-points', String(data[0].length));
    if (!this.plot || keys.join('|') !== this.keys.join('|')) {
      if (this.plot) {
        this.plot.destroy();
      }
      this.keys = keys;
      var describe = this.describe;
      var series = [{}].concat(keys.map(function (key) {
        var d = describe(key);
        return {label: d.label, stroke: d.stroke, width: d.width || 2, dash: d.dash, spanGaps: true,
          points: {show: false}, value: function (u, v) { return v === null || v === undefined ? '–' : formatNumber(v); }};
      }));
      this.plot = new global.uPlot({
        width: this.width(),
        height: this.height,
        series: series,
        scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; }}},
        axes: [{space: 60, values: timeLabels}, {label: this.unit, size: 60, values: function (u, vals) { return vals.map(formatNumber); }}],
        legend: {live: true},
        hooks: {ready: [function (u) {
          if (u.data[0].length) {
            u.setLegend({idx: u.data[0].length - 1});
          }
        }]},
        cursor: {drag: {x: false, y: false}}
      }, data, this.el);
    } else {
      this.plot.setData(data);
    }
    // with the cursor away from the chart, the legend shows the newest values
    if (hasPoints && !(this.plot.cursor.left >= 0)) {
      this.plot.setLegend({idx: data[0].length - 1});
    }
  };

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  /** Tick labels in local 24-hour time; seconds only when ticks are less than a minute apart. */
  function timeLabels(u, splits, axisIdx, foundSpace, foundIncr) {
    return splits.map(function (s) {
      var d = new Date(s * 1000);
      var label = pad(d.getHours()) + ':' + pad(d.getMinutes());
      return foundIncr < 60 ? label + ':' + pad(d.getSeconds()) : label;
    });
  }
  Chart.prototype.resize = function () {
    if (this.plot) {
      this.plot.setSize({width: this.width(), height: this.height});
    }
  };

  function formatNumber(v) {
    if (v === null || v === undefined || !isFinite(v)) {
      return '–';
    }
    var a = Math.abs(v);
    if (a >= 10000) {
      return (v / 1000).toFixed(a >= 100000 ? 0 : 1) + 'k';
    }
    if (a >= 100 || v === Math.round(v)) {
      return String(Math.round(v));
    }
    return v.toFixed(a >= 10 ? 1 : 2);
  }

  /** A series described by its stage or service name, with an optional suffix style. */
  function byName(labels) {
    return function (key) {
      var parts = key.split(':');
      var style = (labels && labels[parts[1] || '']) || {};
      return {label: parts[0] + (style.suffix || ''), stroke: colour(parts[0]), dash: style.dash, width: style.width};
    };
  }

  function num(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  /**
   * The charts the dashboard and the report draw, by id; each in the element chart-<id> when the
   * page has one. Returns {stores, charts}.
   */
  function standardCharts(windowMs) {
    var stores = {};
    var charts = {};
    function define(id, unit, describe) {
      stores[id] = new SeriesStore(windowMs);
      var el = document.getElementById('chart-' + id);
      if (el) {
        charts[id] = new Chart(el, stores[id], describe, unit);
      }
    }
    define('lag-seconds', 's', byName());
    define('lag-records', 'records', byName());
    define('inflight', 'requests', byName({inflight: {suffix: ' in flight'}, limit: {suffix: ' limit', dash: [6, 4], width: 1.5}}));
    define('workers', 'processes', byName({recommended: {suffix: ' recommended'}, members: {suffix: ' members', dash: [6, 4], width: 1.5}}));
    define('latency', 'ms', function (key) {
      var colours = {p50: '#2e9d5a', p95: '#d98b00', p99: '#c0172f'};
      return {label: key, stroke: colours[key] || '#1f77b4'};
    });
    define('connections', 'connections', function () { return {label: 'connections', stroke: '#1f77b4'}; });
    define('errors', '%', byName());
    define('cpu', '%', byName());
    define('memory', '%', byName());
    return {stores: stores, charts: charts};
  }

  /** A StageLag (full, from /api/lag, or a compact history sample) into the lag and worker series. */
  function addLag(stores, lag) {
    var t = num(lag.timestamp);
    if (!lag.stage || t === null) {
      return;
    }
    stores['lag-seconds'].put(t, lag.stage, num(lag.seconds));
    stores['lag-records'].put(t, lag.stage, num(lag.records));
    stores.workers.put(t, lag.stage + ':recommended', num(lag.recommended_workers));
    stores.workers.put(t, lag.stage + ':members', num(lag.members));
  }

  /**
   * WindowStats into their series, at the end of each window. A service can have several rows per
   * window (its stage and its service-wide figures): error rate, CPU and heap take the largest.
   */
  function addWindows(stores, windows) {
    var perService = {};
    windows.forEach(function (w) {
      var t = num(w.end);
      if (!w.service || t === null) {
        return;
      }
      var stage = w.stage || '';
      // the gateway's window (in the standalone server, the one process's): the one with connections
      if (stage === '' && num(w.connections) !== null) {
        var lat = w.latency_ms || {};
        ['p50', 'p95', 'p99'].forEach(function (p) {
          stores.latency.put(t, p, num(lat[p]));
        });
        stores.connections.put(t, 'connections', num(w.connections));
      }
      if (stage !== '' && num(w.inflight) !== null) {
        stores.inflight.put(t, stage + ':inflight', num(w.inflight));
        if (num(w.max_concurrent) !== null) {
          stores.inflight.put(t, stage + ':limit', num(w.max_concurrent) * Math.max(1, num(w.instances) || 1));
        }
      }
      var key = t + ' ' + w.service;
      var agg = perService[key] || (perService[key] = {t: t, service: w.service, errors: null, cpu: null, memory: null});
      [['error_rate', 'errors'], ['cpu', 'cpu'], ['memory', 'memory']].forEach(function (f) {
        var v = num(w[f[0]]);
        if (v !== null) {
          agg[f[1]] = agg[f[1]] === null ? v : Math.max(agg[f[1]], v);
        }
      });
    });
    Object.keys(perService).forEach(function (key) {
      var agg = perService[key];
      stores.errors.put(agg.t, agg.service, agg.errors);
      stores.cpu.put(agg.t, agg.service, agg.cpu);
      stores.memory.put(agg.t, agg.service, agg.memory);
    });
  }

  global.XzCharts = {SeriesStore: SeriesStore, Chart: Chart, colour: colour, byName: byName, formatNumber: formatNumber,
    STAGES: STAGES, standardCharts: standardCharts, addLag: addLag, addWindows: addWindows};
})(window);
