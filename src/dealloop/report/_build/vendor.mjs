// Rebuild the JavaScript vendored into src/dealloop/report/vendor/ (run `npm run vendor` at the
// repository root after `npm ci`). Writes, beside each library, its licence; for the Plotly
// partial bundle, the licences of every package esbuild put into it.
import { build } from 'esbuild';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');
const vendor = resolve(here, '../vendor');
const require = createRequire(join(root, 'package.json'));
const modules = join(root, 'node_modules');

function pkg(name) {
  return JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8'));
}

function licenceText(dir) {
  for (const f of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license', 'license.md',
    'LICENSE-MIT', 'COPYING']) {
    const p = join(dir, f);
    if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  }
  return null;
}

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

function fallbackLicence(meta) {
  const author = typeof meta.author === 'string' ? meta.author : meta.author?.name;
  const head = `(the package ships no licence file; its package.json declares ${meta.license})`;
  if (meta.license === 'MIT') {
    return `${head}\n\nMIT License\n\nCopyright (c) ${author ?? `the ${meta.name} authors`}\n\n${MIT}`;
  }
  return head;
}

const versions = {};

// Cytoscape.js: the network graph.
copyFileSync(join(modules, 'cytoscape/dist/cytoscape.min.js'), join(vendor, 'cytoscape.min.js'));
copyFileSync(join(modules, 'cytoscape/LICENSE'), join(vendor, 'cytoscape.LICENSE.txt'));
versions.cytoscape = pkg('cytoscape').version;

// Swagger UI: the offline /docs page of the dashboard.
for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
  copyFileSync(join(modules, 'swagger-ui-dist', f), join(vendor, f));
}
writeFileSync(join(vendor, 'swagger-ui.LICENSE.txt'), ['LICENSE', 'NOTICE',
  'swagger-ui-bundle.js.LICENSE.txt'].map((f) => {
  const text = readFileSync(join(modules, 'swagger-ui-dist', f), 'utf8').trim();
  return `${'='.repeat(78)}\nswagger-ui-dist/${f}\n${'='.repeat(78)}\n${text}`;
}).join('\n\n') + '\n');
versions['swagger-ui-dist'] = pkg('swagger-ui-dist').version;

// Plotly.js partial bundle (bar + sankey).
const result = await build({
  entryPoints: [join(here, 'plotly-entry.js')],
  outfile: join(vendor, 'plotly-dealloop.min.js'),
  nodePaths: [modules],
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'Plotly',
  define: { global: 'window', 'define.amd': 'false' },
  alias: { stream: 'stream-browserify' },
  loader: { '.css': 'empty' }, // only maplibre's CSS, for map traces that are not bundled
  target: 'es2016',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
versions['plotly.js'] = pkg('plotly.js').version;
const included = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
  if (m) included.add(m[m.length - 1].replace(/^node_modules\//, '').replace(/\/$/, ''));
}
const parts = [
  'Licences of the packages in plotly-dealloop.min.js (a partial build of plotly.js '
  + `${versions['plotly.js']}: core, bar and sankey traces).`,
];
for (const name of [...included].sort()) {
  let dir = join(modules, name);
  if (!existsSync(dir)) dir = dirname(require.resolve(`${name}/package.json`));
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const text = licenceText(dir) ?? fallbackLicence(meta);
  parts.push(`${'='.repeat(78)}\n${name} ${meta.version} (${meta.license})\n${'='.repeat(78)}\n`
    + text);
}
writeFileSync(join(vendor, 'plotly-dealloop.LICENSE.txt'), parts.join('\n\n') + '\n');
writeFileSync(join(vendor, 'VERSIONS.json'), JSON.stringify(versions, null, 2) + '\n');
console.log('vendored', versions, `plotly bundle: ${included.size} packages`);
