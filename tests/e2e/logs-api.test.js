'use strict';
// The application log as admins read it (getLogs): order, cursor pagination, filters, retention
// (KVS TTL on the simulated clock), one JSON console line per entry, and no personal data anywhere.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  DAY, USERS, startSeededBed, validBoardSettings, validGlobalSettings, assertError, assertOk,
} = require('./helpers');

const MINUTE = 60000;
const admin = { accountId: USERS.jiraAdmin.accountId };
const ISSUE_SUMMARIES = [
  'Prepare confidential Globex acquisition memo',
  'Fix payroll export for Ms. Hildegard Vanterpool',
];

/**
 * Install, then 7 settings changes across 2 boards (PA board by its admin, PB board by its admin)
 * and the global settings, one minute apart. With the install entry: 8 entries, all distinct times.
 */
async function bedWithHistory(t, options) {
  const world = await startSeededBed(t, options);
  const { bed, boardA, boardB } = world;
  for (const summary of ISSUE_SUMMARIES) bed.jira.addIssue({ projectKey: 'PA', summary });
  const steps = [
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 1 }) }, USERS.adminOfA],
    ['updateBoardSettings', { projectKey: 'PB', boardId: boardB, settings: validBoardSettings({ keepAhead: 2 }) }, USERS.adminOfB],
    ['updateGlobalSettings', { settings: validGlobalSettings({ logRetentionDays: 20 }) }, USERS.jiraAdmin],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 3, automate: false }) }, USERS.adminOfA],
    ['updateBoardSettings', { projectKey: 'PB', boardId: boardB, settings: validBoardSettings({ keepAhead: 4 }) }, USERS.jiraAdmin],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 5 }) }, USERS.jiraAdmin],
    ['updateGlobalSettings', { settings: validGlobalSettings({ logRetentionDays: 25 }) }, USERS.jiraAdmin],
  ];
  for (const [key, payload, user] of steps) {
    bed.clock.advance(MINUTE);
    assertOk(await bed.invokeResolver(key, payload, { accountId: user.accountId }), key);
  }
  return world;
}

async function allPages(bed, filter, limit, spec = admin) {
  const pages = [];
  let cursor;
  for (let i = 0; i < 50; i++) {
    const data = assertOk(await bed.invokeResolver('getLogs', { ...filter, limit, ...(cursor ? { cursor } : {}) }, spec), `getLogs page ${i}`);
    assert.ok(data.entries.length <= limit, `page ${i} has ${data.entries.length} > ${limit} entries`);
    pages.push(data.entries);
    cursor = data.cursor;
    if (!cursor) break;
    assert.equal(typeof cursor, 'string');
  }
  assert.equal(cursor, null, 'pagination ends with a null cursor');
  return pages;
}

const id = (e) => `${e.time}|${e.reason}|${e.boardId === undefined ? '-' : e.boardId}`;

function assertNewestFirst(entries, label) {
  for (let i = 1; i < entries.length; i++) {
    assert.ok(Date.parse(entries[i - 1].time) >= Date.parse(entries[i].time), `${label}: not newest first at ${i}: ${entries[i - 1].time} < ${entries[i].time}`);
  }
}

test('getLogs lists newest first and pages with the cursor without gaps or repeats', async (t) => {
  const { bed, boardA, boardB } = await bedWithHistory(t);
  const all = assertOk(await bed.invokeResolver('getLogs', {}, admin));
  assert.equal(all.cursor, null);
  assert.equal(all.entries.length, 8);
  assertNewestFirst(all.entries, 'all');
  const t0 = Date.parse('2026-01-05T09:00:00Z');
  assert.deepEqual(all.entries.map((e) => [Date.parse(e.time) - t0, e.kind, e.reason, e.boardId]), [
    [7 * MINUTE, 'config_changed', 'GLOBAL_SETTINGS_CHANGED', undefined],
    [6 * MINUTE, 'config_changed', 'BOARD_SETTINGS_CHANGED', boardA],
    [5 * MINUTE, 'config_changed', 'BOARD_SETTINGS_CHANGED', boardB],
    [4 * MINUTE, 'config_changed', 'BOARD_SETTINGS_CHANGED', boardA],
    [3 * MINUTE, 'config_changed', 'GLOBAL_SETTINGS_CHANGED', undefined],
    [2 * MINUTE, 'config_changed', 'BOARD_SETTINGS_CHANGED', boardB],
    [1 * MINUTE, 'config_changed', 'BOARD_SETTINGS_CHANGED', boardA],
    [0, 'lifecycle', 'APP_INSTALLED', undefined],
  ]);
  for (const e of all.entries) {
    assert.equal(e.level, 'info');
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0);
    assert.ok(!Number.isNaN(Date.parse(e.time)));
  }

  const pages = await allPages(bed, {}, 3);
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 2]);
  const flat = pages.flat();
  assert.equal(new Set(flat.map(id)).size, flat.length, 'an entry repeated across pages');
  assert.deepEqual(flat, all.entries, 'the pages put together are the whole list, in order');

  // limit 1 walks every entry too, and a cursor is reusable (no server-side state).
  const ones = (await allPages(bed, {}, 1)).flat();
  assert.deepEqual(ones, all.entries);
  const first = assertOk(await bed.invokeResolver('getLogs', { limit: 3 }, admin));
  const again1 = assertOk(await bed.invokeResolver('getLogs', { limit: 3, cursor: first.cursor }, admin));
  const again2 = assertOk(await bed.invokeResolver('getLogs', { limit: 3, cursor: first.cursor }, admin));
  assert.deepEqual(again1, again2);

  // New entries arriving while paging do not shift the pages already handed out.
  bed.clock.advance(MINUTE);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, admin));
  const after = assertOk(await bed.invokeResolver('getLogs', { limit: 3, cursor: first.cursor }, admin));
  assert.deepEqual(after.entries, again1.entries);
  assert.deepEqual(bed.egress.violations, []);
});

