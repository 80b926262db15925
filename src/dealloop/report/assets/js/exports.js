  window.Dealloop = {
    h: h, append: append, clear: clear, link: link, safeHref: safeHref, plotlyText: plotlyText,
    fmtMoney: fmtMoney, fmtValue: fmtValue, humanise: humanise, context: context, name: name,
    loopPath: loopPath, trace: trace, num: num, graph: graph, legend: legend, firmPanel: firmPanel, shortName: shortName,
    legPanel: legPanel, loopsTable: loopsTable, measuresTable: measuresTable, legsTable: legsTable,
    sourcesTable: sourcesTable, historyTable: historyTable, headline: headline, sankey: sankey,
    bar: bar, stressResult: stressResult, stressSection: stressSection, sourceList: sourceList,
    holdersSection: holdersSection, holdersDraws: holdersDraws, caveats: caveats, systemicSection: systemicSection,
    KIND_COLOURS: KIND_COLOURS, LAYER_COLOURS: LAYER_COLOURS
  };
