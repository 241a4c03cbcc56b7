'use strict';
// The scheduled check end to end: reconcile, idle ticks with zero Jira calls, a rollover that
// carries unfinished work to the next sprint and starts it, and the app's own events ignored.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-padmin';

async function seeded(t, settings = {}) {
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'SA' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['SA'] });
  const board = j.addBoard({ name: 'SA board', projectKey: 'SA' });
  const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: '2026-01-05T09:00:00Z', endDate: '2026-01-19T09:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: board.id, name: 'Sprint 2', startDate: '2026-01-19T09:00:00Z', endDate: '2026-02-02T09:00:00Z' });
  for (let i = 0; i < 3; i++) j.addIssue({ projectKey: 'SA', summary: `done ${i}`, statusId: '10002', sprintId: s1.id });
  for (let i = 0; i < 2; i++) j.addIssue({ projectKey: 'SA', summary: `open ${i}`, statusId: '10001', sprintId: s1.id });
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', {
    projectKey: 'SA', boardId: board.id,
    settings: { automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: null, startTime: null,
      closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0, ...settings },
  }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  return { bed, j, board, s1, s2 };
}

test('idle ticks make no Jira call; the due rollover closes, carries over and starts', async (t) => {
  const { bed, j, board, s1, s2 } = await seeded(t);

  const first = await bed.runScheduled('sprint-check');
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.equal(first.data.boards, 1, JSON.stringify(first.data));
  const [row] = await bed.sql.query('SELECT next_due_at FROM board_schedule WHERE board_id = ?', [board.id]);
  assert.equal(Number(row.next_due_at), Date.parse('2026-01-19T09:00:00Z'));

  j.resetRequests();
  for (let i = 0; i < 5; i++) {
    bed.clock.advance(5 * 60 * 1000);
    const idle = await bed.runScheduled('sprint-check');
    assert.equal(idle.data.result, 'idle');
  }
  assert.equal(j.requests.length, 0, 'an idle tick makes no Jira call');

  bed.clock.set(Date.parse('2026-01-19T09:02:00Z'));
  const due = await bed.runScheduled('sprint-check');
  assert.equal(due.ok, true, JSON.stringify(due));
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  const carried = j.issuesInSprint(s2.id).map((i) => i.summary || i.fields?.summary);
  assert.equal(carried.length, 2, JSON.stringify(carried));
  assert.equal(j.requests.length, 6, j.requests.map((r) => `${r.method} ${r.path}`).join('\n'));

  // The app's own start/close events change nothing and call nothing.
  j.resetRequests();
  const before = await bed.sql.query('SELECT next_due_at FROM board_schedule WHERE board_id = ?', [board.id]);
  await bed.deliverSprintEvents();
  const after = await bed.sql.query('SELECT next_due_at FROM board_schedule WHERE board_id = ?', [board.id]);
  assert.deepEqual(after, before);
  assert.equal(j.requests.length, 0);

  const logs = bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
  const reasons = logs.map((l) => l.reason);
  for (const r of ['UNFINISHED_MOVED', 'SPRINT_CLOSED', 'SPRINT_STARTED']) assert.ok(reasons.includes(r), reasons.join(','));
});

test('short of time, the check defers its boards and the queue continues them to completion', async (t) => {
  const { bed, j, s1, s2 } = await seeded(t);
  await bed.runScheduled('sprint-check'); // reconcile: nothing due yet
  bed.clock.set(Date.parse('2026-01-19T09:02:00Z'));
  // The invocation has 50 s left: less than a board job starts with (60 s).
  const tick = await bed.runScheduled('sprint-check', { remainingTime: () => 50000 });
  assert.equal(tick.ok, true, JSON.stringify(tick));
  assert.equal(tick.data.deferred, 1);
  assert.equal(tick.data.continued, true);
  assert.equal(j.getSprint(s1.id).state, 'active', 'nothing done in the short invocation');
  const pending = bed.queue.pending();
  assert.equal(pending.length, 1);
  assert.deepEqual(pending[0].body, { job: 'tick' }, JSON.stringify(pending[0]));
  await bed.queue.drain();
  assert.equal(j.getSprint(s1.id).state, 'closed');
  assert.equal(j.getSprint(s2.id).state, 'active');
  assert.equal(j.issuesInSprint(s2.id).length, 2);
});
