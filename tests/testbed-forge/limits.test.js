'use strict';
// Invocation budgets (https://developer.atlassian.com/platform/forge/limits-invocation): resolvers 25 s;
// functions used only by scheduled triggers or consumers: timeoutSeconds (1..900) or 55 s; product-event
// and lifecycle triggers 25 s (the page's general row; 55 s in the alt profile); a manifest giving
// timeoutSeconds to any other function is refused.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const YAML = require('yaml');
const { startTestbed, INVOCATION_LIMITS } = require('../testbed');
const { FORGE_NODE_MODULES } = require('./helpers');

const HANDLERS = `'use strict';
const { getAppContext } = require('@forge/api');
const note = (who) => {
  const ms = getAppContext().invocationRemainingTimeInMillis();
  (global.__budgetSeen = global.__budgetSeen || []).push([who, ms]);
  return ms;
};
for (const k of ['res', 'both', 'sched', 'sched300', 'cons', 'cons900', 'life', 'web']) exports[k] = () => note(k);
exports.trig = async (event) => {
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return note('trig');
};
`;
const made = [];
test.after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

/** a throwaway app whose every handler reports the budget it runs with; `patch(manifest)` edits the manifest */
function makeApp(patch = () => {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-limits-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'index.js'), HANDLERS);
  fs.symlinkSync(FORGE_NODE_MODULES, path.join(dir, 'node_modules'));
  const fn = (key, extra = {}) => ({ key, handler: `index.${key}`, ...extra });
  const manifest = {
    app: { id: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-0000000000b2', runtime: { name: 'nodejs22.x' } },
    modules: {
      'jira:adminPage': [{ key: 'admin', resource: 'main', resolver: { function: 'res' }, title: 'x' }],
      'jira:projectPage': [{ key: 'proj', resource: 'main', resolver: { function: 'both' }, title: 'y' }],
      scheduledTrigger: [
        { key: 's-default', function: 'sched', interval: 'hour' },
        { key: 's-300', function: 'sched300', interval: 'day' },
        { key: 's-both', function: 'both', interval: 'week' },
      ],
      consumer: [{ key: 'c-default', queue: 'q-default', function: 'cons' }, { key: 'c-900', queue: 'q-long', function: 'cons900' }],
      trigger: [
        { key: 't-product', function: 'trig', events: ['avi:jira-software:started:sprint'] },
        { key: 't-life', function: 'life', events: ['avi:forge:installed:app'] },
      ],
      webtrigger: [{ key: 'w', function: 'web' }],
      function: [fn('res'), fn('both'), fn('sched'), fn('sched300', { timeoutSeconds: 300 }), fn('cons'), fn('cons900', { timeoutSeconds: 900 }), fn('trig'), fn('life'), fn('web')],
    },
    resources: [{ key: 'main', path: 'static' }],
  };
  patch(manifest);
  fs.writeFileSync(path.join(dir, 'manifest.yml'), YAML.stringify(manifest));
  return dir;
}
const setTimeout_ = (m, key, t) => { m.modules.function.find((f) => f.key === key).timeoutSeconds = t; };

/** run every kind of invocation once; -> {who: budget ms the app saw} */
async function budgetsSeen(bed) {
  global.__budgetSeen = [];
  await bed.invokeResolver('x', {}, { moduleKey: 'admin' });
  await bed.invokeResolver('x', {}, { moduleKey: 'proj' });
  await bed.runScheduled();
  await bed.deliverProductEvent({ eventType: 'avi:jira-software:started:sprint', sprint: { id: '1' } });
  await bed.runLifecycle('installed');
  await bed.queue.handle('/webhook/queue/publish/x', { queueName: 'q-default', jobId: 'j1', payload: [{ body: {} }] });
  await bed.queue.handle('/webhook/queue/publish/x', { queueName: 'q-long', jobId: 'j2', payload: [{ body: {} }] });
  await bed.queue.drain();
  await bed.invokeFunction('web', []);
  const out = {};
  for (const [who, ms] of global.__budgetSeen) (out[who] = out[who] || []).push(ms);
  return out;
}
// remaining time = the invocation's budget exactly (no real elapsed time in the numbers)
const exact = { remainingTime: ({ budgetMs }) => budgetMs, sql: false, jira: null };

