'use strict';
// The pages' TypeScript types: ui/src/shared/codes.d.ts is what tools/gen-types.js writes from the
// built core's code lists (run tools/build-wasm.sh after changing a list), and the hand-kept answer
// shapes of ui/src/shared/resolvers.d.ts compile against it with an answer for every resolver key.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..', '..');
const { render, OUT } = require(path.join(root, 'tools', 'gen-types.js'));
const { codes } = require(path.join(root, 'forge-shim', 'src', 'core.js'));

test('ui/src/shared/codes.d.ts is up to date with the built core', () => {
  const written = fs.readFileSync(OUT, 'utf8');
  assert.equal(written, render(codes()), 'run tools/build-wasm.sh (or node tools/gen-types.js) and commit ui/src/shared/codes.d.ts');
  for (const key of codes().resolverKeys) assert.match(written, new RegExp(`\\| '${key}'`));
});

test('the resolver answer types compile, with an answer for every resolver key', () => {
  // TypeScript is pinned in tests/package.json: a missing compiler fails here, never skips.
  const tsc = path.join(root, 'tests', 'node_modules', '.bin', 'tsc');
  const shared = path.join(root, 'ui', 'src', 'shared');
  execFileSync(tsc, ['--noEmit', '--strict', '--skipLibCheck', 'false', path.join(shared, 'resolvers.d.ts'), path.join(shared, 'codes.d.ts')], { stdio: 'pipe' });
});
