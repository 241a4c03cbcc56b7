'use strict';
// Carry-over exactly as Jira's own "Complete sprint" leaves it: the sprint is closed first (its
// unfinished issues are "not completed" in the Sprint Report and keep the sprint in their Sprint
// field), then they go from the backlog to the destination in rank order. A run that dies between
// the two is finished from Jira alone; issues the team moved meanwhile stay where they are. Starts
// and closes that come late say how late and why, in the board's zone.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-padmin';
const DONE = '10002';
const S1_END = '2026-01-19T08:00:00Z'; // 09:00 in Berlin
const MIN = 60000;
const HOUR = 60 * MIN;

async function seeded(t, { settings = {}, configure = true } = {}) {
  const bed = await startTestbed({ clockStart: '2026-01-05T08:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'CO' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['CO'] });
  const board = j.addBoard({ name: 'CO board', projectKey: 'CO' });
  const s1 = j.addSprint({ boardId: board.id, name: 'CO 1', startDate: '2026-01-05T08:00:00Z', endDate: S1_END });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: board.id, name: 'CO 2', startDate: S1_END, endDate: '2026-02-02T08:00:00Z' });
  const s3 = j.addSprint({ boardId: board.id, name: 'CO 3', startDate: '2026-02-02T08:00:00Z', endDate: '2026-02-16T08:00:00Z' });
  const add = (o) => j.addIssue({ projectKey: 'CO', sprintId: s1.id, ...o }).key;
  const keys = {
    done: [add({ summary: 'done a', statusId: DONE }), add({ summary: 'done b', statusId: DONE })],
    open: [add({ summary: 'open a', statusId: '10001' }), add({ summary: 'open b', statusId: '10000' }), add({ summary: 'open c', statusId: '10001' })],
  };
  await bed.runLifecycle('installed');
  const apply = (extra = {}) => bed.invokeResolver('updateBoardSettings', {
    projectKey: 'CO', boardId: board.id,
    settings: { automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'Europe/Berlin', startTime: null,
      closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0, ...settings },
    ...extra,
  }, { accountId: ADMIN });
  if (configure) {
    const r = await apply();
    assert.equal(r.ok, true, JSON.stringify(r));
    await bed.runScheduled('sprint-check');
  }
  return { bed, j, board, s1, s2, s3, keys, apply };
}

const logLines = (bed) => bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((o) => o && o.reason);
const calls = (j) => j.requests.map((r) => `${r.method} ${r.path}`);

test('the sprint is closed first, then its unfinished issues are carried in rank order; the record is what Jira\'s dialog leaves', async (t) => {
  const { bed, j, s1, s2, keys } = await seeded(t);
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  j.resetRequests();
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  const order = calls(j);
  const close = order.indexOf(`POST /rest/agile/1.0/sprint/${s1.id}`);
  const move = order.indexOf(`POST /rest/agile/1.0/sprint/${s2.id}/issue`);
  assert.ok(close >= 0 && move > close, `close before move: ${order.join(' | ')}`);
  const moved = j.requests[move].body.issues;
  assert.deepEqual(moved, keys.open, 'rank order');
  // Only the unfinished issues were read (a JQL filter on the board's Done column).
  const read = j.requests.find((r) => r.path === `/rest/agile/1.0/sprint/${s1.id}/issue`);
  assert.match(decodeURIComponent(read.query.jql || ''), /status not in \(10002\)/);
  const report = j.sprintReport(s1.id);
  assert.deepEqual(report.notCompleted, keys.open);
  assert.deepEqual(report.completed, keys.done);
  assert.deepEqual(report.removed, []);
  for (const k of keys.open) {
    assert.equal(j.issue(k).sprintId, s2.id);
    assert.deepEqual(j.issue(k).closedSprintIds, [s1.id], `${k} keeps the closed sprint in its Sprint field`);
  }
  for (const k of keys.done) assert.equal(j.issue(k).sprintId, s1.id);
  const reasons = logLines(bed).map((l) => l.reason);
  assert.ok(reasons.indexOf('SPRINT_CLOSED') < reasons.indexOf('UNFINISHED_MOVED'), reasons.join(','));
  const closed = logLines(bed).find((l) => l.reason === 'SPRINT_CLOSED');
  assert.match(closed.message, /closed on time, 3 issues not completed/);
  // Points: (1+k) open sprints + 2 configuration + (1+n) unfinished + 1 close + ceil(n/50) moves + 1 start;
  // k = 3 open sprints, n = 3 unfinished issues.
  assert.equal(j.points().total, (1 + 3) + 2 + (1 + 3) + 1 + 1 + 1);
});

