#!/usr/bin/env node
'use strict';
// Prototype check for the Jira route catalogue (src/jira-routes.js next to this file):
//  1. which source shapes @forge/lint's permission linter recognises (its own parser + visitor on samples);
//  2. the catalogue read by the linter: per-route scopes (Current | Beta), mismatches with the declared
//     method + path, least-privilege set, missing / unused scopes of manifest.yml (lib/scope-audit.js);
//  3. the real offline lint of this prototype app: as is (0 errors) and with only `storage:app` declared
//     (shows every scope error the linter raises for the catalogue);
//  4. the catalogue as allowlist + executor, with a recording client: allowed routes, rejected ones, path tricks.
// Usage: node tests/platform/proto-routes/check.js     Exit 0 when all hold.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const YAML = require('yaml');
const { lintApp } = require('../lint-offline');
const { SHIM_NODE_MODULES } = require('../lib/repo');
const { audit, linterView } = require('../lib/scope-audit');

process.env.NODE_PATH = SHIM_NODE_MODULES; // the catalogue requires @forge/api
Module._initPaths();

const APP = __dirname;
const CATALOGUE = path.join(APP, 'src', 'jira-routes.js');

const SHAPES = [
  ['api.asApp().requestJira(route`/rest/agile/1.0/board/${id}`)', 'tagged template, no options'],
  ["api.asUser().requestJira(route`/rest/agile/1.0/sprint/${id}`, { method: 'DELETE' })", 'object literal, method literal'],
  ["c.requestJira(route`/rest/agile/1.0/sprint/${id}/swap?${q}`, { ...init, method: 'POST' })", 'spread + method literal, query'],
  ["requestJira('/rest/agile/1.0/board')", 'bare identifier, string literal'],
  ['c.requestJira(`/rest/agile/1.0/board/${id}/sprint`)', 'untagged template'],
  ['c.requestJira(anyTag`/rest/agile/1.0/board/${id}/configuration`)', 'any tag name counts'],
  ['c.requestJira(assumeTrustedRoute(p), { method: \'GET\' })', 'call as first argument (today\'s shim)'],
  ['const u = route`/rest/agile/1.0/board`; c.requestJira(u)', 'route in a variable'],
  ["c.requestJira(route`/rest/agile/1.0/sprint/${id}`, init)", 'options in a variable'],
  ["c.requestJira(route`/rest/agile/1.0/sprint/${id}`, { method })", 'method not a literal'],
  ["c.requestJira(route`/rest/agile/1.0/sprint/${id}`, { 'method': 'DELETE' })", 'quoted key'],
  ["c['requestJira'](route`/rest/agile/1.0/board`)", 'computed member'],
  ["myRequestJiraHelper('/rest/agile/1.0/board')", 'other name, capital R'],
  ["requestJiraAsApp('/rest/agile/1.0/board')", 'name merely contains requestJira'],
  ['c.requestJira(route`/rest/agile/1.0/board/${\n  id}/sprint`)', 'template split over lines'],
];

async function shapes() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-shapes-'));
  const rows = [];
  try {
    for (const [code, what] of SHAPES) {
      const f = path.join(tmp, 'sample.js');
      fs.writeFileSync(f, `${code};\n`);
      let seen;
      try {
        seen = (await linterView(f)).map((s) => `${s.method.toUpperCase()} ${s.specPath || `${s.linterPath} (no spec path)`}`).join('; ') || 'NOT SEEN';
      } catch (e) {
        seen = `LINTER THROWS: ${e.message}`;
      }
      rows.push({ what, code, seen });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

function recordingClient(log) {
  return { requestJira: async (r, init) => { log.push(`${init.method} ${r.value}`); return { status: 200 }; } };
}

(async () => {
  console.log('1. source shapes -> what the permission linter sees');
  for (const r of await shapes()) console.log(`  ${r.what.padEnd(38)} ${r.seen.padEnd(58)} ${r.code.replace(/\n\s*/g, '⏎')}`);

  const catalogue = require(CATALOGUE);
  const manifest = YAML.parse(fs.readFileSync(path.join(APP, 'manifest.yml'), 'utf8'));
  const a = await audit({ manifest, catalogueFile: CATALOGUE, routes: catalogue.ROUTES, srcDir: path.join(APP, 'src') });
  console.log('\n2. catalogue routes as the linter maps them: required scopes (Current) | Beta alternative');
  for (const t of a.table) console.log(`  ${`${t.method} ${t.specPath}`.padEnd(55)} ${t.current.join(', ')}${t.beta.length ? ` | ${t.beta.join(', ')}` : ''}`);
  console.log(`  least privilege (${a.leastPrivilege.length}): ${a.leastPrivilege.join(' ')}`);
  console.log(`  manifest: mismatches ${JSON.stringify(a.mismatches)}, missing ${JSON.stringify(a.missing)}, unused ${JSON.stringify(a.unused)}`);
  assert.deepStrictEqual([a.mismatches, a.missing, a.unused], [[], [], []]);

  const asIs = await lintApp(APP);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-routes-'));
  fs.cpSync(path.join(APP, 'src'), path.join(tmp, 'src'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'manifest.yml'), YAML.stringify({ ...manifest, permissions: { scopes: ['storage:app'] } }));
  const bare = await lintApp(tmp).finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
  console.log(`\n3. offline lint: as is ${asIs.counts.errors} error(s); with scopes [storage:app] ${bare.counts.errors} error(s):`);
  for (const i of bare.issues) console.log(`  ${i.level} ${i.file}:${i.line} ${i.message.replace(/\s+/g, ' ').trim()}`);
  assert.strictEqual(asIs.counts.errors, 0);
  assert.ok(bare.counts.errors > 0);

  const log = [];
  const app = recordingClient(log);
  await catalogue.send(app, { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/12/sprint?state=active,future&startAt=0' });
  await catalogue.send(app, { actor: 'app', method: 'POST', path: '/rest/agile/1.0/sprint/7/swap' }, { body: '{"sprintToSwapWith":8}' });
  await catalogue.send(app, { actor: 'user', method: 'GET', path: '/rest/api/3/mypermissions?permissions=ADMINISTER' });
  assert.deepStrictEqual(log, [
    'GET /rest/agile/1.0/board/12/sprint?state=active%2Cfuture&startAt=0',
    'POST /rest/agile/1.0/sprint/7/swap?',
    'GET /rest/api/3/mypermissions?permissions=ADMINISTER',
  ]);
  const rejected = [
    { actor: 'app', method: 'GET', path: '/rest/api/3/mypermissions' }, // user-only route
    { actor: 'app', method: 'PUT', path: '/rest/agile/1.0/sprint/7' }, // method not listed
    { actor: 'app', method: 'GET', path: '/rest/api/3/user?accountId=x' }, // route not listed
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/..%2F..%2Fapi%2F3%2Fuser' }, // path tricks
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/1/../2' },
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/sprint/7/issue/extra' },
  ];
  for (const eff of rejected) assert.throws(() => catalogue.send(app, eff), { code: 'ROUTE_NOT_ALLOWED' }, JSON.stringify(eff));
  console.log(`\n4. allowlist: ${log.length} allowed (${log.join(' | ')}), ${rejected.length} rejected as expected`);
  console.log('OK');
})().catch((e) => { console.error('FAIL', e); process.exitCode = 1; });
