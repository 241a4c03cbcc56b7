'use strict';
// The Rust core, compiled to WebAssembly and embedded (tools/build-wasm.sh writes generated/core.js).
// JSON strings cross the boundary; nothing else does.
const wasm = require('./generated/core.js');

/** One step of a job: StepInput -> StepOutput (see README "Driver contract"). */
function step(input) {
  return JSON.parse(wasm.step(JSON.stringify(input)));
}

/** The resolver keys the core answers (the shim defines exactly these). */
function resolverKeys() {
  return JSON.parse(wasm.resolver_keys());
}

module.exports = { step, resolverKeys, version: wasm.version };