test('getLogs filters by board, level and kind, and pages within a filter', async (t) => {
  const { bed, boardA, boardB } = await bedWithHistory(t);
  // An error-level lifecycle entry: an upgrade whose migration listing fails.
  bed.clock.advance(MINUTE);
  bed.sql.injectFault({ match: /FROM __migrations/, times: 1, status: 500, code: 'UNKNOWN_ERROR', message: 'injected' });
  const [{ result }] = await bed.runLifecycle('upgraded');
  assert.equal(result.ok, false, JSON.stringify(result));

  const all = (await allPages(bed, {}, 100)).flat();
  assert.equal(all.length, 9);

  const ofA = (await allPages(bed, { boardId: boardA }, 2)).flat();
  assert.deepEqual(ofA, all.filter((e) => e.boardId === boardA));
  assert.equal(ofA.length, 3);
  assertNewestFirst(ofA, 'board A');
  const ofB = (await allPages(bed, { boardId: boardB }, 3)).flat();
  assert.deepEqual(ofB, all.filter((e) => e.boardId === boardB));
  assert.equal(ofB.length, 2);
  assert.deepEqual((await allPages(bed, { boardId: 424242 }, 3)).flat(), []);

  const errors = (await allPages(bed, { level: 'error' }, 3)).flat();
  assert.deepEqual(errors.map((e) => [e.level, e.kind, e.reason]), [['error', 'lifecycle', 'MIGRATION_FAILED']]);
  assert.deepEqual((await allPages(bed, { level: 'warn' }, 3)).flat(), []);
  const infos = (await allPages(bed, { level: 'info' }, 3)).flat();
  assert.deepEqual(infos, all.filter((e) => e.level === 'info'));
  assert.equal(infos.length, 8);

  const changes = (await allPages(bed, { kind: 'config_changed' }, 3)).flat();
  assert.deepEqual(changes, all.filter((e) => e.kind === 'config_changed'));
  assert.equal(changes.length, 7);
  const lifecycle = (await allPages(bed, { kind: 'lifecycle' }, 1)).flat();
  assert.deepEqual(lifecycle.map((e) => e.reason), ['MIGRATION_FAILED', 'APP_INSTALLED']);
  assert.deepEqual((await allPages(bed, { kind: 'started' }, 3)).flat(), []);

  const combined = (await allPages(bed, { kind: 'lifecycle', level: 'info' }, 3)).flat();
  assert.deepEqual(combined.map((e) => e.reason), ['APP_INSTALLED']);
  const boardKind = (await allPages(bed, { boardId: boardB, kind: 'config_changed', level: 'info' }, 1)).flat();
  assert.deepEqual(boardKind, ofB);
  assert.deepEqual(bed.egress.violations, []);
});

