'use strict';
// The Rust core, compiled to WebAssembly and embedded (tools/build-wasm.sh writes generated/core.js).
// JSON strings cross the boundary; nothing else does.
const wasm = require('./generated/core.js');

/** One step of a job: StepInput -> StepOutput (see README "Driver contract"). */
function step(input) {
  return JSON.parse(wasm.step(JSON.stringify(input)));
}

/**
 * A run whose transcript stays inside the WASM instance: `next(newResults)` appends the results of
 * the last step's effects and steps again. `close()` frees it. Same outputs as `step`.
 */
function startRun(input) {
  const run = new wasm.Run(JSON.stringify(input));
  return {
    next: (newResults) => JSON.parse(run.step(...apart(newResults))),
    close: () => run.free(),
  };
}

/**
 * The results as `Run.step` takes them: their JSON without Jira's body texts, the texts one after
 * another, and each result's text length in UTF-8 bytes (0: none). A page of issues as a JSON
 * string inside the JSON would be escaped here and unescaped in the core, which cost more than the
 * core's reading of it.
 */
function apart(results) {
  if (!results.some((r) => typeof r.bodyText === 'string')) return [JSON.stringify(results), '', EMPTY];
  const texts = results.map((r) => (typeof r.bodyText === 'string' ? r.bodyText : ''));
  // eslint-disable-next-line no-unused-vars
  const bare = results.map(({ bodyText, ...rest }) => rest);
  return [JSON.stringify(bare), texts.join(''), Uint32Array.from(texts, (t) => Buffer.byteLength(t, 'utf8'))];
}
const EMPTY = new Uint32Array(0);

/** The resolver keys the core answers (the shim defines exactly these). */
function resolverKeys() {
  return JSON.parse(wasm.resolver_keys());
}

/**
 * Every code list of the core: { errorCodes, logReasons, planWarnings, undoSkips, readiness,
 * resolverKeys } (each from its Rust enum; undoSkips lists the fixed codes, HTTP_<status> aside).
 */
function codes() {
  return JSON.parse(wasm.codes());
}

// `apart` is exported for tests/bench/core.js, which times `Run.step` with exactly these arguments.
module.exports = { step, startRun, resolverKeys, codes, version: wasm.version, apart };
