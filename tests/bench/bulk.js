#!/usr/bin/env node
'use strict';
// Benchmark of bulk sprint creation (prints figures and ratios; not a test: exits 0 unless the
// bench itself breaks). Runs the REAL resolver and queue consumer in the local test bed.
//
//   node tests/bench/bulk.js            full: N = 100 sprints on one board (calls for 10/50/100), rate-limited run of 100
//   node tests/bench/bulk.js --quick    CI:   calls for N = 100, rate-limited run of 40
//   options: --json (one JSON object at the end), --sprints N (rate-limited run), --capacity C --refill R
//
// Figures:
//   1. Jira calls of one job (createBulkSprints + the queue worker) making N sprints on one board
//      (one active sprint there already): goal N creates + a constant few reads. Breakdown by
//      method + path. Also the worker's core time (core.step, JSON in and out: every step replays
//      the job from the top over the results so far) and its number of steps.
//   2. The same job under the emulator's rate limiter (capacity C = 10, refill R = 20/s, on REAL time:
//      the emulator's clock here follows performance.now()): wall time from the click to the job
//      being done, against the time the rate limit alone allows, (calls - C) / R, where calls = calls
//      the limiter let through. Goal <= 1.1x. Also the 429s the app drew and the time without limiter.
const { performance } = require('perf_hooks');
const fs = require('fs');
const path = require('path');
const { startTestbed } = require('../testbed');
const { createJiraEmulator } = require('../testbed/jira/emulator');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const JSON_OUT = args.includes('--json');
const argNum = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const CALL_SIZES = QUICK ? [100] : [10, 50, 100];
const LIMITED_N = argNum('--sprints', QUICK ? 40 : 100);
const RATE = { capacity: argNum('--capacity', 10), refillPerSecond: argNum('--refill', 20) };
const ADMIN = 'acc-bench-admin';
const PROJECT = 'BB';
const CLOCK_START = '2026-01-05T09:00:00Z';

const out = { quick: QUICK, node: process.version, rate: RATE };
const say = (...a) => { if (!JSON_OUT) console.log(...a); };
const fmt = (x, d = 2) => (typeof x === 'number' ? x.toFixed(d) : String(x));

const planFor = (count) => ({
  firstStart: '2026-01-19T09:00', timeZone: 'Europe/Berlin', length: { value: 1, unit: 'weeks' }, count, nameTemplate: 'Sprint {n}',
});

/** One board with an active sprint; `jira` = an emulator of our own (rate-limited figure) or undefined. */
async function bed1({ jira } = {}) {
  const bed = await startTestbed({ clockStart: CLOCK_START, ...(jira ? { jira } : {}) });
  const j = bed.jira;
  j.addProject({ key: PROJECT });
  j.addUser({ accountId: ADMIN, projectAdminOf: [PROJECT] });
  const board = j.addBoard({ name: 'Bench board', projectKey: PROJECT });
  const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  const [{ result }] = await bed.runLifecycle('installed');
  if (!result.ok) throw new Error(JSON.stringify(result));
  return { bed, j, board };
}

function wrapCore(bed) {
  const coreFile = fs.realpathSync(path.join(bed.appRoot || path.join(__dirname, '..', '..'), 'src', 'core.js'));
  const core = require.cache[coreFile].exports;
  // The driver steps a job through core.startRun (the transcript stays in WASM): time each step.
  const orig = core.startRun;
  const stats = { steps: 0, ms: 0, lastInputBytes: 0 };
  core.startRun = (input) => {
    const run = orig(input);
    if (!(input.job && input.job.job === 'queued')) return run;
    return {
      next: (results) => {
        const t0 = performance.now();
        const out = run.next(results);
        stats.steps += 1;
        stats.ms += performance.now() - t0;
        stats.lastInputBytes = JSON.stringify(results).length;
        return out;
      },
      close: run.close,
    };
  };
  return { stats, restore: () => { core.startRun = orig; } };
}

/** Create `n` sprints through the resolver + queue; returns the job status. */
async function runJob(bed, boardId, n) {
  const r = await bed.invokeResolver('createBulkSprints', { projectKey: PROJECT, boardIds: [boardId], plan: planFor(n) }, { accountId: ADMIN });
  if (!r.ok) throw new Error(JSON.stringify(r));
  await bed.queue.drain();
  const s = await bed.invokeResolver('getBulkJob', { projectKey: PROJECT, jobId: r.data.jobId }, { accountId: ADMIN });
  if (!s.ok || s.data.state !== 'done' || s.data.created !== n) throw new Error(`job not done: ${JSON.stringify({ ...s.data, sprints: undefined })}`);
  return s.data;
}

