/* dealloop early-warning signals: a table of lights per firm and a month-by-month series for
 * one firm. Used by the report (bundle key "signals") and the dashboard's /signals page (its
 * JSON twin /api/signals). Every light also says its word (ALERT, WATCH, OK, NO DATA), so the
 * table reads the same without colour. Text goes in with textContent only (Dealloop.h). */
(function () {
  'use strict';
  var D = window.Dealloop;
  var h = D.h, append = D.append, clear = D.clear;

  function fmt(v, unit) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) return '-';
    if (unit === 'bp') return (v >= 0 ? '+' : '') + Math.round(v).toLocaleString('en-US') + ' bp';
    if (unit === 'fraction') return (100 * v).toFixed(1) + '%';
    return v.toFixed(2) + 'x';
  }

  function lightCell(ind, cfg) {
    var unit = cfg.unit;
    var text = ind.light === 'n/a' ? 'NO DATA' : fmt(ind.value, unit) + ' ' + ind.label;
    var sign = cfg.worse === 'higher' ? '>=' : '<=';
    var title = cfg.label + ': ' + cfg.formula + '. WATCH at ' + sign + ' ' + fmt(cfg.amber, unit) +
      ', ALERT at ' + sign + ' ' + fmt(cfg.red, unit) + '.';
    if (ind.basis) title += ' This value: ' + ind.basis + '.';
    if (ind.sources && ind.sources.length) title += ' Sources: ' + ind.sources.join(', ') + '.';
    return h('span', { class: 'dl-light dl-light-' + ind.light.replace('/', ''), title: title,
      dataset: { light: ind.light } }, text);
  }

  function legend(cfg) {
    return h('p', { class: 'dl-help dl-signal-legend' },
      h('span', { class: 'dl-light dl-light-red' }, 'ALERT'), ' red threshold crossed; ',
      h('span', { class: 'dl-light dl-light-amber' }, 'WATCH'), ' amber threshold crossed; ',
      h('span', { class: 'dl-light dl-light-green' }, 'OK'), ' neither; ',
      h('span', { class: 'dl-light dl-light-na' }, 'NO DATA'), ' an input is missing (never counted as OK). ' +
      'Implied default probabilities use a recovery of ' + Math.round(100 * cfg.recovery) + '% (config ' + cfg.source + ').');
  }

  function table(sig, opts) {
    var cfg = sig.config;
    var names = Object.keys(cfg.indicators);
    var head = h('tr', null, h('th', { scope: 'col' }, 'Firm'), names.map(function (n) {
      return h('th', { scope: 'col', title: cfg.indicators[n].formula }, cfg.indicators[n].label);
    }));
    var rows = sig.firms.filter(function (f) {
      return opts.all || names.some(function (n) { return f.indicators[n].light !== 'n/a'; });
    }).map(function (f) {
      var firmCell = opts.onFirm ? h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { opts.onFirm(f.firm); } } }, opts.name(f.firm)) : opts.name(f.firm);
      return h('tr', { dataset: { firm: f.firm } }, h('th', { scope: 'row' }, firmCell), names.map(function (n) {
        return h('td', { class: 'dl-num' }, lightCell(f.indicators[n], cfg.indicators[n]));
      }));
    });
    return h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table dl-signals', id: opts.id || 'signals-table' },
      h('thead', null, head), h('tbody', null, rows)));
  }

  function crossedList(sig, name) {
    var cfg = sig.config.indicators;
    if (!sig.crossed.length) {
      var any = sig.firms.some(function (f) {
        return Object.keys(f.indicators).some(function (k) { return f.indicators[k].light !== 'n/a'; });
      });
      return h('p', { class: 'dl-muted' }, any ? 'No threshold crossed as of ' + sig.as_of + '.'
        : 'No data as of ' + sig.as_of + ': no threshold can be read.');
    }
    return h('ul', { class: 'dl-crossed', id: 'signals-crossed' }, sig.crossed.map(function (c) {
      var ic = cfg[c.indicator];
      var sign = c.worse === 'higher' ? '>=' : '<=';
      return h('li', { dataset: { light: c.light } }, h('span', { class: 'dl-light dl-light-' + c.light }, c.label), ' ',
        name(c.firm) + ': ' + ic.label + ' ' + fmt(c.value, ic.unit) + ' (' + sign + ' ' + fmt(c.threshold, ic.unit) + ')' +
        (c.basis ? '; ' + c.basis : ''));
    }));
  }

  function series(history, cfg, firm) {
    var names = Object.keys(cfg.indicators);
    var rows = history.filter(function (r) { return r.firm === firm; });
    if (!rows.length) return h('p', { class: 'dl-muted' }, 'No monthly series.');
    return h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table dl-signal-series', id: 'signals-series' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Month end'), names.map(function (n) {
        return h('th', { scope: 'col', title: cfg.indicators[n].formula }, cfg.indicators[n].label);
      }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, h('th', { scope: 'row' }, r.date), names.map(function (n) {
          var light = r[n + '_light'];
          var label = { red: 'ALERT', amber: 'WATCH', green: 'OK', 'n/a': 'NO DATA' }[light];
          return h('td', { class: 'dl-num' }, lightCell({ value: r[n], light: light, label: label }, cfg.indicators[n]));
        }));
      }))));
  }

  function implied(sig, name) {
    var rows = (sig.implied || []);
    if (!rows.length) return null;
    return h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table', id: 'signals-implied' },
      h('thead', null, h('tr', null, ['Firm', 'Quote', 'Date', 'Spread', 'Hazard / yr', 'PD 1 year',
        'PD ' + sig.config.pd_horizon_years + ' years', 'Sources'].map(function (x) { return h('th', { scope: 'col' }, x); }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, h('th', { scope: 'row' }, name(r.firm)), h('td', null, r.instrument + (r.issue ? ' (' + r.issue + ')' : '')),
          h('td', null, r.date), h('td', { class: 'dl-num' }, Math.round(r.spread_bp) + ' bp'),
          h('td', { class: 'dl-num' }, (100 * r.hazard).toFixed(2) + '%'), h('td', { class: 'dl-num' }, (100 * r.pd_1y).toFixed(1) + '%'),
          h('td', { class: 'dl-num' }, (100 * r.pd_horizon).toFixed(1) + '%'), h('td', null, r.sources));
      }))));
  }

  /* The capital behind each holder sector's line (banks, insurers, private credit), NO DATA with the reason. */
  function sectorCapital(sig) {
    var caps = sig.sector_capital || {};
    var keys = Object.keys(caps);
    if (!keys.length) return null;
    return h('ul', { class: 'dl-sector-capital', id: 'signals-sector-capital' }, keys.map(function (k) {
      var c = caps[k];
      if (typeof c.capital !== 'number') {
        return h('li', { dataset: { line: k } }, c.label + ': ', h('span', { class: 'dl-light dl-light-na' }, 'NO DATA'),
          ' (' + (c.no_data || 'no capital figure in the data') + ')');
      }
      return h('li', { dataset: c.stale ? { line: k, stale: c.as_of } : { line: k } }, c.label + ': ' + Math.round(c.capital).toLocaleString('en-US') + ' bn (' +
        c.capital_name + ', ' + (c.stale || c.as_of) + ', ' + c.row + '; sources ' + (c.sources || []).join(', ') + ')');
    }));
  }

  /* Draw the signals into el. sig: the "signals" part of a bundle or /api/signals. */
  function signalsSection(el, sig, opts) {
    clear(el);
    opts = opts || {};
    var name = opts.name || function (id) { return id; };
    if (!sig || !sig.firms) { append(el, h('p', { class: 'dl-muted' }, 'Not computed.')); return; }
    append(el, h('p', { class: 'dl-headline', id: 'signals-headline' }, sig.headline), legend(sig.config));
    append(el, table(sig, { onFirm: opts.onFirm, name: name, all: opts.all }));
    append(el, h('h3', null, 'Thresholds crossed'), crossedList(sig, name));
    var imp = implied(sig, name);
    if (imp) append(el, h('h3', null, 'Default probabilities implied by spreads (hazard = spread / (1 - recovery))'), imp);
    var caps = sectorCapital(sig);
    if (caps) append(el, h('h3', null, 'Capital behind the holder sectors (a stress run sets its losses against it)'), caps);
    if (sig.history && sig.history.length) {
      var firms = [];
      sig.history.forEach(function (r) { if (firms.indexOf(r.firm) < 0) firms.push(r.firm); });
      var box = h('div', { id: 'signals-series-box' });
      var pick = h('select', { id: 'signals-firm', 'aria-label': 'Firm for the monthly series' }, firms.map(function (f) {
        return h('option', { value: f }, name(f));
      }));
      var show = function () { clear(box); append(box, series(sig.history, sig.config, pick.value)); };
      pick.addEventListener('change', show);
      append(el, h('h3', null, 'Month by month'), h('label', null, 'Firm ', pick), box);
      if (opts.firm && firms.indexOf(opts.firm) >= 0) pick.value = opts.firm;
      show();
    }
  }

  D.signalsSection = signalsSection;
  D.fmtSignal = fmt;

  if (document.body && document.body.dataset.page === 'signals') {
    var errEl = document.getElementById('signals-error');
    fetch(document.body.dataset.api, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || j.detail || ('HTTP ' + r.status)); return j; }); })
      .then(function (sig) {
        signalsSection(document.getElementById('signals-body'), sig, {
          name: function (id) { return id; },
          onFirm: function (id) { window.location.href = '/firms/' + encodeURIComponent(id); },
          firm: new URLSearchParams(window.location.search).get('firm')
        });
        document.body.dataset.ready = '1';
      })
      .catch(function (e) { if (errEl) { errEl.hidden = false; errEl.textContent = String(e.message || e); } });
  }
})();
