#!/usr/bin/env node
'use strict';
// Core time of whole runs (issue 15, "linear jobs"): prints figures and ratios to the goals; not a
// test (exits 0 unless the bench breaks, or the two cores compared disagree).
//
//   node tests/bench/core.js [--runs N] [--before path/to/core.js] [--json] [--save F | --load F]
//
// The REAL handlers run in the local test bed (tests/testbed) and the driver's exact step inputs are
// captured from core.startRun: `new Run(input)` and each step's new results, as JSON strings. Then
// each captured run is replayed through a fresh `Run` of the core under test, N times (default 11,
// after 10 warm-up replays of every figure), and the median is reported, with the slowest step's median. "Core time" = the WASM calls of one run through `Run` (the constructor,
// every `Run.step` with the parsing and serialising inside it, `JSON.parse` of each answer, `free`);
// the driver's own `JSON.stringify` of the results, and setting Jira's body texts apart from them
// (core.js `apart`), are not included. No I/O.
//
// Figures (goals from issue 15):
//   1. one 100-issue rollover (a board job, 100 issues, 50 unfinished)      goal <= 0.5 ms
//   2. one 1,000-issue rollover (a board job, 1,000 issues, 400 unfinished) goal <= 5 ms
//   3. one 100-sprint bulk job (every queue-worker run of the job)          goal <= 50 ms
//
// --before FILE also times an older build of the embedded module (tools/build-wasm.sh writes
// forge-shim/src/generated/core.js; build the old commit the same way) in the same process, on the
// same captured inputs, and says whether both answer every step with the same JSON.
const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const { startTestbed } = require('../testbed');
const { ADMIN, S1_START, S1_END, MIN, oneBoardBed, captureRuns, stepArgs, feedBytes } = require('./runs');

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const argVal = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const RUNS = Number(argVal('--runs') || 11);
const WARM = Number(argVal('--warm') || 10);
const BEFORE = argVal('--before');
const SAVE = argVal('--save'); // write the captured runs to this file (JSON)
const LOAD = argVal('--load'); // time runs captured earlier instead of running the test bed

const out = { node: process.version, runs: RUNS };
const say = (...a) => { if (!JSON_OUT) console.log(...a); };
const fmt = (x, d = 2) => (typeof x === 'number' ? x.toFixed(d) : String(x));

// ------------------------------------------------------------------------------------------------
// The jobs (the rollover's board as in tests/bench/engine.js, the bulk job as in tests/bench/bulk.js)
async function rollover(m, n) {
  const { bed, j, s1, s2 } = await oneBoardBed({ m, n });
  try {
    bed.clock.set(Date.parse(S1_END) + 2 * MIN);
    const stop = captureRuns(bed, (job) => job.job === 'board');
    const done = await bed.runScheduled('sprint-check');
    const runs = stop();
    if (!done.ok || j.getSprint(s1.id).state !== 'closed' || j.issuesInSprint(s2.id).length !== n) throw new Error(`rollover failed ${JSON.stringify(done)}`);
    if (runs.length !== 1) throw new Error(`${runs.length} board runs`);
    return runs;
  } finally { await bed.close(); }
}

async function bulk(count) {
  const bed = await startTestbed({ clockStart: S1_START });
  try {
    const j = bed.jira;
    j.addProject({ key: 'BB' });
    j.addUser({ accountId: ADMIN, projectAdminOf: ['BB'] });
    const board = j.addBoard({ name: 'Bench board', projectKey: 'BB' });
    const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z' });
    j.updateSprint(s1.id, { state: 'active' });
    const [{ result }] = await bed.runLifecycle('installed');
    if (!result.ok) throw new Error(JSON.stringify(result));
    const plan = { firstStart: '2026-01-19T09:00', timeZone: 'Europe/Berlin', length: { value: 1, unit: 'weeks' }, count, nameTemplate: 'Sprint {n}' };
    const stop = captureRuns(bed, (job) => job.job === 'queued' && job.body && job.body.job === 'bulk');
    const r = await bed.invokeResolver('createBulkSprints', { projectKey: 'BB', boardIds: [board.id], plan }, { accountId: ADMIN });
    if (!r.ok) throw new Error(JSON.stringify(r));
    await bed.queue.drain();
    const runs = stop();
    const s = await bed.invokeResolver('getBulkJob', { projectKey: 'BB', jobId: r.data.jobId }, { accountId: ADMIN });
    if (!s.ok || s.data.state !== 'done' || s.data.created !== count) throw new Error(`bulk job not done: ${JSON.stringify({ ...s.data, sprints: undefined })}`);
    return runs;
  } finally { await bed.close(); }
}