/** The number of platform calls a due tick makes up to and including the close (from a twin bed). */
async function callsThroughClose(t) {
  const { bed, s1 } = await seeded(t);
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  const before = bed.egress.calls.length;
  await bed.runScheduled('sprint-check');
  const mine = bed.egress.calls.slice(before);
  await bed.close(); // one bed per process at a time
  const at = mine.findIndex((c) => c.method === 'POST' && c.path.split('?')[0] === `/rest/agile/1.0/sprint/${s1.id}`);
  assert.ok(at >= 0, 'the probe closed the sprint');
  return at + 1;
}

test('a run that dies between the close and the move: the next run finishes from Jira alone, and leaves what the team moved', async (t) => {
  const k = await callsThroughClose(t);
  const { bed, j, s1, s2, s3, keys } = await seeded(t);
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  await assert.rejects(bed.runScheduled('sprint-check', { crashAfterCalls: k }), (e) => bed.isCrash(e));
  assert.equal(j.getSprint(s1.id).state, 'closed', 'Jira closed the sprint');
  assert.deepEqual(j.backlogOf('CO').map((i) => i.key), keys.open, 'the unfinished issues wait in the backlog');
  // Meanwhile the team puts one of them into a later sprint by hand.
  j.moveIssues([keys.open[1]], s3.id);
  bed.clock.advance(6 * MIN); // the crashed run's board lease lapses
  j.resetRequests();
  await bed.runScheduled('sprint-check');
  assert.equal(j.issue(keys.open[0]).sprintId, s2.id);
  assert.equal(j.issue(keys.open[2]).sprintId, s2.id);
  assert.equal(j.issue(keys.open[1]).sprintId, s3.id, 'the team\'s move stands');
  assert.equal(j.getSprint(s2.id).state, 'active');
  const moves = j.requests.filter((r) => r.method === 'POST' && r.path === `/rest/agile/1.0/sprint/${s2.id}/issue`);
  assert.deepEqual(moves.map((r) => r.body.issues), [[keys.open[0], keys.open[2]]]);
  assert.equal(j.events.filter((e) => e.eventType.endsWith(':closed:sprint') && String(e.sprint.id) === String(s1.id)).length, 1, 'closed once');
  assert.deepEqual(j.sprintReport(s1.id).notCompleted, keys.open);
  const reasons = logLines(bed).map((l) => l.reason);
  assert.equal(reasons.filter((r) => r === 'SPRINT_CLOSED').length, 1, reasons.join(','));
  assert.equal(reasons.filter((r) => r === 'UNFINISHED_MOVED').length, 1, reasons.join(','));
  assert.match(logLines(bed).find((l) => l.reason === 'SPRINT_CLOSED').message, /confirmed after an interrupted run/);
});

test('a run that dies between the close and the move, after which the team closes the recorded destination: the next run makes a follow-on sprint and carries the work there', async (t) => {
  const k = await callsThroughClose(t);
  const { bed, j, board, s1, s2, s3, keys } = await seeded(t, { settings: { carryOver: 'nextSprintCreate' } });
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  await assert.rejects(bed.runScheduled('sprint-check', { crashAfterCalls: k }), (e) => bed.isCrash(e));
  assert.equal(j.getSprint(s1.id).state, 'closed', 'Jira closed the sprint');
  const [rec] = await bed.sql.query('SELECT phase, destination_sprint_id FROM rollovers WHERE sprint_id = ?', [s1.id]);
  assert.deepEqual([rec.phase, Number(rec.destination_sprint_id)], ['closing', s2.id], 'the destination was recorded before the close');
  // Meanwhile the team runs the recorded destination through by hand and removes the last future sprint.
  j.updateSprint(s2.id, { state: 'active' });
  j.updateSprint(s2.id, { state: 'closed' });
  j.deleteSprint(s3.id);
  bed.clock.advance(6 * MIN); // the crashed run's board lease lapses
  await bed.runScheduled('sprint-check');
  const open = j.sprintsOfBoard(board.id).filter((x) => x.state !== 'closed');
  assert.equal(open.length, 1, JSON.stringify(open));
  const follow = open[0];
  assert.ok(![s1.id, s2.id, s3.id].includes(follow.id), 'a new sprint');
  for (const key of keys.open) assert.equal(j.issue(key).sprintId, follow.id, `${key} carried to the follow-on sprint`);
  assert.deepEqual(j.sprintReport(s1.id).notCompleted, keys.open, 'still recorded as not completed in the closed sprint');
  const reasons = logLines(bed).map((l) => l.reason);
  assert.equal(reasons.filter((r) => r === 'FOLLOW_ON_SPRINT_CREATED').length, 1, reasons.join(','));
  assert.equal(reasons.filter((r) => r === 'UNFINISHED_MOVED').length, 1, reasons.join(','));
  const [done] = await bed.sql.query('SELECT phase FROM rollovers WHERE sprint_id = ?', [s1.id]);
  assert.equal(done.phase, 'closed');
});

