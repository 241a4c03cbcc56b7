'use strict';
// The site overview for Jira admins (getSiteOverview): every automated board with its project,
// zone, next action in local time and UTC, last rollover, readiness, and whether it is late,
// blocked or waiting out Jira's points quota. Read from the app's own tables: opening it costs
// no Jira call as the app.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const JIRA_ADMIN = 'acc-ov-jira-admin';
const PADMIN = 'acc-ov-padmin';

const settings = (timeZone, over = {}) => ({
  automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone, startTime: null,
  closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0, ...over,
});

async function seeded(t) {
  const bed = await startTestbed({ clockStart: '2026-03-02T06:00:00Z' });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: 'OA' });
  j.addProject({ key: 'OB' });
  j.addUser({ accountId: JIRA_ADMIN, jiraAdmin: true });
  j.addUser({ accountId: PADMIN, projectAdminOf: ['OA', 'OB'] });
  const board = (name, project, end, zone, over) => {
    const b = j.addBoard({ name, projectKey: project });
    const s1 = j.addSprint({ boardId: b.id, name: `${name} 1`, startDate: '2026-02-16T08:00:00Z', endDate: end });
    j.updateSprint(s1.id, { state: 'active' });
    const s2 = j.addSprint({ boardId: b.id, name: `${name} 2`, startDate: end, endDate: '2026-03-30T08:00:00Z' });
    return { id: b.id, s1, s2, zone, over };
  };
  const boards = {
    berlin: board('Berlin', 'OA', '2026-03-02T08:00:00Z', 'Europe/Berlin'),
    york: board('New York', 'OA', '2026-03-02T14:00:00Z', 'America/New_York'),
    tokyo: board('Tokyo', 'OB', '2026-03-03T00:00:00Z', 'Asia/Tokyo'),
    off: board('Off', 'OB', '2026-03-02T08:00:00Z', 'UTC', { automate: false }),
  };
  await bed.runLifecycle('installed');
  for (const [key, b] of Object.entries(boards)) {
    const r = await bed.invokeResolver('updateBoardSettings', { projectKey: key === 'tokyo' || key === 'off' ? 'OB' : 'OA', boardId: b.id,
      settings: settings(b.zone, b.over) }, { accountId: PADMIN });
    assert.equal(r.ok, true, JSON.stringify(r));
  }
  await bed.runScheduled('sprint-check');
  return { bed, j, boards };
}

const overview = async (bed, payload = {}) => {
  const before = bed.jira.requests.filter((r) => r.provider === 'app').length;
  const r = await bed.invokeResolver('getSiteOverview', payload, { accountId: JIRA_ADMIN });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(bed.jira.requests.filter((r) => r.provider === 'app').length, before, 'no Jira call as the app');
  return r.data;
};
const byId = (data) => new Map(data.boards.map((b) => [b.boardId, b]));

