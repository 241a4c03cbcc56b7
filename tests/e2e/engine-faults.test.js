'use strict';
// The scheduled check under faults: transient Jira errors (429/503 with Retry-After, 500, latency,
// dropped connections), answers lost after the change happened (phase 'after'), a Jira call that
// never answers, a crash at every platform-call boundary of one rollover, two ticks at once,
// parallel sprints, every carry-over destination, the open sub-task blocker, an empty sprint and a
// missed-ticks catch-up. Invariants after every scenario: the old sprint closed exactly once, the
// next one started exactly once, every unfinished issue (and its sub-tasks) in the destination,
// every done issue left in the closed sprint, no issue lost.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-padmin';
const MIN = 60 * 1000;
const DAY = 24 * 60 * MIN;
const S1_START = '2026-01-05T09:00:00Z';
const S1_END = '2026-01-19T09:00:00Z'; // the rollover instant
const S2_END = '2026-02-02T09:00:00Z';
const DUE = Date.parse(S1_END);
const AGILE = '/rest/agile/1.0';
const DONE = '10002';

const BASE_SETTINGS = {
  automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: null, startTime: null,
  closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0,
};

/**
 * A board with an active sprint S1 (due to close at S1_END) and, unless `noFuture`, a future S2
 * starting then. S1 holds done work (one done parent with a done sub-task) and unfinished work (one
 * parent with an open and a done sub-task, one plain issue), unless `issues` says otherwise.
 */
async function seeded(t, { settings = {}, noFuture = false, issues = 'mixed', bed: bedOptions = {}, s2 = {} } = {}) {
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z', ...bedOptions });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'SA' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['SA'] });
  const board = j.addBoard({ name: 'SA board', projectKey: 'SA' });
  const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: S1_START, endDate: S1_END });
  j.updateSprint(s1.id, { state: 'active' });
  const s2Sprint = noFuture ? null : j.addSprint({ boardId: board.id, name: 'Sprint 2', startDate: s2.startDate || S1_END, endDate: s2.endDate || S2_END });
  const keys = { done: [], open: [], openSub: [] };
  const add = (o) => j.addIssue({ projectKey: 'SA', sprintId: s1.id, ...o }).key;
  if (issues === 'mixed') {
    keys.done.push(add({ summary: 'done story', statusId: DONE }));
    const dp = add({ summary: 'done parent', statusId: DONE });
    keys.done.push(dp);
    keys.done.push(add({ summary: 'done sub', statusId: DONE, issueType: 'Sub-task', parentKey: dp }));
    const op = add({ summary: 'open parent', statusId: '10001' });
    keys.open.push(op);
    keys.openSub.push(add({ summary: 'unfinished child task', statusId: '10000', issueType: 'Sub-task', parentKey: op }));
    keys.openSub.push(add({ summary: 'done sub of open parent', statusId: DONE, issueType: 'Sub-task', parentKey: op }));
    keys.open.push(add({ summary: 'open bug', statusId: '10000', issueType: 'Bug' }));
  } else if (typeof issues === 'object') {
    for (let i = 0; i < issues.done; i++) keys.done.push(add({ summary: `done ${i}`, statusId: DONE }));
    for (let i = 0; i < issues.open; i++) keys.open.push(add({ summary: `open ${i}`, statusId: '10001' }));
  }
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', {
    projectKey: 'SA', boardId: board.id, settings: { ...BASE_SETTINGS, ...settings },
  }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  const first = await bed.runScheduled('sprint-check'); // reconcile: learns when the board is due
  assert.equal(first.ok, true, JSON.stringify(first));
  await bed.deliverSprintEvents();
  return { bed, j, board, s1, s2: s2Sprint, keys };
}