test('a start and a close that come late say how late and why, in the board\'s zone', async (t) => {
  const { bed, j, s1, s2, apply } = await seeded(t, { configure: false });
  // The board is switched on 18 hours after its sprint ended. The save first says what it would
  // do at once, late, and writes nothing; confirmed, it goes ahead.
  bed.clock.set(Date.parse(S1_END) + 18 * HOUR + 3 * MIN);
  const asked = await apply();
  assert.equal(asked.ok, false);
  assert.equal(asked.error.code, 'CONFIRMATION_NEEDED');
  assert.equal(asked.error.status, 409);
  assert.equal(asked.error.message, 'saving makes the app act at once: it closes "CO 1" now, 18 h 3 min after its end (2026-01-19 09:00 Europe/Berlin), then starts "CO 2" now, 18 h 3 min after its start (2026-01-19 09:00 Europe/Berlin); send confirmActNow to go ahead');
  assert.deepEqual(asked.error.details.actions.map((a) => [a.kind, a.sprintId, a.lateMinutes]), [['close', s1.id, 1083], ['start', s2.id, 1083]]);
  assert.equal((await bed.sql.query('SELECT COUNT(*) AS n FROM board_settings'))[0].n, 0, 'nothing written');
  const r = await apply({ confirmActNow: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  const lines = logLines(bed);
  const closed = lines.find((l) => l.reason === 'SPRINT_CLOSED');
  const started = lines.find((l) => l.reason === 'SPRINT_STARTED');
  const why = "18 h 3 min late (due 2026-01-19 09:00 Europe/Berlin): the board's automation was switched on or changed after it was due";
  assert.ok(closed.message.includes(why), closed.message);
  assert.ok(started.message.includes(why), started.message);
  assert.doesNotMatch(started.message, /on time/);
});

test('a close held back by open sub-tasks says so when it finally happens', async (t) => {
  const { bed, j, s1, keys } = await seeded(t);
  const sub = j.addIssue({ projectKey: 'CO', summary: 'sub', statusId: '10000', issueType: 'Sub-task', parentKey: keys.done[0] }).key;
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'active', 'Jira would refuse: nothing closed');
  assert.ok(logLines(bed).some((l) => l.reason === 'OPEN_SUBTASKS' && l.message.includes(keys.done[0])));
  j.setIssueStatus(sub, DONE);
  bed.clock.set(Date.parse(S1_END) + 3 * HOUR);
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  const closed = logLines(bed).find((l) => l.reason === 'SPRINT_CLOSED');
  assert.match(closed.message, /closed 3 h 0 min late \(due 2026-01-19 09:00 Europe\/Berlin\): a done issue had open sub-tasks until now/);
});

test('close readiness: a day and an hour ahead, what would block the close is found, shown, logged once, and cleared when fixed', async (t) => {
  const { bed, j, board, s1, keys } = await seeded(t);
  const sub = j.addIssue({ projectKey: 'CO', summary: 'sub', statusId: '10000', issueType: 'Sub-task', parentKey: keys.done[1] }).key;
  const T = Date.parse(S1_END);
  const looks = () => j.requests.filter((r) => /subTaskIssueTypes/.test(decodeURIComponent(r.query.jql || ''))).length;
  const readiness = async () => {
    const r = await bed.invokeResolver('getBoardSettings', { projectKey: 'CO', boardId: board.id }, { accountId: ADMIN });
    assert.equal(r.ok, true, JSON.stringify(r));
    return r.data.nextAction.readiness;
  };
  j.resetRequests();
  // Nothing is looked at before the day ahead.
  bed.clock.set(T - 25 * HOUR);
  await bed.runScheduled('sprint-check');
  assert.equal(looks(), 0);
  assert.equal(await readiness(), null);

  bed.clock.set(T - 24 * HOUR + 2 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(looks(), 1);
  const found = await readiness();
  assert.equal(found.sprintId, s1.id);
  assert.deepEqual(found.problems, [{ code: 'OPEN_SUBTASKS', keys: [keys.done[1]] }]);
  let lines = logLines(bed).filter((l) => l.reason === 'CLOSE_NOT_READY');
  assert.equal(lines.length, 1);
  assert.match(lines[0].message, new RegExp(`sprint ${s1.id} closes at 2026-01-19 09:00 Europe/Berlin; found ahead: OPEN_SUBTASKS \\(${keys.done[1]}\\)`));

  // Idle ticks in between make no Jira call; the hour-ahead look finds the same: not logged again.
  j.resetRequests();
  bed.clock.set(T - 3 * HOUR);
  assert.equal((await bed.runScheduled('sprint-check')).data.result, 'idle');
  assert.equal(j.requests.length, 0);
  bed.clock.set(T - HOUR + 2 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(looks(), 1);
  assert.equal(logLines(bed).filter((l) => l.reason === 'CLOSE_NOT_READY').length, 1, 'logged once');

  // Fixed before the close: a further look clears it (here the close itself, on time).
  j.setIssueStatus(sub, DONE);
  bed.clock.set(T + 2 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal((await readiness()) || null, null, 'a readiness of a closed sprint is not shown');
  lines = logLines(bed);
  assert.match(lines.find((l) => l.reason === 'SPRINT_CLOSED').message, /closed on time/);
});

test('close readiness finds a missing next sprint and a next sprint that will have ended; fixed, it logs CLOSE_READY', async (t) => {
  const { bed, j, board, s1, s2, s3 } = await seeded(t);
  const T = Date.parse(S1_END);
  // The next sprint ends before the close: Jira would refuse to start it.
  j.updateSprint(s2.id, { endDate: '2026-01-18T08:00:00Z' });
  j.deleteSprint(s3.id);
  bed.clock.set(T - 24 * HOUR + 2 * MIN);
  await bed.runScheduled('sprint-check');
  let r = await bed.invokeResolver('getBoardSettings', { projectKey: 'CO', boardId: board.id }, { accountId: ADMIN });
  assert.deepEqual(r.data.nextAction.readiness.problems.map((p) => p.code), ['NEXT_SPRINT_ALREADY_ENDED']);
  j.updateSprint(s2.id, { endDate: '2026-02-02T08:00:00Z' });
  bed.clock.set(T - HOUR + 2 * MIN);
  await bed.runScheduled('sprint-check');
  r = await bed.invokeResolver('getBoardSettings', { projectKey: 'CO', boardId: board.id }, { accountId: ADMIN });
  assert.deepEqual(r.data.nextAction.readiness.problems, []);
  assert.ok(logLines(bed).some((l) => l.reason === 'CLOSE_READY' && l.sprintId === s1.id));
  // With no future sprint at all and carry-over to the next sprint, that is what is found.
  j.deleteSprint(s2.id);
  const again = await bed.invokeResolver('updateBoardSettings', { projectKey: 'CO', boardId: board.id, settings: {
    automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'Europe/Berlin', startTime: null,
    closeTime: '18:00', workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 } }, { accountId: ADMIN });
  assert.equal(again.ok, true, JSON.stringify(again));
  await bed.runScheduled('sprint-check'); // the close is now 18:00: 9 h ahead, the hour-ahead look is next
  bed.clock.set(Date.parse('2026-01-19T16:00:00Z') + 2 * MIN);
  await bed.runScheduled('sprint-check');
  r = await bed.invokeResolver('getBoardSettings', { projectKey: 'CO', boardId: board.id }, { accountId: ADMIN });
  assert.deepEqual(r.data.nextAction.readiness.problems.map((p) => p.code), ['NO_NEXT_SPRINT']);
});

test('close readiness: a board the app can no longer read shows APP_ACCESS_MISSING until its access is back', async (t) => {
  const { bed, j, board, s1 } = await seeded(t);
  j.setAppProjectAccess('CO', false); // an admin removed the app's project role
  bed.clock.set(Date.parse(S1_END) - 2 * HOUR);
  await bed.runScheduled('sprint-check'); // the readiness look (an hour ahead is next) finds the board unreadable
  bed.clock.set(Date.parse(S1_END) - HOUR + 2 * MIN);
  await bed.runScheduled('sprint-check');
  // The page lists the project's boards (Jira still lists a board the app cannot open).
  const view = async () => {
    const r = await bed.invokeResolver('listBoards', { projectKey: 'CO' }, { accountId: ADMIN });
    assert.equal(r.ok, true, JSON.stringify(r));
    return r.data.boards.find((b) => b.boardId === board.id).nextAction.readiness;
  };
  assert.deepEqual((await view()).problems.map((p) => p.code), ['APP_ACCESS_MISSING']);
  j.setAppProjectAccess('CO', true);
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed', 'with its access back the close happens');
  assert.equal((await view()) || null, null, 'and the problem is gone');
});

test('a carry-over whose moves Jira keeps refusing: the next sprint waits, and the moves are tried again 15 minutes later', async (t) => {
  const { bed, j, s1, s2, keys } = await seeded(t);
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  const fault = j.injectFault({ method: 'POST', pathMatch: `/rest/agile/1.0/sprint/${s2.id}/issue`, kind: '500', times: 20 });
  await bed.runScheduled('sprint-check');
  assert.ok(fault.fired() > 0);
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'future', 'the next sprint waits for its work');
  const [row] = await bed.sql.query('SELECT next_due_at FROM board_schedule');
  assert.equal(Number(row.next_due_at), Date.parse(S1_END) + 2 * MIN + 15 * MIN, 'tried again in 15 minutes, not at the daily reconcile');
  fault.remove();
  bed.clock.set(Date.parse(S1_END) + 17 * MIN);
  await bed.runScheduled('sprint-check');
  for (const k of keys.open) assert.equal(j.issue(k).sprintId, s2.id);
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.deepEqual(j.sprintReport(s2.id).added, [], 'carried before the start, not added during it');
});

test('a close Jira refused, then completed by a person in Jira: the app does not claim it or move what they left', async (t) => {
  const { bed, j, s1, keys } = await seeded(t, { settings: { carryOver: 'nextSprint' } });
  bed.clock.set(Date.parse(S1_END) + 2 * MIN);
  j.injectFault({ method: 'POST', pathMatch: `/rest/agile/1.0/sprint/${s1.id}`, kind: '500', times: 20 });
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'active');
  j.clearFaults();
  // A person completes it in Jira's dialog, sending the unfinished work to the backlog.
  j.updateSprint(s1.id, { state: 'closed' });
  bed.clock.advance(20 * MIN);
  await bed.runScheduled('sprint-check');
  assert.deepEqual(j.backlogOf('CO').map((i) => i.key), keys.open, 'their choice stands');
  const lines = logLines(bed);
  assert.ok(!lines.some((l) => l.reason === 'SPRINT_CLOSED'), lines.map((l) => l.reason).join(','));
});

test('a change is asked about only for what it makes the app do: an overdue close the stored settings would do anyway is not', async (t) => {
  const { bed, j, s1, apply } = await seeded(t, { configure: true });
  // The checks stopped before the end (an outage); an admin changes the board's zone an hour later.
  bed.clock.set(Date.parse(S1_END) + HOUR);
  const moved = await apply({ settings: { automate: true, autoStart: true, autoClose: true, carryOver: 'backlog', timeZone: 'Europe/Berlin', startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 } });
  assert.equal(moved.ok, true, JSON.stringify(moved));
  // Switching the close off and on again is the change's doing once more: asked.
  const off = await apply({ settings: { automate: true, autoStart: true, autoClose: false, carryOver: 'backlog', timeZone: 'Europe/Berlin', startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 } });
  assert.equal(off.ok, true, JSON.stringify(off));
  const on = await apply({ settings: { automate: true, autoStart: true, autoClose: true, carryOver: 'backlog', timeZone: 'Europe/Berlin', startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 } });
  assert.equal(on.error && on.error.code, 'CONFIRMATION_NEEDED', JSON.stringify(on));
  assert.equal(j.getSprint(s1.id).state, 'active', 'nothing acted yet');
});
