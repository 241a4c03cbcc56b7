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
  // The docs set no fixed retry count (retries go on within a 24 h window, see rule B7); this test used
  // to rely on a guessed default of 4, now it sets maxRetries: 4 explicitly.
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { maxRetries: 4 } });
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
  assert.equal(nines.at(-1).reason, 'max-retries');
  assert.equal(bed.queue.pending().length, 0);
  assert.ok(bed.kvs.peek('work:1:2'));
});

test('resolver-style consumer, thrown errors, cancel, publish faults', async () => {
  // One delivery per event here: a thrown error is not redelivered (retries: rule B10).
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { retryOnError: false } });
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

// ---- async-events limits, one test per documented rule (see the header of forge/queue.js) ----

const { DEFAULT_LIMITS } = require('../testbed/forge/queue');
const PUSH_PATH = '/webhook/queue/publish/{contextAri}/{environmentId}/{appId}/{appVersion}';

/**
 * Push `payload` as the package would, but WITHOUT the package's client-side checks, and map the
 * answer with the package's own validatePushAPIResponse (the server side of each rule).
 */
async function rawPush(queueName, payload) {
  const api = forgeRequire('@forge/api');
  const { validatePushAPIResponse } = forgeRequire('@forge/events/out/validators');
  const pushRequest = { queueName, jobId: `job-${Math.random().toString(16).slice(2)}`, type: 'avi:forge:app:event', schema: 'ari:cloud:ecosystem::forge/app-event-2', payload, time: new Date().toISOString() };
  const response = await api.__requestAtlassianAsApp(PUSH_PATH, { method: 'POST', body: JSON.stringify(pushRequest), headers: { 'content-type': 'application/json' } });
  const result = { jobId: pushRequest.jobId, status: response.status };
  await validatePushAPIResponse(pushRequest, response, result);
  return result;
}
const kbOf = (v) => Buffer.byteLength(JSON.stringify(v)) / 1024;
/** an event whose JSON is about `kb` KB */
const eventOfKB = (kb, extra = {}) => ({ body: { pad: 'x'.repeat(Math.round(kb * 1024) - 20), ...extra } });

test('rule B1 at most 50 events per push: the package refuses 51 (TooManyEventsError), the server too (400 TOO_MANY_EVENTS)', async () => {
  assert.equal(DEFAULT_LIMITS.maxEventsPerPush, 50);
  const { Queue, TooManyEventsError, InternalServerError } = forgeRequire('@forge/events');
  const events = (n) => Array.from({ length: n }, (_, i) => ({ body: { i } }));
  await assert.rejects(new Queue({ key: 'fixture-legacy' }).push(events(51)), TooManyEventsError);
  await assert.rejects(rawPush('fixture-legacy', events(51)), (e) => e instanceof InternalServerError && e.errorCode === 'TOO_MANY_EVENTS' && /50 events/.test(e.message));
  assert.equal((await rawPush('fixture-legacy', events(50))).status, 201);
  assert.equal(bed.queue.pending().length, 50);
  assert.equal(bed.queue.limitStats.refused.TOO_MANY_EVENTS, 1);
});

test('rule B2 at most 200 KB per push: 413 -> PayloadTooBigError (client side and server side)', async () => {
  assert.equal(DEFAULT_LIMITS.maxPushKB, 200);
  const { Queue, PayloadTooBigError } = forgeRequire('@forge/events');
  const two = [eventOfKB(90), eventOfKB(90), eventOfKB(25)]; // > 200 KB combined
  assert.ok(kbOf(two) > 200);
  await assert.rejects(new Queue({ key: 'fixture-legacy' }).push(two), PayloadTooBigError);
  await assert.rejects(rawPush('fixture-legacy', two), (e) => e instanceof PayloadTooBigError && /200KB/.test(e.message));
  const fits = [eventOfKB(90), eventOfKB(90), eventOfKB(15)];
  assert.ok(kbOf(fits) < 200);
  await new Queue({ key: 'fixture-legacy' }).push(fits);
  assert.equal(bed.queue.pushes.length, 1);
});

test('rule B3 at most 100 KB per event when the consumer\'s timeoutSeconds > 55 (413 PayloadTooBigError)', async () => {
  assert.deepEqual([DEFAULT_LIMITS.maxEventKBLongRunning, DEFAULT_LIMITS.longRunningAboveSec], [100, 55]);
  // index.js registers each consumer with its function's timeout: worker 900 s, legacy-worker default 55 s
  assert.equal(bed.queue.consumerInfo.get('fixture-work').timeoutSeconds, 900);
  assert.equal(bed.queue.consumerInfo.get('fixture-legacy').timeoutSeconds, 55);
  const { Queue, PayloadTooBigError } = forgeRequire('@forge/events');
  const big = eventOfKB(120);
  await assert.rejects(new Queue({ key: 'fixture-work' }).push(big), (e) => e instanceof PayloadTooBigError && /100KB/.test(e.message));
  await assert.rejects(new Queue({ key: 'fixture-work' }).push([eventOfKB(10), big]), PayloadTooBigError, 'one event over it refuses the push');
  await new Queue({ key: 'fixture-work' }).push(eventOfKB(95));
  await new Queue({ key: 'fixture-legacy' }).push(big); // 55 s consumer: only the 200 KB rule
  assert.deepEqual(bed.queue.pushes.map((p) => p.queueName), ['fixture-work', 'fixture-legacy']);
});

