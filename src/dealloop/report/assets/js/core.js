  /* dealloop: the graph, tables and charts of the report and the dashboard.
   *
   * Reads a results bundle (dealloop.report.bundle.results_bundle, or a part of it served by the
   * dashboard's JSON API) and builds the page. Safety rules: every piece of data is put in the page
   * with textContent or as a DOM property, never as HTML; links are made only of http(s) URLs;
   * strings handed to Plotly (which reads a few HTML-like tags in labels) are entity-escaped first.
   */

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
    if (unit === 'fraction' || unit === 'share') {
      // as the CLI's share(): a small non-zero share keeps two significant digits (0.016%,
      // not 0%), rounding noise below a billionth is zero
      var p = Math.abs(v) < 1e-9 ? 0 : 100 * v;
      if (p !== 0 && Math.abs(p) < 0.5) return String(Number(p.toPrecision(2))) + '%';
      return p.toLocaleString('en-US', { maximumFractionDigits: 1 }) + '%';
    }
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
        h('td', { class: 'dl-n', title: l.term_note || null }, fmtMoney(l.value_in_horizon) + (l.term_note && l.value_in_horizon !== null ? ' \u2020' : '')),
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