const logs = (bed) => bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
const reasons = (bed, reason) => logs(bed).filter((l) => l.reason === reason);
const isApplied = (r) => (r.applied ? r.resultStatus >= 200 && r.resultStatus < 300 : r.status >= 200 && r.status < 300);
const reqList = (j) => j.requests.map((r) => `${r.method} ${r.path}${r.query && Object.keys(r.query).length ? '?' + new URLSearchParams(r.query) : ''} -> ${r.status}${r.fault ? ` [${r.fault}${r.applied ? ' after' : ''}]` : ''}${r.body ? ' ' + JSON.stringify(r.body) : ''}`).join('\n');

async function schedule(bed, boardId) {
  const [row] = await bed.sql.query('SELECT next_due_at, reconcile_at, lease_owner, lease_until FROM board_schedule WHERE board_id = ?', [boardId]);
  return row && Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v) || v]));
}

/** applied state changes of a sprint ('closed' / 'active') */
function stateChanges(j, sprintId, state) {
  return j.requests.filter((r) => r.method === 'POST' && r.path === `${AGILE}/sprint/${sprintId}` && r.body && r.body.state === state && isApplied(r));
}
/** applied moves containing `key` */
function movesOf(j, key) {
  return j.requests.filter((r) => r.method === 'POST' && (/\/sprint\/\d+\/issue$/.test(r.path) || /\/backlog\/issue$/.test(r.path))
    && r.body && Array.isArray(r.body.issues) && r.body.issues.includes(key) && isApplied(r));
}

/**
 * A write (POST) is repeated only when the answer to the earlier identical one was lost (a fault in
 * phase 'after'): the app must re-read Jira before deciding again, never re-send blindly.
 */
function assertNoBlindRepeat(j, msg) {
  const last = new Map();
  for (const r of j.requests) {
    if (r.method !== 'POST' || !isApplied(r)) continue;
    const key = `${r.path} ${JSON.stringify(r.body)}`;
    const prev = last.get(key);
    if (prev) assert.ok(prev.applied && prev.fault, msg(`${key} sent again although Jira had answered the first one`));
    last.set(key, r);
  }
}

/** The rollover invariants. `dest`: a sprint id or 'backlog'; `started`: the sprint that must be running. */
function assertRolledOver(ctx, { dest, started, label = '' } = {}) {
  const { j, s1, keys, board } = ctx;
  const msg = (m) => `${label}: ${m}\n${reqList(j)}`;
  const events = (type, id) => j.events.filter((e) => e.eventType === `avi:jira-software:${type}:sprint` && String(e.sprint.id) === String(id)).length;
  assert.equal(j.getSprint(s1.id).state, 'closed', msg('S1 closed'));
  assert.equal(events('closed', s1.id), 1, msg('S1 closed once (one closed event)'));
  assert.ok(stateChanges(j, s1.id, 'closed').length >= 1, msg('closed by the app'));
  if (started) {
    assert.equal(j.getSprint(started).state, 'active', msg('next sprint active'));
    assert.equal(events('started', started), 1, msg('next sprint started once (one started event)'));
  }
  assertNoBlindRepeat(j, msg);
  const where = (k) => j.issue(k).sprintId;
  for (const k of [...keys.open, ...keys.openSub]) {
    if (dest === 'backlog') assert.equal(where(k), null, msg(`${k} in the backlog`));
    else assert.equal(where(k), dest, msg(`${k} in sprint ${dest}`));
  }
  for (const k of keys.done) assert.equal(where(k), s1.id, msg(`done ${k} stays in the closed sprint`));
  // Closed as Jira's own "Complete sprint" leaves it: the Sprint Report has every unfinished issue
  // under "not completed" (none "removed"), and each keeps the closed sprint in its Sprint field.
  const report = j.sprintReport(s1.id);
  const all = [...keys.done, ...keys.open, ...keys.openSub];
  const unfinished = all.filter((k) => !j.isDoneOnBoard(board.id, k));
  assert.deepEqual([...report.notCompleted].sort(), [...unfinished].sort(), msg('unfinished issues are "not completed"'));
  assert.deepEqual([...report.completed].sort(), all.filter((k) => !unfinished.includes(k)).sort(), msg('finished issues are "completed"'));
  assert.deepEqual(report.removed, [], msg('nothing "removed from sprint"'));
  for (const k of all) assert.ok(j.issue(k).closedSprintIds.includes(s1.id), msg(`${k} keeps the closed sprint`));
  if (dest !== 'backlog') for (const k of keys.open) assert.ok(movesOf(j, k).length >= 1, msg(`${k} carried by the app`));
  const placed = j.issuesInSprint(s1.id).length + (dest === 'backlog' ? j.backlogOf(board.id).length : j.issuesInSprint(dest).length);
  assert.equal(placed, all.length, msg('no issue lost'));
  assert.equal(ctx.bed.egress.violations.length, 0);
}

