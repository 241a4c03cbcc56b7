'use strict';
// Builds the Custom UI pages (the manifest's resources) with esbuild:
//   node ui/build.js            -> forge-shim/static/<page>/{index.html, main.js, main.css}
//   node ui/build.js --page NAME -> one page only (UI_PAGE=NAME does the same for the demo server)
//   node ui/build.js --demo DIR -> the demo variant (@forge/bridge aliased to ui/demo-bridge.js) into DIR
// Also used in-process by the demo server: buildPages({demo: true, write: false}) returns the files.
// React, Atlaskit, @forge/bridge and esbuild are pinned in ui/package.json (tools/setup.sh installs them).
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const root = path.resolve(__dirname, '..');
const uiRequire = createRequire(path.join(__dirname, 'package.json'));
const esbuild = uiRequire('esbuild');

/** The pages: folder under ui/src and forge-shim/static, and the HTML title. */
const PAGES = [
  { name: 'admin', title: 'Sprint Automation Configuration' },
  { name: 'project-settings', title: 'Sprint Automation' },
  { name: 'bulk', title: 'Bulk Sprint Creation' },
];

const html = (title) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="./main.css">
  <script type="module" src="./main.js"></script>
</head>
<body>
  <main id="root" aria-live="polite"><p class="muted">Loading…</p></main>
</body>
</html>
`;

async function buildPages({ demo = false, outDir, write = true, minify = !demo, only = process.env.UI_PAGE } = {}) {
  const out = outDir || path.join(root, 'forge-shim', 'static');
  const files = {};
  for (const page of PAGES.filter((p) => !only || p.name === only)) {
    const result = await esbuild.build({
      entryPoints: { main: path.join(__dirname, 'src', page.name, 'main.jsx') },
      bundle: true,
      // ES modules split into chunks: what a page imports only dynamically (Atlaskit's theme
      // files: Forge's host themes the page) stays out of main.js and is fetched only if used.
      format: 'esm',
      splitting: true,
      chunkNames: 'chunk-[hash]',
      target: ['chrome110', 'firefox110', 'safari16'],
      minify,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
      outdir: path.join(out, page.name),
      write: false,
      nodePaths: [path.join(__dirname, 'node_modules')],
      jsx: 'automatic',
      alias: demo ? { '@forge/bridge': path.join(__dirname, 'demo-bridge.js') } : {},
      define: { __DEMO__: JSON.stringify(demo), 'process.env.NODE_ENV': '"production"' },
      // Atlaskit's dist imports its compiled CSS: it lands in main.css, which index.html links.
      loader: { '.css': 'css' },
      // Build output, not source: ESLint checks ui/src instead.
      banner: { js: '/* eslint-disable */' },
    });
    for (const w of result.warnings) console.warn(`ui/build.js (${page.name}): ${w.text}`);
    const pageFiles = { 'index.html': html(page.title) };
    // CSS of lazily loaded chunks (esbuild emits it beside them and nothing loads it) joins
    // main.css: Compiled's atomic rules are harmless when unused, and missing ones leave parts unstyled.
    const css = [];
    for (const f of result.outputFiles) {
      const name = path.basename(f.path);
      if (name.endsWith('.css')) css[name === 'main.css' ? 'unshift' : 'push'](f.text);
      else pageFiles[name] = f.text;
    }
    if (css.length) pageFiles['main.css'] = css.join('\n');
    files[page.name] = pageFiles;
    if (write) {
      const dir = path.join(out, page.name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(pageFiles)) fs.writeFileSync(path.join(dir, name), text);
    }
  }
  return files;
}

module.exports = { buildPages, PAGES };

if (require.main === module) {
  const args = process.argv.slice(2);
  const demoAt = args.indexOf('--demo');
  const demo = demoAt >= 0;
  const outDir = demo ? path.resolve(args[demoAt + 1] || path.join(root, 'tests', '.out', 'ui-demo')) : undefined;
  const onlyAt = args.indexOf('--page'); // one page only: node ui/build.js --page bulk
  buildPages({ demo, outDir, only: onlyAt >= 0 ? args[onlyAt + 1] : undefined }).then((files) => {
    const kib = (names, f) => `${(names.reduce((n, x) => n + Buffer.byteLength(f[x]), 0) / 1024).toFixed(1)} KiB`;
    for (const [page, f] of Object.entries(files)) {
      const chunks = Object.keys(f).filter((n) => n.startsWith('chunk-'));
      console.log(`ui: ${page}: main.js ${kib(['main.js'], f)}, ${chunks.length} chunks ${kib(chunks, f)}, main.css ${kib(['main.css'], f)}`);
    }
  }).catch((e) => { console.error(e.message || e); process.exitCode = 1; });
}
