'use strict';
// Team-managed projects: their boards (Agile API type `simple`) have sprints when the project's
// Sprints feature is on, and are listed and automated like scrum boards; a kanban board is listed
// and explained, never configured. Whether a team-managed board answers its configuration is not
// documented: the app reads "done" from the columns when it does and from the status category
// when it does not, and this suite runs both.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-tm-admin';
const DONE = '10002';
const SETTINGS = {
  automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'Europe/Berlin', startTime: null,
  closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0,
};

async function seeded(t, configuration) {
  const bed = await startTestbed({ clockStart: '2026-01-05T08:00:00Z', jiraOptions: { simpleBoardConfiguration: configuration } });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'TM' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['TM'] });
  const team = j.addBoard({ name: 'TM board', type: 'simple', projectKey: 'TM' });
  const off = j.addBoard({ name: 'TM no sprints', type: 'simple', projectKey: 'TM', sprints: false });
  const kanban = j.addBoard({ name: 'TM kanban', type: 'kanban', projectKey: 'TM' });
  const s1 = j.addSprint({ boardId: team.id, name: 'TM 1', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: team.id, name: 'TM 2', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z' });
  const done = j.addIssue({ projectKey: 'TM', summary: 'done', statusId: DONE, sprintId: s1.id }).key;
  const open = j.addIssue({ projectKey: 'TM', summary: 'open', statusId: '10001', sprintId: s1.id }).key;
  await bed.runLifecycle('installed');
  return { bed, j, team, off, kanban, s1, s2, done, open };
}

for (const configuration of ['columns', 'unsupported']) {
  test(`a team-managed board is listed, configured and rolled over (its configuration: ${configuration})`, async (t) => {
    const { bed, j, team, off, kanban, s1, s2, done, open } = await seeded(t, configuration);
    const list = await bed.invokeResolver('listBoards', { projectKey: 'TM' }, { accountId: ADMIN });
    assert.equal(list.ok, true, JSON.stringify(list));
    const byId = Object.fromEntries(list.data.boards.map((b) => [b.boardId, b]));
    assert.deepEqual([byId[team.id].type, byId[team.id].hasSprints], ['simple', true]);
    assert.deepEqual([byId[kanban.id].type, byId[kanban.id].hasSprints], ['kanban', false], 'shown, not hidden');
    assert.ok(byId[off.id], 'a team-managed board with sprints off is listed too');

    const refused = await bed.invokeResolver('updateBoardSettings', { projectKey: 'TM', boardId: kanban.id, settings: SETTINGS }, { accountId: ADMIN });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'OUT_OF_RANGE');
    assert.equal(refused.error.details.field, 'boardId');
    assert.match(refused.error.message, /kanban board has no sprints/);

    const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'TM', boardId: team.id, settings: SETTINGS }, { accountId: ADMIN });
    assert.equal(r.ok, true, JSON.stringify(r));
    await bed.runScheduled('sprint-check');
    bed.clock.set(Date.parse('2026-01-19T08:02:00Z'));
    j.resetRequests();
    await bed.runScheduled('sprint-check');
    assert.equal(j.getSprint(s1.id).state, 'closed');
    assert.equal(j.getSprint(s2.id).state, 'active');
    assert.equal(j.issue(open).sprintId, s2.id, 'unfinished work carried');
    assert.equal(j.issue(done).sprintId, s1.id, 'done work stays');
    assert.deepEqual(j.sprintReport(s1.id).notCompleted, [open]);
    const read = j.requests.find((x) => x.path === `/rest/agile/1.0/sprint/${s1.id}/issue`);
    const jql = decodeURIComponent((read.query.jql || '').replace(/\+/g, ' '));
    assert.match(jql, configuration === 'columns' ? /status not in \(10002\)/ : /statusCategory != Done/);
  });
}

test('a team-managed board whose sprints are switched off: its check says so, nothing else happens', async (t) => {
  const { bed, j, off } = await seeded(t, 'columns');
  const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'TM', boardId: off.id, settings: SETTINGS }, { accountId: ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  await bed.runScheduled('sprint-check');
  const line = bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .find((o) => o && o.reason === 'SPRINTS_UNREADABLE' && o.boardId === off.id);
  assert.ok(line, 'reported');
  assert.equal(line.jira.status, 400);
  assert.match(line.jira.message, /does not support sprints/);
  assert.equal(j.requests.filter((x) => x.method !== 'GET').length, 0);
});
