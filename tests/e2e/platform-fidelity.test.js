'use strict';
// What the stricter test bed caught, through the real handlers and the real @forge packages:
//   - sprint events as Forge documents them (ids as strings, "+0200"-style offsets, oldValue) and as
//     the Agile REST API writes sprints (numbers, "Z") both move the board's schedule;
//   - an event the app cannot read is logged with a reason and its board is reconciled, never dropped;
//   - every sprint name the app would send is checked against Jira's rules before any call;
//   - application log records fit the Custom Entity Store's types (32-bit integers, non-blank
//     strings) and come back in the order they were logged.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-padmin';
const JIRA_ADMIN = 'acc-jira-admin';
const MIN = 60000;

async function seeded(t, { bed: bedOptions = {}, settings = {} } = {}) {
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z', ...bedOptions });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'SA' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['SA'] });
  j.addUser({ accountId: JIRA_ADMIN, jiraAdmin: true });
  const board = j.addBoard({ name: 'SA board', projectKey: 'SA' });
  const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: '2026-01-05T09:00:00Z', endDate: '2026-01-19T09:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: board.id, name: 'Sprint 2', startDate: '2026-01-19T09:00:00Z', endDate: '2026-02-02T09:00:00Z' });
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', {
    projectKey: 'SA', boardId: board.id,
    settings: { automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: null, startTime: null,
      closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0, ...settings },
  }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  const first = await bed.runScheduled('sprint-check');
  assert.equal(first.ok, true, JSON.stringify(first));
  return { bed, j, board, s1, s2 };
}

const schedule = async (bed, boardId) => (await bed.sql.query('SELECT next_due_at, reconcile_at FROM board_schedule WHERE board_id = ?', [boardId]))[0];
const logLines = (bed) => bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((o) => o && o.reason);

for (const [form, offset] of [['forge', 0], ['forge', 120], ['forge', 345], ['rest', 0]]) {
  test(`a sprint re-dated in Jira reschedules its board from the event (${form} form, offset ${offset} min)`, async (t) => {
    const { bed, j, board, s1 } = await seeded(t);
    j.setEventForm(form, offset);
    assert.equal(Number((await schedule(bed, board.id)).next_due_at), Date.parse('2026-01-19T09:00:00Z'));
    // Someone in Jira moves the active sprint's end three days earlier.
    j.updateSprint(s1.id, { endDate: '2026-01-16T09:00:00Z' }, { emit: true, atlassianId: ADMIN });
    const [delivery] = await bed.deliverSprintEvents();
    const ev = delivery.event;
    if (form === 'forge') {
      assert.equal(typeof ev.sprint.id, 'string');
      assert.equal(typeof ev.sprint.originBoardId, 'string');
      assert.match(ev.sprint.endDate, /[+-]\d{4}$/);
      assert.ok(ev.oldValue && ev.oldValue.endDate, 'updated events carry the old value');
    } else {
      assert.equal(typeof ev.sprint.id, 'number');
      assert.match(ev.sprint.endDate, /Z$/);
    }
    assert.equal(delivery.results[0].result.ok, true, JSON.stringify(delivery.results));
    assert.equal(delivery.results[0].result.data.result, 'rescheduled', JSON.stringify(delivery.results));
    assert.equal(Number((await schedule(bed, board.id)).next_due_at), Date.parse('2026-01-16T09:00:00Z'));
    // The close then happens at the new end, not a day later at the reconcile.
    bed.clock.set(Date.parse('2026-01-16T09:03:00Z'));
    await bed.runScheduled('sprint-check');
    assert.equal(j.getSprint(s1.id).state, 'closed');
    assert.ok(!logLines(bed).some((l) => l.reason === 'EVENT_UNREADABLE'));
  });
}

