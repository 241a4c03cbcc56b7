'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, call, T0, iso, DAY } = require('./helpers');

const A = '/rest/agile/1.0';

async function withJira(fn) {
  const env = await setup();
  try { await fn(env); } finally { await env.jira.close(); }
}
const create = (jira, body) => call(jira, 'POST', `${A}/sprint`, { body });
const partial = (jira, id, body, opts = {}) => call(jira, 'POST', `${A}/sprint/${id}`, { body, ...opts });

test('create: 201 future, trimmed name, dates stored as instants and returned as UTC with millis', () => withJira(async ({ jira, board }) => {
  const r = await create(jira, { name: '  Sprint 1  ', originBoardId: board.id, startDate: '2026-01-05T09:00:00.000+01:00', endDate: '2026-01-19T09:00:00+0100', goal: 'ship' });
  assert.equal(r.status, 201);
  assert.equal(r.body.state, 'future');
  assert.equal(r.body.name, 'Sprint 1');
  assert.equal(r.body.startDate, '2026-01-05T08:00:00.000Z');
  assert.equal(r.body.endDate, '2026-01-19T08:00:00.000Z');
  assert.equal(r.body.goal, 'ship');
  assert.equal(r.body.originBoardId, board.id);
  assert.equal(r.body.self, `${jira.url}${A}/sprint/${r.body.id}`);
  assert.deepEqual(jira.getSprint(r.body.id), r.body);
}));

test('create: name empty / over 30 characters / missing board -> 400 with errors; limit is switchable', () => withJira(async ({ jira, board, kanban }) => {
  let r = await create(jira, { name: '   ', originBoardId: board.id });
  assert.equal(r.status, 400); assert.ok(r.body.errors.name);
  r = await create(jira, { name: 'x'.repeat(31), originBoardId: board.id });
  assert.equal(r.status, 400); assert.ok(r.body.errors.name);
  r = await create(jira, { name: ` ${'x'.repeat(30)} `, originBoardId: board.id });
  assert.equal(r.status, 201);
  r = await create(jira, { name: 'S' });
  assert.equal(r.status, 400); assert.ok(r.body.errors.originBoardId);
  r = await create(jira, { name: 'S', originBoardId: kanban.id });
  assert.equal(r.status, 400);
  r = await create(jira, { name: 'S', originBoardId: board.id, startDate: 'next monday' });
  assert.equal(r.status, 400); assert.ok(r.body.errors.startDate);
  jira.setNameLimit(40);
  r = await create(jira, { name: 'x'.repeat(35), originBoardId: board.id });
  assert.equal(r.status, 201);
  assert.equal(jira.sprintsOfBoard(board.id).length, 2);
}));

test('sprint list: closed, active, future in board order; page capped at 50; isLast; state filter; total switch', () => withJira(async ({ jira, board }) => {
  const ids = [];
  for (let i = 1; i <= 60; i++) ids.push((await create(jira, { name: `F${i}`, originBoardId: board.id })).body.id);
  jira.updateSprint(ids[5], { state: 'closed', startDate: T0 - 20 * DAY, endDate: T0 - 6 * DAY });
  jira.updateSprint(ids[10], { state: 'active', startDate: T0, endDate: T0 + 14 * DAY });
  let r = await call(jira, 'GET', `${A}/board/${board.id}/sprint?maxResults=500`);
  assert.equal(r.status, 200);
  assert.equal(r.body.maxResults, 50);
  assert.equal(r.body.values.length, 50);
  assert.equal(r.body.isLast, false);
  assert.equal(r.body.total, 60);
  assert.deepEqual(r.body.values.slice(0, 3).map((s) => s.name), ['F6', 'F11', 'F1']);
  r = await call(jira, 'GET', `${A}/board/${board.id}/sprint?startAt=50`);
  assert.equal(r.body.values.length, 10);
  assert.equal(r.body.isLast, true);
  assert.equal(r.body.values[9].name, 'F60', 'new sprints go to the bottom');
  r = await call(jira, 'GET', `${A}/board/${board.id}/sprint?state=active,closed`);
  assert.deepEqual(r.body.values.map((s) => s.state), ['closed', 'active']);
  assert.equal(r.body.isLast, true);
  jira.setOmitTotal(true);
  r = await call(jira, 'GET', `${A}/board/${board.id}/sprint?state=future&maxResults=10`);
  assert.equal(r.body.total, undefined);
  assert.equal(r.body.isLast, false);
  r = await call(jira, 'GET', `${A}/board/999/sprint`);
  assert.equal(r.status, 404);
}));

