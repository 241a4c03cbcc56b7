'use strict';
// Fixture app for the test bed's own tests: small handlers that use the REAL @forge packages
// (resolved through ../node_modules -> forge-shim/node_modules). Not the real app.
const api = require('@forge/api');
const { asUser, asApp, route, getAppContext } = api;
const { kvs } = require('@forge/kvs');
const { sql, migrationRunner } = require('@forge/sql');
const { Queue, InvocationError, InvocationErrorCode } = require('@forge/events');
const Resolver = require('@forge/resolver').default;

const MIGRATIONS = [
  ['v001_create_runs', `CREATE TABLE IF NOT EXISTS runs (
      id BIGINT PRIMARY KEY AUTO_INCREMENT,
      board_id BIGINT NOT NULL,
      status VARCHAR(32) NOT NULL,
      created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`],
  ['v002_add_note', 'ALTER TABLE runs ADD COLUMN note VARCHAR(200) NULL'],
];

async function migrate() {
  for (const [name, ddl] of MIGRATIONS) migrationRunner.enqueue(name, ddl);
  return migrationRunner.run();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const resolver = new Resolver();
resolver.define('whoami', ({ context }) => ({
  accountId: context.accountId,
  moduleKey: context.moduleKey,
  functionKey: global.__forge_runtime__.appContext.functionKey,
}));
resolver.define('jira-as-user', async ({ payload }) => {
  if (payload.delayMs) await sleep(payload.delayMs);
  const res = await asUser().requestJira(route`/rest/api/3/myself`);
  return { status: res.status, body: await res.json().catch(() => null) };
});
resolver.define('jira-get', async ({ payload }) => {
  const who = payload.as === 'app' ? asApp() : asUser();
  const res = await who.requestJira(api.assumeTrustedRoute(payload.path));
  return { status: res.status, body: await res.json().catch(() => null) };
});
resolver.define('jira-as-app', async () => {
  const res = await asApp().requestJira(route`/rest/agile/1.0/board/${7}`);
  return { status: res.status, body: await res.json().catch(() => null) };
});
resolver.define('remaining', async ({ payload }) => {
  const before = getAppContext().invocationRemainingTimeInMillis();
  if (payload.sleepMs) await sleep(payload.sleepMs);
  const after = global.__forge_runtime__.lambdaContext.getRemainingTimeInMillis();
  return { before, after };
});
resolver.define('log', ({ payload }) => {
  console.log('fixture log', payload.token);
  console.warn('fixture warn %s', payload.token);
  console.error(new Error(`boom ${payload.token}`).message);
  return 'logged';
});
resolver.define('fetch-out', async ({ payload }) => {
  try {
    const res = await api.fetch(payload.url);
    return { ok: true, status: res.status };
  } catch (e) {
    return { ok: false, message: e.message };
  }
});
resolver.define('confluence', async () => {
  try {
    await asApp().requestConfluence(route`/wiki/rest/api/space`);
    return { ok: true };
  } catch (e) {
    return { ok: false, message: e.message };
  }
});
resolver.define('enqueue', async ({ payload }) => {
  const q = new Queue({ key: payload.queue || 'fixture-work' });
  const { jobId } = await q.push(payload.events);
  return { jobId, stats: await q.getJob(jobId).getStats() };
});
resolver.define('save-run', async ({ payload, context }) => {
  if (!context.accountId) return { denied: true };
  const r = await sql.prepare('INSERT INTO runs (board_id, status, note) VALUES (?, ?, ?)').bindParams(payload.boardId, 'ok', payload.note).execute();
  return { insertId: r.rows.insertId };
});
resolver.define('now', () => ({ now: Date.now() }));
exports.resolverHandler = resolver.getDefinitions();

exports.tick = async (event) => {
  await kvs.set('tick:last', { at: Date.now(), moduleKey: event.context.moduleKey });
  return { ok: true };
};

exports.sprintEvent = async (event) => {
  const boardId = event.sprint && event.sprint.originBoardId;
  await kvs.entity('run-log').set(`evt-${event.sprint.id}-${event.eventType.split(':')[2]}`, {
    // Seconds: a Custom Entity integer is 32-bit; Forge's sprint events give ids as strings.
    boardId: Number(boardId), at: Math.floor(Date.now() / 1000), status: event.eventType, message: `sprint ${event.sprint.id}`,
  });
  console.log(`sprint event ${event.eventType} for sprint ${event.sprint.id}`);
  return { seen: event.eventType };
};

exports.lifecycle = async (event) => {
  const ran = await migrate();
  await kvs.set(`lifecycle:${event.eventType}`, { at: Date.now(), ran });
  return { ran };
};

// function-style consumer: fails (asks for a retry) while retryCount < body.failTimes
exports.worker = async (event) => {
  const retryCount = event.retryContext ? event.retryContext.retryCount : 0;
  await kvs.set(`work:${event.body.n}:${retryCount}`, { at: Date.now(), jobId: event.jobId, eventId: event.eventId, queueName: event.queueName });
  if (event.body.throw) throw new Error(`worker throws for ${event.body.n}`);
  if (retryCount < (event.body.failTimes || 0)) {
    return new InvocationError({ retryAfter: event.body.retryAfter || 30, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST, retryData: { n: event.body.n } });
  }
  return undefined;
};

const legacy = new Resolver();
legacy.define('handle-legacy', async ({ payload, context }) => {
  await kvs.set(`legacy:${payload.n}`, { jobId: context.jobId, retry: payload.retryContext || null });
  return { ok: true };
});
exports.legacyWorker = legacy.getDefinitions();
