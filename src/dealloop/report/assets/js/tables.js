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
        { key: 'value_in_horizon', label: 'In horizon', numeric: true, cell: function (l) { return fmtMoney(l.value_in_horizon) + (l.term_note && l.value_in_horizon !== null ? ' \u2020' : ''); } },
        { key: 'announced', label: 'Announced' },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (l) { return sourceList(ctx, l.sources); } }
      ], rows, { compact: true, id: 'legs-table' }));
    }
    input.addEventListener('input', render);
    append(el, h('p', { class: 'dl-help' }, 'Counted = the amount that enters totals (* range midpoint, aggregate remainder or undisclosed); n/a = undisclosed, never counted as 0. In horizon = the part falling due in the horizon (\u2020 no end reported, so a term is assumed, or undated and counted in full: the leg says which).'));
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

