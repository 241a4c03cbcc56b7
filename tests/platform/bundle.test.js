'use strict';
// Bundles the app from the ROOT manifest.yml with Forge's real @forge/bundler (the webpack config `forge deploy`
// uses), offline: FORGE_RUNTIME_PATH makes it take tools/fake-forge-runtime/dist/{loader,wrapper}.js instead of
// downloading Atlassian's runtime wrapper. Then runs the bundled `index.resolver` in @forge/tunnel's real
// NodeSandbox (the forked runner of `forge tunnel`) and invokes the `ping` resolver as a user; a local HTTP server
// plays the Forge proxy + Jira. Asserts the answer came from the WebAssembly core and the Jira call was made as
// that user. Static (Custom UI) resources: see the last test.
// Run: node --test tests/platform/bundle.test.js   (from anywhere; ~20-30 s)
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const zlib = require('zlib');
const { REPO, readManifest, cargoWorkspaceVersion, manifestFunctions } = require('./lib/repo');

// temp root for the bundle (cli-shared's tmpDir -> os.tmpdir()) and babel-loader's cache (find-cache-dir: CACHE_DIR)
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-bundle-test-'));
process.env.TMPDIR = TMP;
process.env.CACHE_DIR = path.join(TMP, 'cache');
process.env.FORGE_RUNTIME_PATH = path.join(REPO, 'tools', 'fake-forge-runtime');

const bundler = require('@forge/bundler');
const { FileSystemReader } = require('@forge/cli-shared');
const { NodeSandbox } = require('@forge/tunnel/out/sandbox/node-sandbox');
const { StaticInvocationEventEmitter, EVENT_P3_LOG } = require('@forge/runtime');

const ACCOUNT = '5b10ac8d82e05b22cc7d4ef5';
const manifest = readManifest();
let bundleDir;

function dirSize(dir) {
  return fs.readdirSync(dir, { withFileTypes: true })
    .reduce((n, d) => n + (d.isDirectory() ? dirSize(path.join(dir, d.name)) : fs.statSync(path.join(dir, d.name)).size), 0);
}

test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));

test('the real @forge/bundler bundles every handler module of the root manifest', async () => {
  const cwd = process.cwd();
  process.chdir(REPO); // the bundler resolves entry points as src/<module> against the cwd, like the CLI
  try {
    const logs = [];
    const logger = new Proxy({}, { get: (_, level) => (...a) => logs.push(`[${String(level)}] ${a.join(' ')}`) });
    const wrapperProvider = bundler.getWrapperProvider({ fileSystemReader: new FileSystemReader(), statsigService: null });
    assert.ok(wrapperProvider instanceof bundler.LocalWrapperProvider, 'FORGE_RUNTIME_PATH must select the local wrapper');
    const nodeBundler = bundler.getNodeBundler(logger, wrapperProvider, { readConfig: async () => manifest }, null);
    const modules = [...new Set(manifestFunctions(manifest).map((f) => f.file))];
    const t0 = Date.now();
    const out = await nodeBundler.bundle({
      appDirectory: REPO,
      entryPoints: bundler.getEntryPoints(modules.map((module) => ({ module }))),
    });
    for (const [name, content] of out.additionalOutputs) {
      fs.mkdirSync(path.dirname(path.join(out.outputDir, name)), { recursive: true });
      fs.writeFileSync(path.join(out.outputDir, name), content);
    }
    bundleDir = out.outputDir;
    const files = fs.readdirSync(bundleDir).sort();
    for (const m of modules) assert.ok(files.includes(`${m}.cjs`), `bundle has ${m}.cjs: ${files}`);
    assert.ok(files.includes('__forge__.cjs') && files.includes('__forge_wrapper__.cjs'));
    assert.deepStrictEqual(out.metadata.errors || [], [], logs.join('\n'));
    for (const m of modules) {
      const code = fs.readFileSync(path.join(bundleDir, `${m}.cjs`), 'utf8');
      if (m === 'index') assert.match(code, /WebAssembly\.(Module|instantiate|Instance)/, 'the WASM loader is in the bundle');
      console.log(`${m}.cjs: ${code.length} bytes, ${zlib.gzipSync(code).length} gzipped`);
    }
    const sizes = files.map((f) => `${f} ${fs.statSync(path.join(bundleDir, f)).size}`);
    console.log(`bundled ${modules.join(', ')} in ${Date.now() - t0} ms: ${dirSize(bundleDir)} bytes total (${sizes.join(', ')})`);
    console.log(`bundle metadata: dependencies ${JSON.stringify([...out.metadata.dependencies])}, sdkImports ${JSON.stringify([...out.metadata.sdkImports])}`);
  } finally {
    process.chdir(cwd);
  }
});

