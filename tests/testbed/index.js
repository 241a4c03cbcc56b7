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

/**
 * Invocation budgets (real ms before FUNCTION_TIME_OUT, and the remaining time the app sees), in one
 * place. Override with startTestbed({invocationLimits: {...}}).
 */
const INVOCATION_LIMITS = {
  // https://developer.atlassian.com/platform/forge/limits-invocation "Runtime seconds (also includes UI
  // modules invoked by Forge Remote) | 25 | Maximum runtime permitted before the app is stopped."
  resolverSec: 25,
  // limits-invocation "Runtime seconds (async events and scheduled trigger module) | 900 | This applies to
  // function modules that are only referenced by consumer or scheduled trigger modules. Default timeout
  // is 55 seconds. Use timeoutSeconds to extend it." (also manifest-reference/modules/scheduled-trigger
  // and runtime-reference/async-events-api: "longer than the default of 55 seconds")
  asyncDefaultSec: 55,
  // manifest schema (@forge/manifest): timeoutSeconds "Must be between 1 and 900."
  minTimeoutSec: 1,
  maxTimeoutSec: 900,
  // product-event and lifecycle triggers (`trigger` module): the limits-invocation page has no row for
  // them; its 25 s row is the general one and the 55 s default is stated only for consumer and
  // scheduled-trigger functions. Default the stricter 25 s; the 'alt' profile runs them at 55 s.
  triggerSec: 25,
  // limits-invocation "Runtime seconds (web-trigger, action and rovo:agentConnector modules) | 55"
  webtriggerSec: 55,
};

/**
 * function key -> Set of how modules use it: 'resolver' | 'consumer' | 'scheduledTrigger' | 'trigger' |
 * 'webtrigger' | '<other module type>'.
 */
function functionRoles(manifest) {
  const roles = new Map();
  const add = (key, role) => { if (!key) return; if (!roles.has(key)) roles.set(key, new Set()); roles.get(key).add(role); };
  for (const [type, list] of Object.entries(manifest.modules || {})) {
    if (!Array.isArray(list) || type === 'function') continue;
    for (const m of list) {
      if (!m || typeof m !== 'object') continue;
      if (type === 'consumer') { add(m.function || (m.resolver && m.resolver.function), 'consumer'); continue; }
      if (m.resolver && m.resolver.function) add(m.resolver.function, 'resolver');
      if (typeof m.function === 'string') add(m.function, type);
    }
  }
  return roles;
}

/**
 * What `forge deploy` refuses about timeoutSeconds (limits-invocation: only for functions referenced
 * only by consumer or scheduled trigger modules; the manifest schema: 1..900). Throws.
 */
function checkTimeouts(manifest, limits = INVOCATION_LIMITS) {
  const roles = functionRoles(manifest);
  for (const f of (manifest.modules && manifest.modules.function) || []) {
    if (f.timeoutSeconds === undefined) continue;
    const t = f.timeoutSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < limits.minTimeoutSec || t > limits.maxTimeoutSec) {
      throw new Error(`manifest: function ${f.key}: timeoutSeconds must be a number between ${limits.minTimeoutSec} and ${limits.maxTimeoutSec}, got ${JSON.stringify(t)} (forge deploy would refuse it)`);
    }
    const other = [...(roles.get(f.key) || [])].filter((r) => r !== 'consumer' && r !== 'scheduledTrigger');
    if (other.length) {
      throw new Error(`manifest: function ${f.key} has timeoutSeconds but is also used by ${other.join(', ')}: timeoutSeconds applies only to functions referenced only by consumer or scheduledTrigger modules (https://developer.atlassian.com/platform/forge/limits-invocation); forge deploy would refuse it`);
    }
  }
  return roles;
}

/**
 * Where Atlassian's pages are silent or disagree, the test bed can act either way. The default profile
 * takes one reading of each (mostly the stricter); TESTBED_PROFILE=alt takes the other, and tools/test.sh
 * runs the app's suites under both. Options a test passes explicitly always win.
 */
