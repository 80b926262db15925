// Plotly.js partial bundle for dealloop: the core (scatter) plus bar and sankey traces.
// Built by vendor.mjs; the distributed partial bundles either lack sankey (basic, finance)
// or are too large for a report under 5 MB (full, strict).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/sankey')]);

module.exports = Plotly;
