'use strict';
// Scope audit for a Jira route catalogue (forge-shim/src/jira-routes.js), built on
// @forge/lint's and @forge/manifest's own code so it agrees with `forge lint`:
//  - the permission linter's parser + ProductNodeVisitor extract each requestJira call of the catalogue file,
//    and its spec lookup (real OpenAPI files, the linter's path regexes) gives the scopes each call needs;
//  - trigger events need the scopes of @forge/manifest's product-event mapping;
//  - storage:app is needed when the app code uses @forge/kvs (the linter does not check this).
// A requirement is {current, beta}: satisfied when all of `current` OR all of a non-empty `beta` are declared
// (getMissingScopes' rule). The least-privilege pick is the granular (beta) set when there is one.
// Result: per-route table, the scopes in use, `missing` and `unused` (the linter never reports unused scopes).
const fs = require('fs');
const path = require('path');
const { REPO } = require('./repo');

const LINT = path.dirname(require.resolve('@forge/lint/package.json'));
const { tsParser } = require(path.join(LINT, 'out/parse/parser'));
const { ProductNodeVisitor } = require(path.join(LINT, 'out/lint/linters/permission-linter/visitors/product-node-visitor'));
const { PermissionLinter } = require(path.join(LINT, 'out/lint/linters/permission-linter/permission-linter'));
const { ProductVerifier } = require(path.join(LINT, 'out/lint/linters/permission-linter/verifiers/product-verifier'));
const EVENT_SCOPES = require(path.join(path.dirname(require.resolve('@forge/manifest')), 'mapping', 'product-event-to-scope-mapping.json')).mapping;

function specsDir() {
  return path.join(path.resolve(REPO, process.env.SHARED_DIR || path.join('..', 'shared')), 'specs');
}

let verifier;
function jiraVerifier() {
  if (!verifier) {
    const spec = (n) => JSON.parse(fs.readFileSync(path.join(specsDir(), n), 'utf8'));
    const pathMap = PermissionLinter.prototype.processPaths({
      ...spec('jira-platform-v3.openapi.json').paths, ...spec('jira-software-cloud.openapi.json').paths,
    });
    verifier = new ProductVerifier('development', {}, pathMap, 'jira');
  }
  return verifier;
}

/** The requestJira calls @forge/lint sees in `file`, with the spec path and scopes it maps each to. */
async function linterView(file) {
  const ast = await tsParser(fs.readFileSync(file, 'utf8'), file);
  const visitor = new ProductNodeVisitor();
  const calls = [];
  ast.traverse({ enter: (node, parent) => visitor.visit(node, parent, (c) => { if (c.product === 'jira') calls.push(c); }) });
  const v = jiraVerifier();
  return calls.map((c) => {
    const hit = v.lookupApiCall(c);
    return {
      line: c.line, method: c.method, linterPath: c.path,
      specPath: hit ? v.pathMap.get(hit.regex).originalPath : null,
      current: hit ? v.getRequiredScopes(hit) : [],
      beta: hit ? v.getBetaScopes(hit) : [],
    };
  });
}

function usesKvs(srcDir) {
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.name === 'node_modules' || e.name === 'generated') return [];
    return e.isDirectory() ? walk(p) : /\.[cm]?[jt]s$/.test(e.name) ? [p] : [];
  });
  return walk(srcDir).some((f) => /require\(['"]@forge\/kvs['"]\)|from ['"]@forge\/kvs['"]/.test(fs.readFileSync(f, 'utf8')));
}

/**
 * Audit `manifest` (parsed) against the catalogue `catalogueFile` (its exports.ROUTES: [{method, path}]) and the
 * app code in `srcDir`. Returns {table, mismatches, requirements, used, missing, unused}.
 */
async function audit({ manifest, catalogueFile, routes, srcDir }) {
  const table = await linterView(catalogueFile);
  const mismatches = [];
  if (table.length !== routes.length) mismatches.push(`the linter sees ${table.length} requestJira calls, the catalogue has ${routes.length} entries`);
  routes.forEach((r, i) => {
    const t = table[i];
    if (t && (t.method !== r.method || t.specPath !== r.path)) {
      mismatches.push(`entry ${r.method} ${r.path}: the linter reads ${t.method} ${t.specPath || `${t.linterPath} (not in the specs)`} (line ${t.line})`);
    }
  });
  const requirements = table.map((t) => ({ what: `${t.method} ${t.specPath || t.linterPath}`, current: t.current, beta: t.beta }));
  for (const trig of (manifest.modules && manifest.modules.trigger) || []) {
    for (const ev of trig.events || []) {
      const m = EVENT_SCOPES.find((e) => e.productEvent === ev);
      if (m) requirements.push({ what: `trigger ${ev}`, current: m.oAuthScopes.current || [], beta: m.oAuthScopes.beta || [] });
    }
  }
  if (usesKvs(srcDir)) requirements.push({ what: '@forge/kvs', current: ['storage:app'], beta: [] });

  const declared = new Set((manifest.permissions && manifest.permissions.scopes) || []);
  const all = (list) => list.length > 0 && list.every((s) => declared.has(s));
  const used = new Set();
  const missing = new Set();
  for (const r of requirements) {
    if (r.current.length === 0 && r.beta.length === 0) continue;
    if (all(r.beta)) r.beta.forEach((s) => used.add(s));
    else if (all(r.current)) r.current.forEach((s) => used.add(s));
    else (r.beta.length ? r.beta : r.current).filter((s) => !declared.has(s)).forEach((s) => missing.add(s));
  }
  const unused = [...declared].filter((s) => !used.has(s));
  // least privilege: granular alternative where there is one
  const leastPrivilege = [...new Set(requirements.flatMap((r) => (r.beta.length ? r.beta : r.current)))].sort();
  return { table, mismatches, requirements, used: [...used].sort(), missing: [...missing].sort(), unused: unused.sort(), leastPrivilege };
}

module.exports = { audit, linterView };
