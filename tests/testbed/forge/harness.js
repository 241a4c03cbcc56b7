'use strict';
// Stand-in for the Forge runtime wrapper: defines the two globals the REAL @forge packages read
// (see /work/shared/notes/forge-platform.md) and routes every call to the test bed's backends.
//
//   global.__forge_fetch__(opts, path, init) -> Promise<Response>
//     opts.type 'kvs'                      -> in-memory KVS            (kvs.handle)
//     opts.type 'sql'                      -> SQL endpoint on MariaDB  (sql.handle)
//     opts.type 'fpp', remote 'stargate'   -> async-events queue       (queue.handle; /webhook/queue/*)
//     opts.type 'fpp', remote 'jira'       -> Jira emulator over HTTP: `${jira.url}${path}` with
//                                             x-forge-provider: app | user | none and, for provider
//                                             'user', x-forge-account-id: opts.accountId ?? the
//                                             invocation's principal (absent when there is none)
//     anything else (confluence, bitbucket, tpp, other stargate paths, unknown type)
//                                          -> EGRESS_VIOLATION (recorded, then thrown)
//   global.__forge_runtime__   appContext / lambdaContext / aaid are GETTERS that read the CURRENT
//     invocation from an AsyncLocalStorage, so concurrent invocations never see each other's
//     function key, account id or remaining time.
//   global.fetch               wrapped: only the test bed's own servers (the Jira emulator origin and
//                              `allowOrigins`) may be reached; anything else -> EGRESS_VIOLATION.
//                              NB @forge/api captures global.fetch when it is FIRST loaded (its
//                              `fetch` export), so install() before the app's @forge packages load.
//   console.{log,info,warn,error,debug} inside an invocation are captured (consoleLines /
//   consoleEntries) and printed only with VERBOSE=1; outside invocations they print as usual.
//
// Crash injection: an invocation run with `crashAfterCalls: k` (or matched by a plan given to
// crashNext) "crashes" on its (k+1)-th outgoing platform call (any __forge_fetch__: Jira, SQL, KVS,
// queue). That call and every later one of the invocation never resolve and reach no backend; the
// invocation rejects at once with an Error {code: 'CRASHED', crashed: true, afterCalls: k}. Calls
// already sent (1..k) complete normally. Console output of a crashed invocation after the crash is
// dropped (a dead process prints nothing). Every invocation record counts its platform calls
// (`platformCalls`), so a clean run tells how many boundaries there are.
// The same holds after FUNCTION_TIME_OUT (the platform kills the invocation: its later calls hang, it
// prints nothing), and for invocations of an earlier, closed harness (they never reach a later test bed).
//
// Only one harness can be installed per process at a time (they are globals).
//
//   const h = createHarness({ kvs, sql, queue, jira: {url} | () => url, allowOrigins, budgetMs,
//                             remainingTime, enforceTimeout, ids, scopes, verbose })
//   h.install(); h.uninstall();
//   await h.runInvocation({functionKey, moduleKey, moduleType, accountId, budgetMs, remainingTime, kind}, fn)
//   h.current()   -> the current invocation's record or undefined
//   h.egress      {calls: [...], violations: [...]}
//   h.invocations [{invocationId, functionKey, moduleKey, kind, accountId, outcome, error, realMs,
//                   platformCalls, crashedAfterCalls?}]       outcome: 'ok' | 'error' | 'crashed'
//   h.crashNext({afterCalls, functionKey?, kind?, times = 1}) -> {fired()}: crash the next matching
//                 invocation(s) (e.g. queue consumers, which the test does not start itself)

const crypto = require('crypto');
const util = require('util');
const { AsyncLocalStorage } = require('async_hooks');
const { performance } = require('perf_hooks');

const als = new AsyncLocalStorage();
const REAL_FETCH = globalThis.fetch;
let active = null;

