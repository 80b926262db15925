/* dealloop macro panel: AI capex by firm and year against US GDP, published estimates of its
 * share of GDP growth, history side by side (nominal, real, % of GDP) and a capex pullback.
 * Used by the report (bundle key "macro") and the dashboard's /macro page (its JSON twin
 * /api/macro). Every figure carries the row id it comes from. Text goes in with textContent
 * only (Dealloop.h). */
(function () {
  'use strict';
  var D = window.Dealloop;
  var h = D.h, append = D.append;

  function num(v, digits) {
    if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) return '-';
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function pct(v) { return (v === null || v === undefined || !isFinite(v)) ? '-' : (100 * v).toFixed(2) + '%'; }

  function simple(id, cols, rows) {
    return h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table', id: id },
      h('thead', null, h('tr', null, cols.map(function (c) { return h('th', { scope: 'col' }, c); }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, r.map(function (c, i) { return h(i ? 'td' : 'th', i ? { class: 'dl-num' } : { scope: 'row' }, c); }));
      }))));
  }

  function macroSection(el, m) {
    if (!el) return;
    if (!m || !m.capex) { append(el, h('p', { class: 'dl-muted' }, 'No macro panel in this bundle.')); return; }
    var years = [], firms = [], cell = {};
    m.capex.forEach(function (r) {
      if (years.indexOf(r.year) < 0) years.push(r.year);
      if (firms.indexOf(r.firm) < 0) firms.push(r.firm);
      var k = r.firm + '|' + r.year;
      if (!cell[k] || r.basis === 'reported') cell[k] = r;
    });
    years.sort(); firms.sort();
    var totals = {};
    (m.totals || []).forEach(function (t) { totals[t.year] = t; });
    var rows = firms.map(function (f) {
      return [f].concat(years.map(function (y) {
        var r = cell[f + '|' + y];
        return r ? num(r.value, 1) + (r.basis === 'reported' ? '' : ' (plan)') + ' ' + r.id : '';
      }));
    });
    rows.push(['total'].concat(years.map(function (y) { return totals[y] ? num(totals[y].total, 1) : ''; })));
    rows.push(['share of US GDP'].concat(years.map(function (y) {
      var t = totals[y]; return t ? pct(t.share_of_gdp) + ' (' + (t.gdp_row || 'no GDP') + ')' : '';
    })));
    append(el, h('h3', null, 'AI capex by firm and year ($bn)'),
      h('p', { class: 'dl-help' }, 'Reported capex, else guidance (plan); the id after each figure is its row in figures.csv (F) or history.csv (H). GDP is the year\u2019s or the latest before it.'),
      simple('macro-capex-table', ['Firm'].concat(years.map(String)), rows));
    append(el, h('h3', null, 'Published estimates: AI investment and US GDP growth'),
      simple('macro-growth-table', ['Row', 'Estimate', 'Value', 'Unit', 'Date'],
        (m.growth || []).map(function (g) { return [g.id, g.metric, String(g.value), g.unit, String(g.date)]; })));
    var at = (m.comparisons || []).map(function (c) { return c.real_at; }).filter(Boolean)[0];
    append(el, h('h3', null, 'History side by side'),
      h('p', { class: 'dl-help' }, 'Nominal dollars; real dollars at the CPI-U of ' + (at || '-') + ' (nominal \u00d7 CPI then / CPI now, CPI row dated in the figure\u2019s year or before); share of the GDP of the figure\u2019s year.'),
      simple('macro-history-table', ['Episode', 'What', 'Nominal $bn', 'Date', 'Real $bn', '% of GDP', 'Rows'],
        (m.comparisons || []).map(function (c) {
          var ids = String(c.id || '').split(';');
          return [c.episode, c.label, num(c.nominal, 1), String(c.date), num(c.real, 1),
            c.share_of_gdp === null ? '-' : (100 * c.share_of_gdp).toFixed(1) + '%',
            [ids.length > 2 ? 'capex rows' : ids[0], c.cpi_row, c.gdp_row].filter(Boolean).join(', ')];
        })));
    var p = m.pullback;
    if (p) {
      append(el, h('h3', null, 'Capex pullback'), h('p', { id: 'macro-pullback' },
        'Cutting ' + Math.round(100 * p.cut) + '% of ' + p.year + ' AI capex (' + num(p.capex, 1) + ' bn) removes ' +
        num(p.demand_cut, 1) + ' bn of demand, ' + num(p.domestic_cut, 1) + ' bn of it on US producers (import share ' +
        Math.round(100 * p.import_share) + '%): GDP ' + num(p.gdp_change, 1) + ' bn (' + pct(p.share_of_gdp) + ' of GDP, ' +
        (p.gdp_row || '-') + '); ' + (p.io_used ? 'through the input-output table ' + p.io_used +
          ': output ' + num(p.output_change, 1) + ' bn (output multiplier ' + num(p.output_multiplier, 2) +
          ', value-added multiplier ' + num(p.gdp_multiplier, 2) + ').' : 'first round only (no input-output table).')));
      if (p.sectors && p.sectors.length) {
        append(el, simple('macro-pullback-table', ['Sector', 'Output change $bn', 'Value added change $bn'],
          p.sectors.map(function (s) { return [s.label || s.sector, num(s.output_change, 1), num(s.value_added_change, 1)]; })));
      }
      (p.notes || []).forEach(function (n) { append(el, h('p', { class: 'dl-muted' }, n)); });
    }
    (m.notes || []).forEach(function (n) { append(el, h('p', { class: 'dl-muted' }, n)); });
  }

  D.macroSection = macroSection;

  if (document.body && document.body.dataset.page === 'macro') {
    var errEl = document.getElementById('macro-error');
    fetch(document.body.dataset.api, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || j.detail || ('HTTP ' + r.status)); return j; }); })
      .then(function (m) { macroSection(document.getElementById('macro-body'), m); document.body.dataset.ready = '1'; })
      .catch(function (e) { if (errEl) { errEl.hidden = false; errEl.textContent = String(e.message || e); } });
  }
})();
