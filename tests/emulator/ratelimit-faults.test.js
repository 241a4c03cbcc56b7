'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, call, T0 } = require('./helpers');

const A = '/rest/agile/1.0';
async function withJira(fn) {
  const env = await setup();
  try { await fn(env); } finally { await env.jira.close(); }
}
const getBoard = (jira, opts) => call(jira, 'GET', `${A}/board/1`, opts);

test('rate limiter: 429 with Retry-After and X-RateLimit-* once the bucket is empty; refills by the injected clock', () => withJira(async ({ jira, clock }) => {
  jira.setRateLimit({ capacity: 3, refillPerSecond: 0.5 });
  for (let i = 0; i < 3; i++) {
    const r = await getBoard(jira);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-limit'), '3');
  }
  let r = await getBoard(jira);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '2');
  assert.equal(r.headers.get('x-ratelimit-limit'), '3');
  assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(r.headers.get('ratelimit-reason'), 'jira-burst-based');
  assert.equal(r.headers.get('x-ratelimit-reset'), new Date(T0 + 2000).toISOString());
  assert.deepEqual(r.body.errorMessages, ['Rate limit exceeded.']);
  // users are not limited by the app's bucket
  assert.equal((await getBoard(jira, { as: 'user', accountId: 'user-1' })).status, 200);
  // real time does not refill; simulated time does
  await new Promise((res) => setTimeout(res, 50));
  assert.equal((await getBoard(jira)).status, 429);
  clock.advance(1000);
  r = await getBoard(jira);
  assert.equal(r.status, 429, 'half a token after 1 s');
  assert.equal(r.headers.get('retry-after'), '1');
  clock.advance(1000);
  assert.equal((await getBoard(jira)).status, 200);
  const st = jira.rateLimitStats();
  assert.equal(st.enabled, true);
  assert.equal(st.allowed, 4);
  assert.equal(st.limited, 3);
  assert.ok(st.tokens < 1);
  assert.equal(jira.countRequests({ status: 429 }), 3);
  jira.setRateLimit(null);
  assert.equal((await getBoard(jira)).status, 200);
}));

test('a rate-limited write changes nothing', () => withJira(async ({ jira }) => {
  jira.setRateLimit({ capacity: 1, refillPerSecond: 0 });
  assert.equal((await getBoard(jira)).status, 200);
  const r = await call(jira, 'POST', `${A}/sprint`, { body: { name: 'S', originBoardId: 1 } });
  assert.equal(r.status, 429);
  assert.equal(jira.sprintsOfBoard(1).length, 0);
}));

test('scripted faults: 429, 500, 503 (no state change), nth/times, method and RegExp matching', () => withJira(async ({ jira }) => {
  const s = jira.addSprint({ boardId: 1, name: 'S' });
  const p = `${A}/sprint/${s.id}`;
  jira.injectFault({ method: 'POST', pathMatch: p, kind: '429', retryAfterSeconds: 7 });
  jira.injectFault({ method: 'POST', pathMatch: p, kind: '500' });
  const f503 = jira.injectFault({ pathMatch: /\/sprint\/\d+$/, nth: 1, times: 1, kind: '503', retryAfterSeconds: 3, method: 'POST' });
  let r = await call(jira, 'POST', p, { body: { name: 'one' } });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.ok(r.headers.get('x-ratelimit-reset'));
  r = await call(jira, 'POST', p, { body: { name: 'two' } });
  assert.equal(r.status, 500);
  r = await call(jira, 'POST', p, { body: { name: 'three' } });
  assert.equal(r.status, 503);
  assert.equal(r.headers.get('retry-after'), '3');
  assert.equal(f503.fired(), 1);
  assert.equal(jira.getSprint(s.id).name, 'S', 'no faulted request changed state');
  r = await call(jira, 'POST', p, { body: { name: 'four' } });
  assert.equal(r.status, 200);
  assert.equal(jira.getSprint(s.id).name, 'four');
  // nth / times: fires on the 2nd and 3rd GET only
  jira.injectFault({ method: 'GET', pathMatch: p, nth: 2, times: 2, kind: '500' });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await call(jira, 'GET', p)).status);
  assert.deepEqual(statuses, [200, 500, 500, 200]);
  assert.deepEqual(jira.requests.filter((x) => x.fault).map((x) => x.fault), ['429', '500', '503', '500', '500']);
  // a rule can be removed; RegExp sees the query string
  const rule = jira.injectFault({ pathMatch: /state=active/, kind: '500', times: 10 });
  assert.equal((await call(jira, 'GET', `${A}/board/1/sprint?state=future`)).status, 200);
  assert.equal((await call(jira, 'GET', `${A}/board/1/sprint?state=active`)).status, 500);
  rule.remove();
  assert.equal((await call(jira, 'GET', `${A}/board/1/sprint?state=active`)).status, 200);
}));