// Stable function object: whatever captured it (e.g. @forge/api's `fetch` export) keeps going
// through the currently installed harness; with none installed it behaves like the real fetch.
async function guardedFetch(input, init) {
  if (!active) return REAL_FETCH(input, init);
  return active._globalFetch(input, init);
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'];

function jsonResponse(status, body) {
  if (body === undefined || status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function parseBody(init) {
  const raw = init && init.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`test-bed harness: expected a string body, got ${typeof raw}`);
  return JSON.parse(raw);
}

function createHarness(options = {}) {
  const {
    kvs, sql, queue,
    jira,                       // {url} object (read at call time) or function returning the base URL
    allowOrigins = [],          // extra origins global fetch may reach, e.g. 'http://127.0.0.1:1234'
    budgetMs = 25000,
    remainingTime,              // optional (inv) => ms, overrides the budget arithmetic for every invocation
    enforceTimeout = true,      // reject an invocation that runs longer than its budget (real time)
    verbose = process.env.VERBOSE === '1',
  } = options;
  const ids = {
    appId: '00000000-0000-4000-8000-0000000000a1',
    appVersion: '1.0.0',
    environmentId: '00000000-0000-4000-8000-0000000000e1',
    environmentType: 'DEVELOPMENT',
    installationId: '00000000-0000-4000-8000-0000000000b1',
    cloudId: '00000000-0000-4000-8000-0000000000c1',
    ...(options.ids || {}),
  };
  const contextAri = `ari:cloud:jira::site/${ids.cloudId}`;
  const scopes = options.scopes || [];

  const egress = { calls: [], violations: [] };
  const invocations = [];
  const consoleLines = [];
  const consoleEntries = [];
  const saved = {};

  const jiraUrl = () => (typeof jira === 'function' ? jira() : jira && jira.url);
  const originOf = (u) => { try { return new URL(u).origin; } catch { return undefined; } };
  const allowedOrigins = () => new Set([originOf(jiraUrl()), ...allowOrigins.map(originOf)].filter(Boolean));

  function current() { return als.getStore(); }

  function record(entry) {
    const inv = current();
    const rec = { ...entry, ...(inv ? { invocationId: inv.invocationId, functionKey: inv.functionKey } : {}) };
    egress.calls.push(rec);
    return rec;
  }

  function violation(detail, entry) {
    const message = `EGRESS_VIOLATION: ${detail}`;
    const rec = record({ ...entry, violation: message });
    egress.violations.push(rec);
    const err = new Error(message);
    err.code = 'EGRESS_VIOLATION';
    throw err;
  }

  const NEVER = () => new Promise(() => {});

  /** Count a platform call of `inv`; true when the call must hang because the invocation crashed. */
  function crashGate(inv) {
    if (!inv) return false;
    // a crashed or timed-out invocation, or one of another (closed) test bed, sends nothing more
    if (inv.crashed || inv.dead || inv.owner !== harness) return true;
    if (inv.crashAfter !== undefined && inv.calls >= inv.crashAfter) {
      inv.crashed = true;
      inv.rec.crashedAfterCalls = inv.calls;
      inv.onCrash();
      return true;
    }
    inv.calls += 1;
    inv.rec.platformCalls = inv.calls;
    return false;
  }

  async function forgeFetch(opts = {}, path, init = {}) {
    const method = (init && init.method) || 'GET';
    const entry = { type: opts.type, remote: opts.remote, provider: opts.provider, method, path };
    const inv = current();
    if (crashGate(inv)) return NEVER();
    if (opts.type === 'kvs' || opts.type === 'sql') {
      const backend = opts.type === 'kvs' ? kvs : sql;
      if (!backend) violation(`no ${opts.type} backend in this test bed`, entry);
      const { status, body } = await backend.handle(path, parseBody(init));
      record({ ...entry, status, ...(body && body.code ? { code: body.code } : {}) });
      return jsonResponse(status, body);
    }
    if (opts.type === 'fpp' && opts.remote === 'stargate') {
      const res = queue && queue.handle(path, parseBody(init));
      if (!res) violation(`stargate path ${path} is not emulated (only /webhook/queue/*)`, entry);
      record({ ...entry, status: res.status });
      return jsonResponse(res.status, res.body);
    }
    if (opts.type === 'fpp' && opts.remote === 'jira') {
      const base = jiraUrl();
      if (!base) violation('no Jira emulator configured in this test bed', entry);
      const headers = new Headers(init.headers || {});
      for (const k of [...headers.keys()]) if (k.toLowerCase().startsWith('x-forge-')) headers.delete(k);
      const provider = opts.provider || 'none';
      headers.set('x-forge-provider', provider);
      const accountId = provider === 'user' ? (opts.accountId || (inv && inv.accountId)) : undefined;
      if (accountId) headers.set('x-forge-account-id', accountId);
      if (inv) {
        headers.set('x-forge-invocation-id', inv.invocationId);
        headers.set('x-forge-function-key', inv.functionKey || '');
      }
      let res;
      try {
        res = await REAL_FETCH(base.replace(/\/$/, '') + path, { ...init, headers });
      } catch (e) {
        record({ ...entry, provider, accountId, status: 'network-error', error: e.message });
        throw e;
      }
      record({ ...entry, provider, accountId, status: res.status });
      return res;
    }
    return violation(`__forge_fetch__ route not emulated: type=${opts.type} remote=${opts.remote}`, entry);
  }

  async function globalFetch(input, init = {}) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input && input.url;
    const method = (init && init.method) || (input && input.method) || 'GET';
    let parsed;
    try { parsed = new URL(url); } catch { parsed = undefined; }
    const entry = { type: 'fetch', remote: parsed ? parsed.host : String(url), method, path: parsed ? parsed.pathname + parsed.search : String(url) };
    const inv = current();
    if (inv && (inv.crashed || inv.dead || inv.owner !== harness)) return NEVER(); // a dead invocation sends nothing (not counted)
    if (!parsed || !allowedOrigins().has(parsed.origin)) {
      violation(`global fetch to ${parsed ? parsed.origin : url} (only the test bed's own servers are allowed)`, entry);
    }
    const res = await REAL_FETCH(input, init);
    record({ ...entry, status: res.status });
    return res;
  }

  const noopTimer = { stop() {} };
  const baseAppContext = {
    appId: ids.appId, appVersion: ids.appVersion, environmentId: ids.environmentId,
    environmentType: ids.environmentType, installationId: ids.installationId,
    permissions: { scopes, external: {} },
  };
  function remainingFor(inv) {
    if (!inv) return budgetMs;
    const fn = inv.remainingTime || remainingTime;
    const elapsedMs = performance.now() - inv.startedReal;
    if (fn) return fn({ elapsedMs, budgetMs: inv.budgetMs, functionKey: inv.functionKey, invocationId: inv.invocationId });
    return Math.max(0, Math.round(inv.budgetMs - elapsedMs));
  }
  const runtime = {
    proxy: { token: 'test-bed-token', url: 'http://127.0.0.1:9' },
    contextAri,
    container: { region: 'test-bed', runtime: 'nodejs', handler: undefined, appCodeDir: undefined },
    get appContext() {
      const inv = current();
      return {
        ...baseAppContext,
        invocationId: inv ? inv.invocationId : 'no-invocation',
        functionKey: inv ? inv.functionKey : undefined,
        moduleKey: inv ? inv.moduleKey : undefined,
        moduleType: inv ? inv.moduleType : undefined,
        installation: { ari: { installationId: ids.installationId, toString: () => `ari:cloud:ecosystem::installation/${ids.installationId}` }, contexts: [] },
      };
    },
    get aaid() { const inv = current(); return inv ? inv.accountId : undefined; },
    get lambdaContext() {
      const inv = current();
      return { awsRequestId: inv ? inv.invocationId : 'no-invocation', getRemainingTimeInMillis: () => remainingFor(inv) };
    },
    tracing: { traceId: 'test-bed-trace', spanId: 'test-bed-span' },
    realtime: {},
    metrics: {
      timing: () => ({ measure: () => noopTimer }),
      counter: () => ({ incr() {}, incrBy() {}, decr() {}, decrBy() {} }),
      gauge: () => ({ set() {} }),
    },
    featureFlags: () => false,
    // no `kvs` key: @forge/kvs then calls __forge_fetch__({type:'kvs', provider:'app', remote:'kvs'})
  };

  function patchConsole() {
    saved.console = {};
    for (const m of CONSOLE_METHODS) {
      const orig = console[m];
      saved.console[m] = orig;
      console[m] = function captured(...args) {
        const inv = current();
        if (!inv) return orig.apply(console, args);
        if (inv.crashed || inv.dead || inv.owner !== harness) return undefined; // a dead invocation prints nothing
        const text = util.format(...args);
        consoleLines.push(text);
        consoleEntries.push({ level: m, text, functionKey: inv.functionKey, invocationId: inv.invocationId, accountId: inv.accountId });
        if (verbose) orig.call(console, `[${inv.functionKey}] ${text}`);
        return undefined;
      };
    }
  }

  const crashPlans = [];
  function takeCrashPlan(spec) {
    for (const p of crashPlans) {
      if (p.used >= p.times) continue;
      if (p.functionKey && p.functionKey !== spec.functionKey) continue;
      if (p.kind && p.kind !== spec.kind) continue;
      p.used += 1;
      return p.afterCalls;
    }
    return undefined;
  }

  const harness = {
    ids,
    contextAri,
    installContext: contextAri,
    egress,
    invocations,
    consoleLines,
    consoleEntries,
    runtime,
    current,
    _globalFetch: globalFetch,
    forgeFetch,
    install() {
      if (active && active !== harness) throw new Error('test-bed harness: another harness is installed in this process (close the other test bed first)');
      if (active === harness) return harness;
      saved.forgeFetch = global.__forge_fetch__;
      saved.forgeRuntime = global.__forge_runtime__;
      saved.fetch = globalThis.fetch;
      global.__forge_fetch__ = forgeFetch;
      global.__forge_runtime__ = runtime;
      globalThis.fetch = guardedFetch;
      patchConsole();
      active = harness;
      return harness;
    },
    uninstall() {
      if (active !== harness) return;
      global.__forge_fetch__ = saved.forgeFetch;
      global.__forge_runtime__ = saved.forgeRuntime;
      if (saved.forgeFetch === undefined) delete global.__forge_fetch__;
      if (saved.forgeRuntime === undefined) delete global.__forge_runtime__;
      globalThis.fetch = saved.fetch;
      for (const m of CONSOLE_METHODS) console[m] = saved.console[m];
      active = null;
    },
    /**
     * Run fn() as one Forge invocation. spec: {functionKey, moduleKey, moduleType, accountId, kind,
     * budgetMs, remainingTime: (info) => ms}. Nested calls start a new scope (new invocation id).
     */
    crashNext({ afterCalls, functionKey, kind, times = 1 } = {}) {
      if (!(Number.isInteger(afterCalls) && afterCalls >= 0)) throw new Error('crashNext: afterCalls must be an integer >= 0');
      const plan = { afterCalls, functionKey, kind, times, used: 0 };
      crashPlans.push(plan);
      return { fired: () => plan.used, remove: () => { const i = crashPlans.indexOf(plan); if (i >= 0) crashPlans.splice(i, 1); } };
    },
    async runInvocation(spec, fn) {
      let crashAfter = spec.crashAfterCalls;
      if (crashAfter === undefined || crashAfter === null) crashAfter = takeCrashPlan(spec);
      if (crashAfter !== undefined && !(Number.isInteger(crashAfter) && crashAfter >= 0)) {
        throw new Error(`runInvocation: crashAfterCalls must be an integer >= 0, got ${crashAfter}`);
      }
      let onCrash = () => {};
      const crashedPromise = new Promise((_, reject) => {
        onCrash = () => {
          const e = new Error(`CRASHED: ${spec.functionKey} crashed after ${crashAfter} platform calls (injected)`);
          e.code = 'CRASHED';
          e.crashed = true;
          e.afterCalls = crashAfter;
          reject(e);
        };
      });
      crashedPromise.catch(() => {}); // observed through the race below
      const inv = {
        invocationId: crypto.randomUUID(),
        functionKey: spec.functionKey,
        moduleKey: spec.moduleKey,
        moduleType: spec.moduleType,
        kind: spec.kind,
        accountId: spec.accountId || undefined,
        budgetMs: spec.budgetMs || budgetMs,
        remainingTime: spec.remainingTime,
        startedReal: performance.now(),
        calls: 0,
        crashAfter,
        crashed: false,
        onCrash: () => onCrash(),
        dead: false,
        owner: harness,
      };
      const rec = { invocationId: inv.invocationId, functionKey: inv.functionKey, moduleKey: inv.moduleKey, kind: inv.kind, accountId: inv.accountId, platformCalls: 0 };
      inv.rec = rec;
      invocations.push(rec);
      return als.run(inv, async () => {
        let timer;
        try {
          const work = Promise.resolve().then(fn);
          if (crashAfter !== undefined) work.catch(() => {}); // a crashed invocation's zombie may fail later: nobody listens
          const raced = crashAfter === undefined ? [work] : [work, crashedPromise];
          const result = !enforceTimeout ? await Promise.race(raced) : await Promise.race([...raced, new Promise((_, reject) => {
            timer = setTimeout(() => {
              inv.dead = true; // the platform kills a timed-out invocation: its later calls never happen
              const e = new Error(`FUNCTION_TIME_OUT: ${inv.functionKey} ran longer than ${inv.budgetMs} ms`);
              e.code = 'FUNCTION_TIME_OUT';
              reject(e);
            }, inv.budgetMs);
            timer.unref();
          })]);
          rec.outcome = 'ok';
          return result;
        } catch (e) {
          rec.outcome = e && e.code === 'CRASHED' && inv.crashed ? 'crashed' : 'error';
          rec.error = e;
          throw e;
        } finally {
          clearTimeout(timer);
          rec.realMs = performance.now() - inv.startedReal;
        }
      });
    },
  };
  return harness;
}

module.exports = { createHarness, REAL_FETCH, guardedFetch, als };
