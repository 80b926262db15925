  // ------------------------------------------------------------------ Monte Carlo: where losses land
  var DRAW_FIGURES = {
    households: 'US households (total)', retirement: 'Retirement accounts (IRA, DC, DB, annuities)',
    banks: 'Banking sector', bank_capital: 'CET1 of the named banks', insurers: 'Insurers',
    private_credit: 'Private-credit funds'
  };
  var DRAW_STATS = [['mean', 'mean'], ['q05', '5%'], ['q50', 'median'], ['q95', '95%'], ['q99', '99%'], ['max', 'max']];

  /** A number shown formatted, its exact value kept in data-value (what tests compare). */
  function drawCell(v, text) {
    return h('span', { dataset: typeof v === 'number' ? { value: v } : null }, text);
  }

  function pct(v, digits) { return typeof v === 'number' ? (100 * v).toFixed(digits) + '%' : 'n/a'; }

  /** One sector line (banks, insurers, private-credit funds) against its capital, or NO DATA. */
  function capitalRow(ctx, key, x, share, loss) {
    var label = x.label || DRAW_FIGURES[key] || humanise(key);
    if (typeof x.capital !== 'number' || !share) {
      return [label, [h('strong', { dataset: { noData: key } }, 'NO DATA'),
        h('span', { class: 'dl-muted' }, ' for its capital (' + (x.no_data || 'no capital figure in the data') + '); loss mean ' + fmtMoney(loss && loss.mean))]];
    }
    return [label, [drawCell(share.mean, pct(share.mean, 3)), ' mean, ', drawCell(share.q95, pct(share.q95, 3)), ' at 95%',
      h('span', { class: 'dl-muted' }, ' of ' + (x.capital_name || 'its capital') + ' (' + fmtMoney(x.capital) + ' '), capitalDate(x),
      h('span', { class: 'dl-muted' }, ', ' + x.row + '; '),
      sourceList(ctx, splitIds(x.sources)), h('span', { class: 'dl-muted' }, ')')]];
  }

  /** Where the losses land over Monte Carlo draws (a simulation's ``holders`` section, from
   * the report's ``stress[i].simulation`` or the dashboard's simulate answer): the
   * distribution of the household, retirement, bank, bank-capital, insurer and private-credit
   * losses, against the capital of each sector, and each named bank's chance of falling
   * below its CET1 requirement. `sim`: {draws, seed, command?, holders}. */
  function holdersDraws(el, ctx, sim) {
    var hd = (sim && sim.holders) || {};
    var figs = hd.figures || [];
    var box = h('div', { class: 'dl-holders-draws', dataset: { section: 'holders-draws', draws: String(hd.draws || 0) } });
    append(el, box);
    append(box, h('h4', null, 'Where the losses land over ' + (hd.draws || 0).toLocaleString('en-US') + ' Monte Carlo draws'));
    append(box, caveats(sim.notes, 'simulation-notes', 'Notes from the Monte Carlo run'));
    if (!figs.length) { append(box, h('p', { class: 'dl-muted' }, 'No draw was followed to the holders.')); return; }
    append(box, h('p', { class: 'dl-help' }, 'Each draw\u2019s unpaid claims and lost market value are routed through the same holders layer as the central run ',
      '(the same shares, years and market-or-book basis: see its method). Unlike the central run, the draws also let each conditional leg happen (with a probability set by its evidence) and give legs with an amount range an amount within it, ',
      'so the central run\u2019s figures can sit at or below the low end of the draws. Seed ' + sim.seed + '.',
      sim.command ? [' ', h('code', null, sim.command), ' prints the same figures.'] : null));
    var modes = hd.modes || {};
    append(box, simpleTable([
      { key: 'figure', label: 'Loss (USD bn)', sort: function (r) { return Object.keys(DRAW_FIGURES).indexOf(r.figure); }, cell: function (r) { return DRAW_FIGURES[r.figure] || humanise(r.figure); } }
    ].concat(DRAW_STATS.map(function (s) {
      return { key: s[0], label: s[1], numeric: true, cell: function (r) { return drawCell(r[s[0]], fmtMoney(r[s[0]])); } };
    })).concat([
      { key: 'p_positive', label: 'P(> 0)', numeric: true, cell: function (r) { return drawCell(r.p_positive, pct(r.p_positive, 1)); } },
      { key: 'modes', label: 'Modes (share of draws)', sortable: false, cell: function (r) {
        var ms = modes[r.figure] || [];
        var seen = {};
        ms.forEach(function (m) { seen[fmtMoney(m.mean)] = 1; });
        return Object.keys(seen).length > 1 ? ms.map(function (m) { return fmtMoney(m.mean) + ' (' + pct(m.weight, 0) + ')'; }).join(', ') : '';
      } }
    ]), figs, { id: 'holders-draws-table' }));
    var rows = [];
    var per = hd.per_household, share = hd.share_of_retirement;
    if (per) rows.push(['Per US household', [drawCell(per.mean, '$' + Math.round(per.mean).toLocaleString('en-US')), ' mean, ',
      drawCell(per.q95, '$' + Math.round(per.q95).toLocaleString('en-US')), ' at 95%',
      h('span', { class: 'dl-muted' }, ' (' + Math.round(hd.households).toLocaleString('en-US') + ' households)')]]);
    if (share) rows.push(['Share of US retirement assets', [drawCell(share.mean, pct(share.mean, 2)), ' mean, ',
      drawCell(share.q95, pct(share.q95, 2)), ' at 95%', h('span', { class: 'dl-muted' }, ' (of ' + fmtMoney(hd.retirement_assets) + ')')]]);
    var bk = hd.banking_share;
    if (bk) rows.push(capitalRow(ctx, 'banks', Object.assign({ label: 'Banking sector', capital_name: 'US banks\u2019 aggregate capital' }, bk), bk, null));
    var caps = hd.capital || {};
    Object.keys(caps).forEach(function (k) {
      var x = caps[k];
      if ((k === 'banks' && bk) || !x.loss || !(x.loss.max > 0.005)) return;
      rows.push(capitalRow(ctx, k, x, x.share, x.loss));
    });
    if (rows.length) append(box, h('div', { dataset: { part: 'draws-lines' } }, kv(rows)));
    var banks = hd.banks || [];
    append(box, h('p', null, 'Chance that any named bank ends below its CET1 requirement: ',
      drawCell(hd.p_any_bank_below_min, pct(hd.p_any_bank_below_min, 1)), h('span', { class: 'dl-muted' }, ' (risk-weighted assets held fixed)')));
    if (banks.length) {
      append(box, simpleTable([
        { key: 'bank', label: 'Bank', cell: function (b) { return [b.name || b.bank, b.p_below_min > 0 ? h('strong', { class: 'dl-flag' }, ' can fall below requirement') : null]; } },
        { key: 'cet1', label: 'CET1 capital (as of)', numeric: true, cell: function (b) {
          return [drawCell(b.cet1, fmtMoney(b.cet1)), h('span', { class: b.stale ? 'dl-flag' : 'dl-muted', title: b.stale || '', dataset: { asOf: b.as_of || '' } }, ' (' + (b.as_of || 'n/a') + (b.stale ? ', older than the others' : '') + ')')];
        } },
        { key: 'ratio', label: 'CET1 ratio', numeric: true, cell: function (b) { return pct(b.ratio, 1); } },
        { key: 'min_ratio', label: 'Requirement', numeric: true, cell: function (b) { return pct(b.min_ratio, 1); } },
        { key: 'loss_mean', label: 'Loss, mean', numeric: true, cell: function (b) { return drawCell(b.loss_mean, fmtMoney(b.loss_mean)); } },
        { key: 'loss_max', label: 'Loss, max', numeric: true, cell: function (b) { return drawCell(b.loss_max, fmtMoney(b.loss_max)); } },
        { key: 'p_below_min', label: 'P(below requirement)', numeric: true, cell: function (b) { return drawCell(b.p_below_min, pct(b.p_below_min, 1)); } },
        { key: 'sources', label: 'Sources', sortable: false, cell: function (b) { return sourceList(ctx, splitIds(b.sources)); } }
      ], banks, { sortKey: 'loss_mean', sortDir: -1, id: 'holders-draws-banks' }));
    }
    if (hd.method || hd.basis) append(box, methodDetails(ctx, hd, 'holders-draws-basis-table'));
  }
