'use strict';
// The Custom UI resources in forge-shim/static are exactly what `node ui/build.js` makes of ui/src
// (the manifest points at them; a stale build would deploy old pages), and the demo variant builds.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { buildPages, PAGES } = require('../../ui/build.js');

const staticDir = path.join(__dirname, '..', '..', 'forge-shim', 'static');

test('forge-shim/static holds the current build of every page', async () => {
  const built = await buildPages({ write: false });
  for (const { name } of PAGES) {
    for (const [file, text] of Object.entries(built[name])) {
      const p = path.join(staticDir, name, file);
      assert.ok(fs.existsSync(p), `${path.relative(process.cwd(), p)} is missing: run node ui/build.js`);
      assert.ok(fs.readFileSync(p, 'utf8') === text, `${path.relative(process.cwd(), p)} is stale: run node ui/build.js`);
    }
    assert.match(built[name]['index.html'], /<script type="module" src="\.\/main\.js"><\/script>/);
    assert.ok(!/demo-bridge|\/invoke\?as=/.test(built[name]['main.js']), 'the Forge build uses the real @forge/bridge');
  }
});

test('the demo variant aliases @forge/bridge to ui/demo-bridge.js', async () => {
  const built = await buildPages({ demo: true, write: false });
  for (const { name } of PAGES) assert.match(built[name]['main.js'], /\/invoke\?as=/);
});
