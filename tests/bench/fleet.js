#!/usr/bin/env node
'use strict';
// Fleet simulation: N sites running the app against Jira's hourly points quota
// (developer.atlassian.com/cloud/jira/platform/rate-limiting). Prints figures; not a test (exits 0
// unless the bench itself breaks).
//
//   node tests/bench/fleet.js            sample through the real handlers, then N = 1,000 / 10,000 / 50,000
//   node tests/bench/fleet.js --quick    CI: the sample, then N = 1,000 and 5,000
//   options: --json, --seed S, --sizes N1,N2 (instead of the defaults), --no-search (skip the search
//            for the largest N)
//
// 1. SAMPLE. One site through the real handlers (WASM core + shim + @forge packages) in the local test
//    bed: a board with m issues per sprint (30 % unfinished), keep-ahead 2. Its readiness look, its
//    rollover (close, carry-over, start), its daily look with a keep-ahead top-up and without one are
//    each run by the scheduled check, and every Jira request's points are recorded in order (the
//    emulator's points model). The fleet replays these call sequences.
// 2. FLEET. N sites over 14 days (2026-03-02 .. 03-16, across the US switch to summer time on 03-08),
//    plus a day to drain. Each site's check runs every 5 minutes at its own offset. The app's policy as
//    the core implements it (crates/sprint-core/src/spend.rs, jobs/tick.rs, jira.rs):
//      - a refused call (the pool is dry) is a wall: the site makes no call until the top of the hour;
//        the hour after a wall counts as short;
//      - a response with under 20 % of the pool left makes the site short until the top of the hour;
//      - each check runs due starts, closes and readiness looks first; daily looks (with keep-ahead
//        top-ups) only when points are not short, else they move past the reset;
//      - work cut short resumes where it stopped (the rollover records), so no work is lost.
//    Up to 8 boards of a site run at once: after a refusal, up to 7 more refused calls are counted.
//    Not modelled here, measured through the real handlers instead: calls inside a wall (0 in
//    tests/e2e/quota-wall and the soak's chaos walls) and double actions (0 in the soak, with
//    crashes and duplicate ticks).
//    Pools: (a) one Tier-1 pool of 65,000 points an hour for all sites (the reported figure);
//    (b) per-site pools of 65,000 points an hour each (Tier 2; the real per-site figure comes from
//    Atlassian's review: an assumption).
const { startTestbed } = require('../testbed');
const { mulberry32, zoned } = require('../testbed/zones');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const JSON_OUT = args.includes('--json');
const argNum = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const SEED = argNum('--seed', 1);
const POOL = 65000;
const MIN = 60000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TICK = 5 * MIN;