test('the bundled index.resolver answers ping from the WebAssembly core, calling Jira as the user', async (t) => {
  assert.ok(bundleDir, 'bundle step failed');
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method === 'GET' && req.url.startsWith('/jira/rest/api/3/mypermissions')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ permissions: { ADMINISTER: { id: '0', key: 'ADMINISTER', type: 'GLOBAL', havePermission: true } } }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errorMessages: [`not served by this test: ${req.method} ${req.url}`] }));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const appLogs = [];
  const onLog = (e) => appLogs.push(e);
  StaticInvocationEventEmitter.on(EVENT_P3_LOG, onLog);
  t.after(() => StaticInvocationEventEmitter.off(EVENT_P3_LOG, onLog));

  const sandbox = new NodeSandbox({ appPath: bundleDir, modName: 'index', handler: 'resolver' });
  t.after(() => sandbox.stop());
  const adminPage = (manifest.modules['jira:adminPage'] || [])[0] || { key: 'admin' };
  const result = await sandbox.execute({
    handler: 'index.resolver',
    _meta: {
      contextAri: 'ari:cloud:jira::site/00000000-0000-0000-0000-000000000001',
      appContext: {
        appId: manifest.app.id.split('/').pop(), appVersion: '1.0.0', environmentId: 'env-1', environmentType: 'DEVELOPMENT',
        invocationId: 'inv-1', installationId: 'inst-1', functionKey: 'resolver', moduleType: 'jira:adminPage', moduleKey: adminPage.key,
      },
      aaid: ACCOUNT,
      proxy: { token: 'test-token', url: `http://127.0.0.1:${server.address().port}` },
      tracing: { traceId: 't', spanId: 's' },
      timeout: 25,
    },
    body: {
      call: { functionKey: 'ping', payload: {} },
      context: { moduleKey: adminPage.key, cloudId: '00000000-0000-0000-0000-000000000001', extension: { type: 'jira:adminPage' } },
    },
  });
  assert.strictEqual(result.success, true, `sandbox: ${JSON.stringify(result.error || result)}\nlogs: ${JSON.stringify(appLogs)}`);
  const answer = result.body;
  assert.strictEqual(answer.ok, true, JSON.stringify(answer));
  assert.strictEqual(answer.data.pong, true);
  assert.strictEqual(answer.data.coreVersion, cargoWorkspaceVersion(), 'coreVersion must come from the WASM core');
  assert.strictEqual(answer.data.jiraAdmin, true, JSON.stringify(answer.data));
  const jira = calls.filter((c) => c.url.startsWith('/jira/'));
  assert.strictEqual(jira.length, 1, JSON.stringify(calls.map((c) => `${c.method} ${c.url}`)));
  assert.strictEqual(jira[0].url, '/jira/rest/api/3/mypermissions?permissions=ADMINISTER');
  assert.strictEqual(jira[0].headers['x-forge-provider'], 'user', 'asUser()');
  assert.strictEqual(jira[0].headers['x-forge-account-id'], ACCOUNT);
  console.log(`ping -> ${JSON.stringify(answer)}; Jira calls: ${jira.map((c) => `${c.method} ${c.url} as ${c.headers['x-forge-provider']}`).join(', ')}`);
});

test('resources: every page is a built Custom UI folder (uploaded as-is; @forge/bundler does not process it)', () => {
  const resources = manifest.resources || [];
  assert.ok(resources.length >= 3, 'the admin, project settings and bulk pages');
  for (const r of resources) {
    // The app ships Custom UI only; a UI Kit resource (render: native) would need NativeUIBundler here.
    assert.notStrictEqual(r.render, 'native', `resource ${r.key}: UI Kit resources are not built by ui/build.js`);
    const dir = path.join(REPO, r.path);
    for (const f of ['index.html', 'main.js', 'main.css']) assert.ok(fs.existsSync(path.join(dir, f)), `resource ${r.key}: ${r.path}/${f} missing (node ui/build.js)`);
    console.log(`resource ${r.key} (Custom UI, ${r.path}): ${dirSize(dir)} bytes`);
  }
});