test('rule B4 delayInSeconds 0..900 (client: InvalidPushSettingsError; server: 400 INVALID_PUSH_SETTINGS); bad body, queue name, no events: 400', async () => {
  assert.equal(DEFAULT_LIMITS.maxDelaySec, 900);
  const { Queue, InvalidPushSettingsError, InternalServerError } = forgeRequire('@forge/events');
  const q = new Queue({ key: 'fixture-work' });
  await assert.rejects(q.push({ body: { n: 1 }, delayInSeconds: 901 }), InvalidPushSettingsError);
  for (const d of [901, -1, '5', 900.5]) {
    await assert.rejects(rawPush('fixture-work', [{ body: { n: 1 }, delayInSeconds: d }]), (e) => e instanceof InternalServerError && e.errorCode === 'INVALID_PUSH_SETTINGS', String(d));
  }
  await assert.rejects(rawPush('fixture-work', [{ body: [1] }]), (e) => e instanceof InternalServerError && e.errorCode === 'INVALID_PAYLOAD');
  await assert.rejects(rawPush('bad name!', [{ body: {} }]), (e) => e instanceof InternalServerError && e.errorCode === 'INVALID_QUEUE_NAME');
  await assert.rejects(rawPush('fixture-work', []), (e) => e instanceof InternalServerError && e.errorCode === 'NO_EVENTS');
  await q.push([{ body: { n: 1 }, delayInSeconds: 900 }, { body: { n: 2 }, delayInSeconds: 0 }]);
  assert.deepEqual(bed.queue.pending().map((e) => e.dueAt - bed.clock.now()), [900000, 0]);
});

test('rule B5 500 events per minute per installation: off by default (peak recorded); rateLimits: true -> 429 RateLimitError', async () => {
  assert.equal(DEFAULT_LIMITS.eventsPerMinute, 500);
  const { Queue, RateLimitError } = forgeRequire('@forge/events');
  const fifty = Array.from({ length: 50 }, (_, i) => ({ body: { i } }));
  let t = 5e6;
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { rateNow: () => t } });
  for (let i = 0; i < 11; i++) await new Queue({ key: 'fixture-legacy' }).push(fifty);
  assert.equal(bed.queue.limitStats.peakEventsPerMinute, 550);
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, rateLimits: true, queue: { rateNow: () => t } });
  const q = new Queue({ key: 'fixture-legacy' });
  for (let i = 0; i < 10; i++) await q.push(fifty);
  await assert.rejects(q.push({ body: { one: 'more' } }), RateLimitError);
  t += 59999;
  await assert.rejects(q.push({ body: { one: 'more' } }), RateLimitError);
  t += 1;
  await q.push(fifty);
  assert.equal(bed.queue.limitStats.refused.RATE_LIMITED, 2);
  assert.equal(bed.queue.limitStats.peakEventsPerMinute, 500);
});

test('rule B6 retryAfter above 900 s is lowered to 900 s', async () => {
  assert.equal(DEFAULT_LIMITS.maxRetryAfterSec, 900);
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 1, failTimes: 1, retryAfter: 5000 } }] });
  const [d] = await bed.queue.drain();
  assert.deepEqual([d.outcome, d.retryAfter, d.requestedRetryAfter], ['retry', 900, 5000]);
  assert.equal(bed.queue.pending()[0].dueAt, bed.clock.now() + 900 * 1000);
  bed.clock.advance(900 * 1000);
  assert.deepEqual((await bed.queue.drain()).map((x) => [x.retryCount, x.outcome]), [[1, 'success']]);
});

test('rule B7 retries: no fixed count, retried within the 24 h retention window, then dropped; maxRetries sets a count', async () => {
  assert.equal(DEFAULT_LIMITS.retentionMs, 24 * 3600 * 1000);
  const start = bed.clock.now();
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 3, failTimes: 1e9, retryAfter: 900 } }] });
  const out = await bed.queue.drain({ advanceClock: true });
  // attempts at 0, 900, ..., 86400 s after the push: 97, the last one due exactly at the window's end
  assert.equal(out.length, 97);
  assert.deepEqual(out.slice(0, 96).map((x) => x.outcome), Array(96).fill('retry'));
  assert.deepEqual([out.at(-1).retryCount, out.at(-1).outcome, out.at(-1).reason], [96, 'failed', 'retention-window-expired']);
  assert.equal(bed.clock.now() - start, 24 * 3600 * 1000);
  assert.equal(bed.queue.pending().length, 0);
  const [job] = bed.queue.jobs();
  assert.deepEqual([job.success, job.inProgress, job.failed], [0, 0, 1]);
  // a count can still be set
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { maxRetries: 2 } });
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 4, failTimes: 1e9, retryAfter: 1 } }] });
  const few = await bed.queue.drain({ advanceClock: true });
  assert.deepEqual(few.map((x) => [x.retryCount, x.outcome]), [[0, 'retry'], [1, 'retry'], [2, 'failed']]);
});