// ------------------------------------------------------------------------------------------------
// Replay through a Run; `stepMs[k]` gets the time of the k-th step of all runs (a step = Run.step
// with its JSON.parse; the constructor and free count in the total only). The arguments of each
// step are made once per module, outside the timing (runs.js `stepArgs`).
function replay(wasm, runs, answers, stepMs) {
  const t0 = performance.now();
  let k = 0;
  for (const rec of runs) {
    const calls = stepArgs(wasm, rec);
    const run = new wasm.Run(rec.start);
    for (let i = 0; i < calls.length; i++) {
      const s0 = performance.now();
      const text = run.step(...calls[i]);
      JSON.parse(text);
      if (stepMs) (stepMs[k] = stepMs[k] || []).push(performance.now() - s0);
      k += 1;
      if (answers) answers.push(text);
    }
    run.free();
  }
  return performance.now() - t0;
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(wasm, runs) {
  for (let i = 0; i < WARM; i++) replay(wasm, runs); // warm-up
  const samples = [];
  const stepMs = [];
  for (let i = 0; i < RUNS; i++) samples.push(replay(wasm, runs, null, stepMs));
  // The slowest step (by its median) and the results it was fed.
  const feeds = runs.flatMap((r) => r.feeds);
  const medians = stepMs.map(median);
  const k = medians.indexOf(Math.max(...medians));
  return {
    medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples),
    slowestStep: { index: k, ms: medians[k], inputBytes: feedBytes(feeds[k]) },
  };
}

async function main() {
  const root = path.join(__dirname, '..', '..');
  const after = require(path.join(root, 'forge-shim', 'src', 'generated', 'core.js'));
  const before = BEFORE ? require(path.resolve(BEFORE)) : null;
  const figures = LOAD ? JSON.parse(fs.readFileSync(LOAD, 'utf8')) : [
    { key: 'rollover100', what: 'one 100-issue rollover (50 unfinished)', goalMs: 0.5, runs: await rollover(100, 50) },
    { key: 'rollover1000', what: 'one 1,000-issue rollover (400 unfinished)', goalMs: 5, runs: await rollover(1000, 400) },
    { key: 'bulk100', what: 'one 100-sprint bulk job (queue-worker runs)', goalMs: 50, runs: await bulk(100) },
  ];
  if (SAVE) fs.writeFileSync(SAVE, JSON.stringify(figures));
  // V8 compiles WASM in tiers (a baseline first, optimised code for hot functions later): warm
  // every figure's code up before timing any, so the first figure is not the one that pays.
  for (const f of figures) {
    for (let i = 0; i < WARM; i++) replay(after, f.runs);
    if (before) for (let i = 0; i < WARM; i++) replay(before, f.runs);
  }
  say(`core time through Run, median of ${RUNS} (JSON in and out included; no I/O)${before ? `; before = ${BEFORE}` : ''}`);
  for (const f of figures) {
    const steps = f.runs.reduce((a, r) => a + r.feeds.length, 0);
    const bytes = f.runs.reduce((a, r) => a + r.feeds.reduce((b, x) => b + feedBytes(x), r.start.length), 0);
    const row = { what: f.what, goalMs: f.goalMs, runs: f.runs.length, steps, bytesIn: bytes, after: measure(after, f.runs) };
    row.ratio = row.after.medianMs / f.goalMs;
    if (before) {
      // Same answers, step for step, from both cores.
      const a = []; const b = [];
      replay(after, f.runs, a);
      replay(before, f.runs, b);
      // The statement names SQL effects carry since the storage module are not in older builds.
      const bare = (text) => JSON.stringify(JSON.parse(text), (k, v) => (v && v.type === 'sql' ? { ...v, name: undefined } : v));
      const diff = a.findIndex((x, i) => bare(x) !== bare(b[i] || '{}'));
      row.sameAnswers = diff < 0 && a.length === b.length;
      row.firstDifference = row.sameAnswers ? null : (diff < 0 ? Math.min(a.length, b.length) : diff);
      row.before = measure(before, f.runs);
      row.speedup = row.before.medianMs / row.after.medianMs;
      row.beforeRatio = row.before.medianMs / f.goalMs;
    }
    out[f.key] = row;
    say(`${f.what}: ${f.runs.length} run(s), ${steps} steps, ${fmt(bytes / 1024, 0)} KiB across the boundary`);
    const slow = row.after.slowestStep;
    say(`   ${fmt(row.after.medianMs, 3)} ms (${fmt(row.after.minMs, 3)}-${fmt(row.after.maxMs, 3)}), goal <= ${f.goalMs} ms, ratio ${fmt(row.ratio)};`
      + ` slowest step #${slow.index + 1}: ${fmt(slow.ms, 3)} ms for ${fmt(slow.inputBytes / 1024, 1)} KiB of results`);
    if (before) {
      say(`   before: ${fmt(row.before.medianMs, 3)} ms (${fmt(row.before.minMs, 3)}-${fmt(row.before.maxMs, 3)}), ratio ${fmt(row.beforeRatio)};`
        + ` now ${fmt(row.speedup, 1)}x faster; ${row.sameAnswers ? 'the same answer at every step' : `ANSWERS DIFFER from step #${row.firstDifference + 1} (a build with other job behaviour?)`}`);
    }
  }
  if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
