'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, call, T0, DAY } = require('./helpers');

const A = '/rest/agile/1.0';
async function withJira(fn) {
  const env = await setup();
  try { await fn(env); } finally { await env.jira.close(); }
}

test('board list: filters, page capped at 50, isLast, location; users and the app can list', () => withJira(async ({ jira }) => {
  for (let i = 0; i < 60; i++) jira.addBoard({ name: `Bulk ${i}`, projectKey: 'OT' });
  let r = await call(jira, 'GET', `${A}/board?maxResults=100`);
  assert.equal(r.status, 200);
  assert.equal(r.body.maxResults, 50);
  assert.equal(r.body.values.length, 50);
  assert.equal(r.body.isLast, false);
  assert.equal(r.body.total, 63);
  r = await call(jira, 'GET', `${A}/board?startAt=50`, { as: 'user', accountId: 'user-1' });
  assert.equal(r.status, 200);
  assert.equal(r.body.values.length, 13);
  assert.equal(r.body.isLast, true);
  r = await call(jira, 'GET', `${A}/board?type=scrum&projectKeyOrId=SA`);
  assert.deepEqual(r.body.values.map((b) => b.name), ['SA board']);
  const sa = r.body.values[0];
  assert.deepEqual(sa.location, { projectId: 10000, projectKey: 'SA', projectName: 'Sprint Automation', displayName: 'Sprint Automation (SA)', name: 'Sprint Automation (SA)', projectTypeKey: 'software' });
  r = await call(jira, 'GET', `${A}/board?projectKeyOrId=10000&type=kanban`);
  assert.deepEqual(r.body.values.map((b) => b.name), ['SA kanban']);
  r = await call(jira, 'GET', `${A}/board?name=bulk%2059`);
  assert.deepEqual(r.body.values.map((b) => b.name), ['Bulk 59']);
  r = await call(jira, 'GET', `${A}/board`, { as: 'user', accountId: 'nobody' });
  assert.equal(r.status, 401);
  r = await call(jira, 'GET', `${A}/board`, { as: 'user' });
  assert.equal(r.status, 401, 'user provider without an account id');
  r = await call(jira, 'GET', `${A}/board/${sa.id}`);
  assert.equal(r.body.name, 'SA board');
  r = await call(jira, 'GET', `${A}/board/abc`);
  assert.equal(r.status, 404);
}));

test('app project access switched off -> 403 on that project\'s boards and sprints only', () => withJira(async ({ jira, board, otherBoard }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  jira.setAppProjectAccess('SA', false);
  for (const [m, p, body] of [
    ['GET', `${A}/board/${board.id}`], ['GET', `${A}/board/${board.id}/configuration`], ['GET', `${A}/board/${board.id}/sprint`],
    ['GET', `${A}/sprint/${s.id}`], ['POST', `${A}/sprint/${s.id}`, { name: 'x' }], ['POST', `${A}/sprint`, { name: 'x', originBoardId: board.id }],
    ['GET', `${A}/sprint/${s.id}/issue`], ['DELETE', `${A}/sprint/${s.id}`],
  ]) {
    const r = await call(jira, m, p, { body });
    assert.equal(r.status, 403, `${m} ${p}`);
  }
  assert.equal((await call(jira, 'GET', `${A}/board/${otherBoard.id}/sprint`)).status, 200);
  assert.equal((await call(jira, 'GET', `${A}/sprint/${s.id}`, { as: 'user', accountId: 'user-1' })).status, 200, 'users unaffected');
  jira.setAppProjectAccess('SA', true);
  assert.equal((await call(jira, 'GET', `${A}/sprint/${s.id}`)).status, 200);
}));

function fill(jira, sprintId, n) {
  for (let i = 1; i <= n; i++) jira.addIssue({ projectKey: 'SA', summary: `issue ${i}`, statusId: i % 3 === 0 ? '10002' : '10000', sprintId });
}