test('getLogs reads a time window [from, before), with the board filter and paging; a bad window is a coded 400', async (t) => {
  const { bed, boardA } = await bedWithHistory(t);
  const t0 = Date.parse('2026-01-05T09:00:00Z');
  const iso = (ms) => new Date(ms).toISOString();
  const window = assertOk(await bed.invokeResolver('getLogs', { from: iso(t0 + 2 * MINUTE), before: iso(t0 + 6 * MINUTE) }, admin));
  assert.deepEqual(window.entries.map((e) => (Date.parse(e.time) - t0) / MINUTE), [5, 4, 3, 2], 'from inclusive, before exclusive');
  const boardOnly = assertOk(await bed.invokeResolver('getLogs', { boardId: boardA, from: iso(t0 + 2 * MINUTE) }, admin));
  assert.deepEqual(boardOnly.entries.map((e) => (Date.parse(e.time) - t0) / MINUTE), [6, 4]);
  const first = assertOk(await bed.invokeResolver('getLogs', { from: iso(t0), before: iso(t0 + 7 * MINUTE), limit: 4 }, admin));
  const second = assertOk(await bed.invokeResolver('getLogs', { from: iso(t0), before: iso(t0 + 7 * MINUTE), limit: 4, cursor: first.cursor }, admin));
  assert.deepEqual([...first.entries, ...second.entries].map((e) => (Date.parse(e.time) - t0) / MINUTE), [6, 5, 4, 3, 2, 1, 0]);
  // a window wholly before the retention reads nothing
  const old = assertOk(await bed.invokeResolver('getLogs', { before: iso(t0 - 400 * 86400000) }, admin));
  assert.deepEqual(old.entries, []);
  for (const [payload, field] of [[{ from: 'yesterday' }, 'from'], [{ from: iso(t0 + MINUTE), before: iso(t0) }, 'before']]) {
    const bad = await bed.invokeResolver('getLogs', payload, admin);
    assert.equal(bad.ok, false);
    assert.equal(bad.error.status, 400);
    assert.equal(bad.error.details.field, field, JSON.stringify(bad.error));
  }
});

