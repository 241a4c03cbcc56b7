'use strict';
// Runtime stand-in: identity per invocation, remaining time, egress guard, console capture, globals.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');
const { REAL_DATE_NOW } = require('../testbed/forge/clock');
const { createStubJira, FIXTURE_APP } = require('./helpers');

let bed;
let jira;
test.beforeEach(async () => {
  jira = await createStubJira();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira });
});
test.afterEach(async () => { await bed.close(); await jira.close(); });

test('asUser vs asApp: provider and account headers reach the Jira server', async () => {
  const u = await bed.invokeResolver('jira-as-user', {}, { accountId: 'acc-user-1' });
  assert.deepEqual(u, { status: 200, body: { accountId: 'acc-user-1', provider: 'user' } });
  const a = await bed.invokeResolver('jira-as-app', {}, { accountId: 'acc-user-1' });
  assert.deepEqual(a, { status: 200, body: { id: 7, provider: 'app' } });
  const [ru, ra] = jira.requests;
  assert.equal(ru.headers['x-forge-provider'], 'user');
  assert.equal(ru.headers['x-forge-account-id'], 'acc-user-1');
  assert.equal(ra.headers['x-forge-provider'], 'app');
  assert.equal(ra.headers['x-forge-account-id'], undefined, 'asApp carries no account');
  assert.equal(ru.headers['x-forge-function-key'], 'resolver');

  const none = await bed.invokeResolver('jira-as-user', {});
  assert.equal(none.status, 401, 'asUser without a principal -> no header -> 401 from Jira');
  assert.equal(jira.requests[2].headers['x-forge-account-id'], undefined);
  assert.deepEqual(bed.egress.calls.map((c) => [c.remote, c.provider, c.status]), [['jira', 'user', 200], ['jira', 'app', 200], ['jira', 'user', 401]]);
  assert.equal(bed.egress.violations.length, 0);
});

test('two concurrent invocations keep their own account ids', async () => {
  const [a, b, c] = await Promise.all([
    bed.invokeResolver('jira-as-user', { delayMs: 40 }, { accountId: 'acc-A' }),
    bed.invokeResolver('jira-as-user', { delayMs: 5 }, { accountId: 'acc-B' }),
    bed.invokeResolver('whoami', {}, { accountId: 'acc-C' }),
  ]);
  assert.equal(a.body.accountId, 'acc-A');
  assert.equal(b.body.accountId, 'acc-B');
  assert.equal(c.accountId, 'acc-C');
  assert.deepEqual(jira.requests.map((r) => r.headers['x-forge-account-id']), ['acc-B', 'acc-A'], 'B finished its wait first');
});

test('remaining-time budget: real elapsed time, per-call budget, test-supplied function, timeout', async () => {
  const r = await bed.invokeResolver('remaining', { sleepMs: 60 });
  assert.ok(r.before <= 25000 && r.before > 24900, `before=${r.before}`);
  assert.ok(r.before - r.after >= 55, `elapsed ${r.before - r.after}`);
  const small = await bed.invokeResolver('remaining', {}, { budgetMs: 1000 });
  assert.ok(small.before <= 1000 && small.before > 900);
  const fake = await bed.invokeResolver('remaining', {}, { remainingTime: ({ budgetMs }) => budgetMs - 24000 });
  assert.deepEqual(fake, { before: 1000, after: 1000 });
  await assert.rejects(bed.invokeResolver('remaining', { sleepMs: 200 }, { budgetMs: 50 }), (e) => e.code === 'FUNCTION_TIME_OUT');
});

test('egress guard: global fetch to another host, unknown remote, unknown __forge_fetch__ type', async () => {
  const out = await bed.invokeResolver('fetch-out', { url: 'https://api.example.com/x' });
  assert.equal(out.ok, false);
  assert.match(out.message, /^EGRESS_VIOLATION/);
  const conf = await bed.invokeResolver('confluence', {});
  assert.match(conf.message, /^EGRESS_VIOLATION: .*remote=confluence/);
  await assert.rejects(global.__forge_fetch__({ type: 'tpp', remote: 'github' }, '/x', {}), /^Error: EGRESS_VIOLATION/);
  await assert.rejects(fetch('http://127.0.0.1:1/not-ours'), /EGRESS_VIOLATION/, 'even 127.0.0.1 is refused unless it is a test-bed server');
  assert.equal(bed.egress.violations.length, 4);
  assert.deepEqual(bed.egress.violations.map((v) => v.type), ['fetch', 'fpp', 'tpp', 'fetch']);
  assert.equal(bed.egress.violations[0].functionKey, 'resolver');

  const ok = await bed.invokeResolver('fetch-out', { url: `${jira.url}/rest/api/3/myself` });
  assert.deepEqual(ok, { ok: true, status: 200 }, 'the test bed\'s own servers are allowed');
});

test('console capture during invocations only', async () => {
  assert.equal(await bed.invokeResolver('log', { token: 'tok-1' }), 'logged');
  assert.deepEqual(bed.consoleLines, ['fixture log tok-1', 'fixture warn tok-1', 'boom tok-1']);
  assert.deepEqual(bed.consoleEntries.map((e) => e.level), ['log', 'warn', 'error']);
  assert.equal(bed.consoleEntries[0].functionKey, 'resolver');
  console.log('# (outside an invocation: printed, not captured)');
  assert.equal(bed.consoleLines.length, 3);
});

test('close() uninstalls the globals and the clock', async () => {
  assert.equal(typeof global.__forge_fetch__, 'function');
  assert.notEqual(Date.now, REAL_DATE_NOW);
  await bed.close();
  assert.equal(global.__forge_fetch__, undefined);
  assert.equal(global.__forge_runtime__, undefined);
  assert.equal(Date.now, REAL_DATE_NOW);
  const res = await fetch(`${jira.url}/rest/api/3/myself`); // real fetch again
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  bed = await startTestbed({ appRoot: FIXTURE_APP, sql: false, jira }); // a second bed in the same process
  assert.equal((await bed.invokeResolver('whoami', {}, { accountId: 'x' })).accountId, 'x');
});
