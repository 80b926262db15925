/* dealloop report: wires the page from the data block embedded in the file. */
(function () {
  'use strict';
  var D = window.Dealloop;
  var data = JSON.parse(document.getElementById('dealloop-data').textContent);
  var ctx = D.context(data);
  var panel = document.getElementById('panel');

  function intro() {
    D.clear(panel);
    D.append(panel, D.h('h3', null, 'Click a firm or a leg'),
      D.h('p', { class: 'dl-help' }, 'Or pick one of the largest loops:'));
    var loops = (data.loops && data.loops.loops) || [];
    D.append(panel, D.h('ol', { class: 'dl-loop-list' }, loops.slice(0, 6).map(function (lp) {
      return D.h('li', null, D.h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { showLoop(lp); } } }, D.loopPath(ctx, lp, true)),
        ' ', D.num(ctx, lp.amount, lp.legs, { title: 'Loop ' + D.loopPath(ctx, lp) }));
    })));
  }

  function showFirm(id) {
    ctl.selectFirm(id);
    D.firmPanel(panel, ctx, id, { onLoop: showLoop, onFirm: showFirm });
  }

  function showLoop(lp) {
    ctl.highlightLoop(lp);
    document.getElementById('network').scrollIntoView({ block: 'start' });
  }

  var ctl = D.graph(document.getElementById('graph'), ctx, {
    status: 'graph-status', tools: 'graph-controls',
    onFirm: showFirm,
    onLeg: function (id) { ctl.highlightLeg(id); D.legPanel(panel, ctx, id); },
    onNone: intro
  });
  ctx.hooks.leg = function (id) { ctl.highlightLeg(id); D.legPanel(panel, ctx, id); };
  window.dealloop = { data: data, ctx: ctx, graph: ctl, showFirm: showFirm, showLoop: showLoop };

  // Graph controls: which statuses to draw.
  var controls = document.getElementById('graph-controls');
  var shown = { firm: true, conditional: true, dead: false };
  function redraw() {
    var legs = data.legs.filter(function (l) { return shown[l.status_group]; });
    ctl.setData(data.entities, legs);
  }
  [['firm', 'Firm'], ['conditional', 'Conditional'], ['dead', 'Superseded / cancelled']].forEach(function (p) {
    var box = D.h('input', { type: 'checkbox', checked: shown[p[0]], 'aria-label': 'Show ' + p[1] + ' legs', dataset: { group: p[0] } });
    box.addEventListener('change', function () { shown[p[0]] = box.checked; redraw(); });
    D.append(controls, D.h('label', { class: 'dl-check' }, box, ' ' + p[1]));
  });
  D.append(controls, D.h('button', { class: 'dl-btn', type: 'button', on: { click: function () { ctl.reset(); ctl.cy.fit(undefined, 30); intro(); } } }, 'Reset view'));
  // Step the graph through time: only legs announced by the month picked.
  var knownBy = null;
  var baseRedraw = redraw;
  redraw = function () {
    if (!knownBy) { baseRedraw(); return; }
    ctl.setData(data.entities, data.legs.filter(function (l) { return shown[l.status_group] && knownBy[l.id]; }));
  };
  if (D.stepper) D.stepper(controls, data.timeline, function (known) { knownBy = known; redraw(); });
  if (D.publish) D.publish.graphButtons(controls, ctl.cy, 'network');
  redraw();
  intro();
  D.legend(document.getElementById('legend'));

  D.headline(document.getElementById('headline'), ctx);
  D.loopsTable(document.getElementById('loops-body'), ctx, { limit: 25, onSelect: showLoop });
  var openFirm = function (id) { showFirm(id); document.getElementById('network').scrollIntoView({ block: 'start' }); };
  D.measuresTable(document.getElementById('measures-body'), ctx, { group: 'circularity', onFirm: openFirm, id: 'measures-table' });
  D.measuresTable(document.getElementById('money-body'), ctx, { group: 'flows', onFirm: openFirm, id: 'money-table' });

  // Who pays whom: firm legs or every live leg; firms on a loop or every firm.
  var sk = document.getElementById('sankey');
  var sc = document.getElementById('sankey-controls');
  var sankeyState = { which: 'firm', scope: 'loops' };
  function radios(name, options, key) {
    var box = D.h('fieldset', null, D.h('legend', null, name));
    options.forEach(function (p) {
      var r = D.h('input', { type: 'radio', name: 'sankey-' + key, value: p[0], checked: sankeyState[key] === p[0] });
      r.addEventListener('change', function () { if (r.checked) { sankeyState[key] = p[0]; D.sankey(sk, ctx, sankeyState.which, sankeyState.scope); } });
      D.append(box, D.h('label', { class: 'dl-check' }, r, ' ' + p[1]));
    });
    D.append(sc, box);
  }
  radios('Legs', [['firm', 'Firm (committed, reported)'], ['all', 'Adding conditional']], 'which');
  radios('Firms', [['loops', 'On a money loop'], ['all', 'All']], 'scope');
  D.sankey(sk, ctx, sankeyState.which, sankeyState.scope);

  D.stressSection(document.getElementById('stress-body'), ctx);
  D.systemicSection(document.getElementById('systemic-body'), ctx, { onFirm: openFirm });
  D.signalsSection(document.getElementById('signals-body'), data.signals, { onFirm: openFirm, name: function (id) { return D.name(ctx, id); } });
  D.historyTable(document.getElementById('history-body'), ctx);
  if (D.macroSection) D.macroSection(document.getElementById('macro-body'), data.macro);
  if (D.timelineSection) D.timelineSection(document.getElementById('timeline-body'), data.timeline);
  if (D.calendarSection) D.calendarSection(document.getElementById('calendar-body'), data.calendar, { name: function (id) { return D.name(ctx, id); } });
  D.legsTable(document.getElementById('legs-body'), ctx);
  D.sourcesTable(document.getElementById('sources-body'), ctx);
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') document.getElementById('trace').hidden = true;
  });
  document.body.dataset.ready = '1';
})();