test('a forged cursor is refused as a coded 400 naming the cursor field', async (t) => {
  const { bed } = await bedWithHistory(t);
  const before = bed.kvs.stats.writes;
  for (const cursor of ['not-a-cursor', Buffer.from('{"x":1}').toString('base64'), '\'; DROP TABLE board_settings; --']) {
    const answer = await bed.invokeResolver('getLogs', { cursor, limit: 3 }, admin);
    // Any 400 code will do (INVALID_TYPE / OUT_OF_RANGE); a 500 STORAGE_ERROR blames the server for bad input.
    assert.equal(answer.ok, false, `cursor ${cursor}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error.status, 400, `cursor ${cursor}: ${JSON.stringify(answer.error)}`);
    assert.equal(answer.error.details && answer.error.details.field, 'cursor', `cursor ${cursor}: ${JSON.stringify(answer.error)}`);
  }
  assert.equal(bed.kvs.stats.writes, before);
});

test('entries expire after logRetentionDays (KVS TTL on the simulated clock)', async (t) => {
  const { bed, boardA, boardB } = await startSeededBed(t);
  bed.clock.advance(MINUTE);
  assertOk(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings({ logRetentionDays: 1 }) }, admin));
  const changedAt = bed.clock.now();
  bed.clock.advance(MINUTE);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, admin));
  bed.clock.advance(MINUTE);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PB', boardId: boardB, settings: validBoardSettings() }, admin));

  // Every app-log write carried the retention that was in force when it was written.
  const sets = bed.kvs.log.filter((e) => e.path === '/api/v1/entity/set' && e.body.entityName === 'app-log');
  assert.deepEqual(sets.map((e) => [e.body.value.reason, e.body.options && e.body.options.ttl]), [
    ['APP_INSTALLED', { value: 30, unit: 'DAYS' }],
    ['GLOBAL_SETTINGS_CHANGED', { value: 1, unit: 'DAYS' }],
    ['BOARD_SETTINGS_CHANGED', { value: 1, unit: 'DAYS' }],
    ['BOARD_SETTINGS_CHANGED', { value: 1, unit: 'DAYS' }],
  ]);
  const reasons = async () => assertOk(await bed.invokeResolver('getLogs', {}, admin)).entries.map((e) => e.reason);
  assert.deepEqual(await reasons(), ['BOARD_SETTINGS_CHANGED', 'BOARD_SETTINGS_CHANGED', 'GLOBAL_SETTINGS_CHANGED', 'APP_INSTALLED']);

  // Just before a day has passed since the retention change, everything written since is there;
  // the install entry, older than the new 1-day retention, is hidden (though its TTL keeps it stored).
  bed.clock.set(changedAt + DAY - 1);
  assert.deepEqual(await reasons(), ['BOARD_SETTINGS_CHANGED', 'BOARD_SETTINGS_CHANGED', 'GLOBAL_SETTINGS_CHANGED']);
  bed.clock.set(changedAt + DAY + 1);
  assert.deepEqual(await reasons(), ['BOARD_SETTINGS_CHANGED', 'BOARD_SETTINGS_CHANGED'], 'the retention change entry is gone after 1 day');

  // Two days on: every entry written under the 1-day retention is gone, from getLogs and from the store.
  bed.clock.set(changedAt + 2 * DAY);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 9 }) }, admin));
  const left = assertOk(await bed.invokeResolver('getLogs', {}, admin)).entries;
  assert.deepEqual(left.map((e) => [e.reason, Date.parse(e.time)]), [
    ['BOARD_SETTINGS_CHANGED', changedAt + 2 * DAY],
  ]);
  assert.deepEqual((await allPages(bed, { boardId: boardB }, 5)).flat(), [], 'expired entries are gone from the board index too');
  // Forge deletes expired records within up to 48 hours (the alt profile's ttlLagMs); the admin never
  // sees them (above), and after that window they are gone from the store too.
  bed.clock.advance(bed.kvs.limits.ttlLagMs || 0);
  assert.equal(Object.keys(bed.kvs.dump().entities['app-log']).length, 2);
  assert.deepEqual(bed.egress.violations, []);
});

test('lowering logRetentionDays also drops entries already older than the new retention', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, admin));
  bed.clock.advance(5 * DAY);
  assertOk(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings({ logRetentionDays: 1 }) }, admin));
  bed.clock.advance(2 * DAY);
  const left = assertOk(await bed.invokeResolver('getLogs', {}, admin)).entries;
  assert.deepEqual(left.map((e) => e.reason), [], 'entries older than 1 day are still listed');
});

test('one JSON console line per log entry, and no personal data in any console line or log entry', async (t) => {
  const { bed, boardA } = await bedWithHistory(t);
  // Calls that fail must not leak either: denials, validation faults echoing a field name, a failed upgrade.
  const plainEmail = USERS.plain.emailAddress;
  assertError(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings() }, { accountId: USERS.plain.accountId }), 'NOT_JIRA_ADMIN', 403);
  assertError(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PB', boardId: boardA, settings: validBoardSettings() }, { accountId: USERS.adminOfA.accountId }), 'NOT_PROJECT_ADMIN', 403);
  assertError(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings(), [plainEmail]: USERS.plain.displayName }, admin), 'UNKNOWN_FIELD', 400);
  // A failed upgrade logs an error entry (its SQL error text names the installer: must not reach the log).
  bed.sql.injectFault({ match: /FROM __migrations/, times: 1, status: 500, code: 'UNKNOWN_ERROR', message: `denied for ${USERS.jiraAdmin.emailAddress}` });
  const [{ result }] = await bed.runLifecycle('upgraded', { event: { upgraderAccountId: USERS.jiraAdmin.accountId } });
  assert.equal(result.ok, false);

  // Every log entry ever written (expired or not) and every console line.
  const written = bed.kvs.log.filter((e) => e.path === '/api/v1/entity/set' && e.body.entityName === 'app-log').map((e) => e.body.value);
  assert.equal(written.length, 9);
  const json = bed.consoleLines.map((line, i) => {
    try { return JSON.parse(line); } catch { assert.fail(`console line ${i} is not JSON: ${line}`); }
    return null;
  });
  const appLines = json.filter((o) => o && o.app === 'sprint-automation' && o.reason);
  assert.equal(appLines.length, written.length, 'one console line per log entry');
  for (const entry of written) {
    // The stored record keeps the time as `at` (ISO + '#' + sequence) and ids as strings (the store's types).
    const line = appLines.find((o) => Date.parse(o.time) === Date.parse(entry.at.slice(0, 24)) && o.reason === entry.reason && (o.boardId === undefined ? entry.boardId === undefined : String(o.boardId) === entry.boardId));
    assert.ok(line, `no console line for ${JSON.stringify(entry)}`);
    assert.equal(line.level, entry.level);
    assert.equal(line.kind, entry.kind);
    assert.equal(line.message, entry.message);
  }
  const listed = (await allPages(bed, {}, 100)).flat();
  assert.deepEqual(listed.map((e) => e.reason).sort(), written.map((e) => e.reason).sort());

  const texts = [
    ...bed.consoleLines.map((l) => ['console', l]),
    ...written.map((v) => ['kvs', JSON.stringify(v)]),
    ...listed.map((v) => ['getLogs', JSON.stringify(v)]),
  ];
  const forbidden = [
    ...Object.values(USERS).flatMap((u) => [u.accountId, u.displayName, u.emailAddress]),
    ...Object.values(USERS).map((u) => u.accountId.split(':').pop()),
    ...ISSUE_SUMMARIES,
  ];
  const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
  const ACCOUNT_ID = /\b(?:\d{6}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-z]{12}|[0-9a-f]{24})\b/i;
  for (const [where, text] of texts) {
    for (const f of forbidden) assert.ok(!text.includes(f), `${where} contains "${f}": ${text}`);
    assert.ok(!EMAIL.test(text), `${where} contains an e-mail address: ${text}`);
    assert.ok(!ACCOUNT_ID.test(text), `${where} contains an account id: ${text}`);
  }
  assert.deepEqual(bed.egress.violations, []);
});
