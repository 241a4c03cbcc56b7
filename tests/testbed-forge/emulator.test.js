'use strict';
// The test bed with the real Jira emulator (tests/testbed/jira/emulator.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');
const { FIXTURE_APP } = require('./helpers');


test('identity headers and sprint events with the Jira emulator', async () => {
  const bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, sprintEvents: 'immediate' });
  try {
    bed.jira.addUser({ accountId: 'acc-1' });
    bed.jira.addProject({ key: 'WEB' });
    bed.jira.addBoard({ id: 7, name: 'Web board', projectKey: 'WEB' });
    const asApp = await bed.invokeResolver('jira-get', { as: 'app', path: '/rest/agile/1.0/board/7' });
    assert.equal(asApp.status, 200);
    assert.equal(asApp.body.name, 'Web board');
    const noUser = await bed.invokeResolver('jira-get', { as: 'user', path: '/rest/agile/1.0/board/7' });
    assert.equal(noUser.status, 401, 'asUser without a principal');
    const unknown = await bed.invokeResolver('jira-get', { as: 'user', path: '/rest/agile/1.0/board/7' }, { accountId: 'stranger' });
    assert.equal(unknown.status, 401);
    const last = bed.jira.requests.at(-1);
    assert.equal(last.provider, 'user');
    assert.equal(last.accountId, 'stranger');

    const s = bed.jira.addSprint({ boardId: 7, name: 'S1' });
    bed.jira.updateSprint(s.id, { state: 'active', startDate: '2026-01-05T09:00:00Z', endDate: '2026-01-19T09:00:00Z' }, { emit: true });
    await bed.settle();
    assert.deepEqual(bed.sprintEventDeliveries.map((d) => [d.event.eventType, d.outcome]), [['avi:jira-software:started:sprint', 'ok']]);
    assert.equal(bed.kvs.peek(`evt-${s.id}-started`, { entityName: 'run-log' }).boardId, 7);
    assert.equal(bed.egress.violations.length, 0);
  } finally {
    await bed.close();
  }
});
