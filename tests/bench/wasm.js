'use strict';
// WASM artifact figures: raw and gzipped size of the core, and the cold start of the embedded
// module (a fresh Node process: load generated/core.js = base64 decode + compile + instantiate,
// then one step), median of several runs. Prints figures and ratios to the bounds we hold it to.
//   node tests/bench/wasm.js [--runs N]
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const root = path.join(__dirname, '..', '..');
const wasmFile = path.join(root, 'target', 'wasm-bindgen', 'sprint_wasm_bg.wasm');
const moduleFile = path.join(root, 'forge-shim', 'src', 'generated', 'core.js');
const runs = Number((process.argv.find((a) => a.startsWith('--runs=')) || '--runs=7').split('=')[1]);

// Bounds: the raw size keeps the deployed function small (the embedded base64 is 4/3 of it); the
// cold start is paid once per Forge function instance and should stay well under a resolver's 25 s.
const BOUND_RAW = 2 * 1024 * 1024;
const BOUND_COLD_MS = 300;
// Goals (issue 15): a small module and a fast cold start.
const GOAL_GZ = 250 * 1024;
const GOAL_COLD_MS = 15;

const raw = fs.readFileSync(wasmFile);
const gz = zlib.gzipSync(raw, { level: 9 }).length;
const probe = `
const t0 = process.hrtime.bigint();
const core = require(${JSON.stringify(moduleFile)});
const t1 = process.hrtime.bigint();
const out = JSON.parse(core.step(JSON.stringify({ job: { job: 'ping' }, now: '2026-01-05T09:00:00Z' })));
const t2 = process.hrtime.bigint();
if (!out.outcome || !out.outcome.ok) throw new Error('core did not answer');
process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, first: Number(t2 - t1) / 1e6 }));
`;
const samples = [];
for (let i = 0; i < runs; i++) samples.push(JSON.parse(execFileSync(process.execPath, ['-e', probe]).toString()));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = median(samples.map((s) => s.load));
const first = median(samples.map((s) => s.first));
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`wasm size: raw ${kib(raw.length)} (bound ${kib(BOUND_RAW)}, ratio ${(raw.length / BOUND_RAW).toFixed(2)}), gzipped ${kib(gz)} (${gz} B; goal ${kib(GOAL_GZ)}, ratio ${(gz / GOAL_GZ).toFixed(2)}), embedded module ${kib(fs.statSync(moduleFile).size)}`);
console.log(`cold start (median of ${runs} fresh processes): load ${load.toFixed(1)} ms + first step ${first.toFixed(1)} ms = ${(load + first).toFixed(1)} ms (bound ${BOUND_COLD_MS} ms, ratio ${((load + first) / BOUND_COLD_MS).toFixed(2)}; goal ${GOAL_COLD_MS} ms, ratio ${((load + first) / GOAL_COLD_MS).toFixed(2)})`);
