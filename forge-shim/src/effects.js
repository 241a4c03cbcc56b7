'use strict';
// Carries out the effects the core returns. Each function does exactly what the effect's doc in
// crates/sprint-core/src/effect.rs says, and turns every failure into a result: the core decides
// what a failure means, the shim never does.
const crypto = require('crypto');
const api = require('@forge/api');
const { getAppContext } = require('@forge/api');
const routes = require('./jira-routes');
const { kvs, Filter, FilterConditions, Sort, WhereConditions } = require('@forge/kvs');
const { sql, migrationRunner } = require('@forge/sql');
const { Queue } = require('@forge/events');

// Short-lived answers for requests the core marked cacheable, keyed by account: a user's
// permission answer is never served to another user.
const jiraCache = new Map();
const JIRA_CACHE_MAX = 500;
// A Jira call that never answers must not hang the invocation: give up after this long (or
// sooner, when the invocation has less time left) and report it as a lost answer, which the core
// retries or settles by re-reading.
const JIRA_TIMEOUT_MS = 20000;
const TIMEOUT_MARGIN_MS = 5000;

function jiraTimeout() {
  let remaining = Infinity;
  try { remaining = getAppContext().invocationRemainingTimeInMillis(); } catch { /* not in an invocation */ }
  return Math.max(1000, Math.min(JIRA_TIMEOUT_MS, remaining - TIMEOUT_MARGIN_MS));
}

async function jira(effect, inv) {
  const { actor, method, path, body, cacheSeconds } = effect;
  const who = actor === 'user' ? `user:${inv.accountId || ''}` : 'app';
  const cacheKey = cacheSeconds && method === 'GET' ? `${who} ${path}` : null;
  if (cacheKey) {
    const hit = jiraCache.get(cacheKey);
    if (hit && Date.now() - hit.at < cacheSeconds * 1000) return hit.result;
  }
  const client = actor === 'user' ? api.asUser() : api.asApp();
  let result;
  try {
    // Only catalogued routes leave the app (jira-routes.js): the allowlist and the scope audit.
    // Abort the request, and stop waiting even if the platform's fetch ignores the signal.
    const abort = new AbortController();
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => { abort.abort(); reject(new Error('Jira did not answer in time')); }, jiraTimeout());
      // A timer must not keep a finished process alive.
      timer.unref();
    });
    let res;
    let text;
    try {
      res = await Promise.race([routes.send(client, effect, {
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: abort.signal,
      }), late]);
      text = await Promise.race([res.text(), late]);
    } finally {
      clearTimeout(timer);
    }
    // The text as it came: the core reads it into the shape it needs (a page of issues into the
    // few fields a close uses), so nothing here parses or re-serialises Jira's answer.
    result = { status: res.status, ...(text ? { bodyText: text } : {}) };
    for (const [header, field] of [['X-RateLimit-Remaining', 'rateLimitRemaining'], ['X-RateLimit-Limit', 'rateLimitLimit']]) {
      const v = Number(res.headers.get(header));
      if (res.headers.get(header) !== null && Number.isInteger(v) && v >= 0) result[field] = v;
    }
    const retryAfter = Number(res.headers.get('Retry-After'));
    if (res.headers.get('Retry-After') !== null && Number.isFinite(retryAfter)) result.retryAfterSeconds = retryAfter;
    // Which of Jira's limits refused a 429 (burst, per-issue writes, or the points quota), and when
    // it resets: the core tells them apart.
    const reason = res.headers.get('RateLimit-Reason');
    if (reason) result.rateLimitReason = String(reason).slice(0, 64);
    const reset = Date.parse(res.headers.get('X-RateLimit-Reset') || '');
    if (Number.isFinite(reset)) result.rateLimitResetMs = reset;
    // Under 20 % of a budget left (documented header; the beta form was reported in 2026).
    const near = res.headers.get('X-RateLimit-NearLimit') ?? res.headers.get('X-Beta-RateLimit-NearLimit');
    if (near !== null && String(near).trim().toLowerCase() === 'true') result.rateLimitNearLimit = true;
  } catch (e) {
    const code = e && e.code === 'ROUTE_NOT_ALLOWED' ? 'ROUTE_NOT_ALLOWED' : 'NETWORK';
    return { error: { code, message: String(e && e.message ? e.message : e).slice(0, 200) } };
  }
  if (cacheKey && result.status === 200) {
    if (jiraCache.size >= JIRA_CACHE_MAX) jiraCache.delete(jiraCache.keys().next().value);
    jiraCache.set(cacheKey, { at: Date.now(), result });
  }
  return result;
}

