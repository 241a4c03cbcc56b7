#!/usr/bin/env node
'use strict';
// Benchmarks of the scheduled sprint check (prints figures and ratios; not a test, exits 0 unless
// the bench itself breaks). Runs the REAL handlers in the local test bed (tests/testbed).
//
//   node tests/bench/engine.js            full: 1,000 boards under the rate limiter, planning x 10,000 (~5 min)
//   node tests/bench/engine.js --quick    CI:   100 boards, planning x 1,000 (~30 s)
//   options: --json (one JSON object at the end), --boards N, --planning N (boards for the WASM figure;
//            default 10,000, 1,000 with --quick), --only idle,rollover,scale,planning
//
// Figures:
//   1. idle tick: Jira calls (goal 0), SQL statements and KVS calls per idle tick
//   2. one rollover of m issues with n unfinished: Jira calls against ceil(n/100) + ceil(n/50) + 3
//      (list sprints, board configuration, unfinished-issue pages, close, moves), and Jira points
//      against the least the points model allows (the emulator counts them per request). The app also
//      STARTS the next sprint in the same run: +1 call that the call bound does not count.
//   3. B boards due in the same minute, 100 issues each (30 unfinished), rate limiter capacity 100,
//      refill 50/s: wall time against (successful calls / refill rate), the time the rate limit alone allows.
//      The emulator keeps every issue in one map and sorts by a linear rank lookup (O(total issues)
//      per listed issue), so 100,000 issues in ONE emulator would measure the emulator, not the app.
//      The bench therefore shards the boards over several emulators (10 boards each) behind a small
//      proxy that owns the site-wide token bucket (same algorithm and headers as the emulator's
//      setRateLimit, on real time, app calls only). The app sees one Jira site.
//   4. WASM planning time: the exact step sequence the driver ran for one real board rollover
//      (captured from core.step in figure 2, JSON in and out included) replayed for N boards; also an
//      idle board check (reconcile with nothing due). Pure core time, no I/O.
const http = require('http');
const path = require('path');
const { performance } = require('perf_hooks');
const { startTestbed } = require('../testbed');
const { createJiraEmulator } = require('../testbed/jira/emulator');
const { ADMIN, MIN, S1_START, S1_END, S2_END, SETTINGS, oneBoardBed, captureRuns, stepArgs, feedBytes } = require('./runs');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const JSON_OUT = args.includes('--json');
const argNum = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const BOARDS = argNum('--boards', QUICK ? 100 : 1000);
const PLANNING_BOARDS = argNum('--planning', QUICK ? 1000 : 10000);
const ONLY = (() => { const i = args.indexOf('--only'); return i >= 0 ? new Set(args[i + 1].split(',')) : null; })();
const want = (name) => !ONLY || ONLY.has(name);
const RATE = { capacity: 100, refillPerSecond: 50 };
const ISSUES_PER_BOARD = 100;
const UNFINISHED_PER_BOARD = 30;
const DUE = Date.parse(S1_END);

const out = { quick: QUICK, node: process.version };
const say = (...a) => { if (!JSON_OUT) console.log(...a); };
const fmt = (x, d = 2) => (typeof x === 'number' ? x.toFixed(d) : String(x));

// ------------------------------------------------------------------------------------------------
async function idleFigure() {
  const { bed, j } = await oneBoardBed({ m: 5, n: 2 });
  try {
    j.resetRequests();
    bed.sql.resetStats();
    const kvs0 = bed.kvs.stats.requests;
    const ticks = 12;
    for (let i = 0; i < ticks; i++) {
      bed.clock.advance(5 * MIN);
      const r = await bed.runScheduled('sprint-check');
      if (r.data.result !== 'idle') throw new Error(`not idle: ${JSON.stringify(r)}`);
    }
    out.idle = { ticks, jiraCalls: j.requests.length, jiraPerTick: j.requests.length / ticks, sqlPerTick: bed.sql.stats.statements / ticks, kvsPerTick: (bed.kvs.stats.requests - kvs0) / ticks };
    say(`1. idle tick: ${out.idle.jiraPerTick} Jira calls (goal 0), ${out.idle.sqlPerTick} SQL statements, ${out.idle.kvsPerTick} KVS calls per tick (${ticks} ticks)`);
  } finally { await bed.close(); }
}

