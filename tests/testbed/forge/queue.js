'use strict';
// Async-events queue (@forge/events 3.0.8) for the test bed.
//
// The package calls, as the app on remote `stargate` (__requestAtlassianAsApp), with the path
// TEMPLATE left as is (the platform fills it in; @forge/events/out/queries.js):
//   POST /webhook/queue/publish/{contextAri}/{environmentId}/{appId}/{appVersion}
//        {queueName, jobId, type:'avi:forge:app:event', schema:'ari:cloud:ecosystem::forge/app-event-2',
//         payload:[{body, delayInSeconds?, concurrency?}], time}            -> 201 accepted
//   POST /webhook/queue/stats/...   {queueName, jobId, time}  -> 200 {success, inProgress, failed} | 404
//   POST /webhook/queue/cancel/...  {queueName, jobId, time}  -> 204 | 404
//
// Events become due at (simulated now + delayInSeconds). Delivery happens only when the test asks:
//   queue.deliverDue()            deliver every event due now, once (in due order)     -> [delivery]
//   queue.drain({advanceClock})   deliverDue() repeatedly until nothing is due; with advanceClock:true
//                                 it also moves the simulated clock to the next pending event
// Each delivery calls the consumer registered for the event's queue: `deliver(event)` where
//   event = {body, queueName, jobId, eventId, retryContext?}  (retryContext only on redeliveries:
//           {retryCount, retryReason, retryData, retentionWindow: {startTime, remainingTimeMs}})
// A return value with `_retry === true` (what `new InvocationError({retryAfter, retryReason, retryData})`
// evaluates to: its constructor returns `{_retry, retryOptions}`) schedules a redelivery after
// retryAfter seconds (simulated; above 900 lowered to 900), retryCount + 1.
//
// What the platform refuses / does, from Atlassian's documentation (limits in DEFAULT_LIMITS below):
// - https://developer.atlassian.com/platform/forge/limits-async-events : 50 events per push, 200 KB
//   combined payload per push, 100 KB per event when the consuming function's timeout is > 55 s,
//   500 events per minute (per installation), 4 KB retryData, 1000 push requests per chain of
//   invocations started by one invocation (cyclic invocation).
// - https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/ : delayInSeconds
//   0..900; retryAfter above 900 lowered to 900; no fixed retry count: "automatically retried within
//   the retention window [24 hours] until they are successfully delivered. Retries use exponential
//   backoff, with intervals reaching up to approximately 15 minutes"; "If the retention window is
//   exceeded due to app level errors, the Async Event is dropped." -> default maxRetries = Infinity,
//   an event whose next attempt would fall after pushedAt + 24 h is dropped (outcome 'failed',
//   reason 'retention-window-expired'). `maxRetries: N` restores a fixed count.
// - HTTP statuses are the ones @forge/events 3.0.8 (out/validators.js) maps: 413 -> PayloadTooBigError
//   (message from body.errorMessage), 429 -> RateLimitError, 405 -> InvocationLimitReachedError, any
//   other non-201 -> InternalServerError(message, body.code, body.details).
// The package checks count, body shape, delay and the 200 KB itself before sending; the queue refuses
// the same again on the server side (a push that bypasses or outgrows the package's checks).
//
// Choices where the docs are silent (GUESSES):
// - > 50 events, bad event/body, bad delay, bad queue name: 400 {code: TOO_MANY_EVENTS |
//   INVALID_PAYLOAD | INVALID_PUSH_SETTINGS | INVALID_QUEUE_NAME | NO_EVENTS} (the package has no
//   status for them: the app sees InternalServerError with errorCode = code).
// - The 100 KB per-event limit is checked on JSON.stringify(event) ({body, delayInSeconds?,
//   concurrency?}), KB = 1024 bytes like the package's 200 KB check; a single event over it refuses
//   the whole push (413).
// - The 500 events/minute limit is NOT enforced unless `rateLimits: true` (the bed compresses time);
//   it is measured in REAL time (or `rateNow`), the peak is always in `limitStats.peakEventsPerMinute`.
// - A thrown error (also FUNCTION_TIME_OUT and a crashed invocation) is recorded as outcome 'error'
//   and retried (retryOnError, default true: the docs count app-level errors as failures that are
//   retried), after 1, 2, 4 ... s, capped at 900 s (exponential; the base is a GUESS).
//   retryOnError: false keeps a failed event from coming back (for tests that look at one delivery).
// - A retryData over 4 KB makes the delivery an app error (code RETRY_DATA_TOO_LARGE), handled as a
//   thrown error.
//
//   const q = createQueue({ now, setClock, maxRetries, retryOnError, rateLimits, rateNow, limits,
//                           currentInvocation: () => ({invocationId, kind}) | undefined })
//   q.registerConsumer(queueName, deliver, {timeoutSeconds}) ; q.handle(path, body) -> {status, body}
//   q.pushes [{queueName, jobId, request, at}] ; q.deliveries [{eventId, jobId, queueName, retryCount,
//     at, outcome: 'success'|'retry'|'failed'|'error'|'error-retry'|'no-consumer', retryAfter?,
//     reason?, error?, result?}]
//   q.pending() -> events not delivered yet (incl. scheduled retries) ; q.jobs() ; q.stats(jobId)
//   q.limitStats {peakEventsPerMinute, peakPushesPerChain, refused: {CODE: n}} ; q.limits
//   q.injectPublishFault({status, body, times})  e.g. 429 -> RateLimitError in the app

