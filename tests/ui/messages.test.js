'use strict';
// The pages show every code in plain words: each error code of the core, each reason code of its
// log entries, each plan warning, each readiness problem and each undo skip reason has a sentence
// in ui/src/shared/messages.js. The lists come from the built core (codes(), each from its Rust
// enum; tools/build-wasm.sh builds it): a code added to an enum without a sentence fails here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');

const root = path.join(__dirname, '..', '..');
const { codes } = require(path.join(root, 'forge-shim', 'src', 'core.js'));

const loadMessages = () => import(pathToFileURL(path.join(root, 'ui', 'src', 'shared', 'messages.js')).href);

/** The codes of `list` that `sentences` has no entry for. */
const without = (list, sentences) => list.filter((c) => !sentences[c]);

test('the built core exports every code list', () => {
  const c = codes();
  assert.deepEqual(Object.keys(c).sort(), ['errorCodes', 'logReasons', 'planWarnings', 'readiness', 'resolverKeys', 'undoSkips']);
  assert.ok(c.errorCodes.length >= 20, `found ${c.errorCodes.length} error codes`);
  assert.ok(c.logReasons.includes('SPRINT_STARTED') && c.logReasons.includes('ACTIVE_SPRINT_EXISTS'), 'the log reasons');
  assert.ok(c.planWarnings.includes('OVERLAPS_EXISTING') && c.readiness.includes('NO_NEXT_SPRINT'));
  for (const [name, list] of Object.entries(c)) assert.equal(new Set(list).size, list.length, `${name} has a code twice`);
});

test('every ErrorCode has a sentence', async () => {
  const m = await loadMessages();
  const missing = without(codes().errorCodes, m.ERROR_MESSAGES);
  assert.deepEqual(missing, [], `error codes without a sentence in ui/src/shared/messages.js: ${missing}`);
});

test('every log reason, plan warning, readiness problem and undo skip reason has a sentence', async () => {
  const m = await loadMessages();
  const c = codes();
  const missing = [
    ...without(c.logReasons, m.REASON_MESSAGES).map((x) => `log reason ${x} (REASON_MESSAGES)`),
    ...without(c.planWarnings, m.PLAN_WARNING_MESSAGES).map((x) => `plan warning ${x} (PLAN_WARNING_MESSAGES)`),
    ...without(c.readiness, m.READINESS_MESSAGES).map((x) => `readiness ${x} (READINESS_MESSAGES)`),
    ...without(c.undoSkips, m.UNDO_SKIP_MESSAGES).map((x) => `undo skip ${x} (UNDO_SKIP_MESSAGES)`),
  ];
  assert.deepEqual(missing, [], 'codes without a sentence: add them to ui/src/shared/messages.js');
});

test('codes built at run time are covered', async () => {
  const m = await loadMessages();
  // undo: HTTP_<status> when Jira refused the read or the delete
  assert.match(m.undoSkipSentence('HTTP_403'), /403/);
  assert.match(m.errorSentence('SOMETHING_NEW'), /SOMETHING_NEW/);
});