function storageFailure(e) {
  return { error: { code: String((e && e.code) || 'STORAGE_ERROR'), message: String((e && e.message) || e).slice(0, 200) } };
}

// `name` (the statement's stable name, e.g. `rollovers.recordPhase`) is for logs: the text runs.
async function runSql({ sql: text, params }) {
  try {
    const res = await sql.prepare(text).bindParams(...(params || [])).execute();
    const rows = res.rows;
    if (Array.isArray(rows)) return { rows };
    return { affectedRows: Number((rows && rows.affectedRows) || 0) };
  } catch (e) {
    return sqlFailure(e);
  }
}

// A failed statement, with the database's error number and SQLSTATE when the platform gives them:
// the core tells a missing table (1146 / 42S02) by them, never by the message's words. Forge SQL
// keeps the details of an SQL_EXECUTION_ERROR in its `debug` field (developer.atlassian.com,
// storage-reference/sql-handling-errors), which @forge/sql hands over as `error.context.debug`;
// TiDB's own message starts "Error 1146 (42S02): ..." when no field carries them.
function sqlFailure(e) {
  const failure = storageFailure(e);
  const context = (e && typeof e.context === 'object' && e.context) || {};
  const places = [context.debug, context].filter((d) => d && typeof d === 'object');
  const prefix = /^Error (\d+) \(([0-9A-Z]{5})\)/.exec(String((e && e.message) || ''));
  const errno = places.map((d) => Number(d.errno)).find((n) => Number.isInteger(n) && n > 0)
    ?? (prefix ? Number(prefix[1]) : undefined);
  const sqlState = places.map((d) => d.sqlState).find((s) => typeof s === 'string' && /^[0-9A-Z]{5}$/.test(s))
    ?? (prefix ? prefix[2] : undefined);
  if (errno !== undefined) failure.error.errno = errno;
  if (sqlState !== undefined) failure.error.sqlState = sqlState;
  return failure;
}

async function kvsGet({ key }) {
  try {
    const value = await kvs.get(key);
    return { body: value === undefined ? null : value };
  } catch (e) {
    return storageFailure(e);
  }
}

async function kvsSet({ key, value }) {
  try { await kvs.set(key, value); return {}; } catch (e) { return storageFailure(e); }
}

async function kvsDelete({ key }) {
  try { await kvs.delete(key); return {}; } catch (e) { return storageFailure(e); }
}

// The application log lives in the Custom Entity `app-log` (manifest: app.storage.entities).
// The store's types decide the record's shape (developer.atlassian.com, "Custom entities",
// type requirements): an `integer` is 32-bit, so the time is an ISO-8601 string (milliseconds since
// 1970 do not fit), ids are strings (Jira's are 64-bit), and a `string` must not be blank, so
// empty optional text is left out. `at` = time + '#' + a sequence number: entries of one run
// share a time, and the sequence keeps them in the order the core logged them on every read.
const LOG_ENTITY = 'app-log';
const ISO_LENGTH = 24; // 2026-12-07T01:24:58.123Z
let logSequence = 0;

function logRecord(entry, seq) {
  const time = new Date(entry.time).toISOString();
  const record = { at: `${time}#${String(seq).padStart(10, '0')}`, level: entry.level, kind: entry.kind, reason: entry.reason };
  const text = (field, value) => { if (typeof value === 'string' && value.trim()) record[field] = value; };
  text('message', entry.message);
  if (entry.boardId !== undefined) record.boardId = String(entry.boardId);
  if (entry.sprintId !== undefined) record.sprintId = String(entry.sprintId);
  if (entry.jira) {
    record.jiraStatus = entry.jira.status;
    text('jiraCode', entry.jira.code);
    text('jiraMessage', entry.jira.message);
  }
  return record;
}

