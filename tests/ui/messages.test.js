'use strict';
// The pages show every code in plain words: each error code of the core, each reason code of its
// log entries, each plan warning and each undo skip reason has a sentence in ui/src/shared/messages.js.
// A code added to crates/sprint-core/src without a sentence fails here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const root = path.join(__dirname, '..', '..');
const coreSrc = path.join(root, 'crates', 'sprint-core', 'src');

function rustFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? rustFiles(p) : e.name.endsWith('.rs') ? [p] : [];
  });
}

// SCREAMING_SNAKE literals in the core that are not codes a page shows.
const NOT_MESSAGES = new Set([
  'ADMINISTER', 'ADMINISTER_PROJECTS', // Jira permission keys
  'BAD_REQUEST', 'INVALID', 'UNKNOWN', // fragments of storage error codes the core matches on
  'SCREAMING_SNAKE_CASE', 'UPPERCASE', 'CARGO_PKG_VERSION', // serde attributes, env!()
]);

const loadMessages = () => import(pathToFileURL(path.join(root, 'ui', 'src', 'shared', 'messages.js')).href);

test('every ErrorCode has a sentence', async () => {
  const m = await loadMessages();
  const text = fs.readFileSync(path.join(coreSrc, 'error.rs'), 'utf8');
  const body = /pub enum ErrorCode \{([\s\S]*?)\n\}/.exec(text)[1];
  const variants = [...body.matchAll(/^\s*([A-Z][A-Za-z0-9]*),?\s*$/gm)].map((x) => x[1]);
  assert.ok(variants.length >= 20, `found ${variants.length} variants`);
  const codes = variants.map((v) => v.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase());
  const missing = codes.filter((c) => !m.ERROR_MESSAGES[c]);
  assert.deepEqual(missing, [], `error codes without a sentence in ui/src/shared/messages.js: ${missing}`);
});

test('every code literal of the core (log reasons, plan warnings, undo reasons) has a sentence', async () => {
  const m = await loadMessages();
  const known = new Set([
    ...Object.keys(m.ERROR_MESSAGES), ...Object.keys(m.REASON_MESSAGES),
    ...Object.keys(m.PLAN_WARNING_MESSAGES), ...Object.keys(m.UNDO_SKIP_MESSAGES), ...Object.keys(m.READINESS_MESSAGES),
  ]);
  const found = new Map();
  for (const file of rustFiles(coreSrc)) {
    for (const [, lit] of fs.readFileSync(file, 'utf8').matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{5,})"/g)) {
      if (!found.has(lit)) found.set(lit, path.relative(root, file));
    }
  }
  assert.ok(found.has('SPRINT_STARTED') && found.has('ACTIVE_SPRINT_EXISTS'), 'the scan sees the log reasons');
  const missing = [...found].filter(([lit]) => !known.has(lit) && !NOT_MESSAGES.has(lit)).map(([lit, f]) => `${lit} (${f})`);
  assert.deepEqual(missing, [], 'codes without a sentence: add them to ui/src/shared/messages.js (or to NOT_MESSAGES here if no page shows them)');
});

test('plan warnings and undo reasons built at run time are covered', async () => {
  const m = await loadMessages();
  const plan = fs.readFileSync(path.join(coreSrc, 'plan', 'mod.rs'), 'utf8');
  for (const [, code] of plan.matchAll(/pub const [A-Z_]+: &str = "([A-Z_]+)";/g)) {
    if (code.includes('{')) continue;
    assert.ok(m.PLAN_WARNING_MESSAGES[code], `plan warning ${code}`);
  }
  // undo: format!("SPRINT_{}", state.to_uppercase()) for Jira's sprint states other than future
  for (const state of ['active', 'closed']) assert.ok(m.UNDO_SKIP_MESSAGES[`SPRINT_${state.toUpperCase()}`]);
  assert.match(m.undoSkipSentence('HTTP_403'), /403/);
  assert.match(m.errorSentence('SOMETHING_NEW'), /SOMETHING_NEW/);
});