test('an event the app cannot read is logged with a reason and its board is read at the next check', async (t) => {
  const { bed, j, board, s1 } = await seeded(t);
  // The sprint was re-dated, but the event's sprint has a state the app does not know.
  j.updateSprint(s1.id, { endDate: '2026-01-16T09:00:00Z' });
  j.resetRequests();
  const odd = { eventType: 'avi:jira-software:updated:sprint', sprint: { id: String(s1.id), originBoardId: String(board.id), state: 'ARCHIVED?', endDate: 'soon' }, atlassianId: ADMIN };
  const [{ result }] = await bed.deliverProductEvent(odd);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.data.result, 'reconcile');
  assert.equal(j.requests.length, 0, 'the board id was in the event: no Jira call');
  const line = logLines(bed).find((l) => l.reason === 'EVENT_UNREADABLE');
  assert.ok(line, 'logged');
  assert.equal(line.level, 'warn');
  assert.equal(line.boardId, board.id);
  assert.match(line.message, /sprint\.state/);
  assert.ok(!JSON.stringify(line).includes(ADMIN), 'the person who caused it is not logged');
  assert.equal(Number((await schedule(bed, board.id)).reconcile_at), bed.clock.now());
  // The next tick reads the board and learns the new end: the close happens at it.
  bed.clock.advance(5 * MIN);
  await bed.runScheduled('sprint-check');
  assert.equal(Number((await schedule(bed, board.id)).next_due_at), Date.parse('2026-01-16T09:00:00Z'));
  bed.clock.set(Date.parse('2026-01-16T09:03:00Z'));
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'closed');
});

test('an event with a sprint id but no board costs one Jira read; one with nothing readable is still logged', async (t) => {
  const { bed, j, board, s1 } = await seeded(t);
  j.resetRequests();
  const [{ result }] = await bed.deliverProductEvent({ eventType: 'avi:jira-software:updated:sprint', sprint: { id: String(s1.id), state: 'active' } });
  assert.equal(result.data.result, 'reconcile', JSON.stringify(result));
  assert.deepEqual(j.requests.map((r) => `${r.method} ${r.path}`), [`GET /rest/agile/1.0/sprint/${s1.id}`]);
  assert.equal(Number((await schedule(bed, board.id)).reconcile_at), bed.clock.now());

  j.resetRequests();
  const [{ result: none }] = await bed.deliverProductEvent({ eventType: 'avi:jira-software:deleted:sprint', sprint: null });
  assert.equal(none.ok, true, JSON.stringify(none));
  assert.equal(none.data.result, 'unreadable');
  assert.equal(j.requests.length, 0);
  const lines = logLines(bed).filter((l) => l.reason === 'EVENT_UNREADABLE');
  assert.equal(lines.length, 2);
  assert.match(lines[1].message, /deleted event .*no board could be found/);
});

test('names Jira would refuse are refused before any call, with a coded 400 naming the field', async (t) => {
  const { bed, j, board } = await seeded(t);
  const writes = () => j.requests.filter((r) => r.method !== 'GET').length;
  j.resetRequests();
  const before = await bed.sql.query('SELECT * FROM board_settings');

  // Rename by a blank template: Jira trims names and refuses an empty one.
  const blank = await bed.invokeResolver('renameFutureSprints', { projectKey: 'SA', boardId: board.id, nameTemplate: ' ' }, { accountId: ADMIN });
  assert.equal(blank.ok, false);
  assert.equal(blank.error.code, 'SPRINT_NAME_EMPTY', JSON.stringify(blank));
  assert.equal(blank.error.status, 400);
  assert.equal(blank.error.details.field, 'nameTemplate');
  // 29 letters and an emoji: 30 characters, 31 UTF-16 units as Jira (Java) counts them.
  const emoji = await bed.invokeResolver('renameFutureSprints', { projectKey: 'SA', boardId: board.id, nameTemplate: `${'x'.repeat(29)}\u{1F680}` }, { accountId: ADMIN });
  assert.equal(emoji.ok, false);
  assert.equal(emoji.error.code, 'SPRINT_NAME_TOO_LONG', JSON.stringify(emoji));
  assert.equal(writes(), 0, 'no rename reached Jira');

  // Keep-ahead names are checked when the board is saved (the sprints they would create).
  const settings = { automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: null, startTime: null,
    closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 2 };
  const long = await bed.invokeResolver('updateBoardSettings', { projectKey: 'SA', boardId: board.id, settings: { ...settings, nameTemplate: '{board} quarterly planning sprint {n}' } }, { accountId: ADMIN });
  assert.equal(long.ok, false);
  assert.equal(long.error.code, 'SPRINT_NAME_TOO_LONG', JSON.stringify(long));
  assert.equal(long.error.details.field, 'settings.nameTemplate');
  assert.deepEqual(await bed.sql.query('SELECT * FROM board_settings'), before, 'nothing saved');
  assert.equal(writes(), 0);

  // A template that fits is saved, and the top-up creates sprints with exactly the checked names.
  const ok = await bed.invokeResolver('updateBoardSettings', { projectKey: 'SA', boardId: board.id, settings: { ...settings, nameTemplate: '  SA {n}  ' } }, { accountId: ADMIN });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  bed.clock.advance(5 * MIN);
  await bed.runScheduled('sprint-check');
  const created = j.requests.filter((r) => r.method === 'POST' && r.path === '/rest/agile/1.0/sprint').map((r) => r.body.name);
  assert.deepEqual(created, ['SA 3'], 'trimmed before it is sent (one future sprint existed)');
});

