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

