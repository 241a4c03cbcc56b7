'use strict';
// startTestbed composition: manifest mapping, scheduled/product/lifecycle triggers, sprint events.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { startTestbed } = require('../testbed');
const { createStubJira, FIXTURE_APP } = require('./helpers');

const sprintEvent = (type, id, boardId = 7) => ({ eventType: `avi:jira-software:${type}:sprint`, sprint: { id, originBoardId: boardId, state: type === 'closed' ? 'closed' : 'active' } });

test('manifest mapping, scheduled trigger, product event, resolver context', async () => {
  const bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, clockStart: '2026-02-01T00:00:00Z' });
  try {
    assert.deepEqual([...bed.functions.keys()].sort(), ['legacy-worker', 'lifecycle', 'resolver', 'sprint-event', 'tick', 'worker']);
    assert.deepEqual(bed.resolverModules, [{ moduleKey: 'fixture-admin', moduleType: 'jira:adminPage', functionKey: 'resolver' }]);
    assert.deepEqual(await bed.invokeResolver('now', {}), { now: Date.UTC(2026, 1, 1) }, 'handlers see the simulated Date.now');

    assert.deepEqual(await bed.runScheduled('fixture-tick'), { ok: true });
    assert.deepEqual(bed.kvs.peek('tick:last'), { at: Date.UTC(2026, 1, 1), moduleKey: 'fixture-tick' });
    const all = await bed.runScheduled();
    assert.deepEqual(all.map((r) => r.key), ['fixture-tick']);
    assert.equal(bed.invocations.at(-1).accountId, undefined, 'scheduled triggers run without a user');

    const res = await bed.deliverProductEvent(sprintEvent('started', 11));
    assert.deepEqual(res, [{ key: 'fixture-sprint-events', result: { seen: 'avi:jira-software:started:sprint' } }]);
    assert.equal(bed.kvs.peek('evt-11-started', { entityName: 'run-log' }).boardId, 7);
    await assert.rejects(bed.deliverProductEvent({ eventType: 'avi:jira-software:deleted:sprint' }), /no trigger/);
    await assert.rejects(bed.invokeResolver('nope', {}), /no definition for 'nope'/);
    assert.deepEqual(bed.consoleLines, ['sprint event avi:jira-software:started:sprint for sprint 11']);
  } finally {
    await bed.close();
  }
});

test('sprint events from the Jira side: manual and immediate delivery', async () => {
  const jira = await createStubJira();
  const bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira, sprintEvents: 'manual' });
  try {
    jira.emitSprintEvent(sprintEvent('started', 1));
    jira.emitSprintEvent(sprintEvent('closed', 1));
    jira.emitSprintEvent(sprintEvent('updated', 1)); // nobody subscribes: ignored
    assert.equal(bed.pendingSprintEvents.length, 3);
    assert.equal(bed.kvs.stats.writes, 0);
    const d = await bed.deliverSprintEvents();
    assert.deepEqual(d.map((x) => [x.outcome, x.results.length]), [['ok', 1], ['ok', 1], ['ok', 0]]);
    assert.equal(bed.pendingSprintEvents.length, 0);
    assert.ok(bed.kvs.peek('evt-1-closed', { entityName: 'run-log' }));
  } finally {
    await bed.close();
  }
  const bed2 = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira, sprintEvents: 'immediate' });
  try {
    // stub emitter keeps old listeners; the closed bed's listener must not interfere
    jira.emitSprintEvent(sprintEvent('started', 2));
    await bed2.settle();
    assert.ok(bed2.kvs.peek('evt-2-started', { entityName: 'run-log' }));
    assert.equal(bed2.pendingSprintEvents.length, 0);
  } finally {
    await bed2.close();
    await jira.close();
  }
});

test('startTestbed errors: missing manifest, cleans up on failure', async () => {
  await assert.rejects(startTestbed({ appRoot: path.join(__dirname, 'no-such-app'), sql: false, jira: null }), /no manifest.yml/);
  assert.equal(global.__forge_fetch__, undefined);
});
