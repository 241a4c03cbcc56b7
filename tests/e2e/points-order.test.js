'use strict';
// How the app spends Jira's points quota (developer.atlassian.com/cloud/jira/platform/rate-limiting:
// one hourly pool, "X-RateLimit-NearLimit: true" when under 20 % of it is left). Work with a
// deadline comes first: due starts and closes, then readiness looks, then keep-ahead top-ups, the
// daily look at each board, bulk jobs last. Work without a deadline is spread over the day, away
// from the top of the hour and from the board's own boundaries.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-po-admin';
const MIN = 60000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const CLOSE = Date.parse('2026-01-19T08:00:00Z');

const settings = (over = {}) => ({
  automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'UTC', startTime: null,
  closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0, ...over,
});

// Three boards: "closing" has a sprint ending at CLOSE and keeps two sprints ahead; "ready" closes
// a day later (its readiness look is due a day ahead); "quiet" has nothing due for weeks.
async function seeded(t) {
  const bed = await startTestbed({ clockStart: '2026-01-12T08:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'PO' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['PO'] });
  const board = (name, end, keepAhead) => {
    const b = j.addBoard({ name, projectKey: 'PO' });
    const s1 = j.addSprint({ boardId: b.id, name: `${name} 1`, startDate: '2026-01-05T08:00:00Z', endDate: end });
    j.updateSprint(s1.id, { state: 'active' });
    const s2 = j.addSprint({ boardId: b.id, name: `${name} 2`, startDate: end, endDate: new Date(Date.parse(end) + 14 * DAY).toISOString() });
    j.addIssue({ projectKey: 'PO', summary: `${name} open`, statusId: '10001', sprintId: s1.id });
    return { id: b.id, s1, s2, keepAhead };
  };
  const boards = {
    closing: board('Closing', '2026-01-19T08:00:00Z', 2),
    ready: board('Ready', '2026-01-20T08:00:00Z', 0),
    quiet: board('Quiet', '2026-02-16T08:00:00Z', 0),
  };
  await bed.runLifecycle('installed');
  for (const b of Object.values(boards)) {
    const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'PO', boardId: b.id, settings: settings({ keepAhead: b.keepAhead }) }, { accountId: ADMIN });
    assert.equal(r.ok, true, JSON.stringify(r));
  }
  await bed.runScheduled('sprint-check'); // the first look at each board (and Closing's top-up)
  return { bed, j, boards };
}

const schedule = async (bed) => new Map((await bed.sql.query('SELECT board_id, next_due_at, readiness_at, reconcile_at FROM board_schedule'))
  .map((r) => [Number(r.board_id), { due: Number(r.next_due_at), readiness: r.readiness_at === null ? null : Number(r.readiness_at), look: Number(r.reconcile_at) }]));
const reasons = (bed) => bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((o) => o && o.reason);
const readsOf = (j, boardId) => j.requests.filter((r) => r.method === 'GET' && r.path === `/rest/agile/1.0/board/${boardId}/sprint`);

test('daily looks come once a day at each board\'s own quiet minute, away from the top of the hour and its boundaries', async (t) => {
  const { bed, boards } = await seeded(t);
  const s = await schedule(bed);
  const now = bed.clock.now();
  for (const b of Object.values(boards)) {
    const { look, due } = s.get(b.id);
    assert.ok(look >= now + 12 * HOUR && look < now + 36 * HOUR, `board ${b.id}: ${new Date(look).toISOString()}`);
    const minute = new Date(look).getUTCMinutes();
    assert.ok(minute >= 10 && minute < 55, `board ${b.id} looks at minute ${minute}`);
    assert.ok(Math.abs(look - due) >= HOUR, `board ${b.id}: its look is an hour or more from its boundary`);
  }
  assert.equal(new Set(Object.values(boards).map((b) => s.get(b.id).look)).size, 3, 'three boards, three different minutes');
  // The quiet board's look a day later reads it once and puts the next look a day on.
  const quiet = s.get(boards.quiet.id).look;
  bed.clock.set(quiet);
  bed.jira.resetRequests();
  const r = await bed.runScheduled('sprint-check');
  assert.ok(r.data.outcomes.some((o) => o.ok.boardId === boards.quiet.id && o.ok.result === 'checked'), JSON.stringify(r.data));
  assert.equal(readsOf(bed.jira, boards.quiet.id).length, 1);
  assert.equal((await schedule(bed)).get(boards.quiet.id).look, quiet + DAY);
});