// ---------------------------------------------------------------------------------------------
// 1. The sample through the real handlers
// ---------------------------------------------------------------------------------------------
async function sample(m) {
  const bed = await startTestbed({ clockStart: '2026-01-12T08:00:00Z' });
  try {
    const j = bed.jira;
    j.addProject({ key: 'FL' });
    j.addUser({ accountId: 'acc-fleet', projectAdminOf: ['FL'] });
    const b = j.addBoard({ name: 'Fleet', projectKey: 'FL' });
    const end = '2026-01-19T08:00:00Z';
    const s1 = j.addSprint({ boardId: b.id, name: 'FL 1', startDate: '2026-01-05T08:00:00Z', endDate: end });
    j.updateSprint(s1.id, { state: 'active' });
    j.addSprint({ boardId: b.id, name: 'FL 2', startDate: end, endDate: '2026-02-02T08:00:00Z' });
    j.addSprint({ boardId: b.id, name: 'FL 3', startDate: '2026-02-02T08:00:00Z', endDate: '2026-02-16T08:00:00Z' });
    for (let i = 0; i < m; i++) j.addIssue({ projectKey: 'FL', summary: `issue ${i}`, statusId: i < Math.round(m * 0.3) ? '10001' : '10002', sprintId: s1.id });
    await bed.runLifecycle('installed');
    const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'FL', boardId: b.id, settings: {
      automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'UTC', startTime: null, closeTime: null,
      workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 2, nameTemplate: 'FL {n}' } }, { accountId: 'acc-fleet' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    await bed.runScheduled('sprint-check');
    const far = Date.parse('2026-06-01T00:00:00Z');
    const run = async (at, { daily }) => {
      bed.clock.set(at);
      await bed.sql.query('UPDATE board_schedule SET reconcile_at = ?', [daily ? at : far]);
      j.resetRequests();
      const t = await bed.runScheduled('sprint-check');
      if (!t.ok) throw new Error(JSON.stringify(t));
      return j.requests.filter((q) => q.provider === 'app').map((q) => q.points);
    };
    const close = Date.parse(end);
    const readiness = await run(close - DAY + MIN, { daily: false });
    const rollover = await run(close + MIN, { daily: false });
    if (j.getSprint(s1.id).state !== 'closed') throw new Error('the sample rollover did not close');
    const dailyTopUp = await run(close + 14 * HOUR, { daily: true });
    const daily = await run(close + 38 * HOUR, { daily: true });
    return { m, readiness, rollover, dailyTopUp, daily };
  } finally {
    await bed.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The fleet
// ---------------------------------------------------------------------------------------------
const weighted = (rand, table) => {
  let x = rand() * table.reduce((a, [w]) => a + w, 0);
  for (const [w, v] of table) { if ((x -= w) < 0) return v; }
  return table[table.length - 1][1];
};

// Where Jira teams are (an assumption, weighted by the Atlassian customer base's regions).
const ZONES = [
  [15, 'America/New_York'], [8, 'America/Chicago'], [8, 'America/Los_Angeles'], [4, 'America/Sao_Paulo'],
  [8, 'Europe/London'], [14, 'Europe/Berlin'], [6, 'Europe/Paris'], [4, 'Europe/Amsterdam'], [4, 'Europe/Warsaw'], [4, 'Europe/Stockholm'],
  [8, 'Asia/Kolkata'], [4, 'Asia/Tokyo'], [4, 'Asia/Singapore'], [5, 'Australia/Sydney'], [4, 'Asia/Shanghai'],
];
const BOARDS_PER_SITE = [[45, [1, 1]], [25, [2, 2]], [20, [3, 5]], [8, [6, 15]], [2, [16, 40]]];
// Sprint boundaries: [weekday (1 = Monday), local hour].
const BOUNDARIES = [[60, [1, 9]], [15, [1, 10]], [8, [2, 9]], [7, [3, 9]], [5, [4, 10]], [5, null]];
const LENGTHS = [[80, 14], [10, 7], [10, 21]];
const ISSUES = [[40, 10], [45, 30], [15, 100]];

// Local wall time -> instant with the test bed's Intl-only zone helpers (exact across DST).
const localToUtc = (zone, localMs) => {
  const d = new Date(localMs);
  return zoned(zone, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, d.getUTCHours(), d.getUTCMinutes());
};

const FROM = Date.parse('2026-03-02T00:00:00Z');
const TO = FROM + 14 * DAY;
const DRAIN = TO + DAY;
// the simulation starts two days early, so the first boundaries' readiness looks and the boundaries
// in zones ahead of UTC (Monday 09:00 in Sydney is Sunday in UTC) are on time
const SIM_FROM = FROM - 2 * DAY;

function buildFleet(n, costs, seed) {
  const rand = mulberry32(seed);
  const sites = [];
  let boardSeq = 0;
  for (let s = 0; s < n; s++) {
    const zone = weighted(rand, ZONES);
    const [lo, hi] = weighted(rand, BOARDS_PER_SITE);
    const count = lo + Math.floor(rand() * (hi - lo + 1));
    const site = { id: s, offset: Math.floor(rand() * TICK), wallUntil: 0, shortUntil: 0, jobs: [], spent: new Map() };
    for (let k = 0; k < count; k++) {
      boardSeq += 1;
      const boundary = weighted(rand, BOUNDARIES) || [1 + Math.floor(rand() * 5), 8 + Math.floor(rand() * 10)];
      const length = weighted(rand, LENGTHS);
      const m = weighted(rand, ISSUES);
      const c = costs.get(m);
      const keepAhead = rand() < 0.6;
      // the first boundary: this board's weekday and hour in the first `length` days, local time
      const phase = Math.floor(rand() * (length / 7));
      const mondayLocal = Date.UTC(2026, 2, 2); // 2026-03-02 is a Monday
      const firstLocal = mondayLocal + (phase * 7 + boundary[0] - 1) * DAY + boundary[1] * HOUR;
      const quietMinute = Math.floor(rand() * 24) * 60 + 10 + Math.floor(rand() * 45);
      for (let local = firstLocal; ; local += length * DAY) {
        const at = localToUtc(zone, local);
        if (at >= TO) break;
        site.jobs.push({ kind: 'rollover', due: at, calls: c.rollover, deadline: true, board: boardSeq });
        site.jobs.push({ kind: 'readiness', due: at - DAY, calls: c.readiness, deadline: true, board: boardSeq });
        site.jobs.push({ kind: 'readiness', due: at - HOUR, calls: c.readiness, deadline: true, board: boardSeq });
        if (keepAhead) site.jobs.push({ kind: 'topUp', due: null, after: at, minute: quietMinute, calls: c.dailyTopUp.slice(c.daily.length), deadline: false, board: boardSeq });
      }
      for (let d = -2; d < 15; d++) {
        const at = FROM + d * DAY + quietMinute * MIN;
        if (at < TO) site.jobs.push({ kind: 'daily', due: at, calls: c.daily, deadline: false, board: boardSeq });
      }
    }
    // a top-up runs at the board's first daily look after its rollover
    for (const job of site.jobs) {
      if (job.kind !== 'topUp') continue;
      let at = Math.floor(job.after / DAY) * DAY + job.minute * MIN;
      while (at < job.after + 12 * HOUR) at += DAY;
      job.due = at;
    }
    site.jobs = site.jobs.filter((x) => x.due >= SIM_FROM && x.due < TO);
    site.boards = count;
    sites.push(site);
  }
  return sites;
}

function simulate(sites, { sharedPool }) {
  // buckets of 5 minutes: which sites have work at that tick
  const buckets = new Map();
  const bucketOf = (t) => Math.ceil(t / TICK);
  const queueSite = (site, t) => {
    const k = Math.max(bucketOf(t), bucketOf(SIM_FROM));
    if (site.queuedAt !== undefined && site.queuedAt <= k && site.queuedAt >= currentBucket) return;
    site.queuedAt = k;
    if (!buckets.has(k)) buckets.set(k, []);
    buckets.get(k).push(site);
  };
  let currentBucket = bucketOf(SIM_FROM);
  for (const site of sites) {
    site.jobs.sort((a, b) => a.due - b.due);
    for (const job of site.jobs) { job.done = 0; job.finished = null; }
    site.pending = site.jobs.slice();
    if (site.pending.length) queueSite(site, site.pending[0].due);
  }
  const pools = new Map(); // hour -> spent (shared) or `${site}|${hour}` -> spent
  const spentByHour = new Map();
  const byKind = {};
  const siteSpent = new Map();
  let maxSiteHour = 0;
  let refused = 0;
  let walls = 0;
  const lateness = [];
  for (let k = bucketOf(SIM_FROM); k * TICK <= DRAIN; k++) {
    currentBucket = k;
    const list = buckets.get(k);
    if (!list) continue;
    buckets.delete(k);
    list.sort((a, b) => a.offset - b.offset);
    for (const site of list) {
      if (site.queuedAt !== k) continue;
      site.queuedAt = undefined;
      const t = k * TICK + site.offset;
      if (site.wallUntil > t) { queueSite(site, site.wallUntil); continue; }
      const hour = Math.floor(t / HOUR);
      const poolKey = sharedPool ? hour : `${site.id}|${hour}`;
      const spend = (points, kind) => {
        const spent = pools.get(poolKey) || 0;
        if (spent >= POOL) return false;
        pools.set(poolKey, spent + points);
        byKind[kind] = (byKind[kind] || 0) + points;
        const siteHour = `${site.id}|${hour}`;
        const mine = (siteSpent.get(siteHour) || 0) + points;
        siteSpent.set(siteHour, mine);
        if (mine > maxSiteHour) maxSiteHour = mine;
        spentByHour.set(hour, (spentByHour.get(hour) || 0) + points);
        if (POOL - spent - points < POOL * 0.2) site.shortUntil = Math.max(site.shortUntil, (hour + 1) * HOUR);
        return true;
      };
      const due = site.pending.filter((job) => job.due <= t);
      const deadline = due.filter((job) => job.deadline);
      const rest = due.filter((job) => !job.deadline);
      let walled = false;
      for (const wave of [deadline, rest]) {
        if (walled) break;
        if (wave === rest && site.shortUntil > t) {
          // points short: the daily looks and top-ups move past the reset, to a quiet minute
          for (const job of rest) job.due = site.shortUntil + 10 * MIN + Math.floor((job.board * 7919) % 45) * MIN;
          break;
        }
        for (let w = 0; w < wave.length; w++) {
          const job = wave[w];
          for (; job.done < job.calls.length; job.done++) {
            if (!spend(job.calls[job.done], job.kind)) {
              walled = true;
              walls += 1;
              refused += 1 + Math.min(7, wave.length - w - 1);
              site.wallUntil = (hour + 1) * HOUR;
              site.shortUntil = Math.max(site.shortUntil, site.wallUntil + HOUR);
              break;
            }
          }
          if (walled) break;
          job.finished = t;
          if (job.kind === 'rollover') lateness.push(t - job.due);
        }
      }
      site.pending = site.pending.filter((job) => job.finished === null);
      if (site.pending.length) {
        const next = Math.min(...site.pending.map((job) => job.due));
        queueSite(site, Math.max(next, walled ? site.wallUntil : t + 1));
      }
    }
  }
  let lost = 0;
  for (const site of sites) lost += site.pending.filter((job) => job.deadline).length;
  lateness.sort((a, b) => a - b);
  const q = (p) => (lateness.length ? lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))] : 0);
  let peak = 0;
  let peakHour = null;
  for (const [h, v] of spentByHour) if (v > peak) { peak = v; peakHour = h; }
  return {
    rollovers: lateness.length,
    peakHourPoints: Math.round(peak),
    peakHour: peakHour === null ? null : new Date(peakHour * HOUR).toISOString().slice(0, 13) + ':00Z',
    lateMinutes: { p50: +(q(0.5) / MIN).toFixed(1), p95: +(q(0.95) / MIN).toFixed(1), max: +(lateness.length ? lateness[lateness.length - 1] / MIN : 0).toFixed(1) },
    within15: lateness.filter((x) => x <= 15 * MIN).length / Math.max(1, lateness.length),
    workLost: lost,
    pointsByKind: byKind,
    maxPointsOneSiteOneHour: maxSiteHour,
    walls,
    refusedCalls: refused,
  };
}

