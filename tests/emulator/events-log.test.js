'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, call, T0, iso, DAY } = require('./helpers');

const A = '/rest/agile/1.0';
const E = (t) => `avi:jira-software:${t}:sprint`;

test('events: created, updated, started, closed, deleted through REST, with atlassianId only for users', async () => {
  const { jira, board, clock } = await setup();
  try {
    const got = [];
    const off = jira.onSprintEvent((e) => got.push(e));
    const s = (await call(jira, 'POST', `${A}/sprint`, { body: { name: 'S', originBoardId: board.id, goal: 'g' } })).body;
    await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { name: 'S2' }, as: 'user', accountId: 'user-1' });
    await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { state: 'active', startDate: iso(T0), endDate: iso(T0 + 7 * DAY) } });
    clock.advance(DAY);
    await call(jira, 'PUT', `${A}/sprint/${s.id}`, { body: { name: 'S3', state: 'closed', startDate: iso(T0), endDate: iso(T0 + 7 * DAY) }, as: 'user', accountId: 'padmin-1' });
    const d = (await call(jira, 'POST', `${A}/sprint`, { body: { name: 'D', originBoardId: board.id } })).body;
    await call(jira, 'DELETE', `${A}/sprint/${d.id}`);
    await call(jira, 'POST', `${A}/sprint/${d.id}`, { body: { name: 'gone' } }); // 404: no event
    await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { state: 'active' } }); // 400: no event
    assert.deepEqual(got.map((e) => e.eventType), [E('created'), E('updated'), E('started'), E('closed'), E('created'), E('deleted')]);
    assert.deepEqual(got.map((e) => e.atlassianId), [undefined, 'user-1', undefined, 'padmin-1', undefined, undefined]);
    assert.equal('atlassianId' in got[0], false);
    // Forge's events reference: ids as strings, createDate, "+0000"-style offsets, absent fields left out.
    const plus = (ms) => iso(ms).replace('Z', '+0000');
    assert.deepEqual(got[3].sprint, {
      id: String(s.id), self: `${jira.url}${A}/sprint/${s.id}`, state: 'closed', name: 'S3', createDate: plus(T0),
      startDate: plus(T0), endDate: plus(T0 + 7 * DAY), completeDate: plus(T0 + DAY), originBoardId: String(board.id),
    });
    assert.equal(got[0].sprint.goal, 'g');
    // The update renamed S to S2: the old value rides along.
    assert.deepEqual(got[1].oldValue, { name: 'S' });
    assert.equal('oldValue' in got[2], false, 'only updated events carry oldValue');
    assert.equal(jira.events.length, 6);
    off();
    await call(jira, 'POST', `${A}/sprint`, { body: { name: 'quiet', originBoardId: board.id } });
    assert.equal(got.length, 6, 'unsubscribed');
    // a throwing listener does not break the emulator
    jira.onSprintEvent(() => { throw new Error('listener bug'); });
    assert.equal((await call(jira, 'POST', `${A}/sprint`, { body: { name: 'still ok', originBoardId: board.id } })).status, 201);
  } finally {
    await jira.close();
  }
});

test('events in the Agile REST form (switch): numbers, Z and nulls; forge form with a local offset', async () => {
  const { jira, board } = await setup({ eventForm: 'rest' });
  try {
    const got = [];
    jira.onSprintEvent((e) => got.push(e));
    const s = (await call(jira, 'POST', `${A}/sprint`, { body: { name: 'S', originBoardId: board.id, startDate: iso(T0), endDate: iso(T0 + DAY) } })).body;
    assert.deepEqual(got[0].sprint, {
      id: s.id, self: `${jira.url}${A}/sprint/${s.id}`, state: 'future', name: 'S', startDate: iso(T0), endDate: iso(T0 + DAY),
      completeDate: null, originBoardId: board.id, goal: null,
    });
    jira.setEventForm('forge', 345); // Kathmandu, +05:45
    await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { name: 'S2' } });
    assert.equal(got[1].sprint.startDate, new Date(T0 + 345 * 60000).toISOString().replace('Z', '+0545'));
    assert.equal(Date.parse(got[1].sprint.startDate.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')), T0);
    assert.throws(() => jira.setEventForm('xml'), /unknown event form/);
  } finally {
    await jira.close();
  }
});

test('events from the control API only with emit', async () => {
  const { jira, board } = await setup();
  try {
    const got = [];
    jira.onSprintEvent((e) => got.push(e));
    const s = jira.addSprint({ boardId: board.id, name: 'quiet' });
    jira.updateSprint(s.id, { name: 'quiet 2' });
    assert.equal(got.length, 0);
    const t = jira.addSprint({ boardId: board.id, name: 'loud', emit: true, atlassianId: 'user-1' });
    jira.updateSprint(t.id, { goal: 'x' }, { emit: true });
    jira.updateSprint(t.id, { state: 'active', startDate: T0, endDate: T0 + DAY }, { emit: true });
    jira.updateSprint(t.id, { state: 'closed' }, { emit: true });
    jira.deleteSprint(s.id, { emit: true });
    assert.deepEqual(got.map((e) => e.eventType), [E('created'), E('updated'), E('started'), E('closed'), E('deleted')]);
    assert.equal(got[0].atlassianId, 'user-1');
  } finally {
    await jira.close();
  }
});

test('request log: method, path, query, provider, accountId, status, at (simulated clock); counts and reset', async () => {
  const { jira, board, clock } = await setup();
  try {
    await call(jira, 'GET', `${A}/board?type=scrum&startAt=0`);
    clock.advance(5000);
    await call(jira, 'GET', `${A}/board/${board.id}/sprint?state=active`, { as: 'user', accountId: 'user-1' });
    await call(jira, 'POST', `${A}/sprint`, { body: { name: 'S', originBoardId: board.id } });
    await call(jira, 'GET', '/rest/api/3/nothing-here');
    assert.deepEqual(jira.requests[0], {
      method: 'GET', path: `${A}/board`, query: { type: 'scrum', startAt: '0' }, provider: 'app', accountId: undefined,
      body: undefined, status: 200, at: clock.now() - 5000, points: 3, // 1 + the 2 scrum boards listed
    });
    assert.equal(jira.requests[1].provider, 'user');
    assert.equal(jira.requests[1].accountId, 'user-1');
    assert.equal(jira.requests[1].at, clock.now());
    assert.deepEqual(jira.requests[2].body, { name: 'S', originBoardId: board.id });
    assert.equal(jira.countRequests({}), 4);
    assert.equal(jira.countRequests({ method: 'post' }), 1);
    assert.equal(jira.countRequests({ provider: 'app' }), 3);
    assert.equal(jira.countRequests({ path: /\/sprint/ }), 2);
    assert.equal(jira.countRequests({ path: `${A}/sprint`, status: 201 }), 1);
    assert.equal(jira.countRequests({ status: 404 }), 1);
    assert.equal(jira.countRequests((r) => r.query.state === 'active'), 1);
    // Jira's points: 1 per request, + 1 per object read (2 boards; 0 sprints), writes and errors 1.
    assert.deepEqual(jira.requests.map((r) => r.points), [3, 1, 1, 1]);
    assert.deepEqual(jira.points(), { total: 6, byProvider: { app: 5, user: 1 } });
    jira.resetRequests();
    assert.equal(jira.requests.length, 0);
    assert.equal(jira.countRequests({}), 0);
    assert.deepEqual(jira.points(), { total: 0, byProvider: {} });
  } finally {
    await jira.close();
  }
});
