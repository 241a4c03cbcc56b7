'use strict';
// Local Forge test bed: runs the app's REAL handlers, with the REAL @forge packages, against
//   - a simulated clock (Date.now only)                         forge/clock.js
//   - an in-memory KVS / Custom Entity Store                    forge/kvs.js
//   - Forge SQL on a throwaway MariaDB database                 forge/sql.js
//   - the async-events queue, delivered on demand               forge/queue.js
//   - the Jira emulator (tests/testbed/jira/emulator.js)        or a `jira` object you pass in
// wired together by the runtime stand-in forge/harness.js (globals, identity, egress guard, console).
//
//   const { startTestbed } = require('../testbed');
//   const bed = await startTestbed({ appRoot, clockStart, budgetMs, sprintEvents: 'manual' });
//   try { ... await bed.invokeResolver('getConfig', {boardId: 7}, {accountId: 'acc-1'}) ... }
//   finally { await bed.close(); }
//
// See README.md next to this file for the full API.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const YAML = require('yaml');
const { createClock } = require('./forge/clock');
const { createKvs } = require('./forge/kvs');
const { createSqlBackend } = require('./forge/sql');
const { createQueue } = require('./forge/queue');
const { createHarness } = require('./forge/harness');

const DEFAULT_APP_ROOT = path.resolve(__dirname, '..', '..');
const EMULATOR_PATH = path.join(__dirname, 'jira', 'emulator.js');
const LIFECYCLE_EVENTS = { installed: 'avi:forge:installed:app', upgraded: 'avi:forge:upgraded:app' };