async function tickAt(bed, at, spec) {
  if (at !== undefined) bed.clock.set(typeof at === 'string' ? Date.parse(at) : at);
  const r = await bed.runScheduled('sprint-check', spec);
  await bed.deliverSprintEvents();
  return r;
}

// ------------------------------------------------------------------------------------------------

test('test bed: crash injection stops the invocation at the k-th platform call, promptly, with no effect after it', async (t) => {
  const ctx = await seeded(t);
  const { bed, j } = ctx;
  bed.clock.set(DUE + 2 * MIN);
  j.resetRequests();
  const started = performance.now();
  const sqlBefore = bed.sql.stats.statements;
  await assert.rejects(bed.runScheduled('sprint-check', { crashAfterCalls: 2 }), (e) => bed.isCrash(e) && e.afterCalls === 2);
  assert.ok(performance.now() - started < 2000, 'rejects promptly');
  const rec = bed.invocations.at(-1);
  assert.equal(rec.outcome, 'crashed');
  assert.equal(rec.crashedAfterCalls, 2);
  assert.equal(rec.platformCalls, 2);
  assert.equal(bed.sql.stats.statements - sqlBefore, 2, 'exactly the two calls reached SQL');
  assert.equal(j.requests.length, 0);
  // the next invocation is not affected
  j.resetRequests();
  const ok = await tickAt(bed);
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(j.getSprint(ctx.s1.id).state, 'closed');
  assert.ok(bed.invocations.filter((i) => i.kind === 'scheduled').at(-1).platformCalls > 10);
});

