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
  const seed = crypto.randomBytes(4).readUInt32BE(0);
  const results = [];
  for (;;) {
    const out = core.step({ job, now, seed, results });
    const done = await Promise.all(out.effects.map((req) => perform(req.effect, inv)));
    out.effects.forEach((req, i) => { results[req.id] = done[i]; });
    if (out.outcome) return out.outcome;
  }
}

module.exports = { runJob };
