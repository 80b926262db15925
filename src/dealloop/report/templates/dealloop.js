/* dealloop: the graph, tables and charts of the report and the dashboard.
 *
 * Reads a results bundle (dealloop.report.bundle.results_bundle, or a part of it served by the
 * dashboard's JSON API) and builds the page. Safety rules: every piece of data is put in the page
 * with textContent or as a DOM property, never as HTML; links are made only of http(s) URLs;
 * strings handed to Plotly (which reads a few HTML-like tags in labels) are entity-escaped first.
 */
(function () {
  'use strict';

  var KIND_COLOURS = {
    chip_vendor: '#5b8c00', ai_lab: '#7c3aed', hyperscaler: '#2563eb', neocloud: '#0891b2',
    cloud: '#0ea5e9', investor: '#ca8a04', lender: '#b45309', developer: '#db2777',
    spv: '#64748b', other: '#94a3b8'
  };
  var LAYER_COLOURS = {
    equity: '#16a34a', credit: '#dc2626', purchase: '#2563eb', contingent: '#9333ea',
    other: '#6b7280'
  };
  var LAYER_LABELS = {
    equity: 'Equity and warrants', credit: 'Loans, bonds, private credit',
    purchase: 'Purchases (chips, compute)', contingent: 'Backstops (contingent)', other: 'Other'
  };
  var GROUP_LABELS = {
    firm: 'Firm (committed, reported)', conditional: 'Conditional ("up to", LOI)',
    dead: 'Superseded or cancelled'
  };
  var SAFE_ATTRS = {
    id: 1, title: 1, type: 1, name: 1, value: 1, min: 1, max: 1, step: 1, colspan: 1,
    role: 1, for: 1, scope: 1, placeholder: 1, 'aria-label': 1, 'aria-live': 1,
    'aria-expanded': 1, 'aria-pressed': 1, 'aria-sort': 1, tabindex: 1, hidden: 1
  };

  // ------------------------------------------------------------------ DOM helpers
  /** Build an element. Children are nodes or text (never parsed as HTML). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.keys(v).forEach(function (d) { el.dataset[d] = String(v[d]); });
        else if (k === 'on') Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); });
        else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
        else if (k === 'style') Object.keys(v).forEach(function (p) { el.style.setProperty(p, v[p]); });
        else if (SAFE_ATTRS[k] || k.indexOf('data-') === 0) el.setAttribute(k, String(v));
        else throw new Error('dealloop: attribute not allowed: ' + k);
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  /** Append children (nodes, text, arrays of them) to `el`; text is never parsed as HTML. */
  function append(el) {
    for (var i = 1; i < arguments.length; i++) appendOne(el, arguments[i]);
    return el;
  }

  function appendOne(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { appendOne(el, c); }); return; }
    if (child instanceof Node) { el.appendChild(child); return; }
    el.appendChild(document.createTextNode(String(child)));
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  /** An http(s) URL as a string, or null for anything else (javascript:, data:, relative...). */
  function safeHref(url) {
    if (typeof url !== 'string' || url !== url.trim()) return null;
    try {
      var u = new URL(url);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    } catch (e) { /* not a URL */ }
    return null;
  }

  /** A link when the URL is http(s); otherwise the URL as plain text. */
  function link(url, text) {
    var href = safeHref(url);
    var label = text === undefined || text === null ? (url || '') : text;
    if (!href) return h('span', { class: 'dl-url-text' }, label);
    var a = h('a', { class: 'dl-ext' }, label);
    a.href = href;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    return a;
  }

  /** Escape text for Plotly, which interprets a few HTML-like tags in its labels. */
  function plotlyText(s) {
    return String(s === null || s === undefined ? '' : s)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  // ------------------------------------------------------------------ formatting
  function fmtMoney(v) {
    if (v === null || v === undefined || isNaN(v)) return 'n/a';
    if (v < 0) return '\u2212' + fmtMoney(-v);
    var a = Math.abs(v);
    if (a >= 1000) return '$' + (v / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 }) + 'T';
    if (a >= 100) return '$' + v.toLocaleString('en-US', { maximumFractionDigits: 0 }) + 'bn';
    if (a >= 1) return '$' + v.toLocaleString('en-US', { maximumFractionDigits: 1 }) + 'bn';
    if (a === 0) return '$0';
    return '$' + v.toLocaleString('en-US', { maximumFractionDigits: 2 }) + 'bn';
  }

  function fmtValue(v, unit) {
    if (v === null || v === undefined || (typeof v === 'number' && isNaN(v))) return 'n/a';
    if (typeof v !== 'number') return String(v);
    if (!unit || unit === 'USD bn' || unit === 'usd_bn') return fmtMoney(v);
    if (unit === 'fraction' || unit === 'share') return (100 * v).toLocaleString('en-US', { maximumFractionDigits: 1 }) + '%';
    if (unit === 'count') return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
    if (unit === '%') return v.toLocaleString('en-US', { maximumFractionDigits: 1 }) + '%';
    return v.toLocaleString('en-US', { maximumFractionDigits: 2 }) + (unit === 'ratio' || unit === 'index' ? '' : ' ' + unit);
  }

  function humanise(s) { return String(s || '').replace(/_/g, ' '); }

  // ------------------------------------------------------------------ context
  /** Index a bundle (or a partial one from the API) for look-ups. */
  function context(b) {
    var ctx = { b: b, ent: {}, leg: {}, src: b.sources || {}, loopsByFirm: {}, hooks: {} };
    (b.entities || []).forEach(function (e) { ctx.ent[e.id] = e; });
    (b.legs || []).forEach(function (l) { ctx.leg[l.id] = l; });
    var loops = (b.loops && b.loops.loops) || [];
    loops.forEach(function (lp) {
      lp.firms.forEach(function (f) { (ctx.loopsByFirm[f] = ctx.loopsByFirm[f] || []).push(lp); });
    });
    return ctx;
  }

  function name(ctx, id) { var e = ctx.ent[id]; return e ? e.name : id; }

  /** A short label for the graph: the name without legal suffixes and bracketed notes. */
  function shortName(s) {
    var t = String(s || '').replace(/\s*\([^)]*\)\s*/g, ' ').trim();
    var suffix = /(,?\s+(Inc\.?|Corp\.?|Corporation|Co\.,? Ltd\.?|Ltd\.?|Limited|PBC|N\.V\.|plc|LLC|Holdings?|Group|Platforms|Technologies|Capital|Oyj|S\.A\.|AG|SE))+$/i;
    var out = t.replace(suffix, '').replace(/\.com$/, '').trim();
    return out || t || String(s || '');
  }

  function loopPath(ctx, lp, short) {
    return lp.firms.concat([lp.firms[0]]).map(function (f) {
      return short ? shortName(name(ctx, f)) : name(ctx, f);
    }).join(' \u2192 ');
  }

  // ------------------------------------------------------------------ trace: number -> legs -> sources
  function sourceList(ctx, ids) {
    if (!ids || !ids.length) return h('span', { class: 'dl-muted' }, 'no source');
    var out = h('span', { class: 'dl-sources' });
    ids.forEach(function (sid, k) {
      var s = ctx.src[sid];
      if (k) append(out, ' ');
      if (!s) { append(out, h('span', { class: 'dl-muted' }, '[' + sid + ']')); return; }
      var pub = s.publisher ? String(s.publisher) : '';
      var label = '[' + (pub ? (pub.length > 28 ? pub.slice(0, 27) + '\u2026' : pub) : sid) + ']';
      var a = link(s.href || s.url, label);
      a.title = [s.publisher, s.title, s.date, s.url].filter(Boolean).join(' \u2014 ');
      append(out, a);
    });
    return out;
  }

  function legLine(ctx, l) {
    return [name(ctx, l.payer), ' \u2192 ', name(ctx, l.payee)];
  }

  /** Show which legs (and sources) are behind a number. */
  function trace(ctx, title, legIds, note) {
    var box = document.getElementById('trace');
    if (!box) return;
    clear(box);
    var legs = (legIds || []).map(function (id) { return ctx.leg[id] || { id: id, missing: true }; });
    var rows = legs.map(function (l) {
      if (l.missing) return h('tr', null, h('td', null, l.id), h('td', { colspan: 6 }, 'not in this view'));
      return h('tr', { dataset: { leg: l.id } },
        h('td', null, legButton(ctx, l.id)),
        h('td', null, legLine(ctx, l)),
        h('td', null, humanise(l.kind)),
        h('td', null, h('span', { class: 'dl-status dl-status-' + l.status_group }, l.status)),
        h('td', { class: 'dl-n' }, fmtMoney(l.value)),
        h('td', { class: 'dl-n' }, fmtMoney(l.value_in_horizon)),
        h('td', null, sourceList(ctx, l.sources)));
    });
    append(box, h('div', { class: 'dl-trace-card', role: 'dialog', 'aria-label': 'Deal legs behind a number' },
      h('div', { class: 'dl-trace-head' },
        h('strong', null, title),
        h('button', { class: 'dl-close', type: 'button', title: 'Close', on: { click: function () { box.hidden = true; } } }, '\u00d7')),
      note ? h('p', { class: 'dl-help' }, note) : null,
      legs.length ? h('table', { class: 'dl-table dl-compact' },
        h('thead', null, h('tr', null, h('th', null, 'Leg'), h('th', null, 'Payer \u2192 payee'), h('th', null, 'Kind'),
          h('th', null, 'Status'), h('th', null, 'Counted'), h('th', null, 'In horizon'), h('th', null, 'Sources'))),
        h('tbody', null, rows)) : h('p', null, 'No deal legs behind this number.')));
    box.hidden = false;
  }

  function legButton(ctx, id) {
    if (!ctx.leg[id]) return h('span', { class: 'dl-legid-other', title: 'not a deal leg of this view' }, id);
    return h('button', {
      class: 'dl-leglink', type: 'button', title: 'Show leg ' + id,
      on: { click: function () { showLeg(ctx, id); } }
    }, id);
  }

  function showLeg(ctx, id) {
    if (ctx.hooks.leg) ctx.hooks.leg(id);
    var row = document.getElementById('leg-' + id);
    if (row) {
      row.classList.add('dl-flash');
      row.scrollIntoView({ block: 'center' });
      setTimeout(function () { row.classList.remove('dl-flash'); }, 1600);
    }
  }

  /** A number that opens the legs behind it. */
  function num(ctx, value, legIds, opts) {
    opts = opts || {};
    var text = opts.text || fmtValue(value, opts.unit);
    if (!legIds || !legIds.length) return h('span', { class: 'dl-num-plain' }, text);
    return h('button', {
      class: 'dl-num', type: 'button', title: 'Show the ' + legIds.length + ' leg(s) and sources behind this number',
      on: { click: function () { trace(ctx, opts.title || text, legIds, opts.note); } }
    }, text);
  }

  // ------------------------------------------------------------------ the graph
  var GRAPH_STYLE = [
    { selector: 'node', style: {
      'background-color': 'data(colour)', width: 'data(size)', height: 'data(size)',
      label: 'data(label)', 'font-size': 11, 'font-family': 'system-ui, sans-serif',
      'text-valign': 'bottom', 'text-margin-y': 3, color: '#111827',
      'text-outline-color': '#ffffff', 'text-outline-width': 2, 'border-width': 1.5,
      'border-color': '#ffffff', 'text-max-width': 120, 'text-wrap': 'ellipsis',
      'min-zoomed-font-size': 7 } },
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
   * smaller on large networks. Keep in step with _node_diameter in report/bundle.py. */
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
          colour: LAYER_COLOURS[l.layer] || LAYER_COLOURS.other,
          width: v ? 1.2 + 1.5 * Math.log10(1 + v) : 1.2
        }
      });
    });
    return els;
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
    var status = opts.status ? document.getElementById(opts.status) : null;
    function say(parts) { if (status) { clear(status); append(status, parts); } }
    function reset() {
      cy.elements().removeClass('faded hl');
      cy.$(':selected').unselect();
    }
    var ctl = {
      cy: cy,
      reset: reset,
      selectFirm: function (id) {
        var n = cy.getElementById(id);
        reset();
        if (!n || n.empty()) return;
        var hood = n.closedNeighborhood();
        cy.elements().not(hood).addClass('faded');
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

  // ------------------------------------------------------------------ panels
  function kv(rows) {
    return h('table', { class: 'dl-kv' }, h('tbody', null, rows.filter(Boolean).map(function (r) {
      return h('tr', null, h('th', { scope: 'row' }, r[0]), h('td', null, r[1]));
    })));
  }

  var HEADLINE_LABELS = {
    revenue_usd_bn: 'Revenue', market_cap_usd_bn: 'Market value', cash_usd_bn: 'Cash',
    debt_usd_bn: 'Debt', book_equity_usd_bn: 'Book equity', capex_usd_bn: 'Capex',
    backlog_usd_bn: 'Backlog'
  };

  function firmPanel(el, ctx, id, opts) {
    opts = opts || {};
    clear(el);
    var e = ctx.ent[id];
    if (!e) { append(el, h('p', null, 'Unknown firm ' + id)); return; }
    append(el, h('h3', { class: 'dl-firm-name' }, e.name));
    append(el, h('p', { class: 'dl-muted' }, humanise(e.kind),
      e.ticker ? ' \u00b7 ' + e.ticker : '', e.country ? ' \u00b7 ' + e.country : '',
      e.as_of ? ' \u00b7 figures as of ' + e.as_of : ''));
    if (opts.firmHref) {
      var a = h('a', { class: 'dl-open' }, 'Open firm page');
      a.href = opts.firmHref(id);
      append(el, h('p', null, a));
    }
    var hl = e.headline || {};
    var figRows = Object.keys(HEADLINE_LABELS).filter(function (k) { return hl[k]; }).map(function (k) {
      return [HEADLINE_LABELS[k], [fmtMoney(hl[k].value), ' ', sourceList(ctx, hl[k].sources),
        hl[k].figure ? h('span', { class: 'dl-muted' }, ' (' + hl[k].figure + ')') : null]];
    });
    if (figRows.length) append(el, kv(figRows));

    var loops = ctx.loopsByFirm[id] || [];
    append(el, h('h4', null, 'Loops through ' + e.name + ' (' + loops.length + ')'));
    if (!loops.length) append(el, h('p', { class: 'dl-muted' }, 'None found.'));
    else {
      append(el, h('ol', { class: 'dl-loop-list', id: 'firm-loops' }, loops.slice(0, 12).map(function (lp) {
        return h('li', { dataset: { loop: lp.id } },
          opts.onLoop ? h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { opts.onLoop(lp); } } }, loopPath(ctx, lp, true)) : loopPath(ctx, lp, true),
          ' ', num(ctx, lp.amount, lp.legs, { title: 'Loop ' + loopPath(ctx, lp), note: 'Round = the smallest step.' }));
      })));
      if (loops.length > 12) append(el, h('p', { class: 'dl-muted' }, (loops.length - 12) + ' more in the loops table.'));
    }

    var m = measuresRow(ctx, id);
    if (m) {
      append(el, h('h4', null, 'Circularity and concentration'));
      append(el, kv(m.columns.filter(function (c) { return m.row[c.key] !== undefined && m.row[c.key] !== null; }).map(function (c) {
        return [h('span', { title: c.description || '' }, c.label), measureCell(ctx, id, c, m.row[c.key], { onFirm: opts.onFirm })];
      })));
    }

    if (e.notes) append(el, h('p', { class: 'dl-notes' }, e.notes));
    var legs = (ctx.b.legs || []).filter(function (l) { return l.payer === id || l.payee === id; });
    append(el, h('h4', null, 'Legs (' + legs.length + ')'));
    append(el, h('table', { class: 'dl-table dl-compact' },
      h('thead', null, h('tr', null, h('th', null, 'Leg'), h('th', null, ''), h('th', null, 'Counterparty'), h('th', null, 'Kind'), h('th', null, 'Status'), h('th', null, 'Value'), h('th', null, 'Sources'))),
      h('tbody', null, legs.map(function (l) {
        var out = l.payer === id;
        return h('tr', { class: 'dl-row-' + l.status_group },
          h('td', null, legButton(ctx, l.id)),
          h('td', { title: out ? 'pays' : 'is paid by' }, out ? '\u2192' : '\u2190'),
          h('td', null, name(ctx, out ? l.payee : l.payer)),
          h('td', null, humanise(l.kind)),
          h('td', null, h('span', { class: 'dl-status dl-status-' + l.status_group }, l.status)),
          h('td', { class: 'dl-n' }, num(ctx, l.value, [l.id], { title: 'Leg ' + l.id })),
          h('td', null, sourceList(ctx, l.sources)));
      }))));
  }

  function legPanel(el, ctx, id) {
    clear(el);
    var l = ctx.leg[id];
    if (!l) { append(el, h('p', null, 'Unknown leg ' + id)); return; }
    append(el, h('h3', null, 'Leg ' + l.id));
    append(el, h('p', null, legLine(ctx, l)));
    append(el, kv([
      ['Kind', humanise(l.kind) + ' (' + (LAYER_LABELS[l.layer] || l.layer) + ')'],
      ['Status', [h('span', { class: 'dl-status dl-status-' + l.status_group }, l.status), l.condition ? ': ' + l.condition : '']],
      ['Evidence', (l.evidence || '') + (l.basis ? ', ' + l.basis : '')],
      ['Amount', l.amount_usd_bn !== null ? fmtMoney(l.amount_usd_bn) : (l.amount_low !== null ? fmtMoney(l.amount_low) + '\u2013' + fmtMoney(l.amount_high) : 'undisclosed')],
      ['Counted', fmtMoney(l.value) + (l.value_note ? ' (' + l.value_note + ')' : '')],
      ['In horizon', fmtMoney(l.value_in_horizon)],
      l.stake !== null ? ['Stake', fmtValue(l.stake, 'fraction')] : null,
      ['Announced', l.announced || 'n/a'],
      ['Term', (l.start || '?') + ' \u2013 ' + (l.end || 'one-off')],
      l.supersedes && l.supersedes.length ? ['Supersedes', l.supersedes.map(function (s) { return legButton(ctx, s); })] : null,
      l.part_of ? ['Part of', legButton(ctx, l.part_of)] : null,
      ['Sources', sourceList(ctx, l.sources)]
    ]));
    if (l.notes) append(el, h('p', { class: 'dl-notes' }, l.notes));
  }

  function measuresRow(ctx, id) {
    var m = ctx.b.measures;
    if (!m || !m.rows) return null;
    var row = null;
    m.rows.forEach(function (r) { if (r.id === id) row = r; });
    return row ? { columns: m.columns, row: row } : null;
  }

  /** The legs behind a per-firm number: the column's `legs` key picks them from the firm's legs. */
  function measureLegs(ctx, id, key) {
    var m = ctx.b.measures || {};
    var legs = (m.legs && m.legs[id]) || [];
    var col = (m.columns || []).filter(function (c) { return c.key === key; })[0] || {};
    var which = col.legs || 'all';
    if (which === 'loops') {
      var ids = {};
      (ctx.loopsByFirm[id] || []).forEach(function (lp) { lp.legs.forEach(function (x) { ids[x] = 1; }); });
      return Object.keys(ids);
    }
    var firmOnly = /_firm$/.test(which);
    var base = which.replace(/_firm$/, '');
    return legs.filter(function (x) {
      var l = ctx.leg[x];
      if (!l) return false;
      if (firmOnly && l.status_group !== 'firm') return false;
      if (l.layer === 'contingent' && base !== 'all') return false;
      if (base === 'in') return l.payee === id;
      if (base === 'out') return l.payer === id;
      if (base === 'in_purchase') return l.payee === id && l.layer === 'purchase';
      if (base === 'out_purchase') return l.payer === id && l.layer === 'purchase';
      return true;
    });
  }

  /** A per-firm value: a number (opening its legs) or, for unit "firm", a firm name. */
  function measureCell(ctx, id, c, v, opts) {
    if (c.unit === 'firm') {
      if (!v) return h('span', { class: 'dl-muted' }, '\u2014');
      return opts && opts.onFirm ? h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { opts.onFirm(v); } } }, shortName(name(ctx, v))) : shortName(name(ctx, v));
    }
    return num(ctx, v, measureLegs(ctx, id, c.key), { unit: c.unit, title: name(ctx, id) + ': ' + c.label });
  }

  // ------------------------------------------------------------------ tables
  function sortableTable(columns, rows, opts) {
    opts = opts || {};
    var state = { key: opts.sortKey || null, dir: opts.sortDir || -1 };
    var tbody = h('tbody');
    var headRow = h('tr');
    function render() {
      var sorted = rows.slice();
      if (state.key) {
        var col = columns.filter(function (c) { return c.key === state.key; })[0];
        sorted.sort(function (a, b) {
          var x = col.sort ? col.sort(a) : a[state.key];
          var y = col.sort ? col.sort(b) : b[state.key];
          if (x === y) return 0;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return (x < y ? -1 : 1) * state.dir;
        });
      }
      clear(tbody);
      sorted.forEach(function (r) {
        append(tbody, h('tr', r._attrs || null, columns.map(function (c) {
          return h('td', { class: c.numeric ? 'dl-n' : null }, c.cell ? c.cell(r) : (r[c.key] === null || r[c.key] === undefined ? '' : String(r[c.key])));
        })));
      });
      Array.prototype.forEach.call(headRow.children, function (th, i) {
        th.setAttribute('aria-sort', columns[i].key === state.key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
      });
    }
    columns.forEach(function (c) {
      append(headRow, h('th', { scope: 'col', title: c.description || null },
        c.sortable === false ? c.label : h('button', {
          class: 'dl-sort', type: 'button',
          on: { click: function () { state.dir = state.key === c.key ? -state.dir : (c.numeric ? -1 : 1); state.key = c.key; render(); } }
        }, c.label)));
    });
    render();
    return h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table' + (opts.compact ? ' dl-compact' : ''), id: opts.id || null }, h('thead', null, headRow), tbody));
  }

  /** A loop as a chain: Firm -$x-> Firm -$y-> ... back to the first firm; amounts open legs. */
  function loopChain(ctx, lp) {
    var out = [];
    lp.hops.forEach(function (hp, k) {
      if (k === 0) out.push(h('span', { class: 'dl-firm' }, name(ctx, hp.payer)));
      out.push(' ', h('span', { class: 'dl-hop' }, '\u2014', num(ctx, hp.amount, hp.legs, {
        title: name(ctx, hp.payer) + ' \u2192 ' + name(ctx, hp.payee) + ': legs ' + hp.legs.join(', ')
      }), '\u2192'), ' ');
      out.push(h('span', { class: 'dl-firm' }, name(ctx, hp.payee)));
    });
    return out;
  }

  function loopsTable(el, ctx, opts) {
    opts = opts || {};
    clear(el);
    var L = ctx.b.loops || { loops: [] };
    var loops = L.loops.slice(0, opts.limit || 25);
    if (!loops.length) { append(el, h('p', null, 'No money loops in this selection.')); return; }
    append(el, h('p', { class: 'dl-help' }, L.n_loops + ' loop(s) of 2 to ' + L.max_length +
      ' firms on live legs (firm and conditional, full amounts); the ' + loops.length +
      ' largest shown. Amounts on the arrows are the money paid at each step; click one for its legs and sources.'));
    append(el, h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table', id: opts.id || 'loops-table' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', { class: 'dl-n' }, 'Round'), h('th', null, 'Loop (payer —money→ payee)'), h('th', null, 'Legs'), h('th', null, ''))),
      h('tbody', null, loops.map(function (lp, k) {
        return h('tr', { dataset: { loop: lp.id } },
          h('td', { class: 'dl-n' }, String(k + 1)),
          h('td', { class: 'dl-n' }, num(ctx, lp.amount, lp.legs, { title: 'Loop ' + loopPath(ctx, lp), note: 'Round = the money that can go all the way round (the smallest step).' }),
            lp.firm === false ? h('div', { class: 'dl-status dl-status-conditional', title: 'At least one step rests only on conditional legs' }, 'conditional') : null),
          h('td', { class: 'dl-chain' }, loopChain(ctx, lp)),
          h('td', { class: 'dl-legids' }, lp.hops.map(function (hp, i) {
            return [i ? h('span', { class: 'dl-muted' }, ' · ') : null, hp.legs.map(function (id) { return legButton(ctx, id); })];
          })),
          h('td', null, opts.onSelect ? h('button', { class: 'dl-btn', type: 'button', on: { click: function () { opts.onSelect(lp); } } }, 'Show') : null));
      })))));
  }

  /** Per-firm table; opts.group: 'flows' (money in/out, loops) or 'circularity' (the rest). */
  function measuresTable(el, ctx, opts) {
    opts = opts || {};
    clear(el);
    var m = ctx.b.measures;
    if (!m) return;
    var flows = function (c) { return c.key.indexOf('.') < 0; };
    var pickCols = m.columns.filter(function (c) {
      return !opts.group || (opts.group === 'flows' ? flows(c) : !flows(c));
    });
    var cols = [
      { key: 'name', label: 'Firm', sort: function (r) { return name(ctx, r.id).toLowerCase(); },
        cell: function (r) { return opts.onFirm ? h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { opts.onFirm(r.id); } } }, name(ctx, r.id)) : name(ctx, r.id); } },
      { key: 'kind', label: 'Kind', sort: function (r) { return (ctx.ent[r.id] || {}).kind; }, cell: function (r) { return humanise((ctx.ent[r.id] || {}).kind); } }
    ];
    pickCols.forEach(function (c) {
      cols.push({ key: c.key, label: c.label, numeric: c.unit !== 'firm', description: c.description,
        sort: c.unit === 'firm' ? function (r) { return r[c.key] ? name(ctx, r[c.key]) : null; } : null,
        cell: function (r) { return measureCell(ctx, r.id, c, r[c.key], opts); } });
    });
    if (opts.group !== 'flows' && m.pending && m.pending.length) append(el, h('p', { class: 'dl-muted' }, 'Not in this build yet: ' + m.pending.join(', ') + '.'));
    var rows = m.rows.filter(function (r) {
      return pickCols.some(function (c) { var v = r[c.key]; return v !== null && v !== undefined && v !== 0; });
    });
    var sortKey = opts.sortKey || (pickCols[0] && pickCols[0].key);
    append(el, sortableTable(cols, rows, { sortKey: sortKey, sortDir: -1, id: opts.id || 'measures-table' }));
    if (rows.length < m.rows.length) append(el, h('p', { class: 'dl-muted' }, (m.rows.length - rows.length) + ' firm(s) with nothing to show are left out.'));
  }

  function legsTable(el, ctx) {
    clear(el);
    var legs = ctx.b.legs || [];
    var input = h('input', { type: 'search', placeholder: 'Filter legs (firm, kind, status, id)', 'aria-label': 'Filter legs' });
    var wrap = h('div', { class: 'dl-scroll dl-scroll-tall' });
    function render() {
      var q = input.value.trim().toLowerCase();
      var rows = legs.filter(function (l) {
        if (!q) return true;
        return [l.id, name(ctx, l.payer), name(ctx, l.payee), l.kind, l.status, l.evidence].join(' ').toLowerCase().indexOf(q) >= 0;
      }).map(function (l) { return Object.assign({ _attrs: { id: 'leg-' + l.id, class: 'dl-row-' + l.status_group } }, l); });
      clear(wrap);
      append(wrap, sortableTable([
        { key: 'id', label: 'Leg', cell: function (l) { return legButton(ctx, l.id); } },
        { key: 'payer', label: 'Payer', sort: function (l) { return name(ctx, l.payer); }, cell: function (l) { return name(ctx, l.payer); } },
        { key: 'payee', label: 'Payee', sort: function (l) { return name(ctx, l.payee); }, cell: function (l) { return name(ctx, l.payee); } },
        { key: 'kind', label: 'Kind', cell: function (l) { return humanise(l.kind); } },
        { key: 'status', label: 'Status', cell: function (l) { return h('span', { class: 'dl-status dl-status-' + l.status_group }, l.status); } },
        { key: 'evidence', label: 'Ev.' },
        { key: 'value', label: 'Counted', numeric: true, cell: function (l) { return fmtMoney(l.value) + (l.value_note && l.value_note !== 'reported' ? ' *' : ''); } },
        { key: 'value_in_horizon', label: 'In horizon', numeric: true, cell: function (l) { return fmtMoney(l.value_in_horizon); } },
        { key: 'announced', label: 'Announced' },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (l) { return sourceList(ctx, l.sources); } }
      ], rows, { compact: true, id: 'legs-table' }));
    }
    input.addEventListener('input', render);
    append(el, h('p', { class: 'dl-help' }, 'Counted = the amount that enters totals (* range midpoint, aggregate remainder or undisclosed); n/a = undisclosed, never counted as 0.'));
    append(el, input, wrap);
    render();
  }

  function sourcesTable(el, ctx) {
    clear(el);
    var used = {};
    (ctx.b.legs || []).forEach(function (l) { (l.sources || []).forEach(function (s) { (used[s] = used[s] || []).push(l.id); }); });
    var rows = Object.keys(ctx.src).map(function (id) {
      var s = ctx.src[id];
      return { id: id, tier: s.tier || 'aggregator', publisher: s.publisher, title: s.title, date: s.date, url: s.url, href: s.href,
               original: s.original_publisher ? ('via ' + s.original_publisher + (s.original_date ? ', ' + s.original_date : '')) : '',
               _attrs: { id: 'src-' + id } };
    });
    var TIERS = ['primary', 'major_outlet', 'trade_press', 'aggregator'];
    var counts = TIERS.map(function (t) { return humanise(t) + ' ' + rows.filter(function (r) { return r.tier === t; }).length; });
    append(el, h('p', { class: 'dl-help' }, 'Sources by tier: ' + counts.join(', ') + '. Primary: filings, regulators, company releases; major outlet: Reuters, Bloomberg, FT, WSJ, CNBC, AP and peers; aggregator: reposts and summaries.'));
    append(el, h('div', { class: 'dl-scroll' }, sortableTable([
      { key: 'id', label: 'Id' },
      { key: 'tier', label: 'Tier', sort: function (r) { return TIERS.indexOf(r.tier); }, cell: function (r) { return humanise(r.tier); } },
      { key: 'publisher', label: 'Publisher' },
      { key: 'title', label: 'Title', cell: function (r) { return [link(r.href || r.url, r.title || r.url), r.original ? h('div', { class: 'dl-muted' }, r.original) : null]; } },
      { key: 'date', label: 'Date' },
      { key: 'legs', label: 'Legs', sortable: false, cell: function (r) { return (used[r.id] || []).map(function (x) { return legButton(ctx, x); }); } }
    ], rows, { compact: true, id: 'sources-table', sortKey: 'id', sortDir: 1 })));
  }

  function historyTable(el, ctx) {
    clear(el);
    var rows = ctx.b.history || [];
    if (!rows.length) { append(el, h('p', { class: 'dl-muted' }, 'This dataset has no reference figures (history.csv).')); return; }
    append(el, h('p', { class: 'dl-help' }, rows.length + ' sourced figures from the dataset\'s history.csv, to read stress results against.'));
    append(el, h('div', { class: 'dl-scroll' }, sortableTable([
      { key: 'topic', label: 'Topic', cell: function (r) { return humanise(r.topic); } },
      { key: 'metric', label: 'Figure', cell: function (r) { return [humanise(r.metric), r.notes ? h('div', { class: 'dl-muted' }, r.notes) : null]; } },
      { key: 'value', label: 'Value', numeric: true, cell: function (r) { return fmtValue(r.value, r.unit); } },
      { key: 'date', label: 'Date' },
      { key: 'sources', label: 'Sources', sortable: false, cell: function (r) { return sourceList(ctx, r.sources); } }
    ], rows, { compact: true, id: 'history-table', sortKey: 'topic', sortDir: 1 })));
  }

  // ------------------------------------------------------------------ headline
  function headline(el, ctx) {
    clear(el);
    var s = ctx.b.summary || {};
    var tot = (s.totals_usd_bn || {}).total || {};
    var legs = ctx.b.legs || [];
    var firmLegs = legs.filter(function (l) { return l.status_group === 'firm' && l.basis !== 'derived'; }).map(function (l) { return l.id; });
    var liveLegs = legs.filter(function (l) { return l.status_group !== 'dead' && l.basis !== 'derived'; }).map(function (l) { return l.id; });
    var L = ctx.b.loops || { loops: [], n_loops: 0 };
    var top = L.loops[0];
    var cards = [
      ['Firm deals', num(ctx, tot.firm, firmLegs, { title: 'Firm deals (committed + reported)' }), 'committed and reported legs, never counting a dollar twice'],
      ['Incl. conditional', num(ctx, tot.all, liveLegs, { title: 'All live legs' }), 'adds "up to" and letter-of-intent legs'],
      ['Money loops', num(ctx, L.n_loops, top ? top.legs : [], { unit: 'count', text: String(L.n_loops), title: 'Largest loop' }), 'chains of payments that come back to their start'],
      ['Largest loop', top ? num(ctx, top.amount, top.legs, { title: 'Loop ' + loopPath(ctx, top) }) : 'n/a', top ? loopPath(ctx, top, true) : '']
    ];
    var sys = ((ctx.b.measures || {}).system || {}).firm;
    if (sys && typeof sys.cycled === 'number') {
      var loopLegs = {};
      L.loops.forEach(function (lp) { lp.legs.forEach(function (x) { if (ctx.leg[x] && ctx.leg[x].status_group === 'firm') loopLegs[x] = 1; }); });
      cards.push(['Money that cycles', num(ctx, sys.cycled, Object.keys(loopLegs), { title: 'Firm legs on money loops', note: ctx.b.measures.system.description }),
        fmtValue(sys.fci, 'fraction') + ' of ' + fmtMoney(sys.tst) + ' throughflow (Finn cycling index, firm legs, over the horizon)']);
    }
    cards.forEach(function (c) {
      append(el, h('div', { class: 'dl-card' }, h('div', { class: 'dl-card-label' }, c[0]), h('div', { class: 'dl-card-value' }, c[1]), h('div', { class: 'dl-card-note' }, c[2])));
    });
  }

  // ------------------------------------------------------------------ charts (Plotly)
  var PLOTLY_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

  /** Who pays whom. which: 'firm' or 'all' legs; scope: 'loops' (firms on a loop) or 'all'. */
  function sankey(el, ctx, which, scope) {
    /* global Plotly */
    var flows = ctx.b.flows || {};
    var onLoop = {};
    ((ctx.b.loops && ctx.b.loops.loops) || []).forEach(function (lp) { lp.firms.forEach(function (f) { onLoop[f] = true; }); });
    var links = (flows[which || 'firm'] || []).filter(function (l) {
      return scope !== 'loops' || (onLoop[l.payer] && onLoop[l.payee]);
    });
    var idx = {}, labels = [], colours = [];
    links.forEach(function (l) {
      [l.payer, l.payee].forEach(function (id) {
        if (idx[id] === undefined) {
          idx[id] = labels.length;
          labels.push(plotlyText(name(ctx, id)));
          colours.push(KIND_COLOURS[(ctx.ent[id] || {}).kind] || KIND_COLOURS.other);
        }
      });
    });
    if (!links.length) { clear(el); append(el, h('p', null, 'No money flows in this selection.')); return; }
    var data = [{
      type: 'sankey', arrangement: 'snap', valueformat: ',.1f', valuesuffix: ' bn',
      node: { label: labels, color: colours, pad: 14, thickness: 16, line: { width: 0 } },
      link: {
        source: links.map(function (l) { return idx[l.payer]; }),
        target: links.map(function (l) { return idx[l.payee]; }),
        value: links.map(function (l) { return l.amount; }),
        customdata: links.map(function (l) { return plotlyText(l.legs.join(', ')); }),
        hovertemplate: '%{source.label} \u2192 %{target.label}<br>$%{value:,.1f}bn<br>legs: %{customdata}<extra></extra>',
        color: links.map(function (l) { return hexAlpha(KIND_COLOURS[(ctx.ent[l.payer] || {}).kind] || '#94a3b8', 0.35); })
      }
    }];
    var height = Math.max(420, Math.min(1100, 22 * labels.length));
    Plotly.react(el, data, { margin: { l: 10, r: 10, t: 10, b: 10 }, height: height, font: { size: 11 } }, PLOTLY_CONFIG);
    el.dataset.links = String(links.length);
    if (!el.dataset.bound) {
      el.dataset.bound = '1';
      el.on('plotly_click', function (d) {
        var p = d && d.points && d.points[0];
        if (!p || p.source === undefined || p.target === undefined) return;
        var hit = (el._dlLinks || [])[p.pointNumber !== undefined ? p.pointNumber : p.index];
        if (hit) trace(ctx, name(ctx, hit.payer) + ' \u2192 ' + name(ctx, hit.payee) + ': ' + fmtMoney(hit.amount), hit.legs);
      });
    }
    el._dlLinks = links;
  }

  function hexAlpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function bar(el, labels, values, opts) {
    opts = opts || {};
    Plotly.react(el, [{
      type: 'bar', orientation: opts.horizontal ? 'h' : 'v',
      x: opts.horizontal ? values : labels.map(plotlyText),
      y: opts.horizontal ? labels.map(plotlyText) : values,
      marker: { color: opts.colours || '#2563eb' },
      hovertemplate: opts.hover || '%{' + (opts.horizontal ? 'y' : 'x') + '}: %{' + (opts.horizontal ? 'x' : 'y') + ':,.1f}<extra></extra>'
    }], {
      width: el.clientWidth || undefined,
      margin: { l: opts.horizontal ? 150 : 50, r: 10, t: opts.title ? 30 : 10, b: opts.horizontal ? 40 : 80 },
      height: opts.height || 300, title: opts.title ? { text: plotlyText(opts.title), font: { size: 13 } } : undefined,
      xaxis: { title: opts.horizontal ? { text: plotlyText(opts.unit || '') } : undefined, automargin: true },
      yaxis: { title: opts.horizontal ? undefined : { text: plotlyText(opts.unit || '') }, automargin: true, autorange: opts.horizontal ? 'reversed' : true },
      font: { size: 11 }
    }, PLOTLY_CONFIG);
  }

  // ------------------------------------------------------------------ stress results
  function splitIds(x) {
    if (Array.isArray(x)) return x.map(String);
    return String(x || '').split(/[;,]/).map(function (t) { return t.trim(); }).filter(Boolean);
  }

  function unitOf(u) { return u === 'usd_bn' ? 'USD bn' : u; }

  function simpleTable(columns, rows, opts) {
    return sortableTable(columns, rows, Object.assign({ compact: true }, opts || {}));
  }

  function comparisonChart(cd, money) {
    var labels = [], values = [], colours = [];
    money.forEach(function (c, i) {
      if (i === 0) { labels.push('This scenario'); values.push(Math.max(c.ours, 1e-3)); colours.push('#ea580c'); }
      labels.push(c.label + (c.value < 0 ? ' (a loss)' : '')); values.push(Math.abs(c.value)); colours.push('#64748b');
    });
    Plotly.react(cd, [{
      type: 'bar', orientation: 'h', x: values, y: labels.map(plotlyText), marker: { color: colours },
      hovertemplate: '%{y}: $%{x:,.1f}bn<extra></extra>'
    }], {
      width: cd.clientWidth || undefined,
      margin: { l: 260, r: 10, t: 30, b: 40 }, height: 90 + 30 * labels.length, font: { size: 11 },
      title: { text: 'Against history (log scale, USD bn)', font: { size: 13 } },
      xaxis: { type: 'log', automargin: true }, yaxis: { automargin: true, autorange: 'reversed' }
    }, PLOTLY_CONFIG);
  }

  /** One stress run (StressResult.to_dict()): headline figures, default waves, losses by firm,
   * unpaid claims, backstops, the evidence band and the comparison with history. */
  function stressResult(el, ctx, entry) {
    clear(el);
    var r = entry.result || {};
    var sys = r.system || {};
    var firms = r.firms || [];
    var unpaid = r.unpaid || [];
    var backs = r.backstops || [];
    append(el, h('h3', null, entry.title || entry.name || r.scenario || 'Scenario'));
    var question = 'question' in entry ? entry.question : r.question;
    if (question) append(el, h('p', { class: 'dl-question' }, question));
    if (entry.notes) append(el, h('p', { class: 'dl-help' }, entry.notes));
    var shockLegs = {};
    unpaid.forEach(function (u) { splitIds(u.deals).forEach(function (x) { shockLegs[x] = 1; }); });
    backs.forEach(function (b) { if (b.deal) shockLegs[b.deal] = 1; });
    shockLegs = Object.keys(shockLegs);

    // headline figures (with the evidence band when there is one)
    var bands = {};
    (r.bands || []).forEach(function (b) { bands[b.metric] = b; });
    var heads = entry.headlines && entry.headlines.length ? entry.headlines :
      Object.keys(sys).map(function (k) { return { key: k, label: humanise(k), unit: /default|rounds|firms|iterations/.test(k) ? 'count' : 'usd_bn' }; });
    var headRows = heads.filter(function (hd) { return typeof sys[hd.key] === 'number'; }).map(function (hd) {
      var b = bands[hd.key];
      var unit = unitOf(hd.unit);
      return [h('span', { class: hd.indent ? 'dl-indent' : null, title: hd.key }, hd.label),
        [num(ctx, sys[hd.key], shockLegs, { unit: unit, title: hd.label, note: 'Legs of the claims left unpaid and the backstops called in this run.' }),
          b && b.low !== b.high ? h('span', { class: 'dl-muted', title: Object.keys(b.values).map(function (k) { return k + ': ' + fmtValue(b.values[k], unit); }).join('; ') },
            ' (evidence band ' + fmtValue(b.low, unit) + '\u2013' + fmtValue(b.high, unit) + ')') : null]];
    });
    if (typeof sys.baseline_defaults === 'number') headRows.push(['Defaults before the shock', fmtValue(sys.baseline_defaults, 'count')]);
    if (typeof sys.backstops_paid === 'number' && sys.backstops_paid) headRows.push(['Backstops paid', num(ctx, sys.backstops_paid, backs.map(function (b) { return b.deal; }), { title: 'Backstops called' })]);
    if (typeof sys.rounds === 'number') headRows.push(['Default rounds', fmtValue(sys.rounds, 'count')]);
    var top = h('div', { class: 'dl-stress-top' });
    append(el, top);
    append(top, h('div', null, h('h4', null, 'What it costs'), kv(headRows)));

    // default waves
    var hit = firms.filter(function (f) { return f.defaulted && !f.baseline_defaulted; });
    var waves = {};
    hit.forEach(function (f) { (waves[f.wave] = waves[f.wave] || []).push(f.firm); });
    var waveKeys = Object.keys(waves).map(Number).sort(function (a, b) { return a - b; });
    var wl = h('ol', { class: 'dl-waves', 'aria-label': 'Default waves' });
    waveKeys.forEach(function (w) {
      append(wl, h('li', { dataset: { wave: w } }, h('strong', null, 'Wave ' + w + ': '), waves[w].map(function (f, i) {
        return [i ? ', ' : '', name(ctx, f)];
      })));
    });
    var baseline = firms.filter(function (f) { return f.baseline_defaulted; });
    append(top, h('div', null, h('h4', null, 'Who fails, wave by wave'),
      waveKeys.length ? wl : h('p', { class: 'dl-muted' }, 'No firm defaults because of this scenario.'),
      baseline.length ? h('p', { class: 'dl-muted' }, 'Already short before the shock: ' + baseline.map(function (f) { return name(ctx, f.firm); }).join(', ') + '.') : null,
      backs.length ? h('p', null, 'Backstops called: ', backs.map(function (b, i) {
        return [i ? '; ' : '', legButton(ctx, b.deal), ' ', name(ctx, b.backstopper), ' pays ', name(ctx, b.beneficiary), ' ', fmtMoney(b.paid)];
      })) : null));

    var grid = h('div', { class: 'dl-chart-grid' });
    var charts = [];
    append(el, grid);
    // losses by firm
    var losers = firms.filter(function (f) { return (f.market_value_lost || 0) > 0.005; })
      .sort(function (a, b) { return b.market_value_lost - a.market_value_lost; }).slice(0, 15);
    if (losers.length) {
      var ld = h('div', { class: 'dl-chart', dataset: { chart: 'losses' } });
      append(grid, ld);
      charts.push(function () { bar(ld, losers.map(function (f) { return shortName(name(ctx, f.firm)); }), losers.map(function (f) { return f.market_value_lost; }), {
        horizontal: true, title: 'Market value lost, largest', unit: 'USD bn',
        colours: losers.map(function (f) { return f.defaulted ? '#dc2626' : '#ea580c'; }), height: 70 + 24 * losers.length
      }); });
    }
    // comparison with history
    var cmp = (r.comparison || []).filter(function (c) { return typeof c.value === 'number'; });
    var money = cmp.filter(function (c) { return c.unit === 'usd_bn' && typeof c.ours === 'number'; });
    if (money.length) {
      var cd = h('div', { class: 'dl-chart', dataset: { chart: 'comparison' } });
      append(grid, cd);
      charts.push(function () { comparisonChart(cd, money); });
    }
    charts.forEach(function (draw) { draw(); });
    if (cmp.length) {
      append(el, h('h4', null, 'Next to the dot-com bust and retirement savings'));
      append(el, simpleTable([
        { key: 'label', label: 'Reference', cell: function (c) { return [c.label, ' ', h('span', { class: 'dl-muted' }, '(' + c.id + (c.date ? ', ' + c.date : '') + ')')]; } },
        { key: 'value', label: 'Then / today', numeric: true, cell: function (c) { return fmtValue(c.value, unitOf(c.unit)); } },
        { key: 'ours', label: 'This scenario', numeric: true, cell: function (c) { return c.ours === null || c.ours === undefined ? h('span', { class: 'dl-muted' }, 'context') : fmtValue(c.ours, unitOf(c.unit)); } },
        { key: 'comparison', label: 'Ratio', numeric: true, cell: function (c) { return typeof c.comparison === 'number' ? fmtValue(c.comparison, 'fraction') + (c.how === 'share' ? ' of it' : '') : ''; } },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (c) { return sourceList(ctx, splitIds(c.sources)); } }
      ], cmp, { id: 'comparison-table' }));
    }
    if (r.holders) holdersSection(el, ctx, r.holders);
    // unpaid claims
    if (unpaid.length) {
      append(el, h('h4', null, 'Claims left unpaid'));
      append(el, simpleTable([
        { key: 'debtor', label: 'Debtor', cell: function (u) { return name(ctx, u.debtor); } },
        { key: 'creditor', label: 'Creditor', cell: function (u) { return name(ctx, u.creditor); } },
        { key: 'channel', label: 'Channel', cell: function (u) { return humanise(u.channel); } },
        { key: 'owed', label: 'Owed', numeric: true, cell: function (u) { return num(ctx, u.owed, splitIds(u.deals), { title: name(ctx, u.debtor) + ' \u2192 ' + name(ctx, u.creditor) }); } },
        { key: 'paid', label: 'Paid', numeric: true, cell: function (u) { return fmtMoney(u.paid); } },
        { key: 'shortfall', label: 'Shortfall', numeric: true, cell: function (u) { return num(ctx, u.shortfall, splitIds(u.deals), { title: 'Shortfall ' + name(ctx, u.debtor) + ' \u2192 ' + name(ctx, u.creditor) }); } },
        { key: 'deals', label: 'Legs', sortable: false, cell: function (u) { return splitIds(u.deals).map(function (x) { return legButton(ctx, x); }); } }
      ], unpaid, { sortKey: 'shortfall', sortDir: -1, id: 'unpaid-table' }));
    }
    // evidence band
    if (r.bands && r.bands.length) {
      var labelsB = Object.keys(r.bands[0].values || {});
      append(el, h('details', { class: 'dl-details' }, h('summary', null, 'Evidence band: the same run on A, A+B and all legs'),
        simpleTable([{ key: 'label', label: 'Figure' }].concat(labelsB.map(function (k) {
          return { key: k, label: k, numeric: true, sort: function (b) { return b.values[k]; }, cell: function (b) { return fmtValue(b.values[k], unitOf(b.unit)); } };
        })), r.bands, { id: 'band-table' })));
    }
    // per-firm table and single-layer models
    if (firms.length) {
      append(el, h('details', { class: 'dl-details' }, h('summary', null, 'Every firm in this run'),
        simpleTable([
          { key: 'firm', label: 'Firm', cell: function (f) { return name(ctx, f.firm); } },
          { key: 'defaulted', label: 'Defaults', cell: function (f) { return f.defaulted ? (f.baseline_defaulted ? 'before the shock' : 'wave ' + f.wave) : ''; } },
          { key: 'equity_loss', label: 'Equity lost', numeric: true, cell: function (f) { return fmtMoney(f.equity_loss); } },
          { key: 'market_value_lost', label: 'Market value lost', numeric: true, cell: function (f) { return fmtMoney(f.market_value_lost); } },
          { key: 'unpaid', label: 'Unpaid', numeric: true, cell: function (f) { return fmtMoney(f.unpaid); } },
          { key: 'not_received', label: 'Not received', numeric: true, cell: function (f) { return fmtMoney(f.not_received); } },
          { key: 'new_money', label: 'New money the plan needs', numeric: true, cell: function (f) { return fmtMoney(f.new_money); } }
        ], firms, { sortKey: 'market_value_lost', sortDir: -1, id: 'stress-firms-table' })));
    }
    var models = r.models || {};
    Object.keys(models).forEach(function (k) {
      var rows = models[k] || [];
      if (!rows.length) return;
      var keys = Object.keys(rows[0]);
      append(el, h('details', { class: 'dl-details' }, h('summary', null, 'Model: ' + k),
        simpleTable(keys.map(function (c) {
          return { key: c, label: humanise(c), numeric: typeof rows[0][c] === 'number', cell: function (row) {
            var v = row[c];
            if (c === 'firm') return name(ctx, v);
            return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : (v === null || v === undefined ? '' : String(v));
          } };
        }), rows)));
    });
    if (r.notes && r.notes.length) {
      append(el, h('details', { class: 'dl-details' }, h('summary', null, 'Notes from the engine (' + r.notes.length + ')'),
        h('ul', null, r.notes.map(function (n) { return h('li', null, n); }))));
    }
  }

  var SECTOR_LABELS = {
    retirement_ira: 'IRAs', retirement_dc: '401(k) and other DC plans', retirement_db: 'Defined-benefit pensions',
    annuities: 'Annuities', households: 'Households directly (taxable)', households_via_funds: 'Households through mutual funds',
    rest_of_world: 'Rest of the world', investors: 'Named investors', other: 'Other / not allocated',
    banks: 'Banks', insurers: 'Insurers', pension_funds: 'Pension funds', mutual_funds: 'Mutual funds',
    retirement: 'Retirement savings', private_credit_funds: 'Private-credit funds',
    corporate_bond: 'Corporate bonds', bank_loan: 'Bank loans', private_credit: 'Private credit',
    listed_equity: 'Listed shares', private_equity: 'Private shares'
  };

  var NODE_LABELS = { shareholders: 'Outside shareholders', 'reported-debt-holders': 'Lenders of reported debt',
    'outside-suppliers': 'Outside suppliers' };

  function flowLabel(ctx, type, id) {
    if (type === 'firm' || type === 'node' || type === 'holder') return ctx.ent[id] ? name(ctx, id) : (NODE_LABELS[id] || humanise(id));
    return SECTOR_LABELS[id] || humanise(id);
  }

  /** Where the losses land: failing firm -> lenders and shareholders -> instruments -> sectors -> households. */
  function holdersSection(el, ctx, hd) {
    var hh = hd.households || {};
    var box = h('div', { class: 'dl-holders', dataset: { section: 'holders' } });
    append(el, box);
    append(box, h('h4', null, 'Where the losses land: banks, funds, pensions, households'));
    if (!(hh.entered > 0)) { append(box, h('p', { class: 'dl-muted' }, 'No loss reaches lenders or shareholders outside the network in this run.')); return; }
    var flows = hd.flows || [];
    var legsOf = function (f) { return splitIds(f.deals).filter(function (x) { return ctx.leg[x]; }); };
    var allLegs = {};
    flows.forEach(function (f) { legsOf(f).forEach(function (x) { allLegs[x] = 1; }); });
    var srcs = {};
    Object.keys(hd.sources || {}).forEach(function (k) { (hd.sources[k] || []).forEach(function (s) { srcs[s] = 1; }); });
    var retShare = typeof hh.share_of_retirement === 'number' ? ' (' + (100 * hh.share_of_retirement).toFixed(2) + '% of their assets)' : '';
    append(box, kv([
      ['Lost outside the network', num(ctx, hh.entered, Object.keys(allLegs), { title: 'Losses that leave the network' })],
      ['On US households', [fmtMoney(hh.total), hh.per_household !== null && hh.per_household !== undefined ? h('span', { class: 'dl-muted' }, ' \u2014 $' + Math.round(hh.per_household).toLocaleString('en-US') + ' per household (' + ((hd.sources && hd.sources.households) || []).join(', ') + ')') : null]],
      ['Of which retirement accounts', fmtMoney(hh.retirement) + retShare],
      ['IRAs / 401(k) and DC / DB pensions / annuities', [fmtMoney(hh.ira), ' / ', fmtMoney(hh.dc), ' / ', fmtMoney(hh.db), ' / ', fmtMoney(hh.annuities)]]
    ]));
    var banks = (hd.banks || []);
    if (banks.length) {
      append(box, simpleTable([
        { key: 'bank', label: 'Bank', cell: function (b) { return [b.name || b.bank, b.below_min ? h('strong', { class: 'dl-flag' }, ' below requirement') : null]; } },
        { key: 'loss', label: 'Loss', numeric: true, cell: function (b) { return fmtMoney(b.loss); } },
        { key: 'cet1', label: 'CET1 capital', numeric: true, cell: function (b) { return typeof b.cet1 === 'number' ? fmtMoney(b.cet1) : ''; } },
        { key: 'ratio_after', label: 'CET1 ratio before \u2192 after', numeric: true, cell: function (b) { return typeof b.ratio === 'number' ? (100 * b.ratio).toFixed(1) + '% \u2192 ' + (100 * b.ratio_after).toFixed(1) + '%' : ''; } },
        { key: 'min_ratio', label: 'Requirement', numeric: true, cell: function (b) { return typeof b.min_ratio === 'number' ? (100 * b.min_ratio).toFixed(1) + '%' : ''; } },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (b) { return sourceList(ctx, splitIds(b.sources)); } }
      ], banks, { id: 'holders-banks-table' }));
    }
    // Sankey of the chain, links summed over firms
    var agg = {}, order = [];
    flows.forEach(function (f) {
      var key = f.source_type + ':' + f.source + '>' + f.target_type + ':' + f.target;
      if (!agg[key]) { agg[key] = { s: [f.source_type, f.source], t: [f.target_type, f.target], amount: 0, rows: {}, deals: {}, sources: {} }; order.push(key); }
      agg[key].amount += f.amount;
      legsOf(f).forEach(function (x) { agg[key].deals[x] = 1; });
      splitIds(f.rows).forEach(function (x) { agg[key].rows[x] = 1; });
      splitIds(f.sources).forEach(function (x) { agg[key].sources[x] = 1; });
    });
    var links = order.map(function (k) { return agg[k]; }).filter(function (l) { return l.amount > 0.005; });
    var idx = {}, labels = [];
    links.forEach(function (l) {
      [l.s, l.t].forEach(function (n) {
        var id = n[0] + ':' + n[1];
        if (idx[id] === undefined) { idx[id] = labels.length; labels.push(plotlyText(flowLabel(ctx, n[0], n[1]))); }
      });
    });
    var sk = h('div', { class: 'dl-chart', dataset: { chart: 'holders-sankey', links: String(links.length) } });
    append(box, sk);
    if (typeof Plotly !== 'undefined' && links.length) {
      Plotly.react(sk, [{
        type: 'sankey', arrangement: 'snap', valueformat: ',.1f', valuesuffix: ' bn',
        node: { label: labels, pad: 12, thickness: 14, line: { width: 0 } },
        link: {
          source: links.map(function (l) { return idx[l.s[0] + ':' + l.s[1]]; }),
          target: links.map(function (l) { return idx[l.t[0] + ':' + l.t[1]]; }),
          value: links.map(function (l) { return l.amount; }),
          customdata: links.map(function (l) { return plotlyText(Object.keys(l.deals).concat(Object.keys(l.rows)).join(', ')); }),
          hovertemplate: '%{source.label} \u2192 %{target.label}<br>$%{value:,.1f}bn<br>%{customdata}<extra></extra>'
        }
      }], { margin: { l: 10, r: 10, t: 10, b: 10 }, height: Math.max(380, Math.min(900, 24 * labels.length)), font: { size: 11 } }, PLOTLY_CONFIG);
      sk.on('plotly_click', function (d) {
        var p = d && d.points && d.points[0];
        if (!p || p.source === undefined) return;
        var l = links[p.pointNumber !== undefined ? p.pointNumber : p.index];
        if (!l) return;
        trace(ctx, flowLabel(ctx, l.s[0], l.s[1]) + ' \u2192 ' + flowLabel(ctx, l.t[0], l.t[1]) + ': ' + fmtMoney(l.amount),
          Object.keys(l.deals),
          'Holders-layer rows: ' + (Object.keys(l.rows).join(', ') || 'none') + '; sources: ' + (Object.keys(l.sources).join(', ') || 'none'));
      });
    }
    var sectors = (hd.sectors || []).filter(function (x) { return Math.abs(x.amount) >= 0.005; });
    append(box, simpleTable([
      { key: 'sector', label: 'Sector', cell: function (x) { return SECTOR_LABELS[x.sector] || humanise(x.sector); } },
      { key: 'amount', label: 'Loss', numeric: true, cell: function (x) {
        var into = flows.filter(function (f) { return f.target === x.sector && f.target_type === 'sector'; });
        var legs = {}; into.forEach(function (f) { legsOf(f).forEach(function (y) { legs[y] = 1; }); });
        return num(ctx, x.amount, Object.keys(legs), { title: (SECTOR_LABELS[x.sector] || x.sector) + ': ' + fmtMoney(x.amount),
          note: 'Holders-layer rows: ' + Object.keys(into.reduce(function (a, f) { splitIds(f.rows).forEach(function (y) { a[y] = 1; }); return a; }, {})).join(', ') });
      } },
      { key: 'share_of_assets', label: 'Of its assets', numeric: true, cell: function (x) { return typeof x.share_of_assets === 'number' ? (100 * x.share_of_assets).toFixed(2) + '%' : ''; } },
      { key: 'household', label: 'US households', cell: function (x) { return x.household ? (x.retirement ? 'retirement' : 'yes') : ''; } }
    ], sectors, { sortKey: 'amount', sortDir: -1, id: 'holders-sectors-table' }));
    append(box, h('details', { class: 'dl-details' }, h('summary', null, 'Method and assumptions (which shares, which year, market or book)'),
      h('p', null, hd.method || ''), h('p', null, 'Sources of the shares: ', sourceList(ctx, Object.keys(srcs)))));
  }

  /** Who is systemic: each firm failed in turn, ranked (bundle part ``systemic``). */
  function systemicSection(el, ctx, opts) {
    clear(el);
    var sy = ctx.b.systemic || {};
    var rows = sy.firms || [];
    if (!rows.length) { append(el, h('p', { class: 'dl-muted' }, 'Not computed for this report.')); return; }
    opts = opts || {};
    var money = function (key) { return function (r) { return fmtMoney(r[key]); }; };
    append(el, sortableTable([
      { key: 'firm', label: 'Firm fails', sort: function (r) { return name(ctx, r.firm).toLowerCase(); }, cell: function (r) {
        return opts.onFirm ? h('button', { class: 'dl-linkish', type: 'button', on: { click: function () { opts.onFirm(r.firm); } } }, name(ctx, r.firm)) : name(ctx, r.firm); } },
      { key: 'total_loss', label: 'Loss outside', numeric: true, cell: money('total_loss') },
      { key: 'loss_to_others', label: 'Beyond its own shares', numeric: true, cell: money('loss_to_others') },
      { key: 'defaults_caused', label: 'Other defaults', numeric: true, cell: function (r) {
        return r.defaults_caused ? [String(r.defaults_caused), h('div', { class: 'dl-muted' }, splitIds(r.defaulted).map(function (x) { return name(ctx, x); }).join(', '))] : '0'; } },
      { key: 'household_loss', label: 'US households', numeric: true, cell: money('household_loss') },
      { key: 'retirement_loss', label: 'Retirement accounts', numeric: true, cell: money('retirement_loss') },
      { key: 'bank_loss', label: 'Banks', numeric: true, cell: money('bank_loss') },
      { key: 'bank_capital_loss', label: 'Named banks (CET1)', numeric: true, cell: function (r) {
        return [fmtMoney(r.bank_capital_loss), r.banks_below_min ? h('strong', { class: 'dl-flag' }, ' below requirement: ' + r.banks_below_min) : null]; } },
      { key: 'debtrank', label: 'DebtRank', numeric: true, cell: function (r) { return typeof r.debtrank === 'number' ? r.debtrank.toFixed(4) : ''; } }
    ], rows, { sortKey: 'total_loss', sortDir: -1, id: 'systemic-table' }));
    if (sy.notes && sy.notes.length) append(el, h('p', { class: 'dl-help' }, sy.notes.join('; ') + '.'));
  }

  function stressSection(el, ctx) {
    clear(el);
    var runs = ctx.b.stress || [];
    if (!runs.length) {
      append(el, h('p', { class: 'dl-muted' }, 'No scenario was run for this report. Add one with ',
        h('code', null, 'dealloop report --scenario NAME'), '.'));
      return;
    }
    runs.forEach(function (entry) {
      var box = h('div', { class: 'dl-stress', dataset: { scenario: entry.name } });
      append(el, box);
      stressResult(box, ctx, entry);
    });
  }

  window.Dealloop = {
    h: h, append: append, clear: clear, link: link, safeHref: safeHref, plotlyText: plotlyText,
    fmtMoney: fmtMoney, fmtValue: fmtValue, humanise: humanise, context: context, name: name,
    loopPath: loopPath, trace: trace, num: num, graph: graph, legend: legend, firmPanel: firmPanel, shortName: shortName,
    legPanel: legPanel, loopsTable: loopsTable, measuresTable: measuresTable, legsTable: legsTable,
    sourcesTable: sourcesTable, historyTable: historyTable, headline: headline, sankey: sankey,
    bar: bar, stressResult: stressResult, stressSection: stressSection, sourceList: sourceList,
    holdersSection: holdersSection, systemicSection: systemicSection,
    KIND_COLOURS: KIND_COLOURS, LAYER_COLOURS: LAYER_COLOURS
  };
})();