test('the due close runs before the readiness look and the daily look; each kind in its order', async (t) => {
  const { bed, boards } = await seeded(t);
  const s = await schedule(bed);
  // One tick at which all three are due: Closing's close, Ready's readiness look (a day before its
  // close), Quiet's daily look (moved into the past).
  const at = CLOSE + 20 * MIN;
  assert.ok(s.get(boards.ready.id).readiness <= at, 'Ready\'s readiness look is due');
  await bed.sql.query('UPDATE board_schedule SET reconcile_at = ? WHERE board_id = ?', [at - HOUR, boards.quiet.id]);
  await bed.sql.query('UPDATE board_schedule SET reconcile_at = ? WHERE board_id <> ?', [at + DAY, boards.quiet.id]);
  bed.clock.set(at);
  const r = await bed.runScheduled('sprint-check');
  assert.deepEqual(r.data.outcomes.map((o) => o.ok.boardId), [boards.closing.id, boards.ready.id, boards.quiet.id]);
  assert.equal(bed.jira.getSprint(boards.closing.s1.id).state, 'closed');
});

test('points short (X-RateLimit-NearLimit): the due close runs; top-ups, daily looks and bulk jobs wait for the reset, then run spread out', async (t) => {
  const { bed, j, boards } = await seeded(t);
  const futureOf = (id) => j.sprintsOfBoard(id).filter((x) => x.state === 'future').length;
  assert.equal(futureOf(boards.closing.id), 2, 'Closing was topped up to two ahead at its first look');
  // A bulk job on Quiet waits in the queue; the pool has 15 % left this hour.
  const at = CLOSE + 20 * MIN;
  bed.clock.set(at - 10 * MIN);
  const bulk = await bed.invokeResolver('createBulkSprints', { projectKey: 'PO', boardIds: [boards.quiet.id], plan: {
    firstStart: '2026-03-02T09:00', timeZone: 'UTC', length: { value: 2, unit: 'weeks' }, count: 3, nameTemplate: 'PO bulk {n}' } }, { accountId: ADMIN });
  assert.equal(bulk.ok, true, JSON.stringify(bulk));
  await bed.sql.query('UPDATE board_schedule SET reconcile_at = ? WHERE board_id = ?', [at - HOUR, boards.quiet.id]);
  bed.clock.set(at);
  j.setPointsQuota({ perHour: 1000, spent: 850 });
  j.resetRequests();
  const tick = await bed.runScheduled('sprint-check');
  assert.equal(tick.ok, true, JSON.stringify(tick));
  // the close and the carry-over and the next start: all done
  assert.equal(j.getSprint(boards.closing.s1.id).state, 'closed');
  assert.equal(j.getSprint(boards.closing.s2.id).state, 'active');
  // ... but not the top-up (one future sprint left of two), nor Quiet's daily look
  assert.equal(futureOf(boards.closing.id), 1, 'the top-up waits');
  assert.equal(readsOf(j, boards.quiet.id).length, 0, 'Quiet is not read while points are short');
  const short = reasons(bed).filter((l) => l.reason === 'JIRA_POINTS_SHORT');
  assert.equal(short.length, 1);
  assert.match(short[0].message, /until 09:00 UTC only due starts, closes and readiness looks run/);
  // Quiet's look moved past the reset to a quiet minute; the bulk job makes no call before it.
  const look = (await schedule(bed)).get(boards.quiet.id).look;
  const reset = Date.parse('2026-01-19T09:00:00Z');
  assert.ok(look >= reset + 10 * MIN && look < reset + 55 * MIN, new Date(look).toISOString());
  const callsBefore = j.requests.length;
  await bed.queue.deliverDue();
  assert.equal(j.requests.length, callsBefore, 'the bulk job waits: no call');
  const job = await bed.invokeResolver('getBulkJob', { projectKey: 'PO', jobId: bulk.data.jobId }, { accountId: ADMIN });
  assert.equal(job.data.created, 0);
  assert.equal(job.data.failed, 0);
  // After the reset the pool is full again: the bulk job finishes, Quiet gets its look at its
  // minute, Closing its top-up at its own daily look.
  j.setPointsQuota(null);
  await bed.queue.drain({ advanceClock: true });
  const done = await bed.invokeResolver('getBulkJob', { projectKey: 'PO', jobId: bulk.data.jobId }, { accountId: ADMIN });
  assert.equal(done.data.state, 'done');
  assert.equal(done.data.created, 3);
  assert.equal(j.requests.filter((r) => r.method === 'POST' && r.path === '/rest/agile/1.0/sprint' && r.at < reset).length, 0, 'no bulk create before the reset');
  const readsBefore = readsOf(j, boards.quiet.id).length;
  bed.clock.set(look);
  await bed.runScheduled('sprint-check');
  assert.equal(readsOf(j, boards.quiet.id).length, readsBefore + 1, 'Quiet read at its postponed look');
  bed.clock.set((await schedule(bed)).get(boards.closing.id).look);
  await bed.runScheduled('sprint-check');
  assert.equal(futureOf(boards.closing.id), 2, 'Closing topped up at its daily look');
});
