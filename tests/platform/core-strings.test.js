'use strict';
// Strings across the WASM boundary: tools/embed-wasm.js replaces the glue's per-character copy of a
// string into the module with one `TextEncoder.encodeInto`. Every kind of text must still arrive as
// the same UTF-8 (ASCII, two- and three-byte characters, astral ones that are surrogate pairs in
// JavaScript, at the start, middle and end, the empty string), through both entry points: the
// stateless `step` and a `Run`. The core's parse errors quote the text it was given, so each answer
// shows what the module read.
// Run: node --test tests/platform/core-strings.test.js
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');

const core = require(path.join(__dirname, '..', '..', 'forge-shim', 'src', 'core.js'));
const NOW = '2026-01-05T09:00:00Z';
const TEXTS = ['ping-x', 'pïng', 'ü', 'Sprint 😀 Ü', '😀', '€uro €', 'a'.repeat(5000) + 'é', 'ß'.repeat(3000), ''];

test('step: a job name in any script comes back as given in the parse error', () => {
  for (const text of TEXTS) {
    const out = core.step({ job: { job: text }, now: NOW });
    assert.strictEqual(out.outcome.err.code, 'INVALID_INPUT', JSON.stringify(text));
    assert.ok(out.outcome.err.message.includes(`unknown variant \`${text}\``), `${JSON.stringify(text).slice(0, 40)}: ${out.outcome.err.message.slice(0, 120)}`);
  }
});

test('Run: results in any script come back as given in the parse error', () => {
  for (const text of TEXTS) {
    const run = core.startRun({ job: { job: 'ping' }, now: NOW, results: [] });
    try {
      const out = run.next([{ status: text }]);
      assert.strictEqual(out.outcome.err.code, 'DRIVER_CONTRACT');
      assert.ok(out.outcome.err.message.includes(`invalid type: string ${JSON.stringify(text)}`), out.outcome.err.message.slice(0, 120));
    } finally {
      run.close();
    }
  }
});
