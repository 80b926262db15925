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
      margin: { l: 260, r: 10, t: 56, b: 50 }, height: 116 + 30 * labels.length, font: { size: 11 },
      // left-aligned and below the toolbar (which sits top right)
      title: { text: 'Against history', font: { size: 13 }, x: 0, xref: 'paper', xanchor: 'left', y: 1, yref: 'paper', yanchor: 'bottom', pad: { b: 8 } },
      xaxis: { type: 'log', automargin: true, tickprefix: '$', ticksuffix: 'bn', title: { text: 'USD bn, log scale' } },
      yaxis: { automargin: true, autorange: 'reversed' }
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
    if (entry.simulation) holdersDraws(el, ctx, entry.simulation);
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
        h('p', { class: 'dl-muted', dataset: { part: 'equity-basis' } }, 'Equity = book equity at the horizon\u2019s end (reported book equity plus the earnings the unshocked run keeps, stakes at cost) where the data has a book equity figure, else net worth over the horizon (the model\u2019s construct, assumed); equity lost: its share of equity before, as dealloop stress prints it. A negative loss is a gain.'),
        simpleTable([
          { key: 'firm', label: 'Firm', cell: function (f) { return name(ctx, f.firm); } },
          { key: 'defaulted', label: 'Defaults', cell: function (f) { return f.defaulted ? (f.baseline_defaulted ? 'before the shock' : 'wave ' + f.wave) : ''; } },
          { key: 'equity_before', label: 'Equity before', numeric: true, cell: function (f) { return [fmtMoney(f.equity_before), f.equity_basis === 'book' ? null : h('span', { class: 'dl-muted', title: 'no book equity figure: the model\u2019s construct (assumed)' }, ' *')]; } },
          { key: 'equity_after', label: 'Equity after', numeric: true, cell: function (f) { return fmtMoney(f.equity_after); } },
          { key: 'equity_loss', label: 'Equity lost ($)', numeric: true, cell: function (f) { return fmtMoney(f.equity_loss); } },
          { key: 'equity_loss_share', label: 'Equity lost', numeric: true, cell: function (f) { return fmtValue(f.equity_loss_share, 'share'); } },
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
    // the CLI's lines: per-leg notes gathered by kind, every other caveat as it is, all shown
    append(el, caveats(r.notes_grouped || r.notes, 'engine-notes', 'Notes from the engine'));
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

  /** The date of a capital figure: "at 2025-06-30", flagged when older than the others'. */
  function capitalDate(x) {
    return x.stale ? h('strong', { class: 'dl-flag', dataset: { stale: x.as_of || '' } }, x.stale)
      : h('span', { class: 'dl-muted' }, 'at ' + (x.as_of || 'n/a'));
  }

  /** Where the losses land: failing firm -> lenders and shareholders -> instruments -> sectors -> households. */
  function holdersSection(el, ctx, hd) {
    var hh = hd.households || {};
    var box = h('div', { class: 'dl-holders', dataset: { section: 'holders' } });
    append(el, box);
    append(box, h('h4', null, 'Where the losses land: banks, funds, pensions, households'));
    if (!(hh.entered > 0)) {
      append(box, h('p', { class: 'dl-muted' }, 'No loss reaches lenders or shareholders outside the network in this run.'), holdersNotes(hd));
      return;
    }
    var flows = hd.flows || [];
    var legsOf = function (f) { return splitIds(f.deals).filter(function (x) { return ctx.leg[x]; }); };
    var allLegs = {};
    flows.forEach(function (f) { legsOf(f).forEach(function (x) { allLegs[x] = 1; }); });
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
        { key: 'cet1', label: 'CET1 capital (as of)', numeric: true, cell: function (b) {
          return typeof b.cet1 === 'number' ? [fmtMoney(b.cet1), h('span', { class: b.stale ? 'dl-flag' : 'dl-muted', title: b.stale || '', dataset: { asOf: b.as_of || '' } },
            ' (' + (b.as_of || 'n/a') + (b.stale ? ', older than the others' : '') + ')')] : '';
        } },
        { key: 'ratio_after', label: 'CET1 ratio before \u2192 after', numeric: true, cell: function (b) { return typeof b.ratio === 'number' ? (100 * b.ratio).toFixed(1) + '% \u2192 ' + (100 * b.ratio_after).toFixed(1) + '%' : ''; } },
        { key: 'min_ratio', label: 'Requirement', numeric: true, cell: function (b) { return typeof b.min_ratio === 'number' ? (100 * b.min_ratio).toFixed(1) + '%' : ''; } },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (b) { return sourceList(ctx, splitIds(b.sources)); } }
      ], banks, { id: 'holders-banks-table' }));
    }
    // Sector lines: banks, insurers and private-credit funds against their capital, or NO DATA
    var caps = hd.capital || (hd.banking ? { banks: hd.banking } : {});
    var capRows = Object.keys(caps).map(function (k) { return caps[k]; }).filter(function (bk) {
      return typeof bk.loss === 'number' && bk.loss > 0.005;
    }).map(function (bk) {
      return [bk.label || 'Banking sector', typeof bk.capital === 'number'
        ? [fmtMoney(bk.loss), h('span', { class: 'dl-muted' }, ' \u2014 ' + (100 * bk.share).toFixed(3) + '% of ' + (bk.capital_name || 'the sector\'s capital') + ' (' + fmtMoney(bk.capital) + ' '),
          capitalDate(bk), h('span', { class: 'dl-muted' }, ', ' + bk.row + '; '), sourceList(ctx, bk.sources || []), h('span', { class: 'dl-muted' }, ')')]
        : [fmtMoney(bk.loss), h('span', { class: 'dl-muted' }, ' \u2014 its capital: '), h('strong', null, 'NO DATA'), h('span', { class: 'dl-muted' }, ' (' + (bk.no_data || 'no capital figure in the data') + ')')]];
    });
    if (capRows.length) append(box, h('div', { dataset: { part: 'sector-lines' } }, kv(capRows)));
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
    append(box, holdersNotes(hd), methodDetails(ctx, hd, 'holders-basis-table'));
  }

  /** The holders layer's notes (``holders.notes``: whose sponsor equity is lost, a joint leg's
   * loss booked whole on one sponsor, the most it can lose; equity not allocated), as
   * `dealloop stress` prints them: a short list under the tables, the text as text. */
  function holdersNotes(hd) {
    return caveats(hd.notes, 'holders-notes', 'Read with these figures');
  }

  /** A run's notes as a short list in view (``data-part`` ``part``), headed ``title`` and
   * their count, each note as text; null when there are none. */
  function caveats(notes, part, title) {
    var lines = (notes || []).filter(function (n) { return typeof n === 'string' && n; });
    if (!lines.length) return null;
    return h('div', { class: 'dl-caveats', dataset: { part: part } },
      h('p', { class: 'dl-help' }, title + ' (' + lines.length + (lines.length > 1 ? ' notes' : ' note') + '):'),
      h('ul', null, lines.map(function (n) { return h('li', null, n); })));
  }

  /** The method next to the numbers: the method statement, then which data each figure
   * stands on (holders.csv shares, banks' and sectors' capital), with dates and sources. */
  function methodDetails(ctx, hd, id) {
    var basis = hd.basis || [];
    return h('details', { class: 'dl-details', dataset: { part: 'method' } }, h('summary', null, 'Method and assumptions (which shares, which year, market or book)'),
      h('p', null, hd.method || ''),
      basis.length ? simpleTable([
        { key: 'label', label: 'Shares or capital', cell: function (x) { return x.label || humanise(x.what); } },
        { key: 'as_of', label: 'As of', sort: function (x) { return (x.as_of || [])[0] || ''; }, cell: function (x) {
          var d = x.as_of || [];
          return d.length ? d[0] + (d.length > 1 ? ' to ' + d[d.length - 1] : '') : h('span', { class: 'dl-muted' }, 'undated (assumption)');
        } },
        { key: 'measure', label: 'Market or book', cell: function (x) { return x.measure || ''; } },
        { key: 'basis', label: 'Basis', cell: function (x) { return (x.basis || []).join(', '); } },
        { key: 'rows', label: 'Rows', sortable: false, cell: function (x) { return (x.rows || []).join(', '); } },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (x) { return sourceList(ctx, x.sources || []); } }
      ], basis, { id: id }) : null);
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
      { key: 'insurer_loss', label: 'Insurers', numeric: true, cell: money('insurer_loss') },
      { key: 'private_credit_loss', label: 'Private-credit funds', numeric: true, cell: money('private_credit_loss') },
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