// captured step inputs of one board job (figure 4)
let capturedBoardSteps = null;
let capturedIdleSteps = null;
let capturedBigSteps = null;
async function rolloverFigure() {
  const sizes = QUICK ? [[100, 10], [100, 50], [250, 100]] : [[100, 10], [100, 50], [1000, 100], [1000, 900], [1000, 1000]];
  out.rollover = [];
  say('2. one rollover: Jira calls against ceil(n/100) + ceil(n/50) + 3 (+1 start of the next sprint, not in the bound),');
  say('   Jira points against the least the points model allows: (1+k) open sprints + 2 configuration + (1+n) unfinished');
  say('   issues (+1 per further page) + 1 close + ceil(n/50) moves + 1 start (k = 2 open sprints here)');
  for (const [m, n] of sizes) {
    const { bed, j, s1, s2 } = await oneBoardBed({ m, n });
    try {
      bed.clock.set(DUE + 2 * MIN);
      j.resetRequests();
      const stop = captureRuns(bed, (job) => job.job === 'board');
      const t0 = performance.now();
      const r = await bed.runScheduled('sprint-check');
      const ms = performance.now() - t0;
      const [run] = stop();
      if (m === 100) capturedBoardSteps = run;
      if (m === 1000 && n === 900) capturedBigSteps = run;
      if (!r.ok || j.getSprint(s1.id).state !== 'closed' || j.getSprint(s2.id).state !== 'active') throw new Error(`rollover failed ${JSON.stringify(r)}`);
      if (j.issuesInSprint(s2.id).length !== n) throw new Error(`carried ${j.issuesInSprint(s2.id).length} of ${n}`);
      const calls = j.requests.length;
      const starts = j.requests.filter((x) => x.method === 'POST' && x.path.endsWith(`/sprint/${s2.id}`)).length;
      // Reads only the unfinished issues (a JQL filter on the Done column): ceil(n/100) pages, not ceil(m/100).
      const bound = Math.max(1, Math.ceil(n / 100)) + Math.ceil(n / 50) + 3;
      const k = 2;
      const points = j.points().total;
      const pointsBound = (1 + k) + 2 + (n + Math.max(1, Math.ceil(n / 100))) + 1 + Math.ceil(n / 50) + 1;
      const report = j.sprintReport(s1.id);
      if (report.notCompleted.length !== n || report.removed.length !== 0) throw new Error(`report ${JSON.stringify(report).slice(0, 200)}`);
      const row = { m, n, calls, startCalls: starts, callsWithoutStart: calls - starts, bound, ratio: (calls - starts) / bound, ratioWithStart: calls / bound, points, pointsBound, pointsRatio: points / pointsBound, realMs: ms };
      out.rollover.push(row);
      say(`   m=${m} n=${n}: ${calls} calls (${calls - starts} + ${starts} start), bound ${bound}, ratio ${fmt(row.ratio)} (with the start ${fmt(row.ratioWithStart)}); ${points} points, bound ${pointsBound}, ratio ${fmt(row.pointsRatio)}; ${fmt(ms, 0)} ms`);
    } finally { await bed.close(); }
  }
  // 2b. one close-readiness look, a day before the close: the board's open sprints, its
  // configuration and the open sub-tasks of the closing sprint (k = 2 open sprints, s open sub-tasks).
  out.readiness = [];
  for (const [m, subs] of [[100, 0], [100, 5], [1000, 40]]) {
    const { bed, j, s1 } = await oneBoardBed({ m, n: 0 });
    try {
      const parents = j.issuesInSprint(s1.id).slice(0, subs);
      for (const p of parents) j.addIssue({ projectKey: 'SA', summary: 'sub', statusId: '10000', issueType: 'Sub-task', parentKey: p.key });
      bed.clock.set(DUE - 24 * 60 * MIN + 2 * MIN);
      j.resetRequests();
      await bed.runScheduled('sprint-check');
      const calls = j.requests.length;
      const points = j.points().total;
      const bound = (1 + 2) + 2 + (1 + subs);
      out.readiness.push({ m, openSubtasks: subs, calls, points, bound, ratio: points / bound });
      say(`   readiness look, m=${m}, ${subs} open sub-tasks: ${calls} calls, ${points} points, bound ${bound} ((1+k) + 2 + (1+s)), ratio ${fmt(points / bound)}`);
    } finally { await bed.close(); }
  }
  // an idle board check (reconcile, nothing due) for the planning figure
  const { bed } = await oneBoardBed({ m: 10, n: 5 });
  try {
    // The daily look comes at the board's own minute of the UTC day (10-54 past an hour, away
    // from its starts and closes), 12-36 hours after its last run: tick every 5 minutes until it runs.
    bed.clock.set(Date.parse(S1_START) + 2 * 60 * MIN);
    let r;
    for (let i = 0; i < 40 * 12; i++) {
      bed.clock.advance(5 * MIN);
      const stop = captureRuns(bed, (job) => job.job === 'board');
      r = await bed.runScheduled('sprint-check');
      const [run] = stop();
      if (run) capturedIdleSteps = run;
      if (!r.ok || r.data.boards === 1) break;
    }
    if (!r.ok || r.data.boards !== 1 || !capturedIdleSteps) throw new Error(`reconcile: ${JSON.stringify(r)}`);
  } finally { await bed.close(); }
}