test('rule C1-C3 budgets: resolvers 25 s; scheduled/consumer timeoutSeconds or 55 s; product-event and lifecycle triggers 25 s', async () => {
  assert.deepEqual([INVOCATION_LIMITS.resolverSec, INVOCATION_LIMITS.asyncDefaultSec, INVOCATION_LIMITS.triggerSec, INVOCATION_LIMITS.maxTimeoutSec], [25, 55, 25, 900]);
  const bed = await startTestbed({ appRoot: makeApp(), ...exact });
  try {
    assert.deepEqual(await budgetsSeen(bed), {
      res: [25000],
      both: [25000, 55000], // as a resolver 25 s, as a scheduled trigger 55 s
      sched: [55000],
      sched300: [300000],
      cons: [55000],
      cons900: [900000],
      trig: [25000],
      life: [25000],
      web: [55000],
    });
    assert.deepEqual([...bed.functionRoles.get('both')].sort(), ['resolver', 'scheduledTrigger']);
    assert.deepEqual([...bed.functionRoles.get('trig')], ['trigger']);
    assert.equal(bed.budgetFor('cons900', 'consumer'), 900000);
  } finally {
    await bed.close();
  }
});

test('rule C4 timeoutSeconds on a function also used by a resolver or a product trigger, or outside 1..900: startTestbed throws (forge deploy refuses)', async () => {
  const cases = [
    [(m) => setTimeout_(m, 'res', 60), /res has timeoutSeconds but is also used by resolver/],
    [(m) => setTimeout_(m, 'both', 120), /both has timeoutSeconds but is also used by resolver/],
    [(m) => setTimeout_(m, 'trig', 120), /trig has timeoutSeconds but is also used by trigger/],
    [(m) => setTimeout_(m, 'life', 120), /life has timeoutSeconds but is also used by trigger/],
    [(m) => setTimeout_(m, 'web', 120), /web has timeoutSeconds but is also used by webtrigger/],
    [(m) => setTimeout_(m, 'cons', 901), /between 1 and 900/],
    [(m) => setTimeout_(m, 'sched', 0), /between 1 and 900/],
    [(m) => setTimeout_(m, 'sched', '300'), /between 1 and 900/],
  ];
  for (const [patch, re] of cases) {
    await assert.rejects(startTestbed({ appRoot: makeApp(patch), ...exact }), (e) => re.test(e.message) && /forge deploy would refuse/.test(e.message), String(re));
    assert.equal(global.__forge_fetch__, undefined, 'nothing left installed');
  }
  // allowed: scheduled-only and consumer-only functions, the edges 1 and 900
  const bed = await startTestbed({ appRoot: makeApp((m) => { setTimeout_(m, 'sched', 1); setTimeout_(m, 'cons', 900); }), ...exact });
  await bed.close();
});

test('budget overrides: spec.budgetMs always wins; startTestbed({budgetMs}) replaces the defaults of functions without timeoutSeconds; invocationLimits', async () => {
  let bed = await startTestbed({ appRoot: makeApp(), ...exact, budgetMs: 1234 });
  try {
    const seen = await budgetsSeen(bed);
    assert.deepEqual([seen.res, seen.sched, seen.trig, seen.sched300, seen.cons900], [[1234], [1234], [1234], [300000], [900000]]);
    global.__budgetSeen = [];
    await bed.invokeResolver('x', {}, { moduleKey: 'admin', budgetMs: 777 });
    await bed.runScheduled('s-300', { budgetMs: 888 });
    assert.deepEqual(global.__budgetSeen, [['res', 777], ['sched300', 888]]);
  } finally {
    await bed.close();
  }
  bed = await startTestbed({ appRoot: makeApp(), ...exact, invocationLimits: { triggerSec: 55 } });
  try {
    const seen = await budgetsSeen(bed);
    assert.deepEqual([seen.trig, seen.life, seen.res], [[55000], [55000], [25000]]);
  } finally {
    await bed.close();
  }
});

test('the timeout follows the budget: a product trigger running past its budget -> FUNCTION_TIME_OUT', async () => {
  const bed = await startTestbed({ appRoot: makeApp(), sql: false, jira: null, invocationLimits: { triggerSec: 0.1 } });
  try {
    const ev = { eventType: 'avi:jira-software:started:sprint', sprint: { id: '1' } };
    await bed.deliverProductEvent(ev); // instant: fits in 100 ms
    await assert.rejects(bed.deliverProductEvent({ ...ev, sleepMs: 300 }), (e) => e.code === 'FUNCTION_TIME_OUT' && /100 ms/.test(e.message));
    await bed.deliverProductEvent({ ...ev, sleepMs: 300 }, { budgetMs: 5000 }); // the call's budgetMs wins
  } finally {
    await bed.close();
  }
});