const crypto = require('crypto');
const { AsyncLocalStorage } = require('async_hooks');

/** Every limit of the queue, in one place. Override any with createQueue({limits: {...}}). */
const DEFAULT_LIMITS = {
  // https://developer.atlassian.com/platform/forge/limits-async-events "Event per request | 50"
  maxEventsPerPush: 50,
  // limits-async-events "Payload size | 200 KB | Maximum combined payload size of events in single request."
  maxPushKB: 200,
  // limits-async-events "Payload size for long running functions | 100 KB | Maximum size of an individual
  // event. This limit only applies to functions specifying a timeout greater than 55 seconds."
  maxEventKBLongRunning: 100,
  longRunningAboveSec: 55,
  // limits-async-events "Event per minute | 500" (enforced only with rateLimits: true)
  eventsPerMinute: 500,
  // limits-async-events "Retry data size | 4 KB | Maximum size of retryData."
  maxRetryDataKB: 4,
  // limits-async-events (cyclic invocation): 1000 push requests "across all handlers originating from a
  // single initial function invocation" -> 405 InvocationLimitReachedError
  maxPushesPerChain: 1000,
  // https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/
  // "The events processing can be delayed up to 15 minutes using the delayInSeconds setting."
  maxDelaySec: 900,
  // async-events-api "The maximum retryAfter value is 900 seconds (15 minutes). Any retryAfter values
  // exceeding this limit are lowered to 900 seconds."
  maxRetryAfterSec: 900,
  // async-events-api: delivered at least once within a retention window that "lasts for 24 hours"
  retentionMs: 24 * 3600 * 1000,
  // async-events-api "Retries use exponential backoff, with intervals reaching up to approximately
  // 15 minutes" (retries after app errors, retryOnError; base 1 s is a GUESS)
  backoffBaseSec: 1,
  backoffMaxSec: 900,
};

const PUBLISH_RE = /^\/webhook\/queue\/publish\//;
const STATS_RE = /^\/webhook\/queue\/stats\//;
const CANCEL_RE = /^\/webhook\/queue\/cancel\//;
// @forge/events out/validators.js VALID_QUEUE_NAME_PATTERN
const QUEUE_NAME_RE = /^[a-zA-Z0-9-_]+$/;

const kb = (v) => Buffer.byteLength(JSON.stringify(v === undefined ? null : v)) / 1024;