test('log records fit the store: ISO time, string ids, no blank strings, and equal times keep their order', async (t) => {
  const { bed, j, board, s1, s2 } = await seeded(t);
  bed.clock.set(Date.parse('2026-01-19T09:02:00Z'));
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s2.id).state, 'active');
  const sets = bed.kvs.log.filter((e) => e.path === '/api/v1/entity/set' && e.body.entityName === 'app-log');
  assert.ok(sets.length >= 2);
  for (const s of sets) {
    assert.ok(s.status >= 200 && s.status < 300, `log write refused: ${s.status} ${s.code}`);
    assert.match(s.body.value.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#\d{10}$/);
    for (const [k, v] of Object.entries(s.body.value)) {
      if (typeof v === 'number') assert.ok(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31, `${k} = ${v} is not a 32-bit integer`);
      if (typeof v === 'string') assert.ok(v.trim().length > 0, `${k} is blank`);
    }
  }
  const logs = await bed.invokeResolver('getLogs', { limit: 100 }, { accountId: JIRA_ADMIN });
  assert.equal(logs.ok, true, JSON.stringify(logs));
  const rollover = logs.data.entries.filter((e) => e.time === '2026-01-19T09:02:00.000Z');
  // Newest first: the start was logged after the close, so it comes first.
  const reasons = rollover.map((e) => e.reason);
  assert.ok(reasons.indexOf('SPRINT_STARTED') < reasons.indexOf('SPRINT_CLOSED'), reasons.join(','));
  assert.equal(rollover.find((e) => e.reason === 'SPRINT_CLOSED').sprintId, s1.id);
  assert.equal(rollover.find((e) => e.reason === 'SPRINT_CLOSED').boardId, board.id);
});

test('ids beyond 32 bits are logged and filtered like any other', async (t) => {
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'BIG' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['BIG'] });
  j.addUser({ accountId: JIRA_ADMIN, jiraAdmin: true });
  const board = j.addBoard({ id: 5000000001, name: 'BIG board', projectKey: 'BIG' });
  const s1 = j.addSprint({ id: 7000000001, boardId: board.id, name: 'Sprint 1', startDate: '2026-01-05T09:00:00Z', endDate: '2026-01-19T09:00:00Z' });
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', {
    projectKey: 'BIG', boardId: board.id,
    settings: { automate: true, autoStart: true, autoClose: false, carryOver: 'backlog', timeZone: null, startTime: null,
      closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 },
  }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(s1.id).state, 'active');
  const logs = await bed.invokeResolver('getLogs', { boardId: board.id, limit: 10 }, { accountId: JIRA_ADMIN });
  assert.equal(logs.ok, true, JSON.stringify(logs));
  const started = logs.data.entries.find((e) => e.reason === 'SPRINT_STARTED');
  assert.ok(started, JSON.stringify(logs.data.entries));
  assert.equal(started.sprintId, s1.id);
  assert.equal(started.boardId, board.id);
});