function logEntry(record) {
  const entry = { time: String(record.at).slice(0, ISO_LENGTH), level: record.level, kind: record.kind, reason: record.reason, message: record.message || '' };
  if (record.boardId !== undefined) entry.boardId = Number(record.boardId);
  if (record.sprintId !== undefined) entry.sprintId = Number(record.sprintId);
  if (record.jiraStatus !== undefined) entry.jira = { status: record.jiraStatus, code: record.jiraCode || '', message: record.jiraMessage || '' };
  return entry;
}

async function log({ entry, ttlDays }) {
  // One JSON object per line: Forge's log viewer and any log shipper can parse it.
  console.log(JSON.stringify({ app: 'sprint-automation', ...entry }));
  logSequence = (logSequence + 1) % 1e10;
  const record = logRecord(entry, logSequence);
  const key = `${record.at}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    await kvs.entity(LOG_ENTITY).set(key, record, { ttl: { value: ttlDays, unit: 'DAYS' } });
    return {};
  } catch (e) {
    return storageFailure(e);
  }
}

async function readLogs({ boardId, level, kind, sinceMs, untilMs, limit, cursor }) {
  try {
    let query = kvs.entity(LOG_ENTITY).query();
    query = boardId !== undefined
      ? query.index('by-board', { partition: [String(boardId)] })
      : query.index('by-at');
    // Older than the retention: hidden even while the store has not yet deleted it (expiry can
    // lag by up to 48 hours).
    // `at` is ISO time + '#' + sequence: an entry at exactly untilMs sorts after the bare ISO
    // bound, so the window's end is exclusive.
    const since = new Date(sinceMs).toISOString();
    query = query.where(untilMs === undefined
      ? WhereConditions.greaterThanEqualTo(since)
      : WhereConditions.between(since, new Date(untilMs).toISOString()));
    const conditions = [];
    if (level) conditions.push(['level', level]);
    if (kind) conditions.push(['kind', kind]);
    if (conditions.length) {
      let filter = new Filter();
      for (const [field, value] of conditions) filter = filter.and(field, FilterConditions.equalTo(value));
      query = query.filters(filter);
    }
    query = query.sort(Sort.DESC).limit(limit);
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    return { body: { entries: page.results.map((r) => logEntry(r.value)), cursor: page.nextCursor || null } };
  } catch (e) {
    return storageFailure(e);
  }
}

async function migrate({ migrations }) {
  try {
    for (const m of migrations) migrationRunner.enqueue(m.name, m.ddl);
    const applied = await migrationRunner.run();
    return { body: { applied } };
  } catch (e) {
    return storageFailure(e);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function remainingTime() {
  return { remainingMs: Math.max(0, Math.floor(getAppContext().invocationRemainingTimeInMillis())) };
}

async function enqueue({ queue, body, delaySeconds }) {
  try {
    await new Queue({ key: queue }).push([{ body, delayInSeconds: delaySeconds || 0 }]);
    return {};
  } catch (e) {
    return storageFailure(e);
  }
}

/** Carry out one effect for the invocation `inv` ({accountId}); always resolves to a result. */
async function perform(effect, inv) {
  switch (effect.type) {
    case 'jira': return jira(effect, inv);
    case 'sql': return runSql(effect);
    case 'kvsGet': return kvsGet(effect);
    case 'kvsSet': return kvsSet(effect);
    case 'kvsDelete': return kvsDelete(effect);
    case 'log': return log(effect);
    case 'readLogs': return readLogs(effect);
    case 'migrate': return migrate(effect);
    case 'wait': await sleep(effect.ms); return {};
    case 'remainingTime': return remainingTime();
    case 'enqueue': return enqueue(effect);
    default: return { error: { code: 'UNKNOWN_EFFECT', message: String(effect.type) } };
  }
}

module.exports = { perform };
