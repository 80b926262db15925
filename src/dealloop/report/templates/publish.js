/* dealloop publish: downloads for every table (CSV, XLSX), chart (PNG, SVG via Plotly) and
 * the network graph (PNG from Cytoscape, SVG drawn here), with no library and no network. */
(function () {
  'use strict';
  var D = window.Dealloop;

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
  }

  function slug(s) {
    return String(s || 'table').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'table';
  }

  // A table as rows of cells (header rows first): a cell's exact value when it carries one
  // (data-value), else its text; buttons and hidden bits left out.
  function tableRows(table) {
    var rows = [];
    Array.prototype.forEach.call(table.rows, function (tr) {
      rows.push(Array.prototype.map.call(tr.cells, function (td) {
        if (td.dataset && td.dataset.value !== undefined && td.dataset.value !== '') return td.dataset.value;
        var c = td.cloneNode(true);
        Array.prototype.forEach.call(c.querySelectorAll('.dl-dl, [hidden], .dl-sort'), function (x) { x.remove(); });
        return (c.textContent || '').replace(/\s+/g, ' ').trim();
      }));
    });
    return rows;
  }

  // A number as shown in a cell ("1,234.5", "12%", "-3", money as "$74.1bn" or "$1.2T",
  // read in USD bn) or null when the cell is text.
  function asNumber(s) {
    var t = String(s).replace(/,/g, '').replace(/\u2212/g, '-').trim();
    var m = /^(-?)\$(\d+(?:\.\d+)?)(bn|T)?$/.exec(t);
    if (m) return (m[1] ? -1 : 1) * parseFloat(m[2]) * (m[3] === 'T' ? 1000 : 1);
    if (!/^-?\d+(\.\d+)?(e-?\d+)?%?$/.test(t)) return null;
    return t.slice(-1) === '%' ? parseFloat(t) / 100 : parseFloat(t);
  }

  function csv(rows) {
    return rows.map(function (r) {
      return r.map(function (v) {
        var s = String(v);
        if (/^[=+\-@]/.test(s) && asNumber(s) === null) s = "'" + s;  // no formulas in a spreadsheet
        return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      }).join(',');
    }).join('\r\n') + '\r\n';
  }

  // ---------------------------------------------------------------- a minimal XLSX writer
  var CRC = (function () {
    var t = [];
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();
  function crc32(bytes) {
    var c = 0xFFFFFFFF;
    for (var i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8);
    return (c ^ 0xFFFFFFFF) >>> 0;
  }
  function u16(v) { return [v & 0xFF, (v >>> 8) & 0xFF]; }
  function u32(v) { return [v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, (v >>> 24) & 0xFF]; }

  // A zip archive of files stored without compression (what every XLSX reader accepts).
  function zip(files) {
    var enc = new TextEncoder();
    var parts = [], central = [], offset = 0;
    files.forEach(function (f) {
      var name = enc.encode(f.name), data = enc.encode(f.text), crc = crc32(data);
      var head = [].concat([0x50, 0x4B, 0x03, 0x04], u16(20), u16(0x0800), u16(0), u16(0), u16(0x21),
        u32(crc), u32(data.length), u32(data.length), u16(name.length), u16(0));
      parts.push(new Uint8Array(head), name, data);
      central.push(new Uint8Array([].concat([0x50, 0x4B, 0x01, 0x02], u16(20), u16(20), u16(0x0800), u16(0),
        u16(0), u16(0x21), u32(crc), u32(data.length), u32(data.length), u16(name.length), u16(0), u16(0),
        u16(0), u16(0), u32(0), u32(offset))), name);
      offset += head.length + name.length + data.length;
    });
    var size = central.reduce(function (s, p) { return s + p.length; }, 0);
    var end = new Uint8Array([].concat([0x50, 0x4B, 0x05, 0x06], u16(0), u16(0), u16(files.length),
      u16(files.length), u32(size), u32(offset), u16(0)));
    return new Blob(parts.concat(central, [end]), { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  }

  function xml(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; })
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
  }
  function colName(k) { var s = ''; k += 1; while (k > 0) { var m = (k - 1) % 26; s = String.fromCharCode(65 + m) + s; k = Math.floor((k - 1) / 26); } return s; }

  function xlsx(rows, sheet) {
    var body = rows.map(function (r, i) {
      return '<row r="' + (i + 1) + '">' + r.map(function (v, j) {
        var ref = colName(j) + (i + 1), n = i === 0 ? null : asNumber(v);
        if (n !== null) return '<c r="' + ref + '"><v>' + n + '</v></c>';
        return '<c r="' + ref + '" t="inlineStr"><is><t xml:space="preserve">' + xml(v) + '</t></is></c>';
      }).join('') + '</row>';
    }).join('');
    var X = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
    return zip([
      { name: '[Content_Types].xml', text: X + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>' },
      { name: '_rels/.rels', text: X + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>' },
      { name: 'xl/workbook.xml', text: X + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="' + xml(String(sheet).slice(0, 31).replace(/[\\\/?*\[\]:]/g, ' ')) + '" sheetId="1" r:id="rId1"/></sheets></workbook>' },
      { name: 'xl/_rels/workbook.xml.rels', text: X + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' },
      { name: 'xl/worksheets/sheet1.xml', text: X + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + body + '</sheetData></worksheet>' }
    ]);
  }

  function tableName(table) {
    var sec = table.closest('section, .dl-section, main');
    var title = table.getAttribute('aria-label') || table.id ||
      (sec && sec.querySelector('h2, h3') ? sec.querySelector('h2, h3').textContent : 'table');
    return slug(title);
  }

  function button(label, title, onClick) {
    return D.h('button', { class: 'dl-btn dl-dl', type: 'button', title: title, on: { click: onClick } }, label);
  }

  // CSV and XLSX buttons above a table (once).
  function decorateTable(table) {
    if (table.dataset.dlDownloads || table.closest('.dl-trace, .dl-panel')) return;
    table.dataset.dlDownloads = '1';
    var bar = D.h('div', { class: 'dl-downloads' },
      button('CSV', 'Download this table as CSV', function () { save(new Blob([csv(tableRows(table))], { type: 'text/csv' }), tableName(table) + '.csv'); }),
      button('XLSX', 'Download this table as an Excel workbook', function () { save(xlsx(tableRows(table), tableName(table)), tableName(table) + '.xlsx'); }));
    table.parentNode.insertBefore(bar, table);
  }

  function decorateAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll('table'), decorateTable);
  }

  // ---------------------------------------------------------------- the network graph
  function graphSvg(cy) {
    var bb = cy.elements().boundingBox({ includeLabels: true });
    var pad = 20, w = bb.w + 2 * pad, hgt = bb.h + 2 * pad;
    var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + Math.ceil(w) + '" height="' + Math.ceil(hgt) +
      '" viewBox="' + (bb.x1 - pad) + ' ' + (bb.y1 - pad) + ' ' + w + ' ' + hgt + '" font-family="sans-serif">',
      '<rect x="' + (bb.x1 - pad) + '" y="' + (bb.y1 - pad) + '" width="' + w + '" height="' + hgt + '" fill="#fff"/>'];
    cy.edges(':visible').forEach(function (e) {
      var s = e.sourceEndpoint(), t = e.targetEndpoint(), cp = e.controlPoints && e.controlPoints();
      var d = 'M' + s.x + ' ' + s.y + (cp && cp.length ? ' Q' + cp[0].x + ' ' + cp[0].y + ' ' : ' L') + t.x + ' ' + t.y;
      var dash = e.style('line-style') === 'dashed' ? ' stroke-dasharray="6 4"' : e.style('line-style') === 'dotted' ? ' stroke-dasharray="2 3"' : '';
      out.push('<path d="' + d + '" fill="none" stroke="' + e.style('line-color') + '" stroke-width="' + parseFloat(e.style('width')) +
        '" opacity="' + e.style('opacity') + '"' + dash + '><title>' + xml(e.data('label') || e.id()) + '</title></path>');
    });
    cy.nodes(':visible').forEach(function (n) {
      var p = n.position(), r = n.width() / 2;
      out.push('<circle cx="' + p.x + '" cy="' + p.y + '" r="' + r + '" fill="' + n.style('background-color') + '" stroke="' +
        n.style('border-color') + '" stroke-width="' + parseFloat(n.style('border-width')) + '" opacity="' + n.style('opacity') + '"/>');
      var label = n.style('label') || n.data('label') || '';
      if (label) out.push('<text x="' + p.x + '" y="' + (p.y + r + 12) + '" font-size="' + parseFloat(n.style('font-size')) + '" text-anchor="middle" fill="#222">' + xml(label) + '</text>');
    });
    out.push('</svg>');
    return out.join('\n');
  }

  /** PNG and SVG buttons for the graph; ``cy`` is the Cytoscape instance or a function
   * returning the current one (the dashboard redraws it on every filter). */
  function graphButtons(el, cy, name) {
    var file = slug(name || 'network');
    var get = typeof cy === 'function' ? cy : function () { return cy; };
    D.append(el, D.h('span', { class: 'dl-downloads', id: 'graph-downloads' },
      button('PNG', 'Download the graph as PNG', function () { save(get().png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' }), file + '.png'); }),
      button('SVG', 'Download the graph as SVG', function () { save(new Blob([graphSvg(get())], { type: 'image/svg+xml' }), file + '.svg'); })));
  }

  // ---------------------------------------------------------------- Plotly charts
  var SVG_ICON = { width: 1000, height: 1000, path: 'M200 100h450l150 150v650H200zM300 450h400v80H300zm0 160h400v80H300z' };
  function plotlyConfig(base, name) {
    var cfg = Object.assign({}, base || {});
    cfg.displaylogo = false;
    cfg.showLink = false;
    cfg.showSendToCloud = false;
    cfg.showEditInChartStudio = false;
    cfg.modeBarButtonsToRemove = (cfg.modeBarButtonsToRemove || []).concat(['sendDataToCloud', 'editInChartStudio']);
    cfg.toImageButtonOptions = { format: 'png', filename: slug(name || 'chart'), scale: 2 };
    cfg.modeBarButtonsToAdd = [{
      name: 'Download plot as SVG', title: 'Download plot as SVG', icon: SVG_ICON,
      click: function (gd) { window.Plotly.downloadImage(gd, { format: 'svg', filename: slug(name || 'chart') }); }
    }];
    return cfg;
  }

  // Every Plotly chart, wherever drawn: no cloud-sharing button, PNG and SVG downloads.
  if (window.Plotly && !window.Plotly.dealloopPublish) {
    ['newPlot', 'react'].forEach(function (fn) {
      var orig = window.Plotly[fn];
      window.Plotly[fn] = function (gd, data, layout, config) {
        var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
        var sec = el && el.closest ? el.closest('section') : null;
        var name = (el && el.id) || (sec && sec.id) || 'chart';
        return orig.call(window.Plotly, gd, data, layout, plotlyConfig(config, name));
      };
    });
    window.Plotly.dealloopPublish = true;
  }

  D.publish = { save: save, csv: csv, xlsx: xlsx, tableRows: tableRows, decorateTable: decorateTable,
    decorateAll: decorateAll, graphSvg: graphSvg, graphButtons: graphButtons, plotlyConfig: plotlyConfig };

  // Tables drawn later (sorting, filtering, dashboard pages) get their buttons too.
  function watch() {
    decorateAll(document);
    new MutationObserver(function (muts) {
      muts.forEach(function (m) {
        Array.prototype.forEach.call(m.addedNodes, function (n) {
          if (n.nodeType !== 1) return;
          if (n.tagName === 'TABLE') decorateTable(n); else decorateAll(n);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
