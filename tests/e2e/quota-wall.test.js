'use strict';
// Jira's points quota (developer.atlassian.com/cloud/jira/platform/rate-limiting): when the app's
// hourly pool is used up, Jira answers 429 with a quota RateLimit-Reason and a reset at the top of
// the hour. The app then makes no Jira call as the app until the reset, across ticks and
// invocations; says so once; and does the postponed work at the first check after the reset, saying
// how late. Burst limits (short Retry-After) are still waited out within the run.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-q-admin';
const MIN = 60000;
const S1_END = '2026-01-19T08:00:00Z';

async function seeded(t, reason) {
  const bed = await startTestbed({ clockStart: '2026-01-05T08:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'QW' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['QW'] });
  const board = j.addBoard({ name: 'QW board', projectKey: 'QW' });
  const s1 = j.addSprint({ boardId: board.id, name: 'QW 1', startDate: '2026-01-05T08:00:00Z', endDate: S1_END });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: board.id, name: 'QW 2', startDate: S1_END, endDate: '2026-02-02T08:00:00Z' });
  const open = [];
  for (let i = 0; i < 3; i++) open.push(j.addIssue({ projectKey: 'QW', summary: `open ${i}`, statusId: '10001', sprintId: s1.id }).key);
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'QW', boardId: board.id, settings: {
    automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'Europe/Berlin', startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 } }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  await bed.runScheduled('sprint-check');
  return { bed, j, board, s1, s2, open, reason };
}

const lines = (bed) => bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((o) => o && o.reason);

