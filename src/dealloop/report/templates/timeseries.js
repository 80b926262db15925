/* dealloop over time: the timeline (legs, money, loops by month, and a month slider that
 * steps the network graph) and the payment calendar (what falls due each year). */
(function () {
  'use strict';
  var D = window.Dealloop;
  var h = D.h, append = D.append, clear = D.clear;

  function plot(el, traces, layout) {
    /* global Plotly */
    Plotly.react(el, traces, Object.assign({ margin: { l: 50, r: 50, t: 10, b: 40 }, height: 320, font: { size: 11 },
      legend: { orientation: 'h', y: -0.2 }, barmode: 'stack' }, layout || {}), { displaylogo: false, responsive: true });
  }

  function numbersTable(id, caption, columns, rows) {
    // in a scrolling box, like every other table: a narrow screen scrolls the table, not the page
    return h('div', { class: 'dl-scroll' }, h('table', { class: 'dl-table', id: id, 'aria-label': caption },
      h('thead', null, h('tr', null, columns.map(function (c) { return h('th', { scope: 'col' }, c[1]); }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, columns.map(function (c) {
          var v = r[c[0]];
          return h('td', { class: typeof v === 'number' ? 'dl-num' : null, dataset: typeof v === 'number' ? { value: v } : null }, typeof v === 'number' && c[2] !== 'int' ? D.fmtMoney(v) : String(v === null || v === undefined ? '' : v));
        }));
      }))));
  }

  /** The timeline: new money by month (bars) with legs and loops known (lines). */
  function timelineSection(el, tl) {
    clear(el);
    if (!tl || !tl.rows || !tl.rows.length) { append(el, h('p', null, 'No dated legs.')); return; }
    var months = tl.rows.map(function (r) { return r.month; });
    var chart = h('div', { class: 'dl-chart', id: 'timeline-chart' });
    append(el, chart);
    plot(chart, [
      { type: 'bar', name: 'New money (firm legs, USD bn)', x: months, y: tl.rows.map(function (r) { return r.new_money_usd_bn; }), marker: { color: '#4c78a8' } },
      { type: 'scatter', mode: 'lines', name: 'Live legs known', x: months, y: tl.rows.map(function (r) { return r.legs; }), yaxis: 'y2', line: { color: '#f58518' } },
      { type: 'scatter', mode: 'lines', name: 'Money loops', x: months, y: tl.rows.map(function (r) { return r.loops; }), yaxis: 'y2', line: { color: '#e45756', dash: 'dot' } }
    ], { yaxis: { title: { text: 'USD bn' } }, yaxis2: { title: { text: 'count' }, overlaying: 'y', side: 'right', rangemode: 'tozero' } });
    var shown = tl.rows.filter(function (r) { return r.new_legs > 0; });
    var details = h('details', null, h('summary', null, 'The table, month by month (' + shown.length + ' months with new legs)'));
    append(details, numbersTable('timeline-table', 'Timeline', [['month', 'Month'], ['new_legs', 'New legs', 'int'], ['legs', 'Live legs', 'int'],
      ['firm_legs', 'Firm legs', 'int'], ['money_usd_bn', 'Money (USD bn)'], ['new_money_usd_bn', 'New money'], ['loops', 'Loops', 'int']], shown));
    append(el, details);
    if (tl.undated && tl.undated.length) append(el, h('p', { class: 'dl-help' }, tl.undated.length + ' undated leg(s) count from the first month.'));
  }

  /** A month slider over the graph: shows the legs announced up to the month picked. */
  function stepper(el, tl, onMonth) {
    if (!tl || !tl.rows || !tl.rows.length) return;
    var months = tl.rows.map(function (r) { return r.month; });
    var known = [], seen = {};
    (tl.undated || []).forEach(function (id) { seen[id] = true; });
    months.forEach(function (m) { (tl.added[m] || []).forEach(function (id) { seen[id] = true; }); known.push(Object.assign({}, seen)); });
    var label = h('output', { id: 'timeline-month' }, 'all');
    var slider = h('input', { type: 'range', min: 0, max: months.length, value: months.length, step: 1, id: 'timeline-slider', 'aria-label': 'Network as known at the end of the month' });
    function show() {
      var k = +slider.value;
      label.textContent = k >= months.length ? 'all' : months[k];
      onMonth(k >= months.length ? null : known[k], k >= months.length ? null : months[k]);
    }
    slider.addEventListener('input', show);
    var timer = null;
    var play = h('button', { class: 'dl-btn', type: 'button', id: 'timeline-play' }, 'Play');
    play.addEventListener('click', function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = 'Play'; return; }
      slider.value = 0; show(); play.textContent = 'Stop';
      timer = setInterval(function () {
        if (+slider.value >= months.length) { clearInterval(timer); timer = null; play.textContent = 'Play'; return; }
        slider.value = +slider.value + 1; show();
      }, 350);
    });
    append(el, h('label', { class: 'dl-check dl-stepper' }, 'Known by ', slider, ' ', label), play);
  }

  var PARTS = [['contracts', 'Contracts', '#4c78a8'], ['equity', 'Equity instalments', '#72b7b2'],
    ['debt_interest', 'Debt interest', '#f58518'], ['debt_principal', 'Debt principal', '#e45756']];

  /** The payment calendar: dues by year (stacked) against revenue, with a firm picker. */
  function calendarSection(el, cal, opts) {
    clear(el);
    opts = opts || {};
    if (!cal || !cal.calendars) { append(el, h('p', null, 'No payment calendar in this file.')); return; }
    var keys = Object.keys(cal.calendars);
    var pick = h('select', { id: 'calendar-firm', 'aria-label': 'Firm' }, keys.map(function (k) {
      return h('option', { value: k }, k === 'system' ? 'The system (every payer)' : (opts.name ? opts.name(k) : k));
    }));
    if (cal.calendars.openai) pick.value = 'openai';
    var chart = h('div', { class: 'dl-chart', id: 'calendar-chart' });
    var note = h('p', { class: 'dl-help', id: 'calendar-note' });
    var body = h('div', { id: 'calendar-table-box' });
    append(el, h('label', { class: 'dl-check' }, 'Firm ', pick), chart, note, body);
    function show() {
      var c = cal.calendars[pick.value];
      var years = c.rows.map(function (r) { return String(r.year); });
      var traces = PARTS.map(function (p) {
        return { type: 'bar', name: p[1], x: years, y: c.rows.map(function (r) { return r[p[0]]; }), marker: { color: p[2] } };
      });
      if (c.revenue !== null) traces.push({ type: 'scatter', mode: 'lines+markers', name: 'Revenue (latest year)', x: years, y: c.rows.map(function (r) { return r.revenue; }), line: { color: '#222', dash: 'dash' } });
      plot(chart, traces, { yaxis: { title: { text: 'USD bn due' } } });
      note.textContent = 'Cash at hand: ' + (c.cash === null ? 'unknown' : D.fmtMoney(c.cash) + ' bn') + '. Debt at ' + (100 * c.debt_rate).toFixed(1) +
        '% interest, ' + c.repayment + ' repayment' + (c.undated_debt.length ? '; debt with no maturity (not scheduled): ' + c.undated_debt.join(', ') : '') + '. Revenue is not profit.';
      clear(body);
      append(body, numbersTable('calendar-table', 'Payment calendar ' + pick.value, [['year', 'Year', 'int'], ['contracts', 'Contracts'], ['equity', 'Equity'],
        ['debt_interest', 'Interest'], ['debt_principal', 'Principal'], ['total', 'Total due'], ['revenue', 'Revenue'], ['cumulative_due', 'Cumulative due'], ['cumulative_gap', 'Gap']], c.rows));
    }
    pick.addEventListener('change', show);
    show();
  }

  // The dashboard's "Over time" page: its JSON twins are /api/timeline and /api/calendar.
  function timePage() {
    function get(url) {
      return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status + ' on ' + url);
        return r.json();
      });
    }
    var names = {};
    Promise.all([get('/api/timeline'), get('/api/calendar'), get('/api/entities')]).then(function (res) {
      (res[2] || []).forEach(function (e) { names[e.id] = e.name; });
      timelineSection(document.getElementById('timeline-body'), res[0]);
      calendarSection(document.getElementById('calendar-body'), res[1], { name: function (id) { return names[id] || id; } });
      document.body.dataset.ready = '1';
    }).catch(function (err) {
      var el = document.getElementById('time-error');
      if (el) { el.hidden = false; el.textContent = String(err.message || err); }
    });
  }
  if (document.body && document.body.dataset.page === 'time') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', timePage); else timePage();
  }

  D.timelineSection = timelineSection;
  D.stepper = stepper;
  D.calendarSection = calendarSection;
})();