// ------------------------------------------------------------------------------------------------
// Sharded Jira site behind one rate limiter (figure 3)
async function shardedSite(boardCount, perShard) {
  const shards = [];
  for (let s = 0; s * perShard < boardCount; s++) shards.push(await createJiraEmulator({ now: () => Date.now(), seed: s + 1 }));
  const shardOfBoard = (b) => shards[Math.floor((b - 1) / perShard)];
  const projectKey = (b) => `P${b}`;
  const boardOfProject = (k) => Number(String(k).replace(/^P/, '').replace(/-\d+$/, ''));
  const sprintId = (b, k) => b * 10 + k; // sprint k (1, 2) of board b
  const boardOfSprint = (id) => Math.floor(id / 10);

  const bucket = { capacity: RATE.capacity, refill: RATE.refillPerSecond, tokens: RATE.capacity, last: performance.now(), allowed: 0, limited: 0, enabled: false };
  function take() {
    if (!bucket.enabled) return { ok: true, headers: {} };
    const t = performance.now();
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((t - bucket.last) / 1000) * bucket.refill);
    bucket.last = t;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.allowed += 1;
      const remaining = Math.floor(bucket.tokens);
      const headers = { 'X-RateLimit-Limit': String(bucket.capacity), 'X-RateLimit-Remaining': String(remaining) };
      if (remaining < bucket.capacity * 0.2) headers['X-RateLimit-NearLimit'] = 'true';
      return { ok: true, headers };
    }
    bucket.limited += 1;
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.refill));
    return { ok: false, headers: { 'Retry-After': String(retryAfter), 'X-RateLimit-Limit': String(bucket.capacity), 'X-RateLimit-Remaining': '0', 'RateLimit-Reason': 'jira-burst-based' } };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const log = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url, 'http://x');
    let shard = shards[0];
    let m;
    if ((m = /^\/rest\/agile\/1\.0\/board\/(\d+)/.exec(u.pathname))) shard = shardOfBoard(Number(m[1]));
    else if ((m = /^\/rest\/agile\/1\.0\/sprint\/(\d+)/.exec(u.pathname))) shard = shardOfBoard(boardOfSprint(Number(m[1])));
    else if (u.pathname === '/rest/agile/1.0/sprint') shard = shardOfBoard(Number(JSON.parse(body.toString() || '{}').originBoardId));
    else if (/^\/rest\/agile\/1\.0\/backlog\//.test(u.pathname)) shard = shardOfBoard(boardOfProject((JSON.parse(body.toString() || '{}').issues || ['P1-1'])[0]));
    else if (u.searchParams.get('projectKey')) shard = shardOfBoard(boardOfProject(u.searchParams.get('projectKey')));
    const entry = { method: req.method, path: u.pathname, status: 0 };
    log.push(entry);
    if (req.headers['x-forge-provider'] === 'app') {
      const tk = take();
      if (!tk.ok) {
        entry.status = 429;
        const payload = JSON.stringify({ errorMessages: ['Rate limit exceeded.'], errors: {} });
        res.writeHead(429, { ...tk.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
        return res.end(payload);
      }
    }
    const target = new URL(shard.url);
    const fwd = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent }, (r) => {
      entry.status = r.statusCode;
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => { try { res.destroy(); } catch { /* gone */ } });
    fwd.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, shards, bucket, log, projectKey, sprintId, shardOfBoard,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      agent.destroy();
      for (const s of shards) await s.close();
    },
  };
}