test('transient faults on every Jira call of a rollover (429/503 Retry-After, 500, latency, drop) are retried: one clean rollover', async (t) => {
  const ctx = await seeded(t);
  const { bed, j, s1, s2, board } = ctx;
  const f = [
    j.injectFault({ method: 'GET', pathMatch: `${AGILE}/board/${board.id}/sprint`, kind: '429', retryAfterSeconds: 1 }),
    j.injectFault({ method: 'GET', pathMatch: `${AGILE}/board/${board.id}/configuration`, kind: '500', times: 2 }),
    j.injectFault({ method: 'GET', pathMatch: `${AGILE}/sprint/${s1.id}/issue`, kind: 'latency', latencyMs: 300 }),
    j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s2.id}/issue`, kind: 'drop' }),
    j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s1.id}`, kind: '503', retryAfterSeconds: 1 }),
    j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s2.id}`, kind: 'drop' }),
  ];
  const r = await tickAt(bed, DUE + 2 * MIN);
  assert.equal(r.ok, true, JSON.stringify(r));
  for (const x of f) assert.ok(x.fired() >= 1, 'every fault fired');
  assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: 'transient' });
  // Retry-After honoured: the retried list came >= 1 s (real) after the 429; no failure logged
  assert.equal(logs(bed).filter((l) => l.level === 'error').length, 0, JSON.stringify(logs(bed)));
  const sched = await schedule(bed, board.id);
  assert.equal(sched.next_due_at, Date.parse(S2_END));
  assert.equal(sched.lease_owner, null);
});

test('answers lost after the change happened (phase after, drop) on the move and the close: no duplicate, no loss, one close', async (t) => {
  for (const kind of ['drop', '500']) {
    await t.test(kind, async (tt) => {
      const ctx = await seeded(tt);
      const { bed, j, s1, s2 } = ctx;
      const move = j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s2.id}/issue`, kind, phase: 'after' });
      const close = j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s1.id}`, kind, phase: 'after' });
      const start = j.injectFault({ method: 'POST', pathMatch: `${AGILE}/sprint/${s2.id}`, kind, phase: 'after' });
      const r = await tickAt(bed, DUE + 2 * MIN);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(move.fired(), 1);
      assert.equal(close.fired(), 1);
      assert.equal(start.fired(), 1);
      assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: `after-${kind}` });
      assert.equal(reasons(bed, 'SPRINT_CLOSED').length, 1, 'the close is reported once, as a success');
      assert.equal(reasons(bed, 'SPRINT_STARTED').length, 1, 'the start is reported once, as a success');
      assert.equal(reasons(bed, 'CLOSE_FAILED').length + reasons(bed, 'START_FAILED').length, 0);
    });
  }
});

test('a random 30 % fault rate (429, 500, 503, drop, latency) over the rollover: it completes, possibly over several ticks', async (t) => {
  const ctx = await seeded(t);
  const { bed, j, s2 } = ctx;
  j.setFaultRate({ rate: 0.3, kinds: ['429', '500', '503', 'drop', 'latency'], seed: 7, retryAfterSeconds: 1, latencyMs: 50 });
  bed.clock.set(DUE + 2 * MIN);
  for (let i = 0; i < 6 && j.getSprint(s2.id).state !== 'active'; i++) {
    const r = await tickAt(bed);
    assert.equal(r.ok, true, JSON.stringify(r));
    bed.clock.advance(15 * MIN);
  }
  j.setFaultRate(null);
  assert.ok(j.requests.some((r) => r.fault), 'faults were injected');
  assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: 'random' });
});

test('a Jira call that never answers (timeout): the lease lapses and the next tick completes the rollover', async (t) => {
  const ctx = await seeded(t);
  const { bed, j, s1, s2, board } = ctx;
  j.injectFault({ method: 'GET', pathMatch: `${AGILE}/sprint/${s1.id}/issue`, kind: 'timeout' });
  bed.clock.set(DUE + 2 * MIN);
  // Production budget as the app sees it (300 s), but the bed ends the invocation after 3 s real.
  await assert.rejects(bed.runScheduled('sprint-check', { budgetMs: 3000, remainingTime: () => 295000 }), (e) => e.code === 'FUNCTION_TIME_OUT');
  assert.equal(j.heldConnections(), 1, 'the request is still unanswered');
  const held = await schedule(bed, board.id);
  assert.ok(held.lease_until > Date.now(), 'the board stays leased by the dead run');
  assert.equal(j.getSprint(s1.id).state, 'active');
  // the next tick (5 min) still sees the lease; the one after it (10 min) takes over
  const skip = await tickAt(bed, DUE + 7 * MIN);
  assert.equal(skip.data.result, 'idle', JSON.stringify(skip));
  const r = await tickAt(bed, DUE + 12 * MIN);
  assert.equal(r.ok, true, JSON.stringify(r));
  assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: 'timeout' });
});

test('a Jira call that never answers is given up before the invocation ends; the check still returns', async (t) => {
  // An 8 s invocation: the shim gives a call at most the remaining time less 5 s, and the core
  // retries only when the wait and another call still fit; the board is released for a retry.
  const ctx = await seeded(t);
  const { bed, j, s1 } = ctx;
  j.injectFault({ method: 'GET', pathMatch: `${AGILE}/sprint/${s1.id}/issue`, kind: 'timeout' });
  bed.clock.set(DUE + 2 * MIN);
  let outcome;
  try {
    outcome = await bed.runScheduled('sprint-check', { budgetMs: 8000 });
  } catch (e) {
    outcome = { thrown: e.code || e.message };
  }
  assert.equal(outcome.ok, true, `the scheduled check must return within its time even when a Jira call never answers; got ${JSON.stringify(outcome)} with ${j.heldConnections()} unanswered request(s)`);
});

test('a crash at every platform-call boundary of one rollover, then +6 min and a normal tick: closed once, started once, nothing lost', async (t) => {
  // a clean run first: how many platform calls does the rollover tick make?
  let N;
  {
    const ctx = await seeded(t);
    ctx.bed.clock.set(DUE + 2 * MIN);
    const r = await ctx.bed.runScheduled('sprint-check');
    assert.equal(r.ok, true);
    N = ctx.bed.invocations.at(-1).platformCalls;
    assertRolledOver(ctx, { dest: ctx.s2.id, started: ctx.s2.id, label: 'clean' });
    await ctx.bed.close();
  }
  assert.ok(N > 10, `N = ${N}`);
  const failures = [];
  for (let k = 0; k < N; k++) {
    await t.test(`crash after ${k} of ${N} calls`, async (tt) => {
      const ctx = await seeded(tt);
      const { bed, s2, board } = ctx;
      bed.clock.set(DUE + 2 * MIN);
      await assert.rejects(bed.runScheduled('sprint-check', { crashAfterCalls: k }), (e) => bed.isCrash(e));
      await bed.deliverSprintEvents();
      bed.clock.advance(6 * MIN);
      const r = await tickAt(bed);
      assert.equal(r.ok, true, JSON.stringify(r));
      try {
        assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: `k=${k}` });
        const sched = await schedule(bed, board.id);
        assert.equal(sched.lease_owner, null, 'lease released');
        assert.equal(sched.next_due_at, Date.parse(S2_END), 'next due: the end of sprint 2');
      } catch (e) {
        failures.push(k);
        throw e;
      } finally {
        await bed.close();
      }
    });
  }
  assert.deepEqual(failures, []);
});

test('a crash at every boundary with carry-over nextSprintCreate and no future sprint: one follow-on sprint, not two', async (t) => {
  let N;
  {
    const ctx = await seeded(t, { noFuture: true, settings: { carryOver: 'nextSprintCreate' } });
    ctx.bed.clock.set(DUE + 2 * MIN);
    await ctx.bed.runScheduled('sprint-check');
    N = ctx.bed.invocations.at(-1).platformCalls;
    await ctx.bed.close();
  }
  for (let k = 0; k < N; k++) {
    await t.test(`crash after ${k} of ${N}`, async (tt) => {
      const ctx = await seeded(tt, { noFuture: true, settings: { carryOver: 'nextSprintCreate' } });
      const { bed, j, board } = ctx;
      try {
        bed.clock.set(DUE + 2 * MIN);
        await assert.rejects(bed.runScheduled('sprint-check', { crashAfterCalls: k }), (e) => bed.isCrash(e));
        bed.clock.advance(6 * MIN);
        const r = await tickAt(bed);
        assert.equal(r.ok, true, JSON.stringify(r));
        const created = j.sprintsOfBoard(board.id).filter((s) => s.id !== ctx.s1.id);
        assert.equal(created.length, 1, `exactly one follow-on sprint: ${JSON.stringify(created)}`);
        assertRolledOver(ctx, { dest: created[0].id, label: `create k=${k}` });
      } finally {
        await bed.close();
      }
    });
  }
});

test('two ticks at once do the rollover once', async (t) => {
  const ctx = await seeded(t);
  const { bed, s2 } = ctx;
  bed.clock.set(DUE + 2 * MIN);
  const [a, b] = await Promise.all([bed.runScheduled('sprint-check'), bed.runScheduled('sprint-check')]);
  assert.equal(a.ok && b.ok, true, JSON.stringify([a, b]));
  await bed.deliverSprintEvents();
  assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: 'concurrent' });
  assert.equal(reasons(bed, 'SPRINT_CLOSED').length, 1);
  assert.equal(reasons(bed, 'SPRINT_STARTED').length, 1);
  assert.equal(reasons(bed, 'UNFINISHED_MOVED').length, 1);
});

test('parallel sprints off: a due start while another sprint is active -> ACTIVE_SPRINT_EXISTS, retried later; on -> started', async (t) => {
  // S1 runs on past S2's start: S1 is not due, S2 is. Since 633201e a start refused for an active
  // sprint WAITS: it is looked at again at the active sprint's close instant (or its closed event)
  // or at the daily reconcile, not every 15 minutes.
  const ctx = await seeded(t, { s2: { startDate: '2026-01-12T09:00:00Z', endDate: S2_END } });
  const { bed, j, s1, s2, board } = ctx;
  const at = Date.parse('2026-01-12T09:00:00Z');
  const r1 = await tickAt(bed, at + 1 * MIN);
  assert.equal(r1.ok, true);
  assert.equal(j.getSprint(s2.id).state, 'future');
  const blocked = reasons(bed, 'ACTIVE_SPRINT_EXISTS');
  assert.equal(blocked.length, 1, JSON.stringify(logs(bed)));
  assert.equal(blocked[0].sprintId, s2.id);
  const sched = await schedule(bed, board.id);
  assert.equal(sched.next_due_at, DUE, 'next look: when the active sprint is due to close');
  // and the board's daily look: 12 to 36 h on, at its own quiet minute (10..54 past the hour)
  const look = Number(sched.reconcile_at);
  assert.ok(look >= at + 1 * MIN + 12 * 3600000 && look < at + 1 * MIN + 36 * 3600000, new Date(look).toISOString());
  assert.ok(new Date(look).getUTCMinutes() >= 10 && new Date(look).getUTCMinutes() < 55, new Date(look).toISOString());
  // idle in between: no Jira call
  j.resetRequests();
  for (let m = 6; m <= 31; m += 5) await tickAt(bed, at + m * MIN);
  assert.equal(j.requests.length, 0, reqList(j));
  // the daily look retries: still refused
  await tickAt(bed, look);
  assert.equal(reasons(bed, 'ACTIVE_SPRINT_EXISTS').length, 2, 'retried at the reconcile, still blocked');
  assert.equal(j.getSprint(s2.id).state, 'future');
  // parallel sprints switched on in Jira: the next retry starts it, S1 keeps running
  j.setParallelSprints(true);
  await tickAt(bed, look + DAY);
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.equal(j.getSprint(s1.id).state, 'active');
  assert.equal(stateChanges(j, s2.id, 'active').length, 1);
  assert.equal(reasons(bed, 'SPRINT_STARTED').length, 1);
  assert.equal(bed.egress.violations.length, 0);
});

test('parallel sprints off: the waiting start happens right after the active sprint closes', async (t) => {
  const ctx = await seeded(t, { s2: { startDate: '2026-01-12T09:00:00Z', endDate: S2_END } });
  const { bed, j, s1, s2 } = ctx;
  await tickAt(bed, Date.parse('2026-01-12T09:01:00Z'));
  assert.equal(reasons(bed, 'ACTIVE_SPRINT_EXISTS').length, 1);
  await tickAt(bed, DUE + 2 * MIN);
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active', 'started in the same run as the close');
  assert.equal(j.issue(ctx.keys.open[0]).sprintId, s2.id);
});

test('parallel sprints on from the start: the due start happens at once', async (t) => {
  const ctx = await seeded(t, { s2: { startDate: '2026-01-12T09:00:00Z', endDate: S2_END } });
  const { bed, j, s1, s2 } = ctx;
  j.setParallelSprints(true);
  await tickAt(bed, Date.parse('2026-01-12T09:03:00Z'));
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.equal(j.getSprint(s1.id).state, 'active');
  assert.equal(reasons(bed, 'ACTIVE_SPRINT_EXISTS').length, 0);
});

test('carry-over destinations: nextSprint, backlog, nextSprint with no future sprint, nextSprintCreate with and without a future sprint', async (t) => {
  await t.test('nextSprint', async (tt) => {
    const ctx = await seeded(tt, { settings: { carryOver: 'nextSprint' } });
    await tickAt(ctx.bed, DUE + 1 * MIN);
    assertRolledOver(ctx, { dest: ctx.s2.id, started: ctx.s2.id, label: 'nextSprint' });
  });
  await t.test('backlog', async (tt) => {
    const ctx = await seeded(tt, { settings: { carryOver: 'backlog' } });
    await tickAt(ctx.bed, DUE + 1 * MIN);
    assertRolledOver(ctx, { dest: 'backlog', started: ctx.s2.id, label: 'backlog' });
    assert.equal(ctx.j.issuesInSprint(ctx.s2.id).length, 0);
  });
  await t.test('nextSprint without a future sprint -> backlog', async (tt) => {
    const ctx = await seeded(tt, { settings: { carryOver: 'nextSprint' }, noFuture: true });
    await tickAt(ctx.bed, DUE + 1 * MIN);
    assertRolledOver(ctx, { dest: 'backlog', label: 'nextSprint/none' });
    assert.equal(ctx.j.sprintsOfBoard(ctx.board.id).length, 1, 'no sprint created');
  });
  await t.test('nextSprintCreate with a future sprint -> that sprint', async (tt) => {
    const ctx = await seeded(tt, { settings: { carryOver: 'nextSprintCreate' } });
    await tickAt(ctx.bed, DUE + 1 * MIN);
    assertRolledOver(ctx, { dest: ctx.s2.id, started: ctx.s2.id, label: 'create/existing' });
    assert.equal(ctx.j.sprintsOfBoard(ctx.board.id).length, 2, 'no sprint created');
  });
  await t.test('nextSprintCreate without a future sprint -> a follow-on sprint is created', async (tt) => {
    const ctx = await seeded(tt, { settings: { carryOver: 'nextSprintCreate' }, noFuture: true });
    const { bed, j, board, s1 } = ctx;
    await tickAt(bed, DUE + 1 * MIN);
    const others = j.sprintsOfBoard(board.id).filter((s) => s.id !== s1.id);
    assert.equal(others.length, 1, JSON.stringify(others));
    const next = others[0];
    assert.equal(next.name, 'Sprint 2');
    assert.equal(Date.parse(next.startDate), DUE, 'follows on at the close instant');
    assert.equal(Date.parse(next.endDate), Date.parse(S2_END), 'same length as the closed sprint');
    assertRolledOver(ctx, { dest: next.id, label: 'create/new' });
    assert.equal(reasons(bed, 'FOLLOW_ON_SPRINT_CREATED').length, 1);
    // the follow-on is due (its start is the close instant) and the board starts sprints: started in the same run
    assert.equal(j.getSprint(next.id).state, 'active');
    assert.equal(stateChanges(j, next.id, 'active').length, 1);
  });
});

test('open sub-task blocker: the sprint is left as it is, OPEN_SUBTASKS names the issue, retried and closed once the sub-task is done', async (t) => {
  const ctx = await seeded(t, { issues: 'none' });
  const { bed, j, s1, s2 } = ctx;
  const parent = j.addIssue({ projectKey: 'SA', summary: 'done parent', statusId: DONE, sprintId: s1.id }).key;
  const sub = j.addIssue({ projectKey: 'SA', summary: 'unfinished child task', statusId: '10001', issueType: 'Sub-task', parentKey: parent, sprintId: s1.id }).key;
  const open = j.addIssue({ projectKey: 'SA', summary: 'open story', statusId: '10000', sprintId: s1.id }).key;
  const before = j.issuesInSprint(s1.id).map((i) => i.key);
  j.resetRequests();
  await tickAt(bed, DUE + 1 * MIN);
  assert.equal(j.getSprint(s1.id).state, 'active');
  assert.deepEqual(j.issuesInSprint(s1.id).map((i) => i.key), before, 'nothing moved');
  assert.equal(j.requests.filter((r) => r.method === 'POST' && /issue$/.test(r.path)).length, 0, reqList(j));
  assert.equal(stateChanges(j, s1.id, 'closed').length, 0);
  const blocked = reasons(bed, 'OPEN_SUBTASKS');
  assert.equal(blocked.length, 1, JSON.stringify(logs(bed)));
  assert.match(blocked[0].message, new RegExp(`\\b${parent}\\b`));
  assert.equal(blocked[0].sprintId, s1.id);
  assert.equal(j.getSprint(s2.id).state, 'future', 'the next sprint waits (parallel sprints off)');
  // retried after 15 min: still blocked
  await tickAt(bed, DUE + 16 * MIN);
  assert.equal(reasons(bed, 'OPEN_SUBTASKS').length, 2);
  assert.equal(j.getSprint(s1.id).state, 'active');
  // the sub-task is done: the next retry closes and starts
  j.setIssueStatus(sub, DONE);
  await tickAt(bed, DUE + 31 * MIN);
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.equal(j.issue(open).sprintId, s2.id);
  assert.equal(j.issue(parent).sprintId, s1.id);
  assert.equal(j.issue(sub).sprintId, s1.id);
  assert.equal(stateChanges(j, s1.id, 'closed').length, 1);
});

test('an empty sprint closes with no move, and the next one starts', async (t) => {
  const ctx = await seeded(t, { issues: 'none' });
  const { bed, j, s1, s2 } = ctx;
  j.resetRequests();
  await tickAt(bed, DUE + 1 * MIN);
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.equal(j.requests.filter((r) => r.method === 'POST' && /issue$/.test(r.path)).length, 0);
  assert.equal(reasons(bed, 'UNFINISHED_MOVED').length, 0);
  assert.equal(j.requests.length, 5, reqList(j)); // sprints, configuration, issues, close, start
});

test('missed ticks: no tick for 3 days, then one tick closes and starts with the planned dates', async (t) => {
  const ctx = await seeded(t);
  const { bed, j, s2, board } = ctx;
  const r = await tickAt(bed, DUE + 3 * DAY);
  assert.equal(r.ok, true);
  assertRolledOver(ctx, { dest: s2.id, started: s2.id, label: 'catch-up' });
  const started = j.getSprint(s2.id);
  assert.equal(Date.parse(started.startDate), DUE, 'the planned start is kept');
  assert.equal(Date.parse(started.endDate), Date.parse(S2_END));
  const sched = await schedule(bed, board.id);
  assert.equal(sched.next_due_at, Date.parse(S2_END));
});

test('missed ticks across a whole short sprint: it is reported once (START_AND_END_PASSED), never started; unfinished work goes to a sprint that runs', async (t) => {
  // S2 is one day long and falls entirely into the 3-day gap; S3 follows it.
  const ctx = await seeded(t, { s2: { startDate: S1_END, endDate: '2026-01-20T09:00:00Z' } });
  const { bed, j, s2, board } = ctx;
  const s3 = j.addSprint({ boardId: board.id, name: 'Sprint 3', startDate: '2026-01-20T09:00:00Z', endDate: '2026-02-03T09:00:00Z' });
  await tickAt(bed, DUE + 3 * DAY);
  assert.equal(j.getSprint(s2.id).state, 'future', 'the missed sprint is not started');
  assert.equal(reasons(bed, 'START_AND_END_PASSED').length, 1);
  assert.equal(j.getSprint(s3.id).state, 'active', 'the sprint that is current now is started');
  await tickAt(bed, DUE + 3 * DAY + 5 * MIN);
  await tickAt(bed, DUE + 4 * DAY + 5 * MIN); // the daily reconcile
  assert.equal(reasons(bed, 'START_AND_END_PASSED').length, 1, 'reported once');
  // where did the unfinished work of S1 go? It must end in a sprint that runs (S3), not in the
  // missed S2 that nobody will start.
  for (const k of [...ctx.keys.open, ...ctx.keys.openSub]) {
    assert.equal(j.issue(k).sprintId, s3.id, `${k} carried to the running sprint S3 (is in ${j.issue(k).sprintId}; S2=${s2.id})`);
  }
});