const PROFILES = {
  default: {},
  alt: {
    kvsLimits: {
      maxDepth: 32, // MAX_DEPTH error page "(32)" vs limits page 31
      minKeyLength: 2, // KEY_TOO_SHORT "more than one character"
      ttlLagMs: 48 * 3600 * 1000, // "Deletion may take up to 48 hours ... may still return expired results"
      maxTransactionBytes: 1000000, // FRGE-1916: transactions and batches limited to 1 MB
      maxBatchBytes: 1000000,
      missingKeyCode: 'NOT_FOUND', // the error pages' code for a missing key (not mapped by @forge/kvs)
    },
    // sql-handling-errors: "took more than 2 seconds" vs limits-sql 5 s; and "More details are present
    // in the debug field" without saying which: here none (no errno or SQLSTATE reaches the app)
    sql: { selectTimeoutSec: 2, errorDetails: 'none' },
    // sprint events as the Agile REST SprintBean (numbers, Z); a team-managed board without a configuration
    jiraOptions: { eventForm: 'rest', simpleBoardConfiguration: 'unsupported' },
    invocationLimits: { triggerSec: 55 }, // product-event triggers at the 55 s default
  },
};

function profileOptions(options) {
  const name = process.env.TESTBED_PROFILE || 'default';
  const p = PROFILES[name];
  if (!p) throw new Error(`TESTBED_PROFILE=${name}: unknown (known: ${Object.keys(PROFILES).join(', ')})`);
  const merge = (key) => ({ ...(p[key] || {}), ...(options[key] || {}) });
  const out = { ...options, profile: name };
  if (p.kvsLimits) out.kvsLimits = merge('kvsLimits');
  out.sqlProfile = p.sql || {};
  if (p.jiraOptions) out.jiraOptions = merge('jiraOptions');
  if (p.invocationLimits) out.invocationLimits = merge('invocationLimits');
  return out;
}