const shape = (p) => p.replace(/\/(board|sprint)\/\d+/g, '/$1/{id}');
function breakdown(requests) {
  const by = {};
  for (const r of requests) {
    const k = `${r.method} ${shape(r.path)}`;
    by[k] = (by[k] || 0) + 1;
  }
  return by;
}

async function callsFigure() {
  out.calls = [];
  say('1. Jira calls of one bulk job on one board (createBulkSprints + queue worker); goal: N creates + a constant few reads');
  for (const n of CALL_SIZES) {
    const { bed, j, board } = await bed1();
    try {
      j.resetRequests();
      const core = wrapCore(bed);
      const t0 = performance.now();
      await runJob(bed, board.id, n);
      const ms = performance.now() - t0;
      core.restore();
      const by = breakdown(j.requests);
      const creates = by['POST /rest/agile/1.0/sprint'] || 0;
      const total = j.requests.length;
      const worker = bed.invocations.filter((i) => i.functionKey === 'queue-worker');
      const row = {
        n, total, creates, other: total - creates, byPath: by, wallMs: ms,
        workerInvocations: worker.length, workerPlatformCalls: worker.reduce((a, i) => a + i.platformCalls, 0),
        sqlStatements: bed.sql.stats.statements, coreSteps: core.stats.steps, coreMs: core.stats.ms, lastStepInputBytes: core.stats.lastInputBytes,
      };
      out.calls.push(row);
      say(`   N=${n}: ${total} Jira calls = ${creates} creates + ${total - creates} other; ratio to N ${fmt(total / n, 3)}; ${fmt(ms, 0)} ms without a rate limit`);
      for (const [k, v] of Object.entries(by).sort((a, b) => b[1] - a[1])) say(`        ${String(v).padStart(4)}  ${k}`);
      say(`        worker: ${row.workerInvocations} invocation(s), ${row.workerPlatformCalls} platform calls; ${row.sqlStatements} SQL statements in the bed (incl. install);`
        + ` core (Run.step): ${row.coreSteps} steps, ${fmt(row.coreMs, 0)} ms, last step's new results ${fmt(row.lastStepInputBytes / 1024, 1)} KiB`);
    } finally { await bed.close(); }
  }
}

async function rateFigure() {
  // The emulator's clock follows real time, so its token bucket refills while the app waits.
  const base = Date.parse(CLOCK_START);
  const t00 = performance.now();
  const jira = await createJiraEmulator({ now: () => base + (performance.now() - t00), seed: 1 });
  const { bed, j, board } = await bed1({ jira });
  try {
    j.resetRequests();
    j.setRateLimit(RATE);
    const t0 = performance.now();
    await runJob(bed, board.id, LIMITED_N);
    const ms = performance.now() - t0;
    const st = j.rateLimitStats();
    const calls = st.allowed;
    const bound = (Math.max(0, calls - RATE.capacity) / RATE.refillPerSecond) * 1000;
    const row = {
      n: LIMITED_N, wallMs: ms, calls, limited429: st.limited, boundMs: bound, ratio: ms / bound,
      boundAllCallsMs: (calls / RATE.refillPerSecond) * 1000,
    };
    out.rateLimited = row;
    say(`2. N=${LIMITED_N} sprints under the rate limiter (capacity ${RATE.capacity}, refill ${RATE.refillPerSecond}/s, real time):`);
    say(`   ${calls} calls let through, ${st.limited} answered 429; wall ${fmt(ms / 1000)} s vs bound (calls - capacity)/refill = ${fmt(bound / 1000)} s`
      + ` -> ratio ${fmt(row.ratio)} (goal <= 1.10)`);
  } finally {
    await bed.close();
    await jira.close();
  }
}

(async () => {
  const t0 = performance.now();
  await callsFigure();
  await rateFigure();
  out.totalMs = performance.now() - t0;
  say(`total ${fmt(out.totalMs / 1000, 1)} s`);
  if (JSON_OUT) console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exitCode = 1; });