test('partial POST keeps other fields; full PUT nulls what is left out (goal lost)', () => withJira(async ({ jira, board }) => {
  const s = (await create(jira, { name: 'S1', originBoardId: board.id, goal: 'keep me', startDate: iso(T0), endDate: iso(T0 + 14 * DAY) })).body;
  let r = await partial(jira, s.id, { name: 'S1 renamed' });
  assert.equal(r.status, 200);
  assert.equal(r.body.goal, 'keep me');
  assert.equal(r.body.startDate, iso(T0));
  r = await call(jira, 'PUT', `${A}/sprint/${s.id}`, { body: { name: 'S1 full' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'S1 full');
  assert.equal(r.body.goal, undefined);
  assert.equal(r.body.startDate, undefined);
  assert.equal(r.body.state, 'future');
  assert.equal(jira.getSprint(s.id).goal, undefined);
  r = await call(jira, 'PUT', `${A}/sprint/${s.id}`, { body: { goal: 'no name' } });
  assert.equal(r.status, 400, 'PUT without name nulls the name: invalid');
  r = await partial(jira, s.id, { name: 'x'.repeat(31) });
  assert.equal(r.status, 400);
  r = await partial(jira, 999, { name: 'x' });
  assert.equal(r.status, 404);
}));

test('start rules: dates required, end not in the past, one active sprint per board unless parallel sprints', () => withJira(async ({ jira, board, clock }) => {
  const a = (await create(jira, { name: 'A', originBoardId: board.id })).body;
  const b = (await create(jira, { name: 'B', originBoardId: board.id, startDate: iso(T0), endDate: iso(T0 + 7 * DAY) })).body;
  const c = (await create(jira, { name: 'C', originBoardId: board.id, startDate: iso(T0), endDate: iso(T0 + 7 * DAY) })).body;
  let r = await partial(jira, a.id, { state: 'active' });
  assert.equal(r.status, 400, 'no dates');
  assert.ok(r.body.errorMessages[0]);
  r = await partial(jira, a.id, { state: 'active', startDate: iso(T0) });
  assert.equal(r.status, 400, 'no end date');
  r = await partial(jira, a.id, { state: 'active', startDate: iso(T0 - 10 * DAY), endDate: iso(T0 - DAY) });
  assert.equal(r.status, 400, 'end date in the past');
  assert.equal(jira.getSprint(a.id).state, 'future');
  assert.equal(jira.getSprint(a.id).startDate, undefined, 'a refused update changes nothing');
  r = await partial(jira, a.id, { state: 'active', startDate: iso(T0), endDate: iso(T0 - DAY) });
  assert.equal(r.status, 400, 'end before start');
  r = await partial(jira, a.id, { state: 'active', startDate: iso(T0), endDate: iso(T0 + 14 * DAY) });
  assert.equal(r.status, 200);
  assert.equal(r.body.state, 'active');
  r = await partial(jira, b.id, { state: 'active' });
  assert.equal(r.status, 400, 'second active sprint');
  assert.match(r.body.errorMessages[0], /active sprint/);
  jira.setParallelSprints(true);
  r = await partial(jira, b.id, { state: 'active' });
  assert.equal(r.status, 200, 'parallel sprints on');
  // the simulated clock decides what "past" means
  clock.advance(8 * DAY);
  r = await partial(jira, c.id, { state: 'active' });
  assert.equal(r.status, 400, 'end date passed on the simulated clock');
  // backwards and unknown transitions
  r = await partial(jira, a.id, { state: 'future' });
  assert.equal(r.status, 400);
  r = await partial(jira, a.id, { state: 'paused' });
  assert.equal(r.status, 400);
  // an active sprint keeps its dates
  r = await partial(jira, a.id, { endDate: null });
  assert.equal(r.status, 400);
  // optional: Jira may overwrite startDate with now on start
  jira.setStartOverwritesStartDate(true);
  const d = (await create(jira, { name: 'D', originBoardId: board.id, startDate: iso(T0 + 20 * DAY), endDate: iso(T0 + 30 * DAY) })).body;
  r = await partial(jira, d.id, { state: 'active' });
  assert.equal(r.body.startDate, iso(clock.now()));
}));

function sprintWithIssues(jira, board, { subtaskOpen = true } = {}) {
  const s = jira.addSprint({ boardId: board.id, name: 'Active', state: 'active', startDate: T0 - 7 * DAY, endDate: T0 + 7 * DAY });
  jira.addIssue({ projectKey: 'SA', key: 'SA-1', summary: 'done parent', statusId: '10002', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-2', summary: 'sub', issueType: 'Sub-task', parentKey: 'SA-1', statusId: subtaskOpen ? '10001' : '10002' });
  jira.addIssue({ projectKey: 'SA', key: 'SA-3', summary: 'open story', statusId: '10000', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-4', summary: 'done story', statusId: '10002', sprintId: s.id });
  return s;
}

test('close rules: future -> 400; sub-task rule on blocks with the keys; off closes; open issues go to the backlog', () => withJira(async ({ jira, board, clock }) => {
  const f = (await create(jira, { name: 'F', originBoardId: board.id })).body;
  let r = await partial(jira, f.id, { state: 'closed' });
  assert.equal(r.status, 400, 'closing a future sprint');
  const s = sprintWithIssues(jira, board);
  assert.equal(jira.issue('SA-2').sprintId, s.id, 'sub-task follows its parent into the sprint');
  r = await partial(jira, s.id, { state: 'closed' });
  assert.equal(r.status, 400);
  assert.match(r.body.errorMessages[0], /SA-1/);
  assert.match(r.body.errorMessages[0], /SA-2/);
  assert.equal(jira.getSprint(s.id).state, 'active');
  assert.equal(jira.issuesInSprint(s.id).length, 4);
  jira.setSubtaskRuleOnClose(false);
  clock.advance(3600e3);
  r = await partial(jira, s.id, { state: 'closed' });
  assert.equal(r.status, 200);
  assert.equal(r.body.state, 'closed');
  assert.equal(r.body.completeDate, iso(clock.now()));
  assert.deepEqual(jira.issuesInSprint(s.id).map((i) => i.key), ['SA-1', 'SA-4'], 'done issues stay in the closed sprint');
  assert.deepEqual(jira.backlogOf('SA').map((i) => i.key), ['SA-2', 'SA-3']);
  assert.deepEqual(jira.backlogOf(board.id).map((i) => i.key), ['SA-2', 'SA-3']);
  // a closed sprint takes only name and goal
  r = await partial(jira, s.id, { name: 'Renamed', goal: 'after the fact' });
  assert.equal(r.status, 200);
  r = await partial(jira, s.id, { endDate: iso(T0 + 30 * DAY) });
  assert.equal(r.status, 400);
  r = await partial(jira, s.id, { state: 'active' });
  assert.equal(r.status, 400);
  r = await call(jira, 'PUT', `${A}/sprint/${s.id}`, { body: { name: 'Renamed' } });
  assert.equal(r.status, 400, 'PUT would null the dates of a closed sprint');
}));

test('close: the Done column decides, not the status category ("Resolved" in a non-final column)', () => withJira(async ({ jira }) => {
  jira.addStatus({ id: '10100', name: 'Resolved', category: 'Done' });
  const b = jira.addBoard({ name: 'custom', projectKey: 'SA', columns: [
    { name: 'To Do', statusIds: ['10000'] }, { name: 'Review', statusIds: ['10001', '10100'] },
    { name: 'Done', statusIds: ['10002'] }, { name: 'Unmapped', statusIds: [] },
  ] });
  const s = jira.addSprint({ boardId: b.id, name: 'S', state: 'active', startDate: T0, endDate: T0 + DAY });
  jira.addIssue({ projectKey: 'SA', key: 'SA-10', statusId: '10100', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-11', statusId: '10002', sprintId: s.id });
  assert.equal(jira.isDoneOnBoard(b.id, 'SA-10'), false);
  const cfg = await call(jira, 'GET', `${A}/board/${b.id}/configuration`);
  assert.deepEqual(cfg.body.columnConfig.columns.map((c) => c.statuses.map((x) => x.id)), [['10000'], ['10001', '10100'], ['10002'], []]);
  const r = await partial(jira, s.id, { state: 'closed' });
  assert.equal(r.status, 200);
  assert.deepEqual(jira.backlogOf('SA').map((i) => i.key), ['SA-10']);
}));

test('swap: 204 exchanges board order; both must be future on the same board', () => withJira(async ({ jira, board, otherBoard }) => {
  const a = (await create(jira, { name: 'A', originBoardId: board.id })).body;
  const b = (await create(jira, { name: 'B', originBoardId: board.id })).body;
  const c = (await create(jira, { name: 'C', originBoardId: board.id })).body;
  const o = (await create(jira, { name: 'O', originBoardId: otherBoard.id })).body;
  let r = await call(jira, 'POST', `${A}/sprint/${a.id}/swap`, { body: { sprintToSwapWith: c.id } });
  assert.equal(r.status, 204);
  assert.deepEqual(jira.sprintsOfBoard(board.id).map((s) => s.name), ['C', 'B', 'A']);
  r = await call(jira, 'POST', `${A}/sprint/${a.id}/swap`, { body: { sprintToSwapWith: o.id } });
  assert.equal(r.status, 400);
  jira.updateSprint(b.id, { state: 'active', startDate: T0, endDate: T0 + DAY });
  r = await call(jira, 'POST', `${A}/sprint/${a.id}/swap`, { body: { sprintToSwapWith: b.id } });
  assert.equal(r.status, 400);
  r = await call(jira, 'POST', `${A}/sprint/${a.id}/swap`, { body: {} });
  assert.equal(r.status, 400);
  r = await call(jira, 'POST', `${A}/sprint/${a.id}/swap`, { body: { sprintToSwapWith: 999 } });
  assert.equal(r.status, 404);
}));

test('delete: 204 and issues go to the backlog; closed sprint -> 400; unknown -> 404', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  jira.addIssue({ projectKey: 'SA', key: 'SA-1', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-2', sprintId: s.id, statusId: '10002' });
  let r = await call(jira, 'DELETE', `${A}/sprint/${s.id}`);
  assert.equal(r.status, 204);
  assert.equal(jira.getSprint(s.id), undefined);
  assert.deepEqual(jira.backlogOf('SA').map((i) => i.key), ['SA-1', 'SA-2']);
  const c = jira.addSprint({ boardId: board.id, name: 'C', state: 'closed', startDate: T0 - 9 * DAY, endDate: T0 - 2 * DAY });
  r = await call(jira, 'DELETE', `${A}/sprint/${c.id}`);
  assert.equal(r.status, 400);
  assert.ok(jira.getSprint(c.id));
  r = await call(jira, 'DELETE', `${A}/sprint/${s.id}`);
  assert.equal(r.status, 404);
}));

test('control API: validated update throws like the REST API; raw update simulates a UI start', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  assert.throws(() => jira.updateSprint(s.id, { state: 'active' }, { validate: true }), (e) => e.status === 400 && e.body.errorMessages.length === 1);
  const out = jira.updateSprint(s.id, { state: 'active', startDate: T0, endDate: '2026-01-12T08:00:00.000Z' }, { emit: true, atlassianId: 'user-1' });
  assert.equal(out.state, 'active');
  assert.equal(out.endDate, '2026-01-12T08:00:00.000Z');
  assert.equal(jira.events.at(-1).eventType, 'avi:jira-software:started:sprint');
  assert.equal(jira.events.at(-1).atlassianId, 'user-1');
}));