test('rule B8 retryContext {retryCount, retryReason, retryData, retentionWindow} on retries only; retryData over 4 KB is an app error', async () => {
  assert.equal(DEFAULT_LIMITS.maxRetryDataKB, 4);
  const { Queue, InvocationError, InvocationErrorCode } = forgeRequire('@forge/events');
  const seen = [];
  bed.queue.registerConsumer('fixture-work', async (event) => {
    seen.push(event.retryContext);
    if (event.body.bigData) return new InvocationError({ retryAfter: 10, retryData: { pad: 'x'.repeat(4200) } });
    if (seen.length < 3) return new InvocationError({ retryAfter: 60, retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED, retryData: { step: seen.length } });
    return undefined;
  }, { timeoutSeconds: 900 });
  const pushedAt = bed.clock.now();
  await new Queue({ key: 'fixture-work' }).push({ body: { n: 1 } });
  await bed.queue.drain({ advanceClock: true });
  assert.equal(seen[0], undefined, 'first delivery: no retryContext');
  assert.deepEqual(seen[1], { retryCount: 1, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { step: 1 }, retentionWindow: { startTime: new Date(pushedAt).toISOString(), remainingTimeMs: 24 * 3600 * 1000 - 60000 } });
  assert.deepEqual([seen[2].retryCount, seen[2].retryData], [2, { step: 2 }]);
  assert.equal(seen.length, 3);
  await new Queue({ key: 'fixture-work' }).push({ body: { bigData: true } });
  const [d] = await bed.queue.drain();
  assert.equal(d.outcome, 'error-retry', 'an app error, retried like a thrown one');
  assert.equal(d.error.code, 'RETRY_DATA_TOO_LARGE');
});

test('rule B9 cyclic invocation: more than 1000 push requests from one originating invocation -> 405 InvocationLimitReachedError', async () => {
  assert.equal(DEFAULT_LIMITS.maxPushesPerChain, 1000);
  const { Queue, InvocationLimitReachedError } = forgeRequire('@forge/events');
  let refusedAt;
  // a consumer that pushes the next event, run as a consumer invocation like index.js does
  bed.queue.registerConsumer('fixture-work', (event) => bed.harness.runInvocation({ functionKey: 'worker', kind: 'consumer', budgetMs: 900000 }, async () => {
    try {
      await new Queue({ key: 'fixture-work' }).push({ body: { n: event.body.n + 1 } });
    } catch (e) {
      if (!(e instanceof InvocationLimitReachedError)) throw e;
      refusedAt = event.body.n;
    }
  }), { timeoutSeconds: 900 });
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 1 } }] }); // push 1 of the resolver's chain
  await bed.queue.drain({ maxRounds: 2000 });
  assert.equal(refusedAt, 1000, 'the consumer of event 1000 makes push 1001');
  assert.equal(bed.queue.pushes.length, 1000);
  assert.equal(bed.queue.limitStats.peakPushesPerChain, 1000);
  // another invocation starts a new chain
  await bed.invokeResolver('enqueue', { queue: 'fixture-legacy', events: [{ body: { n: 1 } }] });
  assert.equal(bed.queue.pushes.length, 1001);
});

test('rule B10 a thrown error: retried by default with exponential backoff 1, 2, 4 ... s capped at 900 s; retryOnError: false does not', async () => {
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { retryOnError: false } });
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 6, throw: true } }] });
  assert.deepEqual((await bed.queue.drain({ advanceClock: true })).map((x) => x.outcome), ['error']);
  await bed.close();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira: null, queue: { maxRetries: 12 } });
  await bed.invokeResolver('enqueue', { events: [{ body: { n: 7, throw: true } }] });
  const out = await bed.queue.drain({ advanceClock: true });
  const gaps = out.slice(1).map((x, i) => (x.at - out[i].at) / 1000);
  assert.deepEqual(gaps, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
  assert.deepEqual(out.slice(0, -1).map((x) => x.outcome), Array(12).fill('error-retry'));
  assert.deepEqual([out.at(-1).outcome, out.at(-1).reason], ['error', 'max-retries']);
  assert.equal(bed.kvs.peek('work:7:12').jobId, out[0].jobId, 'retryContext.retryCount reached the consumer');
});
