'use strict';
// The one driver loop (README "Driver contract"): step the core, carry out the effects it returns
// (concurrently: the core only batches independent effects), feed the results back, until it
// reports an outcome. The shim holds no domain rule; it only does what the effects say.
const crypto = require('crypto');
const core = require('./core');
const { perform } = require('./effects');

/**
 * Run one job to its outcome. `inv.accountId` is the caller from Forge's context (never a payload).
 * Resolves to `{ok: value}` or `{err: {code, status, message}}`.
 */
async function runJob(job, inv = {}) {
  const now = new Date(Date.now()).toISOString(); // read once: every replay of this run agrees
  const seed = crypto.randomBytes(6).readUIntBE(0, 6); // 48 bits: exact in a JS number
  // The transcript lives in the WASM instance; each step carries only the new results across.
  const run = core.startRun({ job, now, seed, results: [] });
  try {
    let out = run.next([]);
    for (;;) {
      const done = await Promise.all(out.effects.map((req) => carryOut(req.effect, inv)));
      if (out.outcome) return out.outcome;
      out = run.next(done); // effect ids are consecutive: `done` is in id order
    }
  } finally {
    run.close();
  }
}

function carryOut(effect, inv) {
  return effect.type === 'runJobs' ? runJobs(effect, inv) : perform(effect, inv);
}

/** RunJobs: each job through this same loop, at most `concurrency` at a time, outcomes in order. */
async function runJobs({ jobs, concurrency }, inv) {
  const outcomes = new Array(jobs.length);
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const i = next++;
      try {
        outcomes[i] = await runJob(jobs[i], inv);
      } catch (e) {
        outcomes[i] = { err: { code: 'DRIVER_CONTRACT', status: 500, message: String((e && e.message) || e).slice(0, 200) } };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
  return { body: outcomes };
}

module.exports = { runJob };