async function scaleFigure() {
  const site = await shardedSite(BOARDS, 10);
  const bed = await startTestbed({ clockStart: S1_START, jira: { url: site.url } });
  try {
    const t0 = performance.now();
    for (let b = 1; b <= BOARDS; b++) {
      const j = site.shardOfBoard(b);
      const key = site.projectKey(b);
      j.addProject({ key, id: String(10000 + b) });
      j.addBoard({ id: b, name: `board ${b}`, projectKey: key });
      const s1 = j.addSprint({ id: site.sprintId(b, 1), boardId: b, name: 'Sprint 1', startDate: S1_START, endDate: S1_END });
      j.updateSprint(s1.id, { state: 'active' });
      j.addSprint({ id: site.sprintId(b, 2), boardId: b, name: 'Sprint 2', startDate: S1_END, endDate: S2_END });
      for (let i = 0; i < ISSUES_PER_BOARD; i++) j.addIssue({ projectKey: key, summary: `w${i}`, statusId: i < UNFINISHED_PER_BOARD ? '10001' : '10002', sprintId: s1.id });
    }
    // the admin administers every project (one user object per shard)
    for (const s of site.shards) s.addUser({ accountId: ADMIN, projectAdminOf: [...Array(BOARDS).keys()].map((i) => site.projectKey(i + 1)) });
    await bed.runLifecycle('installed');
    for (let b = 1; b <= BOARDS; b++) {
      const r = await bed.invokeResolver('updateBoardSettings', { projectKey: site.projectKey(b), boardId: b, settings: SETTINGS }, { accountId: ADMIN });
      if (!r.ok) throw new Error(`board ${b}: ${JSON.stringify(r)}`);
    }
    // first check: reconcile every board (learns the due instant), without the rate limiter
    await bed.runScheduled('sprint-check');
    await bed.drain();
    const setupMs = performance.now() - t0;
    const [{ n: dueCount }] = await bed.sql.query('SELECT COUNT(*) AS n FROM board_schedule WHERE next_due_at = ?', [DUE]);
    if (Number(dueCount) !== BOARDS) throw new Error(`${dueCount} of ${BOARDS} boards scheduled for ${S1_END}`);

    // every board due in the same minute; the rate limiter on
    bed.clock.set(DUE + 1 * MIN);
    site.log.length = 0;
    Object.assign(bucket(site), { enabled: true, tokens: RATE.capacity, last: performance.now(), allowed: 0, limited: 0 });
    const invocations0 = bed.invocations.length;
    const w0 = performance.now();
    const first = await bed.runScheduled('sprint-check');
    if (!first.ok) throw new Error(JSON.stringify(first));
    let continuations = 0;
    for (;;) {
      const delivered = await bed.drain();
      if (!delivered || !delivered.length) break;
      continuations += delivered.length;
    }
    const wallMs = performance.now() - w0;
    site.bucket.enabled = false;

    let rolled = 0;
    for (let b = 1; b <= BOARDS; b++) {
      const j = site.shardOfBoard(b);
      if (j.getSprint(site.sprintId(b, 1)).state === 'closed' && j.getSprint(site.sprintId(b, 2)).state === 'active'
        && j.issuesInSprint(site.sprintId(b, 2)).length === UNFINISHED_PER_BOARD) rolled += 1;
    }
    const ok = site.log.filter((e) => e.status !== 429).length;
    const limited = site.log.filter((e) => e.status === 429).length;
    const floorS = ok / RATE.refillPerSecond;
    const floorBurstS = Math.max(0, ok - RATE.capacity) / RATE.refillPerSecond;
    const runs = bed.invocations.slice(invocations0);
    const failedLogs = bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((l) => l && l.level === 'error').length;
    out.scale = {
      boards: BOARDS, issuesPerBoard: ISSUES_PER_BOARD, unfinishedPerBoard: UNFINISHED_PER_BOARD, rate: RATE, shards: site.shards.length,
      setupS: setupMs / 1000, wallS: wallMs / 1000, successfulCalls: ok, limited429: limited, callsPerBoard: ok / BOARDS,
      rateLimitFloorS: floorS, ratio: wallMs / 1000 / floorS, floorWithBurstS: floorBurstS, ratioWithBurst: wallMs / 1000 / floorBurstS,
      achievedPerS: ok / (wallMs / 1000), rolledOver: rolled, invocations: runs.length, continuations, errorLogs: failedLogs,
    };
    const s = out.scale;
    say(`3. ${BOARDS} boards due in one minute, ${ISSUES_PER_BOARD} issues (${UNFINISHED_PER_BOARD} unfinished) each, rate limit capacity ${RATE.capacity}, refill ${RATE.refillPerSecond}/s (${s.shards} emulator shards):`);
    say(`   ${ok} successful Jira calls (${fmt(s.callsPerBoard)} per board), ${limited} answered 429; wall ${fmt(s.wallS, 1)} s vs rate-limit floor ${fmt(floorS, 1)} s (calls/refill) -> ratio ${fmt(s.ratio)}`);
    say(`   (floor counting the initial burst of ${RATE.capacity}: ${fmt(floorBurstS, 1)} s -> ratio ${fmt(s.ratioWithBurst)}); achieved ${fmt(s.achievedPerS, 1)} calls/s; ${runs.length} invocations (1 scheduled + ${continuations} queue continuations); rolled over ${rolled}/${BOARDS}; error log lines ${failedLogs}; setup ${fmt(s.setupS, 1)} s`);
  } finally {
    await bed.close();
    await site.close();
  }
}
const bucket = (site) => site.bucket;