test('sprint issues: rank order, pagination (default 50, cap 100), total', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  fill(jira, s.id, 120);
  let r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue`);
  assert.equal(r.status, 200);
  assert.equal(r.body.maxResults, 50);
  assert.equal(r.body.issues.length, 50);
  assert.equal(r.body.total, 120);
  assert.equal(r.body.issues[0].key, 'SA-1');
  r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?maxResults=1000&startAt=10`);
  assert.equal(r.body.maxResults, 100);
  assert.equal(r.body.issues.length, 100);
  assert.equal(r.body.issues[0].key, 'SA-11');
  r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?startAt=110&maxResults=100`);
  assert.equal(r.body.issues.length, 10);
}));

test('sprint issues: fields filter and shapes (status, issuetype, parent, subtasks, summary)', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  jira.addIssue({ projectKey: 'SA', key: 'SA-1', summary: 'parent', statusId: '10002', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-2', summary: 'child', issueType: 'Sub-task', parentKey: 'SA-1', statusId: '10001' });
  let r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?fields=status,issuetype,parent,subtasks`);
  const [p, c] = r.body.issues;
  assert.deepEqual(Object.keys(p.fields).sort(), ['issuetype', 'status', 'subtasks']);
  assert.deepEqual(Object.keys(c.fields).sort(), ['issuetype', 'parent', 'status', 'subtasks']);
  assert.equal(p.fields.status.id, '10002');
  assert.deepEqual(p.fields.status.statusCategory.key, 'done');
  assert.equal(p.fields.issuetype.subtask, false);
  assert.equal(c.fields.issuetype.subtask, true);
  assert.equal(c.fields.parent.key, 'SA-1');
  assert.equal(c.fields.parent.id, p.id);
  assert.deepEqual(p.fields.subtasks.map((x) => [x.key, x.fields.status.id]), [['SA-2', '10001']]);
  r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?fields=summary`);
  assert.deepEqual(r.body.issues[0].fields, { summary: 'parent' });
  assert.equal(r.body.issues[0].key, 'SA-1');
  r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue`);
  assert.ok(r.body.issues[0].fields.status && r.body.issues[0].fields.summary, 'all fields by default');
}));

test('sprint issues: supported JQL and 400 for the rest', () => withJira(async ({ jira, board }) => {
  jira.addStatus({ id: '10100', name: 'Resolved', category: 'Done' });
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  jira.addIssue({ projectKey: 'SA', key: 'SA-1', statusId: '10000', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-2', statusId: '10002', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-3', statusId: '10100', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-4', statusId: '10001', issueType: 'Sub-task', parentKey: 'SA-1' });
  const q = async (jql) => {
    const r = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?fields=status&jql=${encodeURIComponent(jql)}`);
    return r.status === 200 ? r.body.issues.map((i) => i.key) : r.status;
  };
  assert.deepEqual(await q(''), ['SA-1', 'SA-2', 'SA-3', 'SA-4']);
  assert.deepEqual(await q('statusCategory != Done'), ['SA-1', 'SA-4']);
  assert.deepEqual(await q('statusCategory = "Done" ORDER BY Rank ASC'), ['SA-2', 'SA-3']);
  assert.deepEqual(await q('status in (10000, "In Progress")'), ['SA-1', 'SA-4']);
  assert.deepEqual(await q('status not in (10002)'), ['SA-1', 'SA-3', 'SA-4']);
  assert.deepEqual(await q('status = Resolved'), ['SA-3']);
  assert.deepEqual(await q('issuetype in subTaskIssueTypes()'), ['SA-4']);
  assert.deepEqual(await q('issuetype != Sub-task AND statusCategory != Done'), ['SA-1']);
  assert.deepEqual(await q('key in (SA-2, SA-3)'), ['SA-2', 'SA-3']);
  assert.equal(await q('assignee = currentUser()'), 400);
  assert.equal(await q('status = 1 OR status = 2'), 400);
  assert.equal(await q('statusCategory = Frozen'), 400);
  // S has not started: "open" sprints are the started ones (Jira's JQL functions reference).
  assert.deepEqual(await q('sprint in openSprints()'), []);
  assert.deepEqual(await q('sprint in futureSprints()'), ['SA-1', 'SA-2', 'SA-3', 'SA-4']);
  assert.deepEqual(await q('sprint in closedSprints()'), []);
}));

test('a closed sprint keeps its record: its issue list, each issue\'s closed sprints, the Sprint Report lists', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S', startDate: '2026-01-05T09:00:00Z', endDate: '2026-01-19T09:00:00Z' });
  const next = jira.addSprint({ boardId: board.id, name: 'N' });
  const key = (k, statusId, more = {}) => jira.addIssue({ projectKey: 'SA', key: k, statusId, sprintId: s.id, ...more }).key;
  key('SA-1', '10002');
  key('SA-2', '10000');
  key('SA-3', '10001');
  jira.addIssue({ projectKey: 'SA', key: 'SA-4', statusId: '10002', issueType: 'Sub-task', parentKey: 'SA-2' });
  await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { state: 'active' } });
  // Taken out while active: "removed"; put in after the start: "added".
  await call(jira, 'POST', `${A}/backlog/issue`, { body: { issues: ['SA-3'] } });
  jira.addIssue({ projectKey: 'SA', key: 'SA-5', statusId: '10000' });
  await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: ['SA-5'] } });
  await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { state: 'closed' } });
  assert.deepEqual(jira.sprintReport(s.id), { completed: ['SA-1', 'SA-4'], notCompleted: ['SA-2', 'SA-5'], removed: ['SA-3'], added: ['SA-5'] });
  // SA-4 is done but its parent is not: it goes to the backlog with it (a sub-task is in its parent's sprint).
  assert.deepEqual(jira.backlogOf('SA').map((i) => i.key), ['SA-2', 'SA-3', 'SA-4', 'SA-5']);
  assert.deepEqual(jira.issue('SA-2').closedSprintIds, [s.id]);
  assert.deepEqual(jira.issue('SA-3').closedSprintIds, [], 'removed before the close: not in its Sprint field');
  const jql = encodeURIComponent('status not in (10002) AND sprint not in openSprints() AND sprint not in futureSprints()');
  const list = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?fields=closedSprints&jql=${jql}`);
  assert.deepEqual(list.body.issues.map((i) => i.key), ['SA-2', 'SA-5']);
  assert.equal(list.body.issues[0].fields.closedSprints[0].id, s.id);
  await call(jira, 'POST', `${A}/sprint/${next.id}/issue`, { body: { issues: ['SA-2'] } });
  const left = await call(jira, 'GET', `${A}/sprint/${s.id}/issue?jql=${jql}`);
  assert.deepEqual(left.body.issues.map((i) => i.key), ['SA-5'], 'moved on: no longer left in the backlog');
}));

test('move to sprint: 204, rank before/after, max 50, closed target 400, unknown issue 400 (nothing moved)', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  const t = jira.addSprint({ boardId: board.id, name: 'T' });
  for (let i = 1; i <= 60; i++) jira.addIssue({ projectKey: 'SA', summary: `i${i}` });
  let r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: ['SA-1', 'SA-2', 'SA-3'] } });
  assert.equal(r.status, 204);
  r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: ['SA-10'], rankBeforeIssue: 'SA-2' } });
  assert.equal(r.status, 204);
  assert.deepEqual(jira.issuesInSprint(s.id).map((i) => i.key), ['SA-1', 'SA-10', 'SA-2', 'SA-3']);
  r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: ['SA-11'], rankAfterIssue: 'SA-3' } });
  assert.equal(r.status, 204);
  assert.deepEqual(jira.issuesInSprint(s.id).map((i) => i.key), ['SA-1', 'SA-10', 'SA-2', 'SA-3', 'SA-11']);
  const fifty = Array.from({ length: 50 }, (_, i) => `SA-${i + 11}`);
  r = await call(jira, 'POST', `${A}/sprint/${t.id}/issue`, { body: { issues: fifty } });
  assert.equal(r.status, 204);
  assert.equal(jira.issuesInSprint(t.id).length, 50);
  r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: [...fifty, 'SA-4'] } });
  assert.equal(r.status, 400, '51 issues');
  assert.equal(jira.issuesInSprint(t.id).length, 50);
  r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: ['SA-4', 'SA-999'] } });
  assert.equal(r.status, 400);
  assert.equal(jira.issue('SA-4').sprintId, null);
  r = await call(jira, 'POST', `${A}/sprint/${s.id}/issue`, { body: { issues: [jira.issue('SA-4').id] } });
  assert.equal(r.status, 204, 'issue ids work too');
  jira.updateSprint(t.id, { state: 'closed', startDate: T0 - DAY, endDate: T0 });
  r = await call(jira, 'POST', `${A}/sprint/${t.id}/issue`, { body: { issues: ['SA-5'] } });
  assert.equal(r.status, 400, 'closed target');
}));