function createQueue({
  now = () => Date.now(),
  setClock,
  maxRetries = Infinity,
  retryOnError = true,
  rateLimits = false,
  rateNow = () => performance.timeOrigin + performance.now(),
  limits: limitOverrides,
  currentInvocation = () => undefined,
} = {}) {
  const limits = { ...DEFAULT_LIMITS, ...(limitOverrides || {}) };
  const consumers = new Map();
  const refusals = [];
  const consumerInfo = new Map(); // queueName -> {timeoutSeconds}
  const events = [];       // all events ever pushed (state: pending | delivering | done | failed | cancelled)
  const pushes = [];
  const deliveries = [];
  const faults = [];
  const chains = new Map(); // chain id -> push requests
  const chainAls = new AsyncLocalStorage(); // the chain of the event being delivered
  const rateWindow = []; // [realMs, events]
  const limitStats = { peakEventsPerMinute: 0, peakPushesPerChain: 0, refused: {} };
  let seq = 0;

  const refuse = (status, code, message, extra = {}) => {
    limitStats.refused[code] = (limitStats.refused[code] || 0) + 1;
    // errorMessage: read by the package for 413; message/code/details: for InternalServerError
    return { status, body: { code, message, errorMessage: message, ...extra } };
  };
  const eventsInLastMinute = (t) => {
    while (rateWindow.length && rateWindow[0][0] <= t - 60000) rateWindow.shift();
    return rateWindow.reduce((a, x) => a + x[1], 0);
  };

  function publish(body) {
    const { queueName, jobId, payload } = body || {};
    if (!queueName || !jobId || !Array.isArray(payload)) {
      return { status: 400, body: { message: 'test-bed queue: publish needs queueName, jobId, payload[]' } };
    }
    if (!QUEUE_NAME_RE.test(queueName)) {
      return refuse(400, 'INVALID_QUEUE_NAME', 'Queue names can only contain alphanumeric characters, dashes and underscores.');
    }
    if (!payload.length) return refuse(400, 'NO_EVENTS', 'No events pushed.');
    if (payload.length > limits.maxEventsPerPush) {
      return refuse(400, 'TOO_MANY_EVENTS', `This push contains more than the ${limits.maxEventsPerPush} events allowed.`, { details: { events: payload.length, limit: limits.maxEventsPerPush } });
    }
    for (const ev of payload) {
      if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return refuse(400, 'INVALID_PAYLOAD', 'Event must be an object.');
      if (typeof ev.body !== 'object' || ev.body === null || Array.isArray(ev.body)) return refuse(400, 'INVALID_PAYLOAD', 'Event body must be an object.');
      const d = ev.delayInSeconds;
      if (d !== undefined && d !== null && !(typeof d === 'number' && Number.isFinite(d) && d >= 0 && d <= limits.maxDelaySec)) {
        return refuse(400, 'INVALID_PUSH_SETTINGS', `The delayInSeconds setting must be between 0 and ${limits.maxDelaySec}.`);
      }
    }
    const pushKB = kb(payload);
    if (pushKB > limits.maxPushKB) {
      return refuse(413, 'PAYLOAD_TOO_BIG', `The maximum payload size is ${limits.maxPushKB}KB.`, { details: { sizeKB: pushKB, limitKB: limits.maxPushKB } });
    }
    const consumerTimeout = (consumerInfo.get(queueName) || {}).timeoutSeconds;
    if (consumerTimeout > limits.longRunningAboveSec) {
      const i = payload.findIndex((ev) => kb(ev) > limits.maxEventKBLongRunning);
      if (i >= 0) {
        return refuse(413, 'PAYLOAD_TOO_BIG', `The maximum size of an event for a consumer with a timeout above ${limits.longRunningAboveSec} seconds is ${limits.maxEventKBLongRunning}KB (event ${i}).`,
          { details: { index: i, sizeKB: kb(payload[i]), limitKB: limits.maxEventKBLongRunning, timeoutSeconds: consumerTimeout } });
      }
    }
    // cyclic invocation: push requests per chain (an invocation the test started, and every consumer
    // invocation of the events it pushed, transitively). Any other invocation starts its own chain.
    const inv = currentInvocation();
    const chain = inv && inv.kind !== 'consumer' ? `inv:${inv.invocationId}` : (chainAls.getStore() || `push:${crypto.randomUUID()}`);
    const chainPushes = (chains.get(chain) || 0) + 1;
    if (chainPushes > limits.maxPushesPerChain) {
      return refuse(405, 'INVOCATION_LIMIT_REACHED', 'The limit on cyclic invocation has been reached.', { details: { pushes: chainPushes, limit: limits.maxPushesPerChain } });
    }
    // events per minute per installation (real time)
    const t = rateNow();
    const lastMinute = eventsInLastMinute(t);
    if (rateLimits && lastMinute + payload.length > limits.eventsPerMinute) {
      return refuse(429, 'RATE_LIMITED', 'Too many requests.', { details: { eventsLastMinute: lastMinute, pushed: payload.length, limit: limits.eventsPerMinute } });
    }
    rateWindow.push([t, payload.length]);
    limitStats.peakEventsPerMinute = Math.max(limitStats.peakEventsPerMinute, lastMinute + payload.length);
    chains.set(chain, chainPushes);
    limitStats.peakPushesPerChain = Math.max(limitStats.peakPushesPerChain, chainPushes);

    const at = now();
    pushes.push({ queueName, jobId, request: body, at, chain });
    for (const ev of payload) {
      events.push({
        seq: seq++, eventId: crypto.randomUUID(), jobId, queueName, body: ev.body,
        delayInSeconds: ev.delayInSeconds || 0, concurrency: ev.concurrency,
        dueAt: at + (ev.delayInSeconds || 0) * 1000, state: 'pending', retryContext: undefined, pushedAt: at, chain,
      });
    }
    return { status: 201, body: {} };
  }

  function handle(path, body) {
    if (PUBLISH_RE.test(path)) {
      if (faults.length) {
        const f = faults[0];
        if (--f.times <= 0) faults.shift();
        return { status: f.status, body: f.body || { message: 'injected fault' } };
      }
      const answer = publish(body);
      // What the platform refused of what the app sent (the audit counts them: it must be none).
      if (answer.status >= 400) refusals.push({ status: answer.status, code: answer.body && answer.body.code, at: now() });
      return answer;
    }
    if (STATS_RE.test(path)) {
      const { jobId } = body || {};
      const job = events.filter((e) => e.jobId === jobId);
      if (!job.length) return { status: 404, body: { message: `job ${jobId} not found` } };
      return { status: 200, body: statsOf(jobId) };
    }
    if (CANCEL_RE.test(path)) {
      const { jobId } = body || {};
      const job = events.filter((e) => e.jobId === jobId);
      if (!job.length) return { status: 404, body: { message: `job ${jobId} not found` } };
      for (const e of job) if (e.state === 'pending') e.state = 'cancelled';
      return { status: 204 };
    }
    return null; // not a queue path
  }

  function statsOf(jobId) {
    const job = events.filter((e) => e.jobId === jobId);
    return {
      success: job.filter((e) => e.state === 'done').length,
      inProgress: job.filter((e) => e.state === 'pending' || e.state === 'delivering').length,
      failed: job.filter((e) => e.state === 'failed').length,
    };
  }

  async function deliverOne(ev) {
    const deliver = consumers.get(ev.queueName);
    const rec = { eventId: ev.eventId, jobId: ev.jobId, queueName: ev.queueName, retryCount: ev.retryContext ? ev.retryContext.retryCount : 0, at: now(), body: ev.body };
    deliveries.push(rec);
    if (!deliver) {
      ev.state = 'failed';
      rec.outcome = 'no-consumer';
      return rec;
    }
    ev.state = 'delivering';
    const event = {
      body: JSON.parse(JSON.stringify(ev.body)), queueName: ev.queueName, jobId: ev.jobId, eventId: ev.eventId,
      ...(ev.retryContext ? { retryContext: JSON.parse(JSON.stringify(ev.retryContext)) } : {}),
    };
    const windowEnd = ev.pushedAt + limits.retentionMs;
    /** schedule the next attempt; false when the event is given up (outcome 'failed') */
    const retry = (retryAfterSec, retryReason, retryData) => {
      const count = rec.retryCount;
      if (count >= maxRetries) { ev.state = 'failed'; rec.outcome = 'failed'; rec.reason = 'max-retries'; return false; }
      const requested = Number(retryAfterSec) || 1;
      const after = Math.min(limits.maxRetryAfterSec, Math.max(1, requested));
      const dueAt = now() + after * 1000;
      if (dueAt > windowEnd) { ev.state = 'failed'; rec.outcome = 'failed'; rec.reason = 'retention-window-expired'; return false; }
      ev.state = 'pending';
      ev.dueAt = dueAt;
      ev.retryContext = {
        retryCount: count + 1, retryReason, retryData,
        retentionWindow: { startTime: new Date(ev.pushedAt).toISOString(), remainingTimeMs: windowEnd - dueAt },
      };
      rec.outcome = 'retry';
      rec.retryAfter = after;
      if (after !== requested) rec.requestedRetryAfter = retryAfterSec;
      return true;
    };
    const onError = (e) => {
      rec.error = e;
      if (retryOnError) {
        const backoff = Math.min(limits.backoffMaxSec, limits.backoffBaseSec * 2 ** rec.retryCount);
        const reason = e && e.code === 'FUNCTION_TIME_OUT' ? 'FUNCTION_TIME_OUT' : 'FUNCTION_PLATFORM_UNKNOWN_ERROR';
        rec.outcome = retry(backoff, reason) ? 'error-retry' : 'error';
      } else {
        ev.state = 'failed';
        rec.outcome = 'error';
      }
    };
    try {
      const result = await chainAls.run(ev.chain, () => deliver(event));
      rec.result = result;
      if (result && typeof result === 'object' && result._retry === true) {
        const o = result.retryOptions || {};
        if (o.retryData !== undefined && kb(o.retryData) > limits.maxRetryDataKB) {
          const e = new Error(`RETRY_DATA_TOO_LARGE: retryData is ${kb(o.retryData).toFixed(1)} KB, the limit is ${limits.maxRetryDataKB} KB`);
          e.code = 'RETRY_DATA_TOO_LARGE';
          onError(e);
        } else {
          retry(o.retryAfter, o.retryReason || 'FUNCTION_RETRY_REQUEST', o.retryData);
        }
      } else {
        ev.state = 'done';
        rec.outcome = 'success';
      }
    } catch (e) {
      onError(e);
    }
    return rec;
  }

  async function deliverDue() {
    const t = now();
    const due = events.filter((e) => e.state === 'pending' && e.dueAt <= t).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    const out = [];
    for (const ev of due) {
      if (ev.state !== 'pending') continue; // cancelled meanwhile
      out.push(await deliverOne(ev));
    }
    return out;
  }

  async function drain({ advanceClock = false, maxRounds = 1000 } = {}) {
    const out = [];
    for (let round = 0; round < maxRounds; round++) {
      const batch = await deliverDue();
      out.push(...batch);
      if (batch.length) continue;
      if (!advanceClock) return out;
      const next = events.filter((e) => e.state === 'pending').sort((a, b) => a.dueAt - b.dueAt)[0];
      if (!next) return out;
      if (!setClock) throw new Error('queue.drain({advanceClock}) needs setClock');
      setClock(next.dueAt);
    }
    throw new Error(`queue.drain: still delivering after ${maxRounds} rounds (a consumer that keeps pushing, or keeps asking for retries? retries are unlimited within 24 h unless maxRetries is set)`);
  }

  return {
    handle,
    /** deliver(event) runs the consumer; info.timeoutSeconds = its function's timeout (100 KB rule) */
    registerConsumer(queueName, deliver, info = {}) {
      consumers.set(queueName, deliver);
      consumerInfo.set(queueName, { timeoutSeconds: info.timeoutSeconds });
    },
    consumers,
    consumerInfo,
    refusals,
    deliverDue,
    drain,
    pushes,
    deliveries,
    pending: () => events.filter((e) => e.state === 'pending').map((e) => ({ ...e })),
    events,
    jobs: () => [...new Set(events.map((e) => e.jobId))].map((jobId) => ({ jobId, ...statsOf(jobId) })),
    stats: statsOf,
    limits,
    limitStats,
    injectPublishFault({ status = 429, body, times = 1 } = {}) { faults.push({ status, body, times }); },
  };
}

module.exports = { createQueue, DEFAULT_LIMITS };
