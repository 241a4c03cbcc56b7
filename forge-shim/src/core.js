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
    next: (newResults) => JSON.parse(run.step(JSON.stringify(newResults))),
    close: () => run.free(),
  };
}

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

module.exports = { step, startRun, resolverKeys, codes, version: wasm.version };