test('move to backlog: /backlog/issue 204 and 50 limit; /backlog/{board}/issue 204 or 207 with entries', () => withJira(async ({ jira, board }) => {
  const s = jira.addSprint({ boardId: board.id, name: 'S' });
  jira.addIssue({ projectKey: 'SA', key: 'SA-1', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-2', sprintId: s.id });
  jira.addIssue({ projectKey: 'SA', key: 'SA-3', sprintId: s.id });
  jira.addIssue({ projectKey: 'OT', key: 'OT-1', sprintId: s.id });
  let r = await call(jira, 'POST', `${A}/backlog/issue`, { body: { issues: ['SA-1'] } });
  assert.equal(r.status, 204);
  assert.equal(jira.issue('SA-1').sprintId, null);
  r = await call(jira, 'POST', `${A}/backlog/issue`, { body: { issues: Array.from({ length: 51 }, (_, i) => `SA-${i}`) } });
  assert.equal(r.status, 400);
  r = await call(jira, 'POST', `${A}/backlog/${board.id}/issue`, { body: { issues: ['SA-2'] } });
  assert.equal(r.status, 204);
  r = await call(jira, 'POST', `${A}/backlog/${board.id}/issue`, { body: { issues: ['SA-3', 'OT-1', 'SA-404'] } });
  assert.equal(r.status, 207);
  assert.deepEqual(r.body.entries.map((e) => [e.issueKey, e.status]), [['SA-3', 200], ['OT-1', 400], ['SA-404', 404]]);
  assert.equal(typeof r.body.entries[0].issueId, 'number');
  assert.ok(r.body.entries[1].errors[0]);
  assert.equal(jira.issue('SA-3').sprintId, null, 'the good one moved');
  assert.equal(jira.issue('OT-1').sprintId, s.id, 'the bad one did not');
  r = await call(jira, 'POST', `${A}/backlog/999/issue`, { body: { issues: ['SA-3'] } });
  assert.equal(r.status, 404);
}));