for (const reason of ['jira-quota-global-based', 'jira-cost-based']) {
  test(`a quota wall hit mid-rollover: no call until the reset, then the rollover finishes and says how late (${reason})`, async (t) => {
    const { bed, j, s1, s2, open } = await seeded(t, reason);
    // The pool (shared with the app's other sites) has 9 points left this hour: the sprint list, the
    // configuration and the issues (3 + 2 + 4 points), not the close.
    bed.clock.set(Date.parse(S1_END) + 2 * MIN);
    j.setPointsQuota({ perHour: 100, spent: 91, reason });
    j.resetRequests();
    await bed.runScheduled('sprint-check');
    const refused = j.requests.filter((r) => r.status === 429);
    assert.equal(refused.length, 1, 'one refused call, no retry');
    assert.equal(j.getSprint(s1.id).state, 'active', 'nothing half-done: not closed');
    const wall = lines(bed).filter((l) => l.reason === 'JIRA_QUOTA_WALL');
    assert.equal(wall.length, 1);
    assert.match(wall[0].message, /no Jira call as the app until 2026-01-19 09:00 UTC/);
    // Ticks until the reset make no Jira call at all (the wall is in SQL, not in a process).
    const before = j.requests.length;
    for (let m = 5; m < 58; m += 5) {
      bed.clock.set(Date.parse(S1_END) + m * MIN);
      const tick = await bed.runScheduled('sprint-check');
      assert.equal(tick.data.result, 'waitingForJiraQuota', JSON.stringify(tick.data));
    }
    assert.equal(j.requests.length, before, 'no call between the refusal and the reset');
    assert.equal(lines(bed).filter((l) => l.reason === 'JIRA_QUOTA_WALL').length, 1, 'logged once per wall');
    // The first check after the reset does the postponed work.
    bed.clock.set(Date.parse('2026-01-19T09:00:00Z') + MIN);
    await bed.runScheduled('sprint-check');
    assert.equal(j.getSprint(s1.id).state, 'closed');
    assert.equal(j.getSprint(s2.id).state, 'active');
    for (const k of open) assert.equal(j.issue(k).sprintId, s2.id);
    const closed = lines(bed).find((l) => l.reason === 'SPRINT_CLOSED');
    assert.match(closed.message, /late \(due 2026-01-19 09:00 Europe\/Berlin\): Jira's points quota for the app was used up until 09:00 UTC/);
  });
}

test('a wall hit between the close and the move: the next run after the reset carries the work, nothing is lost', async (t) => {
  const { bed, j, s1, s2, open } = await seeded(t, 'jira-quota-global-based');
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  j.setPointsQuota({ perHour: 100, spent: 90 }); // room for the close (1 point), not for the move
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.deepEqual(j.backlogOf('QW').map((i) => i.key), open);
  assert.equal(j.getSprint(s2.id).state, 'future', 'the next sprint waits for its work');
  bed.clock.set(Date.parse('2026-01-19T09:00:00Z') + 2 * MIN);
  await bed.runScheduled('sprint-check');
  for (const k of open) assert.equal(j.issue(k).sprintId, s2.id);
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.deepEqual(j.sprintReport(s1.id).notCompleted, open);
});

test('a burst limit (short Retry-After) is waited out within the run, not treated as a wall', async (t) => {
  const { bed, j, s1 } = await seeded(t, 'jira-burst-based');
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  j.injectFault({ method: 'GET', pathMatch: /\/configuration/, kind: '429', retryAfterSeconds: 1 });
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.ok(!lines(bed).some((l) => l.reason === 'JIRA_QUOTA_WALL'));
});

test('a wall during a bulk job: its planned sprints wait (none failed) and the queue finishes it after the reset', async (t) => {
  const { bed, j, board } = await seeded(t, 'jira-quota-global-based');
  bed.clock.set(Date.parse('2026-01-20T10:30:00Z'));
  const payload = { projectKey: 'QW', boardIds: [board.id], plan: {
    firstStart: '2026-03-02T09:00', timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' }, count: 10, nameTemplate: 'QW bulk {n}' } };
  // The resolver's own reads pass; the worker's creates run into the wall after a few sprints.
  const created = await bed.invokeResolver('createBulkSprints', payload, { accountId: ADMIN });
  assert.equal(created.ok, true, JSON.stringify(created));
  j.setPointsQuota({ perHour: 100, spent: 92 });
  await bed.queue.deliverDue();
  const mid = await bed.invokeResolver('getBulkJob', { projectKey: 'QW', jobId: created.data.jobId }, { accountId: ADMIN });
  assert.equal(mid.data.failed, 0, 'nothing marked failed behind the wall');
  assert.ok(mid.data.created < 10, `${mid.data.created} created before the wall`);
  const callsAtWall = j.requests.length;
  // Until the reset: the job's next delivery makes no call.
  await bed.queue.drain({ advanceClock: true });
  const done = await bed.invokeResolver('getBulkJob', { projectKey: 'QW', jobId: created.data.jobId }, { accountId: ADMIN });
  assert.equal(done.data.state, 'done', JSON.stringify({ ...done.data, sprints: undefined }));
  assert.equal(done.data.created, 10);
  const beforeReset = j.requests.slice(callsAtWall).filter((r) => r.at < Date.parse('2026-01-20T11:00:00Z'));
  assert.equal(beforeReset.length, 0, 'no call before the reset');
  assert.equal(j.sprintsOfBoard(board.id).filter((s) => s.name.startsWith('QW bulk')).length, 10, 'each sprint once');
});

test('a save or a bulk create behind the wall is refused with JIRA_QUOTA_WALL and its reset, writes nothing, and works after it', async (t) => {
  const { bed, j, board } = await seeded(t, 'jira-quota-global-based');
  bed.clock.set(Date.parse('2026-01-20T10:30:00Z'));
  const before = await bed.invokeResolver('getBoardSettings', { projectKey: 'QW', boardId: board.id }, { accountId: ADMIN });
  j.setPointsQuota({ perHour: 100, spent: 100 });
  const settings = { automate: true, autoStart: true, autoClose: true, carryOver: 'backlog', timeZone: 'Asia/Tokyo', startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 };
  const save = await bed.invokeResolver('updateBoardSettings', { projectKey: 'QW', boardId: board.id, settings }, { accountId: ADMIN });
  assert.equal(save.ok, false);
  assert.equal(save.error.code, 'JIRA_QUOTA_WALL', JSON.stringify(save.error));
  assert.equal(save.error.status, 503);
  assert.equal(save.error.details.retryAt, '2026-01-20T11:00:00Z');
  assert.match(save.error.message, /used up until 11:00 UTC; nothing was changed/);
  const bulk = await bed.invokeResolver('createBulkSprints', { projectKey: 'QW', boardIds: [board.id], plan: {
    firstStart: '2026-03-02T09:00', timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' }, count: 2, nameTemplate: 'QW wall {n}' } }, { accountId: ADMIN });
  assert.equal(bulk.error && bulk.error.code, 'JIRA_QUOTA_WALL', JSON.stringify(bulk));
  assert.equal(bed.queue.pending().length, 0, 'no job queued');
  // a page reading the board behind the wall is told the same
  const read = await bed.invokeResolver('getBoardSettings', { projectKey: 'QW', boardId: board.id }, { accountId: ADMIN });
  assert.equal(read.error && read.error.code, 'JIRA_QUOTA_WALL');
  j.setPointsQuota(null);
  bed.clock.set(Date.parse('2026-01-20T11:01:00Z'));
  const after = await bed.invokeResolver('getBoardSettings', { projectKey: 'QW', boardId: board.id }, { accountId: ADMIN });
  assert.deepEqual(after.data, before.data, 'nothing was written');
  const again = await bed.invokeResolver('updateBoardSettings', { projectKey: 'QW', boardId: board.id, settings }, { accountId: ADMIN });
  assert.equal(again.ok, true, JSON.stringify(again));
});
