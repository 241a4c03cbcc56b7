'use strict';
// Async-events queue of the test bed, driven through the REAL @forge/events 3.0.8.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');
const { FIXTURE_APP, forgeRequire } = require('./helpers');

let bed;
test.beforeEach(async () => { bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null }); });
test.afterEach(async () => { await bed.close(); });

test('push -> consumer delivery; delayInSeconds on the simulated clock; stats', async () => {
  const { jobId, stats } = await bed.invokeResolver('enqueue', { events: [{ body: { n: 1 } }, { body: { n: 2 }, delayInSeconds: 120 }] });
  assert.deepEqual(stats, { success: 0, inProgress: 2, failed: 0 });
  const push = bed.queue.pushes[0];
  assert.equal(push.request.type, 'avi:forge:app:event');
  assert.equal(push.queueName, 'fixture-work');

  let d = await bed.queue.drain();
  assert.deepEqual(d.map((x) => [x.body.n, x.outcome]), [[1, 'success']]);
  assert.ok(bed.kvs.peek('work:1:0'));
  assert.equal(bed.kvs.peek('work:2:0'), undefined);

  bed.clock.advance(119 * 1000);
  assert.deepEqual(await bed.queue.deliverDue(), []);
  bed.clock.advance(1000);
  d = await bed.queue.deliverDue();
  assert.deepEqual(d.map((x) => x.body.n), [2]);
  const got = bed.kvs.peek('work:2:0');
  assert.equal(got.at, bed.clock.now());
  assert.equal(got.jobId, jobId);
  assert.equal(got.queueName, 'fixture-work');

  const { Queue } = forgeRequire('@forge/events');
  assert.deepEqual(await new Queue({ key: 'fixture-work' }).getJob(jobId).getStats(), { success: 2, inProgress: 0, failed: 0 });
  const inv = bed.invocations.filter((i) => i.kind === 'consumer');
  assert.equal(inv.length, 2);
  assert.equal(inv[0].functionKey, 'worker');
});

test('InvocationError retryAfter -> redelivery with retryContext.retryCount + 1, up to the limit', async () => {
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 1, failTimes: 2, retryAfter: 30 } }, { body: { n: 9, failTimes: 99, retryAfter: 5 } }] });
  let d = await bed.queue.drain();
  assert.deepEqual(d.map((x) => [x.body.n, x.outcome, x.retryAfter]), [[1, 'retry', 30], [9, 'retry', 5]]);
  bed.clock.advance(30 * 1000);
  d = await bed.queue.drain();
  assert.deepEqual(d.map((x) => [x.body.n, x.retryCount, x.outcome]), [[9, 1, 'retry'], [1, 1, 'retry']]);

  d = await bed.queue.drain({ advanceClock: true });
  const ones = d.filter((x) => x.body.n === 1);
  assert.deepEqual(ones.map((x) => [x.retryCount, x.outcome]), [[2, 'success']]);
  const nines = bed.queue.deliveries.filter((x) => x.body.n === 9);
  assert.deepEqual(nines.map((x) => x.retryCount), [0, 1, 2, 3, 4]);
  assert.equal(nines.at(-1).outcome, 'failed', 'gives up after maxRetries (4)');
  assert.equal(bed.queue.pending().length, 0);
  assert.ok(bed.kvs.peek('work:1:2'));
});

test('resolver-style consumer, thrown errors, cancel, publish faults', async () => {
  await bed.invokeResolver('enqueue', { queue: 'fixture-legacy', events: [{ body: { n: 5 } }] });
  await bed.queue.drain();
  assert.equal(bed.kvs.peek('legacy:5').retry, null);
  assert.ok(bed.kvs.peek('legacy:5').jobId);

  await bed.invokeResolver('enqueue', { events: [{ body: { n: 6, throw: true } }] });
  const [d] = await bed.queue.drain();
  assert.equal(d.outcome, 'error');
  assert.match(d.error.message, /worker throws/);

  const { Queue, RateLimitError } = forgeRequire('@forge/events');
  const q = new Queue({ key: 'fixture-work' });
  const { jobId } = await q.push({ body: { n: 7 }, delayInSeconds: 60 });
  await q.cancel(jobId);
  bed.clock.advance(60 * 1000);
  assert.deepEqual(await bed.queue.drain(), []);

  bed.queue.injectPublishFault({ status: 429 });
  await assert.rejects(q.push({ body: { n: 8 } }), (e) => e instanceof RateLimitError);

  await q.push({ body: { n: 10 } });
  const other = new Queue({ key: 'no-such-queue' });
  await other.push({ body: {} });
  const out = await bed.queue.drain();
  assert.deepEqual(out.map((x) => x.outcome).sort(), ['no-consumer', 'success']);
});
