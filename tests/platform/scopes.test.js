'use strict';
// Scope audit (lib/scope-audit.js): the Jira route catalogue, read the way @forge/lint reads it, must match its
// own declared method + path for every entry, and manifest.yml's scopes must be exactly what the catalogue's
// routes, the trigger events and KVS use need: nothing missing (forge lint would fail) and nothing unused
// (forge lint never says so; least privilege).
// Run: node --test tests/platform/scopes.test.js
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { REPO, SHIM_NODE_MODULES, readManifest } = require('./lib/repo');
const { audit } = require('./lib/scope-audit');

// catalogues require @forge/api: resolve it from the app's runtime packages
process.env.NODE_PATH = [SHIM_NODE_MODULES, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
Module._initPaths();

const apps = [
  { name: 'app', dir: REPO, catalogue: 'forge-shim/src/jira-routes.js', src: 'forge-shim/src' },
];

// Scopes the Custom UI pages need (their @forge/bridge requestJira calls are not in src/): each must
// really be used by the page source named, so an allowance cannot outlive its use.
const PAGE_SCOPES = {
  'read:jira-user': { file: 'ui/src/shared/context.js', route: '/rest/api/3/user' },
};

for (const app of apps) {
  const catalogueFile = path.join(app.dir, app.catalogue);
  test(`${app.name}: catalogue, linter and manifest scopes agree`, async (t) => {
    global.__forge_runtime__ = global.__forge_runtime__ || {}; // loading @forge/api needs no runtime, but be safe
    const { ROUTES } = require(catalogueFile);
    const manifest = readManifest(path.join(app.dir, 'manifest.yml'));
    const r = await audit({ manifest, catalogueFile, routes: ROUTES, srcDir: path.join(app.dir, app.src) });
    t.diagnostic(`least privilege: ${r.leastPrivilege.join(' ')}`);
    assert.deepStrictEqual(r.mismatches, [], 'catalogue entries the linter reads differently');
    assert.deepStrictEqual(r.missing, [], 'scopes missing from manifest.yml (forge lint / validation would fail)');
    const pages = app.name === 'app' ? PAGE_SCOPES : {};
    for (const [scope, use] of Object.entries(pages)) {
      assert.ok(fs.readFileSync(path.join(REPO, use.file), 'utf8').includes(use.route), `${scope}: ${use.file} no longer calls ${use.route}`);
    }
    assert.deepStrictEqual(r.unused.filter((s) => !pages[s]), [], 'scopes in manifest.yml that nothing needs');
  });
}
