'use strict';
// Strings across the WASM boundary: tools/embed-wasm.js replaces the glue's per-character copy of a
// string into the module with one `TextEncoder.encodeInto`, and Jira's answers travel beside the
// results' JSON with their UTF-8 lengths (forge-shim/src/core.js `apart`). Every kind of text must
// still arrive as the same UTF-8 (ASCII, two- and three-byte characters, astral ones that are
// surrogate pairs in JavaScript, at the start, middle and end, the empty string), through both
// entry points: the stateless `step` and a `Run`. The core's parse errors quote the text it was
// given, so each answer shows what the module read.
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

// Jira's answers travel beside the results' JSON (`apart`): their texts one after another, each
// result's length in UTF-8 bytes. A length counted in UTF-16 units, or texts in the wrong order,
// would cut a text inside a character or hand one result another's body.
const admin = (have) => `{"permissions":{"ADMINISTER":{"name":"Ädmin 😀 € ß","havePermission":${have}}}}`;

test('Run: a Jira answer in any script reaches the core whole, as the result it belongs to', () => {
  for (const have of [true, false]) {
    const run = core.startRun({ job: { job: 'ping', accountId: 'acc-1' }, now: NOW, results: [] });
    try {
      assert.strictEqual(run.next([]).effects[0].effect.type, 'jira');
      const out = run.next([{ status: 200, bodyText: admin(have) }]);
      assert.deepStrictEqual(out.outcome.ok.jiraAdmin, have, JSON.stringify(out));
    } finally {
      run.close();
    }
  }
  const [json, texts, lengths] = core.apart([{ rows: [] }, { status: 200, bodyText: 'ü😀' }, { status: 204 }, { status: 200, bodyText: '{}' }]);
  assert.deepStrictEqual(JSON.parse(json), [{ rows: [] }, { status: 200 }, { status: 204 }, { status: 200 }]);
  assert.strictEqual(texts, 'ü😀{}');
  assert.deepStrictEqual([...lengths], [0, 6, 0, 2]);
});

test('Run: body lengths that do not cut the texts into one whole piece per result are a DRIVER_CONTRACT answer', () => {
  const wasm = require(path.join(__dirname, '..', '..', 'forge-shim', 'src', 'generated', 'core.js'));
  const cases = [
    ['[{"status":200}]', '{}x', [2]], // text left over
    ['[{"status":200}]', '{}', [3]], // past the end
    ['[{"status":200},{"rows":[]}]', '{}', [2]], // not one length per result
    ['[{"status":200}]', '"ü"', [2]], // inside a character
    ['[{"status":200}]', 'x', []], // a text without lengths
  ];
  for (const [results, texts, lengths] of cases) {
    const run = new wasm.Run(JSON.stringify({ job: { job: 'ping', accountId: 'acc-1' }, now: NOW, results: [] }));
    try {
      run.step('[]', '', new Uint32Array(0));
      const out = JSON.parse(run.step(results, texts, Uint32Array.from(lengths)));
      assert.strictEqual(out.outcome && out.outcome.err && out.outcome.err.code, 'DRIVER_CONTRACT', `${texts} ${lengths}: ${JSON.stringify(out)}`);
    } finally {
      run.free();
    }
  }
});