function readManifest(appRoot) {
  const file = path.join(appRoot, 'manifest.yml');
  if (!fs.existsSync(file)) throw new Error(`startTestbed: no manifest.yml in ${appRoot}`);
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

/** remove the app's own modules (under the real path of <appRoot>/src, outside node_modules) from require.cache */
function purgeAppModules(srcDir) {
  let real;
  try { real = fs.realpathSync(srcDir); } catch { return; }
  for (const k of Object.keys(require.cache)) {
    if (k.startsWith(real + path.sep) && !k.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[k];
  }
}

/** manifest modules.function -> {key: {key, handlerRef, file, exportName, timeoutSeconds, handler}} */
function loadFunctions(manifest, appRoot) {
  const srcDir = path.join(appRoot, 'src');
  const out = new Map();
  for (const f of (manifest.modules && manifest.modules.function) || []) {
    const ref = String(f.handler || '');
    const dot = ref.lastIndexOf('.');
    if (dot <= 0) throw new Error(`function ${f.key}: handler "${ref}" is not <module>.<export>`);
    const modulePath = ref.slice(0, dot);
    const exportName = ref.slice(dot + 1);
    let file;
    try { file = require.resolve(path.join(srcDir, modulePath)); } catch (e) {
      throw new Error(`function ${f.key}: cannot resolve src/${modulePath} under ${appRoot}: ${e.message}`, { cause: e });
    }
    const mod = require(file);
    const handler = mod[exportName];
    if (typeof handler !== 'function') throw new Error(`function ${f.key}: src/${modulePath} does not export a function "${exportName}"`);
    out.set(f.key, { key: f.key, handlerRef: ref, file, exportName, timeoutSeconds: f.timeoutSeconds, handler });
  }
  return out;
}

/** every module (of any type) with `resolver: {function}` */
function resolverModules(manifest) {
  const out = [];
  for (const [type, list] of Object.entries(manifest.modules || {})) {
    if (!Array.isArray(list)) continue;
    for (const m of list) if (m && m.resolver && m.resolver.function && type !== 'consumer') out.push({ moduleKey: m.key, moduleType: type, functionKey: m.resolver.function });
  }
  return out;
}

async function startTestbed(options = {}) {
  const {
    appRoot = DEFAULT_APP_ROOT,
    clockStart,
    budgetMs = 25000,
    sprintEvents = 'manual',
    seed,
    accountIdForLifecycle = '557058:00000000-0000-4000-8000-00000000feed',
    queue: queueOptions = {},
    allowOrigins = [],
    ids,
    enforceTimeout = true,
  } = options;
  if (!['manual', 'immediate'].includes(sprintEvents)) throw new Error(`startTestbed: sprintEvents must be 'manual' or 'immediate'`);

  const manifest = readManifest(appRoot);
  const cleanups = [];
  const bed = { appRoot, manifest, budgetMs };
  let closed = false;
  try {
    const clock = createClock(clockStart);
    clock.install();
    cleanups.push(() => clock.uninstall());
    bed.clock = clock;

    const entities = (manifest.app && manifest.app.storage && manifest.app.storage.entities) || [];
    bed.kvs = createKvs({ entities, now: clock.now, limits: options.kvsLimits });

    const wantSql = options.sql !== undefined ? options.sql !== false : Boolean(manifest.modules && manifest.modules.sql);
    bed.sql = null;
    if (wantSql) {
      bed.sql = await createSqlBackend({ ...(typeof options.sql === 'object' ? options.sql : {}), now: clock.now });
      cleanups.push(() => bed.sql.close());
    }

    bed.queue = createQueue({ now: clock.now, setClock: clock.set, ...queueOptions });

    // ---- Jira ----
    let jira = options.jira;
    if (jira === undefined && fs.existsSync(EMULATOR_PATH)) {
      const { createJiraEmulator } = require(EMULATOR_PATH);
      jira = await createJiraEmulator({ now: clock.now, seed, ...(options.jiraOptions || {}) });
      if (!jira.url && typeof jira.listen === 'function') await jira.listen();
      if (typeof jira.close === 'function') cleanups.push(() => jira.close());
    }
    bed.jira = jira || null;

    // ---- harness (globals) BEFORE any app module loads ----
    const scopes = (manifest.permissions && manifest.permissions.scopes) || [];
    const harness = createHarness({
      kvs: bed.kvs, sql: bed.sql, queue: bed.queue,
      jira: () => (bed.jira ? bed.jira.url : undefined),
      allowOrigins, budgetMs, enforceTimeout, ids, scopes,
      remainingTime: options.remainingTime,
    });
    harness.install();
    cleanups.push(() => harness.uninstall());
    bed.harness = harness;
    bed.egress = harness.egress;
    bed.consoleLines = harness.consoleLines;
    bed.consoleEntries = harness.consoleEntries;
    bed.invocations = harness.invocations;
    bed.installContext = harness.installContext;
    bed.cloudId = harness.ids.cloudId;

    // ---- the app's handlers ----
    purgeAppModules(path.join(appRoot, 'src'));
    const functions = loadFunctions(manifest, appRoot);
    bed.functions = functions;
    const mods = manifest.modules || {};
    const fnOf = (key, where) => {
      const f = functions.get(key);
      if (!f) throw new Error(`${where}: function "${key}" is not declared in modules.function`);
      return f;
    };
    const budgetFor = (f, spec) => spec.budgetMs || (f.timeoutSeconds ? f.timeoutSeconds * 1000 : budgetMs);
    const jsonRoundTrip = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

    /** low level: run function `functionKey` with `args` as one invocation */
    bed.invokeFunction = (functionKey, args, spec = {}) => {
      const f = fnOf(functionKey, 'invokeFunction');
      return harness.runInvocation({ ...spec, functionKey, budgetMs: budgetFor(f, spec) }, () => f.handler(...args));
    };

    // resolvers
    const resolvers = resolverModules(manifest);
    bed.resolverModules = resolvers;
    bed.invokeResolver = async (key, payload, spec = {}) => {
      const mod = spec.moduleKey ? resolvers.find((r) => r.moduleKey === spec.moduleKey) : resolvers[0];
      if (!mod) throw new Error(`invokeResolver: no module with a resolver${spec.moduleKey ? ` and key ${spec.moduleKey}` : ''}`);
      const f = fnOf(mod.functionKey, `module ${mod.moduleKey}`);
      const request = {
        call: { functionKey: key, payload: jsonRoundTrip(payload) },
        context: {
          cloudId: harness.ids.cloudId, moduleKey: mod.moduleKey, localId: `${mod.moduleKey}-local`,
          siteUrl: 'https://test-bed.atlassian.net', environmentId: harness.ids.environmentId,
          environmentType: harness.ids.environmentType, extension: { type: mod.moduleType, ...(spec.extension || {}) },
          ...(spec.context || {}),
        },
      };
      const runtimePayload = {
        principal: spec.accountId ? { accountId: spec.accountId } : undefined,
        installContext: harness.installContext,
        installation: { ari: `ari:cloud:ecosystem::installation/${harness.ids.installationId}` },
        license: spec.license,
      };
      const result = await harness.runInvocation(
        { functionKey: mod.functionKey, moduleKey: mod.moduleKey, moduleType: mod.moduleType, accountId: spec.accountId, kind: 'resolver', budgetMs: budgetFor(f, spec), remainingTime: spec.remainingTime, crashAfterCalls: spec.crashAfterCalls },
        () => f.handler(request, runtimePayload),
      );
      return jsonRoundTrip(result); // the bridge transports JSON
    };

    // scheduled triggers
    const scheduled = mods.scheduledTrigger || [];
    bed.runScheduled = async (triggerKey, spec = {}) => {
      const list = triggerKey ? scheduled.filter((s) => s.key === triggerKey) : scheduled;
      if (!list.length) throw new Error(`runScheduled: no scheduledTrigger${triggerKey ? ` "${triggerKey}"` : ''} in the manifest`);
      const results = [];
      for (const s of list) {
        const f = fnOf(s.function, `scheduledTrigger ${s.key}`);
        const event = { context: { cloudId: harness.ids.cloudId, moduleKey: s.key }, contextToken: 'test-bed-context-token' };
        const result = await harness.runInvocation(
          { ...spec, functionKey: f.key, moduleKey: s.key, moduleType: 'scheduledTrigger', kind: 'scheduled', budgetMs: budgetFor(f, spec) },
          () => f.handler(event, { installContext: harness.installContext }),
        );
        results.push({ key: s.key, result });
      }
      return triggerKey ? results[0].result : results;
    };

    // product / lifecycle event triggers
    const triggers = mods.trigger || [];
    const eventName = (e) => (typeof e === 'string' ? e : e && (e.event || e.name));
    bed.triggersFor = (eventType) => triggers.filter((t) => (t.events || []).map(eventName).includes(eventType));
    bed.deliverProductEvent = async (event, spec = {}) => {
      if (!event || !event.eventType) throw new Error('deliverProductEvent: event.eventType is required');
      const subs = bed.triggersFor(event.eventType);
      if (!subs.length && !spec.ignoreUnsubscribed) throw new Error(`deliverProductEvent: no trigger in the manifest subscribes to ${event.eventType}`);
      const results = [];
      for (const t of subs) {
        const f = fnOf(t.function, `trigger ${t.key}`);
        const payload = { ...jsonRoundTrip(event), context: { cloudId: harness.ids.cloudId, moduleKey: t.key, ...(event.context || {}) } };
        const result = await harness.runInvocation(
          { ...spec, functionKey: f.key, moduleKey: t.key, moduleType: 'trigger', kind: 'trigger', budgetMs: budgetFor(f, spec) },
          () => f.handler(payload, { installContext: harness.installContext }),
        );
        results.push({ key: t.key, result });
      }
      return results;
    };
    bed.runLifecycle = (kind, spec = {}) => {
      const eventType = LIFECYCLE_EVENTS[kind];
      if (!eventType) throw new Error(`runLifecycle: kind must be 'installed' or 'upgraded', got ${kind}`);
      const event = {
        eventType, id: crypto.randomUUID(),
        ...(kind === 'installed' ? { installerAccountId: accountIdForLifecycle } : { upgraderAccountId: accountIdForLifecycle }),
        app: { id: harness.ids.appId, version: harness.ids.appVersion },
        environment: { id: harness.ids.environmentId },
        ...(spec.event || {}),
      };
      return bed.deliverProductEvent(event, spec);
    };

    // queue consumers
    for (const c of mods.consumer || []) {
      const byResolver = c.resolver && c.resolver.function;
      const f = fnOf(byResolver ? c.resolver.function : c.function, `consumer ${c.key}`);
      bed.queue.registerConsumer(c.queue, (event) => harness.runInvocation(
        { functionKey: f.key, moduleKey: c.key, moduleType: 'consumer', kind: 'consumer', budgetMs: budgetFor(f, {}) },
        () => (byResolver
          // resolver-style consumer: payload = event body (+ retryContext on redeliveries), jobId in context
          ? f.handler({
            call: { functionKey: c.resolver.method, payload: event.retryContext ? { ...event.body, retryContext: event.retryContext } : event.body, jobId: event.jobId },
            context: { cloudId: harness.ids.cloudId, moduleKey: c.key, eventId: event.eventId, queueName: event.queueName },
          }, { installContext: harness.installContext })
          : f.handler(event, { installContext: harness.installContext })),
      ));
    }

    // sprint events from the Jira emulator
    bed.pendingSprintEvents = [];
    bed.sprintEventDeliveries = [];
    const inflight = new Set();
    const deliverSprint = async (ev) => {
      const rec = { event: ev };
      bed.sprintEventDeliveries.push(rec);
      try { rec.results = await bed.deliverProductEvent(ev, { ignoreUnsubscribed: true }); rec.outcome = 'ok'; } catch (e) { rec.outcome = 'error'; rec.error = e; }
      return rec;
    };
    if (bed.jira && typeof bed.jira.onSprintEvent === 'function') {
      const unsubscribe = bed.jira.onSprintEvent((ev) => {
        if (closed) return; // a listener of a closed bed (emulators may outlive it)
        if (sprintEvents === 'manual') { bed.pendingSprintEvents.push(ev); return; }
        const p = new Promise((resolve) => setImmediate(resolve)).then(() => deliverSprint(ev));
        inflight.add(p);
        p.finally(() => inflight.delete(p));
      });
      if (typeof unsubscribe === 'function') cleanups.push(unsubscribe);
    }
    /** deliver the pending sprint events (and those they cause) in order; returns the delivery records */
    bed.deliverSprintEvents = async ({ max = 1000 } = {}) => {
      const out = [];
      while (bed.pendingSprintEvents.length) {
        if (out.length >= max) throw new Error(`deliverSprintEvents: more than ${max} events (a loop?)`);
        out.push(await deliverSprint(bed.pendingSprintEvents.shift()));
      }
      return out;
    };
    /** wait until no 'immediate' sprint-event delivery is in flight */
    bed.settle = async () => {
      while (inflight.size) await Promise.allSettled([...inflight]);
    };

    bed.drain = (o) => bed.queue.drain(o);
    /** crash the next matching invocation(s) after `afterCalls` platform calls (see forge/harness.js) */
    bed.crashNext = (plan) => harness.crashNext(plan);
    /** true for the rejection of a crashed invocation */
    bed.isCrash = (e) => Boolean(e && e.code === 'CRASHED' && e.crashed);
    bed.egressViolations = () => harness.egress.violations;

    bed.close = async () => {
      if (closed) return;
      closed = true;
      await bed.settle().catch(() => {});
      await writeAudit(bed).catch((e) => { console.error('audit record not written:', e.message); });
      const errors = [];
      for (const fn of cleanups.reverse()) {
        try { await fn(); } catch (e) { errors.push(e); }
      }
      if (errors.length) throw errors[0];
    };
    return bed;
  } catch (e) {
    for (const fn of cleanups.reverse()) { try { await fn(); } catch { /* ignore */ } }
    throw e;
  }
}

/**
 * Every bed leaves an audit record in tests/.out/audit/ (read by tests/audit/scan.js after all
 * suites): what left the app (egress calls and violations), every console line and application
 * log entry it wrote, and the personal data and Jira content the emulator was seeded with.
 */
async function writeAudit(bed) {
  const fs = require('fs');
  const dir = path.join(__dirname, '..', '.out', 'audit');
  fs.mkdirSync(dir, { recursive: true });
  const dump = bed.kvs && typeof bed.kvs.dump === 'function' ? bed.kvs.dump() : {};
  const logs = Object.values((dump.entities && dump.entities['app-log']) || {}).map((e) => (e && e.value !== undefined ? e.value : e));
  const calls = {};
  for (const c of (bed.egress && bed.egress.calls) || []) {
    const kind = `${c.type}${c.remote ? `:${c.remote}` : ''}`;
    calls[kind] = (calls[kind] || 0) + 1;
  }
  const record = {
    suite: path.relative(path.join(__dirname, '..', '..'), process.argv[1] || 'unknown'),
    egress: { calls, violations: (bed.egress && bed.egress.violations) || [] },
    consoleLines: bed.consoleLines || [],
    logEntries: logs,
    seeded: bed.jira && typeof bed.jira.seededSecrets === 'function' ? bed.jira.seededSecrets() : {},
  };
  const file = path.join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}.json`);
  fs.writeFileSync(file, JSON.stringify(record));
}

module.exports = { startTestbed, readManifest, DEFAULT_APP_ROOT };