async function startTestbed(givenOptions = {}) {
  const options = profileOptions(givenOptions);
  const {
    appRoot = DEFAULT_APP_ROOT,
    clockStart,
    sprintEvents = 'manual',
    seed,
    accountIdForLifecycle = '557058:00000000-0000-4000-8000-00000000feed',
    queue: queueOptions = {},
    allowOrigins = [],
    ids,
    enforceTimeout = true,
  } = options;
  if (!['manual', 'immediate'].includes(sprintEvents)) throw new Error(`startTestbed: sprintEvents must be 'manual' or 'immediate'`);
  // budgetMs given explicitly: the budget of every invocation whose function has no timeoutSeconds (as
  // before); otherwise the documented budget of each kind of invocation (INVOCATION_LIMITS)
  const explicitBudgetMs = options.budgetMs;
  const budgetMs = explicitBudgetMs || INVOCATION_LIMITS.resolverSec * 1000;
  const invocationLimits = { ...INVOCATION_LIMITS, ...(options.invocationLimits || {}) };
  const rateLimits = options.rateLimits === true; // SQL and queue rates, enforced in real time (opt-in)

  const manifest = readManifest(appRoot);
  const roles = checkTimeouts(manifest, invocationLimits);
  const cleanups = [];
  const bed = { appRoot, manifest, budgetMs, profile: options.profile };
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
      bed.sql = await createSqlBackend({ rateLimits, ...options.sqlProfile, ...(typeof options.sql === 'object' ? options.sql : {}), now: clock.now });
      cleanups.push(() => bed.sql.close());
    }

    bed.queue = createQueue({
      rateLimits,
      // the invocation that pushes (cyclic-invocation limit): known once the harness exists
      currentInvocation: () => (bed.harness ? bed.harness.current() : undefined),
      ...queueOptions,
      now: clock.now,
      setClock: clock.set,
    });

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
    bed.functionRoles = roles;
    /**
     * budget of one invocation of function f as `kind` (limits-invocation): resolvers 25 s; scheduled
     * triggers and consumers timeoutSeconds or 55 s; product-event/lifecycle triggers 55 s. A budgetMs
     * of the call wins; startTestbed({budgetMs}) replaces the default of functions without timeoutSeconds.
     */
    const budgetFor = (f, spec, kind = spec.kind) => {
      if (spec.budgetMs) return spec.budgetMs;
      const L = invocationLimits;
      const own = f.timeoutSeconds ? f.timeoutSeconds * 1000 : undefined;
      if (explicitBudgetMs && !own) return explicitBudgetMs;
      const fnRoles = roles.get(f.key) || new Set();
      if (!kind) { // invokeFunction: the kind of module that uses the function
        const asyncOnly = [...fnRoles].every((r) => r === 'consumer' || r === 'scheduledTrigger');
        kind = fnRoles.has('resolver') ? 'resolver' : fnRoles.has('trigger') ? 'trigger' : fnRoles.has('webtrigger') ? 'webtrigger' : asyncOnly ? 'async' : 'resolver';
      }
      // resolvers and any other module: limits-invocation's general 25 s row
      if (kind === 'resolver') return L.resolverSec * 1000;
      if (kind === 'trigger') return L.triggerSec * 1000;
      if (kind === 'webtrigger') return L.webtriggerSec * 1000;
      return own || L.asyncDefaultSec * 1000; // scheduled, consumer, other
    };
    bed.budgetFor = (functionKey, kind) => budgetFor(fnOf(functionKey, 'budgetFor'), {}, kind);
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
        { functionKey: mod.functionKey, moduleKey: mod.moduleKey, moduleType: mod.moduleType, accountId: spec.accountId, kind: 'resolver', budgetMs: budgetFor(f, spec, 'resolver'), remainingTime: spec.remainingTime, crashAfterCalls: spec.crashAfterCalls },
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
          { ...spec, functionKey: f.key, moduleKey: s.key, moduleType: 'scheduledTrigger', kind: 'scheduled', budgetMs: budgetFor(f, spec, 'scheduled') },
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
          { ...spec, functionKey: f.key, moduleKey: t.key, moduleType: 'trigger', kind: 'trigger', budgetMs: budgetFor(f, spec, 'trigger') },
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
        { functionKey: f.key, moduleKey: c.key, moduleType: 'consumer', kind: 'consumer', budgetMs: budgetFor(f, {}, 'consumer') },
        () => (byResolver
          // resolver-style consumer: payload = event body (+ retryContext on redeliveries), jobId in context
          ? f.handler({
            call: { functionKey: c.resolver.method, payload: event.retryContext ? { ...event.body, retryContext: event.retryContext } : event.body, jobId: event.jobId },
            context: { cloudId: harness.ids.cloudId, moduleKey: c.key, eventId: event.eventId, queueName: event.queueName },
          }, { installContext: harness.installContext })
          : f.handler(event, { installContext: harness.installContext })),
      // the consuming function's timeout: events over 100 KB are refused when it is > 55 s
      ), { timeoutSeconds: f.timeoutSeconds || invocationLimits.asyncDefaultSec });
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
  // What the platform refused of what the app sent (injected faults are the tests', not refusals;
  // a missing table is how the app learns the schema is not installed). The audit wants none.
  const refused = [];
  for (const e of (bed.kvs && bed.kvs.log) || []) {
    // A cursor is opaque: only the store can tell a forged one (a caller's), and the app answers it
    // with a coded 400. Any other refusal is the app's own fault.
    const callersCursor = e.path.endsWith('/query') && e.body && e.body.cursor && e.code === 'BAD_REQUEST';
    if (!e.injected && !callersCursor && [400, 413, 429].includes(e.status)) refused.push({ store: 'kvs', path: e.path, status: e.status, code: e.code });
  }
  for (const e of (bed.sql && bed.sql.log) || []) {
    if (!e.injected && e.status >= 400 && !/doesn't exist/.test(e.error || '')) refused.push({ store: 'sql', status: e.status, code: e.code, query: String(e.query).slice(0, 80) });
  }
  for (const e of (bed.queue && bed.queue.refusals) || []) refused.push({ store: 'queue', status: e.status, code: e.code });
  const record = {
    suite: path.relative(path.join(__dirname, '..', '..'), process.argv[1] || 'unknown'),
    profile: bed.profile,
    refused,
    egress: { calls, violations: (bed.egress && bed.egress.violations) || [] },
    consoleLines: bed.consoleLines || [],
    logEntries: logs,
    seeded: bed.jira && typeof bed.jira.seededSecrets === 'function' ? bed.jira.seededSecrets() : {},
  };
  const file = path.join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}.json`);
  fs.writeFileSync(file, JSON.stringify(record));
}

module.exports = { startTestbed, readManifest, DEFAULT_APP_ROOT, INVOCATION_LIMITS, PROFILES, functionRoles, checkTimeouts };
