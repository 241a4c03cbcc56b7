'use strict';
// KVS / Custom Entity Store of the test bed, driven through the REAL @forge/kvs 1.6.5.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');
const { createClock, REAL_DATE_NOW } = require('../testbed/forge/clock');
const { FIXTURE_APP, forgeRequire } = require('./helpers');

let bed;
let K;
test.beforeEach(async () => {
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null });
  K = forgeRequire('@forge/kvs');
});
test.afterEach(async () => { await bed.close(); });

test('clock: set/advance/install replace only Date.now', () => {
  const c = createClock('2030-01-01T00:00:00Z');
  assert.equal(c.now(), Date.UTC(2030, 0, 1));
  c.advance(1500);
  assert.equal(c.now(), Date.UTC(2030, 0, 1) + 1500);
  assert.throws(() => c.install(), /another simulated clock/); // the bed's clock is installed
  bed.clock.set('2031-05-05T00:00:00Z');
  assert.equal(Date.now(), Date.UTC(2031, 4, 5));
  bed.clock.uninstall();
  assert.notEqual(Date.now(), Date.UTC(2031, 4, 5));
  c.install();
  assert.equal(Date.now(), c.now());
  c.uninstall();
  assert.equal(Date.now, REAL_DATE_NOW, 'uninstall restores the real Date.now');
  assert.ok(Math.abs(Date.now() - new Date().getTime()) < 1000);
  bed.clock.install();
});

