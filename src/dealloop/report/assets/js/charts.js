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
        customdata: links.map(function (l) {
          var apart = (l.apart || []).map(function (a) { return a.leg + ' ' + humanise(a.why); });
          return plotlyText(l.legs.join(', ') + (apart.length ? ' (not cash, left out: ' + apart.join(', ') + ')' : ''));
        }),
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