test('every automated board with its zone, next action in local time and UTC, and how it stands', async (t) => {
  const { bed, j, boards } = await seeded(t);
  // New York: a done parent with an open sub-task blocks its close; Tokyo's readiness look a day
  // ahead finds the same.
  const york = j.addIssue({ projectKey: 'OA', summary: 'Quarterly report draft', statusId: '10002', sprintId: boards.york.s1.id }).key;
  j.addIssue({ projectKey: 'OA', summary: 'Proofread tables', statusId: '10000', issueType: 'Sub-task', parentKey: york });
  const tokyo = j.addIssue({ projectKey: 'OB', summary: 'Kanji glossary', statusId: '10002', sprintId: boards.tokyo.s1.id }).key;
  j.addIssue({ projectKey: 'OB', summary: 'Check readings', statusId: '10000', issueType: 'Sub-task', parentKey: tokyo });
  // 14:05: New York's close is refused (open sub-task).
  bed.clock.set(Date.parse('2026-03-02T14:05:00Z'));
  await bed.runScheduled('sprint-check');
  assert.equal(j.getSprint(boards.berlin.s1.id).state, 'closed', 'Berlin rolled over at the 14:05 check');
  // 23:05: Tokyo's readiness look, an hour before its close, finds the open sub-task.
  bed.clock.set(Date.parse('2026-03-02T23:05:00Z'));
  await bed.runScheduled('sprint-check');
  bed.clock.set(Date.parse('2026-03-02T23:10:00Z'));
  const data = await overview(bed);
  assert.equal(data.automationEnabled, true);
  assert.deepEqual(data.jiraQuota, { wallUntil: null, shortUntil: null });
  const rows = byId(data);
  assert.ok(!rows.has(boards.off.id), 'a board with automation off is not listed');
  assert.equal(rows.size, 3);
  const ny = rows.get(boards.york.id);
  assert.equal(ny.projectKey, 'OA');
  assert.equal(ny.timeZone, 'America/New_York');
  assert.equal(ny.status, 'blocked');
  assert.equal(ny.problem, 'OPEN_SUBTASKS');
  assert.equal(ny.nextAction.kind, 'retry', 'tried again in 15 minutes');
  const tk = rows.get(boards.tokyo.id);
  assert.equal(tk.status, 'attention');
  assert.deepEqual(tk.readiness, ['OPEN_SUBTASKS']);
  assert.equal(tk.nextAction.kind, 'close');
  assert.equal(tk.nextAction.at, '2026-03-03T00:00:00Z');
  assert.equal(tk.nextAction.local, '2026-03-03 09:00', 'the close in Tokyo time');
  const be = rows.get(boards.berlin.id);
  assert.equal(be.status, 'ok');
  assert.equal(be.lastRollover.phase, 'started', 'its last action: Berlin 2 started after Berlin 1 closed');
  assert.equal(be.lastRollover.sprintId, boards.berlin.s2.id);
  assert.equal(be.lastRollover.local, '2026-03-02 15:05', 'in Berlin time (the 14:05 UTC check)');
  // No check ran for a while after Tokyo's close: it is late, by the minute.
  bed.clock.set(Date.parse('2026-03-03T00:40:00Z'));
  const later = byId(await overview(bed));
  assert.equal(later.get(boards.tokyo.id).status, 'late');
  assert.equal(later.get(boards.tokyo.id).lateMinutes, 40);
});

test('a due board behind Jira\'s quota wall is waiting for it; site off says so; paging by board id', async (t) => {
  const { bed, j, boards } = await seeded(t);
  bed.clock.set(Date.parse('2026-03-02T14:01:00Z'));
  j.setPointsQuota({ perHour: 100, spent: 100 });
  await bed.runScheduled('sprint-check');
  const data = await overview(bed);
  assert.equal(data.jiraQuota.wallUntil, '2026-03-02T15:00:00Z');
  const rows = byId(data);
  assert.equal(rows.get(boards.york.id).status, 'waitingForJiraQuota');
  assert.equal(rows.get(boards.tokyo.id).status, 'ok', 'nothing due on Tokyo: the wall holds nothing of it');
  // paging
  const first = await overview(bed, { limit: 1 });
  assert.equal(first.boards.length, 1);
  assert.equal(first.next, first.boards[0].boardId);
  const rest = await overview(bed, { after: first.next, limit: 10 });
  assert.equal(rest.boards.length, 2);
  assert.equal(rest.next, null);
  assert.ok(rest.boards.every((b) => b.boardId > first.next));
  // automation off for the site
  const g = await bed.invokeResolver('updateGlobalSettings', { settings: { automationEnabled: false, defaultTimeZone: 'UTC', defaultCarryOver: 'backlog', logRetentionDays: 30 } }, { accountId: JIRA_ADMIN });
  assert.equal(g.ok, true, JSON.stringify(g));
  const off = await overview(bed);
  assert.equal(off.automationEnabled, false);
  assert.ok(off.boards.every((b) => b.status === 'siteOff'));
  // a project admin is not a Jira admin
  const denied = await bed.invokeResolver('getSiteOverview', {}, { accountId: PADMIN });
  assert.equal(denied.ok, false);
  assert.equal(denied.error.code, 'NOT_JIRA_ADMIN');
  assert.equal(denied.error.status, 403);
});