test('get / set / delete with keyPolicy, returnValue and metadata', async () => {
  const { kvs, MetadataField } = K;
  await kvs.set('cfg:7', { a: 1 });
  assert.deepEqual(await kvs.get('cfg:7'), { a: 1 });
  assert.equal(await kvs.get('missing'), undefined);

  const meta = await kvs.get('cfg:7', { metadataFields: [MetadataField.CREATED_AT, MetadataField.UPDATED_AT] });
  assert.equal(meta.createdAt, Math.floor(bed.clock.now() / 1000));

  await assert.rejects(kvs.set('cfg:7', { a: 2 }, { keyPolicy: 'FAIL_IF_EXISTS' }), (e) => e instanceof K.ForgeKvsAPIError && e.code === 'KEY_ALREADY_EXISTS');
  assert.deepEqual(await kvs.get('cfg:7'), { a: 1 });

  bed.clock.advance(5000);
  const prev = await kvs.set('cfg:7', { a: 3 }, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' });
  assert.deepEqual(prev, { key: 'cfg:7', value: { a: 1 } });
  const latest = await kvs.set('cfg:7', { a: 4 }, { keyPolicy: 'OVERRIDE', returnValue: 'LATEST', returnMetadataFields: [MetadataField.UPDATED_AT] });
  assert.deepEqual(latest, { key: 'cfg:7', value: { a: 4 }, updatedAt: Math.floor(bed.clock.now() / 1000) });

  await kvs.delete('cfg:7');
  await kvs.delete('cfg:7'); // deleting a missing key is not an error
  assert.equal(await kvs.get('cfg:7'), undefined);

  await kvs.setSecret('token', 's3cr3t');
  assert.equal(await kvs.getSecret('token'), 's3cr3t');
  assert.equal(await kvs.get('token'), undefined, 'secrets are a separate namespace');

  await assert.rejects(kvs.set('bad/key', 1), (e) => e.code === 'BAD_REQUEST');
  await assert.rejects(kvs.set('big', 'x'.repeat(241 * 1024)), (e) => e.code === 'VALIDATION_ERROR');
});

test('write counter and snapshot: reads do not count, rejected writes do not count', async () => {
  const { kvs } = K;
  bed.kvs.seed('seeded', { n: 1 });
  const before = bed.kvs.stats.writes;
  const snap = bed.kvs.snapshot();
  await kvs.get('seeded');
  await kvs.query().where('key', K.WhereConditions.beginsWith('s')).getMany();
  await assert.rejects(kvs.set('seeded', 2, { keyPolicy: 'FAIL_IF_EXISTS' }));
  assert.equal(bed.kvs.stats.writes, before);
  assert.deepEqual(bed.kvs.snapshot(), snap);
  await kvs.set('other', 1);
  assert.equal(bed.kvs.stats.writes, before + 1);
  assert.deepEqual(bed.kvs.dump().kv, { seeded: { n: 1 }, other: 1 });
});

test('query by key prefix with limit and cursor', async () => {
  const { kvs, WhereConditions } = K;
  for (const k of ['b:3', 'b:1', 'a:1', 'b:2', 'b:4', 'c:1']) await kvs.set(k, k);
  const p1 = await kvs.query().where('key', WhereConditions.beginsWith('b:')).limit(3).getMany();
  assert.deepEqual(p1.results.map((r) => r.key), ['b:1', 'b:2', 'b:3']);
  assert.ok(p1.nextCursor);
  const p2 = await kvs.query().where('key', WhereConditions.beginsWith('b:')).limit(3).cursor(p1.nextCursor).getMany();
  assert.deepEqual(p2.results, [{ key: 'b:4', value: 'b:4' }]);
  assert.equal(p2.nextCursor, undefined);
  const one = await kvs.query().where('key', WhereConditions.beginsWith('c:')).getOne();
  assert.deepEqual(one, { key: 'c:1', value: 'c:1' });
  await assert.rejects(kvs.query().limit(101).getMany(), (e) => e.code === 'BAD_REQUEST');
});

test('entity query: partition + range, filters, sort DESC, cursor', async () => {
  const { kvs, WhereConditions, FilterConditions, Filter, Sort } = K;
  const log = kvs.entity('run-log');
  for (let i = 0; i < 6; i++) await log.set(`r${i}`, { boardId: 7, at: 100 + i, status: i % 2 ? 'ok' : 'failed', message: `run ${i}` });
  await log.set('other', { boardId: 8, at: 103, status: 'ok', message: 'other board' });

  const ok = await log.query().index('by-board', { partition: [7] })
    .where(WhereConditions.greaterThan(100))
    .filters(new Filter().and('status', FilterConditions.equalTo('ok')))
    .sort(Sort.DESC).limit(2).getMany();
  assert.deepEqual(ok.results.map((r) => r.key), ['r5', 'r3']);
  const rest = await log.query().index('by-board', { partition: [7] })
    .where(WhereConditions.greaterThan(100))
    .filters(new Filter().and('status', FilterConditions.equalTo('ok')))
    .sort(Sort.DESC).limit(2).cursor(ok.nextCursor).getMany();
  assert.deepEqual(rest.results.map((r) => r.key), ['r1']);
  assert.equal(rest.nextCursor, undefined);

  const between = await log.query().index('by-board', { partition: [7] }).where(WhereConditions.between(101, 103)).getMany();
  assert.deepEqual(between.results.map((r) => r.value.at), [101, 102, 103]);

  const orF = await log.query().index('at')
    .filters(new Filter().or('message', FilterConditions.contains('other')).or('at', FilterConditions.equalTo(100)))
    .getMany();
  assert.deepEqual(orF.results.map((r) => r.key), ['r0', 'other']);

  await assert.rejects(log.query().index('by-board').getMany(), (e) => e.code === 'BAD_REQUEST' && /partition/.test(e.message));
  await assert.rejects(log.query().index('nope', { partition: [7] }).getMany(), /no index/);
  await assert.rejects(kvs.entity('undeclared').set('x', { a: 1 }), /not declared/);
  await assert.rejects(log.set('bad', { boardId: 'seven', at: 1 }), (e) => e.code === 'VALIDATION_ERROR');
});

test('transactions: conditions, all or nothing', async () => {
  const { kvs, Filter, FilterConditions } = K;
  await kvs.entity('run-log').set('r1', { boardId: 7, at: 1, status: 'open' });
  await kvs.set('plain', 1);
  const writes = bed.kvs.stats.writes;

  await assert.rejects(
    kvs.transact()
      .set('plain', 2)
      .set('r1', { boardId: 7, at: 2, status: 'closed' }, { entityName: 'run-log', conditions: new Filter().and('status', FilterConditions.equalTo('closed')) })
      .execute(),
    (e) => e.code === 'CONDITION_FAILED',
  );
  assert.equal(await kvs.get('plain'), 1, 'nothing applied');
  assert.equal(bed.kvs.stats.writes, writes);

  await assert.rejects(
    kvs.transact()
      .set('r1', { boardId: 7, at: 2, status: 'closed' }, { entityName: 'run-log' })
      .check('r1', { entityName: 'run-log', conditions: new Filter().and('boardId', FilterConditions.equalTo(7)) })
      .execute(),
    /used twice/,
  );

  await kvs.transact()
    .set('plain', 3, undefined, { ttl: { value: 1, unit: 'MINUTES' } })
    .set('r1', { boardId: 7, at: 2, status: 'closed' }, { entityName: 'run-log', conditions: new Filter().and('status', FilterConditions.equalTo('open')) })
    .delete('nothing-here')
    .execute();
  assert.equal(await kvs.get('plain'), 3);
  assert.equal((await kvs.entity('run-log').get('r1')).status, 'closed');
  assert.equal(bed.kvs.stats.writes, writes + 3);
  bed.clock.advance(61 * 1000);
  assert.equal(await kvs.get('plain'), undefined, 'TTL expired on the simulated clock');
});

test('batch set / get / delete', async () => {
  const { kvs } = K;
  const r = await kvs.batchSet([
    { key: 'k1', value: 1 },
    { key: 'e1', value: { boardId: 1, at: 5 }, entityName: 'run-log' },
    { key: 'bad/key', value: 1 },
  ]);
  assert.deepEqual(r.successfulKeys, [{ key: 'k1' }, { key: 'e1', entityName: 'run-log' }]);
  assert.equal(r.failedKeys[0].key, 'bad/key');
  const g = await kvs.batchGet([{ key: 'k1' }, { key: 'e1', entityName: 'run-log' }, { key: 'zz' }]);
  assert.deepEqual(g.successfulKeys.map((x) => x.value), [1, { boardId: 1, at: 5 }]);
  assert.equal(g.failedKeys[0].error.code, 'KEY_NOT_FOUND');
  const d = await kvs.batchDelete([{ key: 'k1' }, { key: 'zz' }]);
  assert.deepEqual(d.successfulKeys, [{ key: 'k1' }]);
  assert.equal(d.failedKeys[0].error.code, 'KEY_NOT_FOUND');
  await assert.rejects(kvs.batchSet([{ key: 'a', value: 1 }, { key: 'a', value: 2 }]), /twice/);
});

test('TTL with EXPIRE_TIME metadata follows the simulated clock; injected faults', async () => {
  const { kvs, MetadataField } = K;
  await kvs.set('t', 'v', { ttl: { value: 2, unit: 'HOURS' } });
  const m = await kvs.get('t', { metadataFields: [MetadataField.EXPIRE_TIME] });
  assert.equal(m.expireTime, new Date(bed.clock.now() + 2 * 3600 * 1000).toISOString());
  bed.clock.advance(2 * 3600 * 1000 - 1);
  assert.equal(await kvs.get('t'), 'v');
  bed.clock.advance(1);
  assert.equal(await kvs.get('t'), undefined);

  bed.kvs.injectFault({ path: '/api/v1/set', status: 429, code: 'RATE_LIMIT_EXCEEDED' });
  await assert.rejects(kvs.set('x', 1), (e) => e.code === 'RATE_LIMIT_EXCEEDED' && e.responseDetails.status === 429);
  await kvs.set('x', 1);
});
