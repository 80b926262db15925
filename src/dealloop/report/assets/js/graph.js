  // ------------------------------------------------------------------ the graph
  var GRAPH_STYLE = [
    { selector: 'node', style: {
      'background-color': 'data(colour)', width: 'data(size)', height: 'data(size)',
      label: 'data(label)', 'font-size': 11, 'font-family': 'system-ui, sans-serif',
      'text-valign': 'bottom', 'text-margin-y': 3, color: '#111827',
      'text-outline-color': '#ffffff', 'text-outline-width': 2, 'border-width': 1.5,
      'border-color': '#ffffff', 'text-max-width': 110, 'text-wrap': 'wrap',
      'min-zoomed-font-size': 7 } },
    // a label that would overlap a bigger firm's label is hidden until the firm is picked
    { selector: 'node.dl-nolabel', style: { 'text-opacity': 0 } },
    // legs below the chosen size are hidden, unless picked or next to a picked firm
    { selector: 'edge.dl-small', style: { display: 'none' } },
    { selector: 'edge.dl-small.hl, edge.dl-small.dl-show', style: { display: 'element' } },
    { selector: 'node.dl-nolabel.hl, node.dl-nolabel:selected, node.dl-nolabel:active', style: { 'text-opacity': 1, 'z-index': 20 } },
    { selector: 'edge', style: {
      width: 'data(width)', 'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)',
      'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'arrow-scale': 0.9, opacity: 0.8 } },
    { selector: 'edge[group = "conditional"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 5] } },
    { selector: 'edge[group = "dead"]', style: {
      'line-style': 'dotted', 'line-color': '#9ca3af', 'target-arrow-color': '#9ca3af', opacity: 0.5 } },
    { selector: 'edge.inloop', style: { 'underlay-color': '#f59e0b', 'underlay-opacity': 0.28, 'underlay-padding': 4 } },
    { selector: '.faded', style: { opacity: 0.1, 'underlay-opacity': 0 } },
    { selector: 'edge.hl', style: {
      'line-color': '#ea580c', 'target-arrow-color': '#ea580c', opacity: 1, 'z-index': 10,
      'underlay-opacity': 0 } },
    { selector: 'node.hl', style: { 'border-width': 4, 'border-color': '#ea580c', opacity: 1 } },
    { selector: 'node:selected', style: { 'border-width': 5, 'border-color': '#111827' } }
  ];

  /** Diameter of a firm: 18-80 px by the square root of its market value (or revenue);
   * smaller on large networks. Keep in step with _node_diameter in report/layout.py. */
  function nodeSize(e, maxV, n) {
    var hl = e.headline || {};
    var v = (hl.market_cap_usd_bn && hl.market_cap_usd_bn.value) || (hl.revenue_usd_bn && hl.revenue_usd_bn.value);
    var shrink = n > 400 ? 0.4 : 1;
    if (!v || !maxV) return 18 * shrink;
    return (18 + 62 * Math.sqrt(v / maxV)) * shrink;
  }

  function elements(ctx, entities, legs) {
    var loopLegs = {};
    ((ctx.b.loops && ctx.b.loops.loops) || []).forEach(function (lp) {
      lp.legs.forEach(function (id) { loopLegs[id] = true; });
    });
    var maxV = 0;
    entities.forEach(function (e) {
      var hl = e.headline || {};
      var v = (hl.market_cap_usd_bn && hl.market_cap_usd_bn.value) || (hl.revenue_usd_bn && hl.revenue_usd_bn.value) || 0;
      if (v > maxV) maxV = v;
    });
    var layout = ctx.b.layout || {};
    var present = {};
    var els = [];
    entities.forEach(function (e, k) {
      present[e.id] = true;
      var p = layout[e.id];
      var angle = 2 * Math.PI * k / Math.max(entities.length, 1);
      els.push({
        group: 'nodes',
        data: { id: e.id, label: shortName(e.name), kind: e.kind, colour: KIND_COLOURS[e.kind] || KIND_COLOURS.other, size: nodeSize(e, maxV, entities.length) },
        position: p ? { x: p[0] * 520, y: -p[1] * 380 } : { x: 400 * Math.cos(angle), y: 400 * Math.sin(angle) }
      });
    });
    legs.forEach(function (l) {
      if (!present[l.payer] || !present[l.payee]) return;
      var v = l.value;
      els.push({
        group: 'edges',
        classes: loopLegs[l.id] ? 'inloop' : '',
        data: {
          id: 'leg:' + l.id, leg: l.id, source: l.payer, target: l.payee,
          layer: l.layer, group: l.status_group, status: l.status,
          colour: LAYER_COLOURS[l.layer] || LAYER_COLOURS.other, value: v,
          width: v ? 1.2 + 1.5 * Math.log10(1 + v) : 1.2
        }
      });
    });
    return els;
  }

  /** Firms whose label is always shown (the largest), even over another firm's disc. */
  var ALWAYS_LABELLED = 10;

  /** Hide the labels that would overlap: bigger firms keep theirs, the rest show their
   * label when picked or highlighted. Labels scale with the zoom, so one pass suffices. */
  function declutterLabels(cy) {
    var kept = [];
    var nodes = cy.nodes().toArray().sort(function (a, b) {
      return (b.data('size') - a.data('size')) || (a.id() < b.id() ? -1 : 1);
    });
    function overlaps(a, b) { return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; }
    cy.batch(function () {
      nodes.forEach(function (n, rank) {
        n.removeClass('dl-nolabel');
        var box = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
        if (!box || !box.w) return;
        var pad = { x1: box.x1 - 2, x2: box.x2 + 2, y1: box.y1 - 1, y2: box.y2 + 1 };
        var hit = kept.some(function (k) { return overlaps(pad, k); }) ||
          (rank >= ALWAYS_LABELLED && cy.nodes().some(function (o) {  // nor may it cover another firm's disc
            if (o === n) return false;
            var b = o.boundingBox({ includeLabels: false });
            return overlaps(pad, b);
          }));
        if (hit) n.addClass('dl-nolabel'); else kept.push(pad);
      });
    });
  }

  /** Draw the network in `container`; returns a controller. */
  function graph(container, ctx, opts) {
    opts = opts || {};
    /* global cytoscape */
    var cy = cytoscape({
      container: container,
      elements: elements(ctx, ctx.b.entities || [], ctx.b.legs || []),
      style: GRAPH_STYLE,
      layout: { name: 'preset', fit: true, padding: 30 },
      minZoom: 0.15, maxZoom: 5, boxSelectionEnabled: false
    });
    // On a phone, and in a firm's small neighbourhood graph, the network is drawn at about
    // 40-60% zoom: type sized to the zoom keeps the names readable (about 11 px on screen;
    // at most 24 px in graph units for the whole network, whose centre is crowded, 28 for a
    // neighbourhood); the decluttering then drops the ones that collide.
    var small = container.classList.contains('dl-graph-small');
    if (container.clientWidth && (container.clientWidth < 600 || small)) {
      var fs = Math.max(11, Math.min(small ? 28 : 24, Math.round(11 / (cy.zoom() || 1))));
      cy.style().selector('node').style({ 'font-size': fs, 'text-max-width': fs * 9 }).update();
    }
    // label sizes are known once the renderer has drawn a frame
    cy.one('render', function () { declutterLabels(cy); });
    var status = opts.status ? document.getElementById(opts.status) : null;
    function say(parts) { if (status) { clear(status); append(status, parts); } }
    function reset() {
      cy.elements().removeClass('faded hl dl-show');
      cy.$(':selected').unselect();
    }
    /* On a big network the smallest legs are hidden by default so the centre reads; the
     * "Legs shown" control in opts.tools changes the floor. Undisclosed amounts count as
     * small. Picking a firm, a leg or a loop shows its legs whatever their size. */
    var floor = 0;
    function applyFloor() {
      var hidden = 0;
      cy.batch(function () {
        cy.edges().forEach(function (e) {
          var v = e.data('value');
          var small = floor > 0 && !(v >= floor);
          e.toggleClass('dl-small', small);
          if (small) hidden += 1;
        });
      });
      container.dataset.hiddenLegs = String(hidden);
      var note = document.getElementById(container.id + '-legnote');
      if (note) {
        clear(note);
        append(note, hidden ? hidden + ' of ' + cy.edges().length + ' legs hidden (below ' +
          fmtMoney(floor) + ' or undisclosed)' : 'every leg shown');
      }
    }
    if (opts.tools) {
      var tools = document.getElementById(opts.tools);
      var old = document.getElementById(container.id + '-legsize');
      floor = old ? Number(old.value) : (cy.edges().length > 80 ? 5 : 0);
      if (old) old.parentNode.parentNode.removeChild(old.parentNode);
      var select = h('select', { id: container.id + '-legsize', 'aria-label': 'Smallest leg shown' },
        [[0, 'every leg'], [1, 'from $1bn'], [5, 'from $5bn'], [20, 'from $20bn']].map(function (o) {
          var opt = h('option', { value: String(o[0]) }, o[1]);
          if (o[0] === floor) opt.selected = true;
          return opt;
        }));
      select.addEventListener('change', function () { floor = Number(select.value); applyFloor(); });
      if (tools) append(tools, h('label', { class: 'dl-legsize' }, 'Legs shown: ', select, ' ',
        h('span', { id: container.id + '-legnote', class: 'dl-muted' })));
    }
    applyFloor();
    var ctl = {
      cy: cy,
      reset: reset,
      selectFirm: function (id) {
        var n = cy.getElementById(id);
        reset();
        if (!n || n.empty()) return;
        var hood = n.closedNeighborhood();
        cy.elements().not(hood).addClass('faded');
        hood.edges().addClass('dl-show');
        n.select();
      },
      highlightLoop: function (lp) {
        reset();
        cy.elements().addClass('faded');
        lp.firms.forEach(function (f) { cy.getElementById(f).removeClass('faded').addClass('hl'); });
        lp.legs.forEach(function (id) { cy.getElementById('leg:' + id).removeClass('faded').addClass('hl'); });
        say(['Loop: ', loopPath(ctx, lp), ' (round ', fmtMoney(lp.amount), ')']);
      },
      highlightLeg: function (id) {
        reset();
        var e = cy.getElementById('leg:' + id);
        if (!e || e.empty()) return;
        cy.elements().not(e.union(e.connectedNodes())).addClass('faded');
        e.addClass('hl');
      },
      setData: function (entities, legs) {
        cy.elements().remove();
        cy.add(elements(ctx, entities, legs));
        applyFloor();
        cy.fit(undefined, 30);
      },
      counts: function () { return { nodes: cy.nodes().length, edges: cy.edges().length }; }
    };
    cy.on('tap', 'node', function (ev) { if (opts.onFirm) opts.onFirm(ev.target.id()); });
    cy.on('tap', 'edge', function (ev) { if (opts.onLeg) opts.onLeg(ev.target.data('leg')); });
    cy.on('tap', function (ev) { if (ev.target === cy) { reset(); if (opts.onNone) opts.onNone(); } });
    cy.on('mouseover', 'edge', function (ev) {
      var l = ctx.leg[ev.target.data('leg')];
      if (l) say([l.id, ': ', legLine(ctx, l), ', ', humanise(l.kind), ', ', l.status, ', ', fmtMoney(l.value), l.value_in_horizon !== null && l.value_in_horizon !== l.value ? ' (' + fmtMoney(l.value_in_horizon) + ' in horizon)' : '']);
    });
    cy.on('mouseover', 'node', function (ev) {
      var e = ctx.ent[ev.target.id()];
      if (e) say([e.name, ' (', humanise(e.kind), ')', ctx.loopsByFirm[e.id] ? ', on ' + ctx.loopsByFirm[e.id].length + ' loop(s)' : '']);
    });
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    cy.on('add remove', function () {
      container.dataset.nodes = String(cy.nodes().length);
      container.dataset.edges = String(cy.edges().length);
    });
    return ctl;
  }

  function legend(el) {
    clear(el);
    append(el, h('div', { class: 'dl-legend-group' }, h('strong', null, 'Firms: '),
      Object.keys(KIND_COLOURS).map(function (k) {
        return h('span', { class: 'dl-key' }, h('span', { class: 'dl-dot', style: { background: KIND_COLOURS[k] } }), humanise(k));
      })));
    append(el, h('div', { class: 'dl-legend-group' }, h('strong', null, 'Legs: '),
      Object.keys(LAYER_COLOURS).map(function (k) {
        return h('span', { class: 'dl-key' }, h('span', { class: 'dl-line', style: { 'border-top-color': LAYER_COLOURS[k] } }), LAYER_LABELS[k]);
      })));
    append(el, h('div', { class: 'dl-legend-group' }, h('strong', null, 'Status: '),
      ['firm', 'conditional', 'dead'].map(function (k) {
        return h('span', { class: 'dl-key' }, h('span', { class: 'dl-line dl-line-' + k }), GROUP_LABELS[k]);
      }),
      h('span', { class: 'dl-key' }, h('span', { class: 'dl-line dl-line-loop' }), 'On a money loop')));
  }

