#!/usr/bin/env node
'use strict';
// The Custom UI pages: bundle sizes (what Forge serves: forge-shim/static/<page>) and the time to
// first render in the local demo, in Chromium (prints figures; not a test, exits 0 unless the bench
// itself breaks).
//
//   node tests/bench/pages.js            7 loads per page (median)
//   node tests/bench/pages.js --runs N   N loads per page;  --json: one JSON object
//
// "First render" = from navigation start to the first frame in which the page's main content is in
// the DOM (its table or form), measured in the page with performance.now(), the resolver calls
// included (the demo answers them in-process, so Jira and Forge latency are NOT in the figure).
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { startUi } = require('../ui/browser');

const args = process.argv.slice(2);
const RUNS = (() => { const i = args.indexOf('--runs'); return i >= 0 ? Number(args[i + 1]) : 7; })();
const JSON_OUT = args.includes('--json');
const STATIC = path.join(__dirname, '..', '..', 'forge-shim', 'static');

const PAGES = [
  { page: 'admin', route: 'settings', url: '/admin/settings?as=admin', ready: '#automationEnabled' },
  { page: 'admin', route: 'logs', url: '/admin/logs?as=admin', ready: '#logs-table, #logs-empty' },
  { page: 'admin', route: 'overview', url: '/admin/overview?as=admin', ready: '#overview-table, #overview-empty' },
  { page: 'project-settings', route: '', url: '/project-settings/?as=padmin&project=DEMO', ready: '#boards-table' },
  { page: 'bulk', route: '', url: '/bulk/?as=padmin&project=DEMO', ready: '#preview .preview-table, #plan-form' },
];

function sizes(page) {
  const dir = path.join(STATIC, page);
  const out = {};
  for (const f of fs.readdirSync(dir)) {
    const buf = fs.readFileSync(path.join(dir, f));
    out[f] = { raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  }
  return out;
}

/** The files a page loads before it runs: index.html, main.css, main.js and the chunks it imports
 *  statically (`import ... from "./chunk-X.js"`), transitively; `import("./chunk-X.js")` is lazy
 *  (Atlaskit's theme files: Forge's host themes the page, so they are not fetched). */
function initialFiles(page) {
  const dir = path.join(STATIC, page);
  const seen = new Set(['index.html', 'main.css']);
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[^"'()]*?from\s*)?["']\.\/([\w-]+\.js)["']/g)) visit(m[1]);
  };
  visit('main.js');
  return seen;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function main() {
  const ui = await startUi();
  const rows = [];
  try {
    for (const p of PAGES) {
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        const page = await ui.context.newPage();
        await page.goto(`${ui.demo.url}${p.url}`, { waitUntil: 'commit' });
        await page.locator(p.ready).first().waitFor({ timeout: 20000 });
        times.push(await page.evaluate(() => performance.now()));
        await page.close();
      }
      const s = sizes(p.page);
      const sum = (names) => names.reduce((a, n) => ({ raw: a.raw + s[n].raw, gzip: a.gzip + s[n].gzip }), { raw: 0, gzip: 0 });
      const initial = initialFiles(p.page);
      const atStart = sum([...initial]);
      const lazy = sum(Object.keys(s).filter((n) => !initial.has(n)));
      rows.push({
        page: p.route ? `${p.page}/${p.route}` : p.page,
        mainJs: `${kib(s['main.js'].raw)} (${kib(s['main.js'].gzip)} gz)`,
        loadedAtStart: `${kib(atStart.raw)} (${kib(atStart.gzip)} gz), ${initial.size} files`,
        lazyNotLoaded: `${kib(lazy.raw)} (${kib(lazy.gzip)} gz)`,
        firstRenderMs: Math.round(median(times)),
        minMs: Math.round(Math.min(...times)),
        maxMs: Math.round(Math.max(...times)),
      });
    }
  } finally {
    await ui.close();
  }
  if (JSON_OUT) console.log(JSON.stringify({ runs: RUNS, pages: rows }));
  else { console.log(`pages: ${RUNS} loads each, median first render (demo, Chromium headless)`); console.table(rows); }
}

main().catch((e) => { console.error(e); process.exit(1); });
