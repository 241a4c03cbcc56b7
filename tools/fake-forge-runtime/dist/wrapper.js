'use strict';
// Stand-in for Atlassian's Forge Node runtime wrapper (test use only; see ../README.md). The real wrapper is
// downloaded from Atlassian's CDN by @forge/bundler and is not published; this one implements only what the
// @forge/* packages read, as found in their code:
//  - global.__forge_runtime__: appContext, aaid, proxy, lambdaContext (remaining time), metrics, featureFlags;
//  - global.__forge_fetch__(opts, path, init): every product / storage / queue call, sent to the "proxy" URL
//    from the request's _meta as `${proxy.url}/${opts.remote || opts.type}${path}`, with the caller in headers:
//    x-forge-type, x-forge-provider (app | user | none), x-forge-account-id (asUser(id), else the invoking user
//    for provider user), authorization: Bearer <proxy.token>;
//  - the handler `<module>.<export>` of lambdaEvent.handler, loaded from <bundle>/<module>.cjs and called as
//    handler(lambdaEvent.body, {principal: {accountId: _meta.aaid}, installContext, license, installation})
//    (the second argument is where @forge/resolver reads context.accountId from);
//  - console.* as one JSON line per call on stdout ({invocationId, logLevel, logArguments}): @forge/tunnel's
//    NodeSandbox JSON.parse()s every stdout line.
// Contract with sandbox-runner.js: exports.main(lambdaEvent, lambdaContext) -> {success, status, body | error}.
const path = require('path');
const util = require('util');

let invocationId = 'startup';
const LEVELS = { trace: 10, debug: 20, log: 30, info: 30, warn: 40, error: 50 };
for (const [name, logLevel] of Object.entries(LEVELS)) {
  console[name] = (...args) => {
    const logArguments = args.map((a) => (typeof a === 'string' ? a : util.inspect(a, { depth: 6, breakLength: Infinity })));
    process.stdout.write(`${JSON.stringify({ invocationId, logLevel, logArguments })}\n`);
  };
}

const noop = () => {};
const metrics = {
  timing: () => ({ measure: () => ({ stop: noop }) }),
  counter: () => ({ incr: noop, incrBy: noop, decr: noop, decrBy: noop }),
  gauge: () => ({ set: noop }),
};

function installGlobals(meta, lambdaContext) {
  const flags = new Set(meta.featureFlags || []);
  global.__forge_runtime__ = {
    proxy: meta.proxy,
    contextAri: meta.contextAri,
    appContext: meta.appContext,
    aaid: meta.aaid,
    lambdaContext,
    tracing: meta.tracing || {},
    realtime: meta.realtime || {},
    container: { appCodeDir: process.env.FORGE_EFS_RUNTIME_PATH },
    metrics,
    featureFlags: (name) => flags.has(name),
  };
  global.__forge_fetch__ = (opts = {}, urlPath = '', init = {}) => {
    const channel = opts.type === 'fpp' ? opts.remote : opts.type;
    const accountId = opts.accountId || (opts.provider === 'user' ? meta.aaid : undefined);
    const headers = {
      ...(init.headers || {}),
      authorization: `Bearer ${meta.proxy.token}`,
      'x-forge-type': String(opts.type || ''),
      'x-forge-provider': String(opts.provider || 'none'),
      ...(accountId ? { 'x-forge-account-id': accountId } : {}),
    };
    return fetch(`${meta.proxy.url}/${channel}${urlPath}`, { ...init, headers });
  };
}

exports.main = async (lambdaEvent, lambdaContext) => {
  const meta = lambdaEvent._meta || {};
  invocationId = (meta.appContext && meta.appContext.invocationId) || 'unknown';
  for (const v of lambdaEvent.variables || []) process.env[v.key] = v.value;
  installGlobals(meta, lambdaContext);
  const [mod, fn] = String(lambdaEvent.handler).split('.');
  try {
    const handler = require(path.join(process.env.FORGE_EFS_RUNTIME_PATH, `${mod}.cjs`))[fn];
    if (typeof handler !== 'function') throw new Error(`handler ${lambdaEvent.handler} is not a function`);
    const body = await handler(lambdaEvent.body, {
      principal: meta.aaid ? { accountId: meta.aaid } : undefined,
      installContext: meta.contextAri,
      license: meta.license,
      installation: meta.installation,
    });
    return { success: true, status: 200, body };
  } catch (e) {
    return { success: false, status: 500, body: null, error: { errorType: e && e.name, errorMessage: e && e.message, stack: String(e && e.stack).split('\n') } };
  }
};