test('latency answers normally after a delay; drop destroys the socket; timeout holds until close()', async () => {
  const { jira } = await setup();
  let closed = false;
  try {
    const s = jira.addSprint({ boardId: 1, name: 'S' });
    const p = `${A}/sprint/${s.id}`;
    jira.injectFault({ pathMatch: p, kind: 'latency', latencyMs: 150 });
    let t = Date.now();
    const r = await call(jira, 'POST', p, { body: { name: 'slow' } });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t >= 140);
    assert.equal(jira.getSprint(s.id).name, 'slow', 'latency still applies the change');
    jira.injectFault({ pathMatch: p, kind: 'drop' });
    await assert.rejects(call(jira, 'POST', p, { body: { name: 'dropped' } }));
    assert.equal(jira.getSprint(s.id).name, 'slow');
    assert.equal(jira.requests.at(-1).fault, 'drop');
    assert.equal(jira.requests.at(-1).status, null);
    jira.injectFault({ pathMatch: p, kind: 'timeout' });
    t = Date.now();
    await assert.rejects(call(jira, 'POST', p, { body: { name: 'held' }, signal: AbortSignal.timeout(200) }), /abort|timeout/i);
    assert.ok(Date.now() - t >= 190);
    assert.equal(jira.getSprint(s.id).name, 'slow');
    // a held request that the client does not abort is released by close()
    jira.injectFault({ pathMatch: p, kind: 'timeout' });
    const pending = call(jira, 'GET', p).then(() => 'answered', () => 'failed');
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(jira.heldConnections(), 1);
    t = Date.now();
    await jira.close();
    closed = true;
    assert.equal(await pending, 'failed');
    assert.ok(Date.now() - t < 1000, 'close() does not wait for held connections');
  } finally {
    if (!closed) await jira.close();
  }
});

test('phase "after": the change is applied, then the connection drops (or a 500/503 answers)', () => withJira(async ({ jira }) => {
  const events = [];
  jira.onSprintEvent((e) => events.push(e));
  jira.injectFault({ method: 'POST', pathMatch: `${A}/sprint`, kind: 'drop', phase: 'after' });
  await assert.rejects(call(jira, 'POST', `${A}/sprint`, { body: { name: 'maybe', originBoardId: 1 } }));
  assert.deepEqual(jira.sprintsOfBoard(1).map((s) => s.name), ['maybe'], 'it happened');
  assert.equal(events.length, 1);
  assert.equal(jira.requests.at(-1).applied, true);
  assert.equal(jira.requests.at(-1).resultStatus, 201);
  const id = jira.sprintsOfBoard(1)[0].id;
  jira.injectFault({ pathMatch: `${A}/sprint/${id}`, kind: '503', phase: 'after' });
  const r = await call(jira, 'POST', `${A}/sprint/${id}`, { body: { state: 'active', startDate: new Date(T0).toISOString(), endDate: new Date(T0 + 864e5).toISOString() } });
  assert.equal(r.status, 503);
  assert.equal(jira.getSprint(id).state, 'active', 'state changed despite the 503');
  assert.equal(events.at(-1).eventType, 'avi:jira-software:started:sprint');
}));

test('faults by rate: deterministic with a seed, each kind appears, faulted requests change nothing', async () => {
  async function run(seed) {
    const { jira } = await setup();
    try {
      const s = jira.addSprint({ boardId: 1, name: 'S' });
      jira.setFaultRate({ rate: 0.5, kinds: ['429', '500', '503', 'drop', 'timeout', 'latency'], seed, latencyMs: 5 });
      const outcomes = [];
      for (let i = 0; i < 40; i++) {
        try {
          const r = await call(jira, 'POST', `${A}/sprint/${s.id}`, { body: { goal: `g${i}` }, signal: AbortSignal.timeout(100) });
          outcomes.push(r.status);
          if (r.status === 200) assert.equal(jira.getSprint(s.id).goal, `g${i}`);
          else assert.notEqual(jira.getSprint(s.id).goal, `g${i}`);
        } catch (e) {
          outcomes.push(e.name === 'TimeoutError' ? 'timeout' : 'drop');
          assert.notEqual(jira.getSprint(s.id).goal, `g${i}`);
        }
      }
      return { outcomes, faults: jira.requests.map((r) => r.fault || '-') };
    } finally {
      await jira.close();
    }
  }
  const a = await run(42);
  const b = await run(42);
  const c = await run(7);
  assert.deepEqual(a, b, 'same seed, same faults');
  assert.notDeepEqual(a.faults, c.faults, 'another seed, other faults');
  for (const k of ['429', '500', '503', 'drop', 'timeout', 'latency']) assert.ok(a.faults.includes(k), `kind ${k} appeared`);
  const nFaults = a.faults.filter((f) => f !== '-').length;
  assert.ok(nFaults > 10 && nFaults < 30, `about half faulted (${nFaults}/40)`);
});