// ------------------------------------------------------------------------------------------------
function planningFigure() {
  const wasm = require(path.join(__dirname, '..', '..', 'forge-shim', 'src', 'generated', 'core.js'));
  // The driver's way: a Run keeps the transcript in WASM; each step carries only new results.
  const viaRun = (rec) => {
    const calls = stepArgs(wasm, rec);
    const run = new wasm.Run(rec.start);
    let effects = 0;
    for (const call of calls) effects += JSON.parse(run.step(...call)).effects.length;
    run.free();
    return effects;
  };
  // The stateless way (for comparison): the whole transcript crosses the boundary every step.
  const viaStep = (rec) => {
    const input = JSON.parse(rec.start);
    let effects = 0;
    for (const feed of rec.feeds) {
      input.results.push(...JSON.parse(feed));
      effects += JSON.parse(wasm.step(JSON.stringify(input))).effects.length;
    }
    return effects;
  };
  const time = (fn, rec, count) => {
    for (let i = 0; i < 20; i++) fn(rec); // warm-up
    const t0 = performance.now();
    let effects = 0;
    for (let b = 0; b < count; b++) effects += fn(rec);
    return { ms: performance.now() - t0, effects: effects / count };
  };
  const measure = (rec, count) => {
    const run = time(viaRun, rec, count);
    const stateless = time(viaStep, rec, count);
    const bytesIn = rec.feeds.reduce((a, f) => a + feedBytes(f), rec.start.length);
    return { boards: count, steps: rec.feeds.length, bytesIn, totalMs: run.ms, perBoardUs: (run.ms * 1000) / count,
      effectsPerBoard: run.effects, statelessPerBoardUs: (stateless.ms * 1000) / count };
  };
  out.planning = {
    rollover: measure(capturedBoardSteps, PLANNING_BOARDS),
    idleCheck: measure(capturedIdleSteps, PLANNING_BOARDS),
  };
  const p = out.planning;
  say(`4. WASM planning (the driver's exact steps replayed through a Run, JSON in and out; no I/O), ${PLANNING_BOARDS} boards:`);
  say(`   rollover of 100 issues / 50 unfinished: ${p.rollover.steps} steps, ${p.rollover.effectsPerBoard} effects, ${fmt(p.rollover.bytesIn / 1024, 0)} KiB across the boundary per board -> ${fmt(p.rollover.totalMs, 0)} ms total, ${fmt(p.rollover.perBoardUs, 0)} µs per board (whole transcript every step: ${fmt(p.rollover.statelessPerBoardUs, 0)} µs, ${fmt(p.rollover.statelessPerBoardUs / p.rollover.perBoardUs, 1)}x)`);
  say(`   idle board check (reconcile, nothing due): ${p.idleCheck.steps} steps, ${fmt(p.idleCheck.bytesIn / 1024, 0)} KiB -> ${fmt(p.idleCheck.totalMs, 0)} ms total, ${fmt(p.idleCheck.perBoardUs, 0)} µs per board`);
  if (capturedBigSteps) {
    p.rolloverBig = measure(capturedBigSteps, Math.max(10, Math.round(PLANNING_BOARDS / 100)));
    say(`   rollover of 1,000 issues / 400 unfinished: ${p.rolloverBig.steps} steps, ${fmt(p.rolloverBig.bytesIn / 1024, 0)} KiB -> ${fmt(p.rolloverBig.perBoardUs / 1000, 1)} ms per board (${p.rolloverBig.boards} boards timed)`);
  }
}

async function main() {
  const t0 = performance.now();
  say(`engine benchmarks${QUICK ? ' (--quick)' : ''}`);
  if (want('idle')) await idleFigure();
  if (want('rollover') || want('planning')) await rolloverFigure();
  if (want('scale')) await scaleFigure();
  if (want('planning')) planningFigure();
  out.totalS = (performance.now() - t0) / 1000;
  say(`total ${fmt(out.totalS, 1)} s`);
  if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
