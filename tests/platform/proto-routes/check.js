#!/usr/bin/env node
'use strict';
// Prototype check for the Jira route catalogue (src/jira-routes.js), using @forge/lint's own code:
//  1. the permission linter's parser + ProductNodeVisitor extract each `requestJira` call of the catalogue;
//     each must map (through the real OpenAPI specs, the linter's own path regexes) to the entry's declared
//     method + path, i.e. the linter sees exactly what the allowlist allows;
//  2. prints the scopes the linter requires per route (Current, and Beta alternatives) and their union;
//  3. compares the union with manifest.yml's scopes: missing ones (the linter reports these too) and unused
//     ones (the linter never reports these);
//  4. runs the whole offline lint on this prototype app twice: as is (expect 0 errors) and with only
//     `storage:app` as scope (shows every error the linter raises for the catalogue);
//  5. exercises match()/send() with a recording client: allowed routes, rejected routes and path tricks.
// Usage: node tests/platform/proto-routes/check.js     Exit 0 when all hold.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const YAML = require('yaml');
const { lintApp, REPO } = require('../lint-offline');

const LINT = path.dirname(require.resolve('@forge/lint/package.json'));
const { tsParser } = require(path.join(LINT, 'out/parse/parser'));
const { ProductNodeVisitor } = require(path.join(LINT, 'out/lint/linters/permission-linter/visitors/product-node-visitor'));
const { PermissionLinter } = require(path.join(LINT, 'out/lint/linters/permission-linter/permission-linter'));
const { ProductVerifier } = require(path.join(LINT, 'out/lint/linters/permission-linter/verifiers/product-verifier'));

// the catalogue requires @forge/api: resolve it from the app's runtime packages
process.env.NODE_PATH = path.join(REPO, 'forge-shim', 'node_modules');
Module._initPaths();

const APP = __dirname;
const CATALOGUE = path.join(APP, 'src', 'jira-routes.js');

async function extractCalls(file) {
  const ast = await tsParser(fs.readFileSync(file, 'utf8'), file);
  const visitor = new ProductNodeVisitor();
  const calls = [];
  ast.traverse({ enter: (node, parent) => visitor.visit(node, parent, (c) => calls.push(c)) });
  return calls;
}

async function scopeTable(calls) {
  const shared = process.env.SHARED_DIR || path.join(REPO, '..', 'shared');
  const spec = (n) => JSON.parse(fs.readFileSync(path.join(path.resolve(REPO, shared), 'specs', n), 'utf8'));
  const pathMap = PermissionLinter.prototype.processPaths({
    ...spec('jira-platform-v3.openapi.json').paths, ...spec('jira-software-cloud.openapi.json').paths,
  });
  const verifier = new ProductVerifier('development', {}, pathMap, 'jira');
  return calls.map((c) => {
    const hit = verifier.lookupApiCall(c);
    return {
      line: c.line, method: c.method, linterPath: c.path,
      specPath: hit ? pathMap.get(hit.regex).originalPath : null,
      current: hit ? verifier.getRequiredScopes(hit) : [],
      beta: hit ? verifier.getBetaScopes(hit) : [],
    };
  });
}

function recordingClient(log) {
  return { requestJira: async (r, init) => { log.push({ path: r.value, method: init.method, body: init.body }); return { status: 200 }; } };
}

(async () => {
  const catalogue = require(CATALOGUE);
  const calls = await extractCalls(CATALOGUE);
  const table = await scopeTable(calls);

  // 1. one recognised call per entry, same method, same spec path
  assert.strictEqual(calls.length, catalogue.ROUTES.length, `linter sees ${calls.length} requestJira calls, catalogue has ${catalogue.ROUTES.length} entries`);
  catalogue.ROUTES.forEach((r, i) => {
    assert.strictEqual(table[i].method, r.method, `entry ${r.method} ${r.path}: linter reads method ${table[i].method}`);
    assert.strictEqual(table[i].specPath, r.path, `entry ${r.method} ${r.path}: linter maps it to ${table[i].specPath}`);
  });

  // 2. scopes per route + union (least privilege: every Current scope; a Beta set only replaces Current when
  // complete, so for mypermissions the granular read:permission:jira suffices instead of read:jira-work)
  console.log('route (as the linter maps it)                          required scopes (Current) | Beta alternative');
  for (const t of table) {
    console.log(`  ${`${t.method} ${t.specPath}`.padEnd(55)} ${t.current.join(', ')}${t.beta.length ? ` | ${t.beta.join(', ')}` : ''}`);
  }
  const union = new Set(table.flatMap((t) => (t.beta.length ? t.beta : t.current)));
  console.log(`least-privilege scopes (${union.size}): ${[...union].sort().join(' ')}`);

  // 3. manifest vs. union
  const manifest = YAML.parse(fs.readFileSync(path.join(APP, 'manifest.yml'), 'utf8'));
  const declared = new Set(manifest.permissions.scopes);
  const missing = [...union].filter((s) => !declared.has(s));
  const unused = [...declared].filter((s) => !union.has(s));
  console.log(`manifest: missing ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}`);
  assert.deepStrictEqual(missing, []);
  assert.deepStrictEqual(unused, []);

  // 4. the real offline lint, as is and with the Jira scopes removed
  const asIs = await lintApp(APP);
  console.log(`lint as is: ${asIs.counts.errors} error(s)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-routes-'));
  fs.cpSync(path.join(APP, 'src'), path.join(tmp, 'src'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'manifest.yml'), YAML.stringify({ ...manifest, permissions: { scopes: ['storage:app'] } }));
  const bare = await lintApp(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`lint with scopes [storage:app]: ${bare.counts.errors} error(s)`);
  for (const i of bare.issues) console.log(`  ${i.level} ${i.file}:${i.line} ${i.message.replace(/\s+/g, ' ').trim()}`);
  assert.strictEqual(asIs.counts.errors, 0);
  assert.ok(bare.counts.errors >= union.size - 1);

  // 5. allowlist + executor
  const log = [];
  const app = recordingClient(log);
  await catalogue.send(app, { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/12/sprint?state=active,future&startAt=0' });
  await catalogue.send(app, { actor: 'app', method: 'POST', path: '/rest/agile/1.0/sprint/7/swap' }, { body: '{"sprintToSwapWith":8}' });
  await catalogue.send(app, { actor: 'user', method: 'GET', path: '/rest/api/3/mypermissions?permissions=ADMINISTER' });
  assert.deepStrictEqual(log.map((l) => `${l.method} ${l.path}`), [
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
  for (const eff of rejected) {
    assert.throws(() => catalogue.send(app, eff), { code: 'ROUTE_NOT_ALLOWED' }, JSON.stringify(eff));
  }
  console.log(`allowlist: ${log.length} allowed, ${rejected.length} rejected as expected`);
  console.log('OK');
})().catch((e) => { console.error('FAIL', e); process.exitCode = 1; });
