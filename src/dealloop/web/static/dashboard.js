/* dealloop dashboard: each page fetches its JSON twin (body[data-api]) and draws it with the
 * report's own code (dealloop.js). Data are put in the page with textContent only. */
(function () {
  'use strict';
  var D = window.Dealloop;
  var body = document.body;
  var page = body.dataset.page;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(readJSON);
  }

  function postJSON(url, payload) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload)
    }).then(readJSON);
  }

  function readJSON(r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      if (!r.ok) {
        var msg = j.message || (typeof j.detail === 'string' ? j.detail : '') || ('HTTP ' + r.status);
        throw new Error(msg);
      }
      return j;
    });
  }

  function showError(id, err) {
    var el = document.getElementById(id);
    if (!el) return;
    el.hidden = !err;
    D.clear(el);
    if (err) D.append(el, String(err.message || err));
  }

  function firmHref(id) { return '/firms/' + encodeURIComponent(id); }

  function firmLink(ctx, id) {
    var a = D.h('a', null, D.name(ctx, id));
    a.href = firmHref(id);
    return a;
  }

  // ------------------------------------------------------------------ explorer
  function explorer() {
    var form = document.getElementById('filters');
    var panel = document.getElementById('panel');
    var graphEl = document.getElementById('graph');
    var ctl = null;
    var ctx = null;
    var seq = 0;

    function query() {
      var q = new URLSearchParams();
      var fd = new FormData(form);
      ['status', 'evidence', 'kind', 'firm_kind'].forEach(function (k) {
        fd.getAll(k).forEach(function (v) { q.append(k, v); });
      });
      ['since', 'until'].forEach(function (k) { var v = (fd.get(k) || '').trim(); if (v) q.set(k, v); });
      return q.toString();
    }

    function intro() {
      D.clear(panel);
      D.append(panel, D.h('h3', null, 'Click a firm or a leg'),
        D.h('p', { class: 'dl-help' }, 'Filter the legs above; the graph, the loops and the counts follow.'));
    }

    function showFirm(id) {
      ctl.selectFirm(id);
      D.firmPanel(panel, ctx, id, { onLoop: function (lp) { ctl.highlightLoop(lp); }, firmHref: firmHref });
    }

    function load() {
      var mine = ++seq;
      var url = '/api/network?' + query();
      body.dataset.loading = '1';
      return getJSON(url).then(function (data) {
        if (mine !== seq) return;
        showError('filter-error', null);
        ctx = D.context(data);
        if (ctl) ctl.cy.destroy();
        ctl = D.graph(graphEl, ctx, {
          status: 'graph-status', tools: 'graph-tools', onFirm: showFirm, onNone: intro,
          onLeg: function (id) { ctl.highlightLeg(id); D.legPanel(panel, ctx, id); }
        });
        ctx.hooks.leg = function (id) { ctl.highlightLeg(id); D.legPanel(panel, ctx, id); };
        window.dealloop = { data: data, ctx: ctx, graph: ctl, showFirm: showFirm };
        var count = document.getElementById('filter-count');
        D.clear(count);
        D.append(count, ctl.counts().nodes + ' firms, ' + ctl.counts().edges + ' legs, ' +
          data.loops.loops.length + ' loops');
        D.loopsTable(document.getElementById('loops-body'), ctx, {
          limit: 15, onSelect: function (lp) { ctl.highlightLoop(lp); graphEl.scrollIntoView({ block: 'center' }); }
        });
        intro();
        body.dataset.ready = '1';
        body.dataset.loading = '';
      }).catch(function (err) {
        body.dataset.loading = '';
        showError('filter-error', err);
      });
    }

    form.addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    form.addEventListener('change', function (ev) {
      if (ev.target.type === 'checkbox' || ev.target.tagName === 'SELECT') load();
    });
    form.addEventListener('reset', function () { setTimeout(load, 0); });
    D.legend(document.getElementById('legend'));
    if (D.publish) D.publish.graphButtons(document.getElementById('legend'), function () { return ctl.cy; }, 'network');
    load();
  }

  // ------------------------------------------------------------------ firm
  function firm() {
    var id = body.dataset.entity;
    getJSON(body.dataset.api).then(function (data) {
      var ctx = D.context(data);
      var graphEl = document.getElementById('graph');
      var ents = data.entities.slice();
      if (!ents.some(function (e) { return e.id === id; })) ents.push(data.entity);
      ctx.ent[id] = data.entity;
      ctx.b.entities = ents;
      var ctl = D.graph(graphEl, ctx, {
        status: 'graph-status',
        onFirm: function (fid) { if (fid !== id) window.location.href = firmHref(fid); }
      });
      ctl.cy.layout({ name: 'concentric', concentric: function (n) { return n.id() === id ? 2 : 1; }, levelWidth: function () { return 1; }, animate: false, padding: 20 }).run();
      D.firmPanel(document.getElementById('panel'), ctx, id, {
        onLoop: function (lp) { ctl.highlightLoop(lp); graphEl.scrollIntoView({ block: 'center' }); }
      });
      D.loopsTable(document.getElementById('loops-body'), ctx, {
        limit: 30, id: 'firm-loops-table', onSelect: function (lp) { ctl.highlightLoop(lp); graphEl.scrollIntoView({ block: 'center' }); }
      });
      window.dealloop = { data: data, ctx: ctx, graph: ctl };
      body.dataset.ready = '1';
    }).catch(function (err) { D.append(document.getElementById('panel'), D.h('p', { class: 'dl-error' }, String(err.message))); });
  }

  // ------------------------------------------------------------------ loops
  function loops() {
    getJSON(body.dataset.api).then(function (data) {
      var ctx = D.context(data);
      var el = document.getElementById('loops-body');
      D.loopsTable(el, ctx, { limit: 100 });
      D.append(el, D.h('p', { class: 'dl-help' }, 'Firms on these loops: '),
        D.h('p', null, data.entities.map(function (e, k) { return [k ? ', ' : '', firmLink(ctx, e.id)]; })));
      window.dealloop = { data: data, ctx: ctx };
      body.dataset.ready = '1';
    }).catch(function (err) { D.append(document.getElementById('loops-body'), D.h('p', { class: 'dl-error' }, String(err.message))); });
  }

  // ------------------------------------------------------------------ scenarios
  function scenarios() {
    var el = document.getElementById('scenario-list');
    getJSON(body.dataset.api).then(function (data) {
      if (!data.scenarios.length) {
        D.append(el, D.h('p', { class: 'dl-muted' }, 'No shipped scenario is available in this installation.'));
      }
      data.scenarios.forEach(function (s) {
        var a = D.h('a', null, s.name);
        a.href = '/scenarios/' + encodeURIComponent(s.name);
        D.append(el, D.h('div', { class: 'dl-scenario-card', dataset: { scenario: s.name } },
          D.h('h3', null, a), D.h('p', null, s.question),
          D.h('p', { class: 'dl-muted' }, s.shocks.length + ' shock(s): ' + s.shocks.map(function (x) { return x.type; }).join(', ') +
            '; ' + s.parameters.length + ' parameter(s) to change.')));
      });
      Object.keys(data.unavailable || {}).forEach(function (k) {
        D.append(el, D.h('p', { class: 'dl-error' }, k + ': ' + data.unavailable[k]));
      });
      body.dataset.ready = '1';
    }).catch(function (err) { D.append(el, D.h('p', { class: 'dl-error' }, String(err.message))); });
  }

  function scenario() {
    var name = body.dataset.scenario;
    var form = document.getElementById('scenario-form');
    var sliders = document.getElementById('sliders');
    var resultEl = document.getElementById('result');
    var status = document.getElementById('run-status');
    var defaults = {};
    var ctx = null;
    var spec = null;

    function say(text) { D.clear(status); D.append(status, text); }

    function changed() {
      var params = {};
      (spec.parameters || []).forEach(function (p) {
        var input = form.elements[p.key];
        var v = p.type === 'bool' ? input.checked : parseFloat(input.value);
        if (v !== p.value) params[p.key] = v;
      });
      return params;
    }

    function simulate() {
      var simStatus = document.getElementById('sim-status');
      var out = document.getElementById('simulation');
      var t0 = performance.now();
      D.clear(simStatus);
      D.append(simStatus, 'drawing\u2026');
      var payload = { parameters: changed(), draws: parseInt(form.elements.draws.value, 10),
        seed: parseInt(form.elements.seed.value, 10) };
      return postJSON('/api/scenarios/' + encodeURIComponent(name) + '/simulate', payload)
        .then(function (res) {
          showError('sim-error', null);
          simulationResult(out, ctx, res);
          D.clear(simStatus);
          D.append(simStatus, res.draws + ' draws in ' + ((performance.now() - t0) / 1000).toFixed(2) + ' s');
          out.dataset.runs = String((parseInt(out.dataset.runs || '0', 10)) + 1);
        })
        .catch(function (err) { D.clear(simStatus); showError('sim-error', err); });
    }

    function run() {
      var params = changed();
      var t0 = performance.now();
      say('running\u2026');
      body.dataset.running = '1';
      return postJSON('/api/scenarios/' + encodeURIComponent(name) + '/run', { parameters: params, band: form.elements.band.checked })
        .then(function (res) {
          showError('run-error', null);
          D.stressResult(resultEl, ctx, { name: name, title: 'Result', question: null, headlines: spec.headlines, result: res.result });
          say('done in ' + ((performance.now() - t0) / 1000).toFixed(2) + ' s (engine ' + res.elapsed_s.toFixed(2) + ' s)');
          resultEl.dataset.runs = String((parseInt(resultEl.dataset.runs || '0', 10)) + 1);
          body.dataset.running = '';
        })
        .catch(function (err) { say(''); showError('run-error', err); body.dataset.running = ''; });
    }

    Promise.all([getJSON(body.dataset.api), getJSON('/api/entities'), getJSON('/api/history'), getJSON('/api/sources')]).then(function (all) {
      spec = all[0];
      ctx = D.context({ entities: all[1], history: all[2], sources: all[3] });
      var q = document.getElementById('scenario-question');
      D.clear(q);
      D.append(q, spec.question, spec.notes ? D.h('span', { class: 'dl-muted' }, ' ' + spec.notes) : null);
      D.historyTable(document.getElementById('history-body'), ctx);
      if (!spec.parameters.length) D.append(sliders, D.h('p', { class: 'dl-muted' }, 'This scenario has no numeric parameter to change.'));
      spec.parameters.forEach(function (p) {
        defaults[p.key] = p.value;
        if (p.type === 'bool') {
          D.append(sliders, D.h('label', { class: 'dl-check' }, D.h('input', { type: 'checkbox', name: p.key, checked: p.value }), ' ' + p.label));
          return;
        }
        var out = D.h('span', { class: 'dl-val' }, String(p.value));
        var input = D.h('input', { type: 'range', name: p.key, min: p.min, max: p.max, step: p.step, value: p.value, 'aria-label': p.label });
        input.addEventListener('input', function () { D.clear(out); D.append(out, input.value); });
        D.append(sliders, D.h('label', null, p.label, ': ', out), input);
      });
      form.addEventListener('submit', function (ev) { ev.preventDefault(); run(); });
      document.getElementById('simulate').addEventListener('click', simulate);
      document.getElementById('reset-sliders').addEventListener('click', function () {
        spec.parameters.forEach(function (p) {
          if (p.type === 'bool') { form.elements[p.key].checked = p.value; return; }
          form.elements[p.key].value = p.value;
          form.elements[p.key].dispatchEvent(new Event('input'));
        });
      });
      window.dealloop = { spec: spec, ctx: ctx, run: run, simulate: simulate };
      body.dataset.ready = '1';
      return run();
    }).catch(function (err) { showError('run-error', err); });
  }

  /** A Monte Carlo run (SimulationResult.to_dict()): headline distributions, firms most
   * likely to default, and the inputs that drive the variance. */
  function simulationResult(el, ctx, res) {
    D.clear(el);
    var r = res.result || {};
    var labels = {};
    ((window.dealloop && window.dealloop.spec && window.dealloop.spec.headlines) || []).forEach(function (hd) { labels[hd.key] = hd; });
    D.append(el, D.h('h3', null, 'Monte Carlo: ' + r.draws + ' draws, seed ' + r.seed));
    var unit = function (m) { return (labels[m] || {}).unit === 'count' ? 'count' : 'USD bn'; };
    var q = function (key) {
      return { key: key, label: key === 'q50' ? 'median' : key.replace('q', '') + '%', numeric: true,
        cell: function (row) { return D.fmtValue(row[key], unit(row.metric)); } };
    };
    D.append(el, D.h('div', { class: 'dl-table-wrap' }, D.h('table', { class: 'dl-table dl-compact', id: 'sim-system' },
      D.h('thead', null, D.h('tr', null, ['Figure', 'mean', '5%', 'median', '95%', '99%', 'P(> 0)'].map(function (t) { return D.h('th', null, t); }))),
      D.h('tbody', null, (r.system || []).map(function (row) {
        var u = unit(row.metric);
        return D.h('tr', null, D.h('td', null, (labels[row.metric] || {}).label || D.humanise(row.metric)),
          ['mean', 'q05', 'q50', 'q95', 'q99'].map(function (k) { return D.h('td', { class: 'dl-n' }, D.fmtValue(row[k], u)); }),
          D.h('td', { class: 'dl-n' }, D.fmtValue(row.p_positive, 'fraction')));
      })))));
    var firms = (r.firms || []).filter(function (f) { return f.pd > 0 || f.loss_mean > 0.005; })
      .sort(function (a, b) { return (b.pd - a.pd) || (b.loss_mean - a.loss_mean); }).slice(0, 12);
    if (firms.length) {
      D.append(el, D.h('h4', null, 'Firms most at risk'), D.h('table', { class: 'dl-table dl-compact', id: 'sim-firms' },
        D.h('thead', null, D.h('tr', null, ['Firm', 'P(default)', 'new', 'mean loss', '95% loss', '99% loss'].map(function (t) { return D.h('th', null, t); }))),
        D.h('tbody', null, firms.map(function (f) {
          return D.h('tr', null, D.h('td', null, D.name(ctx, f.firm)),
            D.h('td', { class: 'dl-n' }, D.fmtValue(f.pd, 'fraction')), D.h('td', { class: 'dl-n' }, D.fmtValue(f.pd_new, 'fraction')),
            D.h('td', { class: 'dl-n' }, D.fmtMoney(f.loss_mean)), D.h('td', { class: 'dl-n' }, D.fmtMoney(f.loss_q95)),
            D.h('td', { class: 'dl-n' }, D.fmtMoney(f.loss_q99)));
        }))));
    }
    var drivers = (r.drivers || []).slice(0, 8);
    if (drivers.length) {
      D.append(el, D.h('h4', null, 'What drives the spread'), D.h('ul', null, drivers.map(function (d) {
        return D.h('li', null, d.input + ' \u2192 ' + ((labels[d.target] || {}).label || D.humanise(d.target)) + ': ' + D.fmtValue(d.share, 'fraction') + ' of the variance');
      })));
    }
    D.append(el, D.caveats(r.notes, 'simulation-notes', 'Notes from the Monte Carlo run'));
    if (r.holders) D.holdersDraws(el, ctx, { draws: r.draws, seed: r.seed, holders: r.holders });
  }

  document.addEventListener('keydown', function (ev) {
    var t = document.getElementById('trace');
    if (ev.key === 'Escape' && t) t.hidden = true;
  });
  var pages = { explorer: explorer, firm: firm, loops: loops, scenarios: scenarios, scenario: scenario };
  if (pages[page]) pages[page]();
})();
