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
//           {retryCount, retryReason, retryData})
// A return value with `_retry === true` (what `new InvocationError({retryAfter, retryReason, retryData})`
// evaluates to: its constructor returns `{_retry, retryOptions}`) schedules a redelivery after
// retryAfter seconds (simulated), retryCount + 1, up to `maxRetries` (default 4; GUESS from the docs).
// A thrown error is recorded as outcome 'error' and NOT retried unless retryOnError (GUESS).
//
//   const q = createQueue({ now, setClock, maxRetries, retryOnError })
//   q.registerConsumer(queueName, deliver) ; q.handle(path, body) -> {status, body}
//   q.pushes [{queueName, jobId, request, at}] ; q.deliveries [{eventId, jobId, queueName, retryCount,
//     at, outcome: 'success'|'retry'|'failed'|'error'|'no-consumer', retryAfter?, error?, result?}]
//   q.pending() -> events not delivered yet (incl. scheduled retries) ; q.jobs() ; q.stats(jobId)
//   q.injectPublishFault({status, body, times})  e.g. 429 -> RateLimitError in the app

const crypto = require('crypto');

const PUBLISH_RE = /^\/webhook\/queue\/publish\//;
const STATS_RE = /^\/webhook\/queue\/stats\//;
const CANCEL_RE = /^\/webhook\/queue\/cancel\//;

function createQueue({ now = () => Date.now(), setClock, maxRetries = 4, retryOnError = false } = {}) {
  const consumers = new Map();
  const events = [];       // all events ever pushed (state: pending | delivering | done | failed | cancelled)
  const pushes = [];
  const deliveries = [];
  const faults = [];
  let seq = 0;

  function handle(path, body) {
    if (PUBLISH_RE.test(path)) {
      if (faults.length) {
        const f = faults[0];
        if (--f.times <= 0) faults.shift();
        return { status: f.status, body: f.body || { message: 'injected fault' } };
      }
      const { queueName, jobId, payload } = body || {};
      if (!queueName || !jobId || !Array.isArray(payload)) {
        return { status: 400, body: { message: 'test-bed queue: publish needs queueName, jobId, payload[]' } };
      }
      const at = now();
      pushes.push({ queueName, jobId, request: body, at });
      for (const ev of payload) {
        events.push({
          seq: seq++, eventId: crypto.randomUUID(), jobId, queueName, body: ev.body,
          delayInSeconds: ev.delayInSeconds || 0, concurrency: ev.concurrency,
          dueAt: at + (ev.delayInSeconds || 0) * 1000, state: 'pending', retryContext: undefined, pushedAt: at,
        });
      }
      return { status: 201, body: {} };
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
      ...(ev.retryContext ? { retryContext: { ...ev.retryContext } } : {}),
    };
    const retry = (retryAfterSec, retryReason, retryData) => {
      const count = rec.retryCount;
      if (count >= maxRetries) { ev.state = 'failed'; rec.outcome = 'failed'; return; }
      ev.state = 'pending';
      ev.dueAt = now() + Math.max(1, retryAfterSec || 1) * 1000;
      ev.retryContext = { retryCount: count + 1, retryReason, retryData };
      rec.outcome = 'retry';
      rec.retryAfter = retryAfterSec;
    };
    try {
      const result = await deliver(event);
      rec.result = result;
      if (result && typeof result === 'object' && result._retry === true) {
        const o = result.retryOptions || {};
        retry(o.retryAfter, o.retryReason || 'FUNCTION_RETRY_REQUEST', o.retryData);
      } else {
        ev.state = 'done';
        rec.outcome = 'success';
      }
    } catch (e) {
      rec.error = e;
      if (retryOnError) { retry(1, 'FUNCTION_PLATFORM_UNKNOWN_ERROR'); rec.outcome = rec.outcome === 'retry' ? 'error-retry' : 'error'; } else {
        ev.state = 'failed';
        rec.outcome = 'error';
      }
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
    throw new Error(`queue.drain: still delivering after ${maxRounds} rounds (a consumer that keeps pushing?)`);
  }

  return {
    handle,
    registerConsumer(queueName, deliver) { consumers.set(queueName, deliver); },
    consumers,
    deliverDue,
    drain,
    pushes,
    deliveries,
    pending: () => events.filter((e) => e.state === 'pending').map((e) => ({ ...e })),
    events,
    jobs: () => [...new Set(events.map((e) => e.jobId))].map((jobId) => ({ jobId, ...statsOf(jobId) })),
    stats: statsOf,
    injectPublishFault({ status = 429, body, times = 1 } = {}) { faults.push({ status, body, times }); },
  };
}

module.exports = { createQueue };