async function main() {
  const costs = new Map();
  const samples = [];
  for (const m of [10, 30, 100]) {
    const s = await sample(m);
    costs.set(m, s);
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    samples.push({ m, readiness: `${s.readiness.length} calls, ${sum(s.readiness)} pts`, rollover: `${s.rollover.length} calls, ${sum(s.rollover)} pts`,
      dailyLook: `${s.daily.length} calls, ${sum(s.daily)} pts`, topUp: `${s.dailyTopUp.length - s.daily.length} calls, ${sum(s.dailyTopUp) - sum(s.daily)} pts` });
  }
  const out = { seed: SEED, pool: POOL, samples, fleet: [] };
  if (!JSON_OUT) console.log('sample through the real handlers (points per job kind):'), console.table(samples);
  const sizesArg = (() => { const i = args.indexOf('--sizes'); return i >= 0 ? args[i + 1].split(',').map(Number) : null; })();
  const sizes = sizesArg || (QUICK ? [1000, 5000] : [1000, 10000, 50000]);
  for (const n of sizes) {
    const t0 = Date.now();
    for (const sharedPool of [true, false]) {
      const sites = buildFleet(n, costs, SEED);
      const r = simulate(sites, { sharedPool });
      const row = { sites: n, boards: sites.reduce((a, s) => a + s.boards, 0), pool: sharedPool ? 'Tier 1 shared' : 'per site', ...r, simSeconds: +((Date.now() - t0) / 1000).toFixed(1) };
      out.fleet.push(row);
      if (!JSON_OUT) console.log(JSON.stringify(row));
    }
  }
  if (args.includes('--no-search')) { if (JSON_OUT) console.log(JSON.stringify(out)); return; }
  // the largest N a Tier-1 pool serves with every start and close within 15 minutes
  const ok = (n) => { const r = simulate(buildFleet(n, costs, SEED), { sharedPool: true }); return r.within15 === 1 && r.workLost === 0; };
  let lo = 1000;
  let hi = QUICK ? 20000 : 100000;
  if (!ok(lo)) lo = 0;
  else if (ok(hi)) lo = hi;
  else {
    while (hi - lo > (QUICK ? 1000 : 250)) { const mid = Math.round((lo + hi) / 2); if (ok(mid)) lo = mid; else hi = mid; }
  }
  out.largestTier1Within15Min = lo;
  if (JSON_OUT) console.log(JSON.stringify(out));
  else console.log(`largest N served by one Tier-1 pool with every start and close within 15 minutes: ${lo}${lo === hi ? ' (or more)' : ''}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
