'use strict';
// Checks that manifest.yml and the code agree, without Forge:
//  - every function's `handler: <file>.<export>` is a function exported by src/<file>.js (loaded with the
//    app's own packages from forge-shim/node_modules; __forge_fetch__ and the functions of a minimal
//    __forge_runtime__ throw if loading calls them);
//  - src/index.js exports nothing the manifest does not name;
//  - function keys are unique and at most 23 characters (Forge's limit);
//  - one version everywhere: forge-shim/package.json (+ lock), tests/package.json (+ lock), Cargo.toml
//    [workspace.package] (+ the workspace crates in Cargo.lock) all equal the newest `## [x.y.z]` of CHANGELOG.md.
// Run: node --test tests/platform/manifest-handlers.test.js
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const { REPO, readManifest, cargoWorkspaceVersion, manifestFunctions } = require('./lib/repo');

const manifest = readManifest();
const functions = manifestFunctions(manifest);
const SRC = path.join(REPO, 'src'); // symlink to forge-shim/src, where Forge resolves handlers

// Minimal runtime stand-ins: readable (some packages look at __forge_runtime__ when loaded, e.g. @forge/kvs
// reads runtime.kvs), but every call into the platform throws: loading a handler must not do any I/O.
const fail = (what) => () => { throw new Error(`${what} was called while loading the handlers`); };
function installRuntimeStandIns() {
  global.__forge_fetch__ = fail('__forge_fetch__');
  global.__forge_runtime__ = {
    appContext: {}, proxy: {}, tracing: {}, realtime: {},
    lambdaContext: { getRemainingTimeInMillis: fail('lambdaContext.getRemainingTimeInMillis') },
    metrics: { timing: fail('metrics.timing'), counter: fail('metrics.counter'), gauge: fail('metrics.gauge') },
    featureFlags: fail('featureFlags'),
  };
}

function loadSrc(file) {
  installRuntimeStandIns();
  // resolve from forge-shim/src, so bare imports (@forge/*) come from forge-shim/node_modules
  const req = createRequire(path.join(fs.realpathSync(SRC), 'noop.js'));
  return req(path.join(fs.realpathSync(SRC), file));
}

test('the manifest declares functions', () => {
  assert.ok(functions.length > 0, 'manifest.yml has no modules.function entries');
});

for (const f of functions) {
  test(`handler ${f.key}: ${f.handler} is an exported function of src/${f.file}.js`, () => {
    assert.ok(!f.malformed, `handler must be <file>.<export>: ${f.handler}`);
    const file = path.join(SRC, `${f.file}.js`);
    assert.ok(fs.existsSync(file), `${path.relative(REPO, file)} does not exist`);
    const mod = loadSrc(`${f.file}.js`);
    assert.strictEqual(typeof mod[f.exportName], 'function', `src/${f.file}.js exports ${f.exportName}: ${typeof mod[f.exportName]}`);
  });
}

test('src/index.js exports only handlers the manifest names', () => {
  const named = new Set(functions.filter((f) => f.file === 'index').map((f) => f.exportName));
  const exported = Object.keys(loadSrc('index.js'));
  const extra = exported.filter((k) => !named.has(k));
  assert.deepStrictEqual(extra, [], `exported by src/index.js but not a handler in manifest.yml: ${extra.join(', ')}`);
});

test('function keys are unique and at most 23 characters', () => {
  const keys = functions.map((f) => f.key);
  const long = keys.filter((k) => String(k).length > 23);
  assert.deepStrictEqual(long, [], `function keys longer than 23 characters: ${long.join(', ')}`);
  const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
  assert.deepStrictEqual(dup, [], `duplicate function keys: ${dup.join(', ')}`);
});

function changelogVersion() {
  const file = path.join(REPO, 'CHANGELOG.md');
  assert.ok(fs.existsSync(file), 'CHANGELOG.md is missing at the repo root: it must exist with a `## [x.y.z]` entry for the current version');
  const m = fs.readFileSync(file, 'utf8').match(/^##\s*\[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]/m);
  assert.ok(m, 'CHANGELOG.md has no `## [x.y.z]` entry ([Unreleased] does not count)');
  return m[1];
}

test('one version: package files, lockfiles and Cargo workspace match the newest CHANGELOG.md entry', () => {
  const json = (p) => JSON.parse(fs.readFileSync(path.join(REPO, p), 'utf8'));
  const found = {};
  for (const dir of ['forge-shim', 'tests']) {
    found[`${dir}/package.json`] = json(`${dir}/package.json`).version;
    if (fs.existsSync(path.join(REPO, dir, 'package-lock.json'))) {
      const lock = json(`${dir}/package-lock.json`);
      found[`${dir}/package-lock.json`] = (lock.packages && lock.packages[''] && lock.packages[''].version) || lock.version;
    }
  }
  found['Cargo.toml [workspace.package]'] = cargoWorkspaceVersion();
  const cargoLock = path.join(REPO, 'Cargo.lock');
  if (fs.existsSync(cargoLock)) {
    const members = (fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8').match(/^members\s*=\s*\[([^\]]*)\]/m) || [null, ''])[1]
      .split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean);
    const lockText = fs.readFileSync(cargoLock, 'utf8');
    for (const m of members) {
      const toml = fs.readFileSync(path.join(REPO, m, 'Cargo.toml'), 'utf8');
      const name = (toml.match(/^name\s*=\s*"([^"]+)"/m) || [])[1];
      const v = (lockText.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`)) || [])[1];
      found[`Cargo.lock ${name}`] = v;
    }
  }
  const expected = changelogVersion();
  const wrong = Object.entries(found).filter(([, v]) => v !== expected).map(([k, v]) => `${k}: ${v}`);
  assert.deepStrictEqual(wrong, [], `CHANGELOG.md says ${expected}; differing: ${wrong.join('; ')}`);
});

test('the project pages are shown to project administrators only (displayConditions; the resolvers check again)', () => {
  for (const type of ['jira:projectSettingsPage', 'jira:projectPage']) {
    const modules = manifest.modules[type] || [];
    assert.ok(modules.length > 0, `${type} is declared`);
    for (const m of modules) assert.deepStrictEqual(m.displayConditions, { isProjectAdmin: true }, `${type} ${m.key}`);
  }
});
