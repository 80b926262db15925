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
    append(el, h('div', { class: 'dl-table-wrap' }, h('table', { class: 'dl-table dl-compact', id: 'firm-legs' },
      h('thead', null, h('tr', null, h('th', null, 'Leg'), h('th', null, 'Counterparty'), h('th', null, 'Kind'), h('th', null, 'Status'), h('th', null, 'Value'), h('th', null, 'Sources'))),
      h('tbody', null, legs.map(function (l) {
        var out = l.payer === id;
        return h('tr', { class: 'dl-row-' + l.status_group },
          h('td', null, legButton(ctx, l.id)),
          h('td', null, h('span', { title: out ? 'pays' : 'is paid by' }, out ? '\u2192 ' : '\u2190 '),
            name(ctx, out ? l.payee : l.payer)),
          h('td', null, humanise(l.kind)),
          h('td', null, h('span', { class: 'dl-status dl-status-' + l.status_group }, l.status)),
          h('td', { class: 'dl-n' }, num(ctx, l.value, [l.id], { title: 'Leg ' + l.id })),
          h('td', null, sourceList(ctx, l.sources)));
      })))));
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
      ['In horizon', fmtMoney(l.value_in_horizon) + (l.term_note ? ' (' + l.term_note + ')' : '')],
      l.stake !== null ? ['Stake', fmtValue(l.stake, 'fraction')] : null,
      ['Announced', l.announced || 'n/a'],
      ['Term', (l.start || '?') + ' \u2013 ' + (l.end || (l.term_assumed ? 'no end reported (term assumed)' : 'one-off'))],
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

