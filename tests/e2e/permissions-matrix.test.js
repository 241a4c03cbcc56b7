'use strict';
// Who may call what: every resolver x every kind of caller, with the exact coded answer, and no
// write of any kind (SQL rows, SQL statements, KVS) when the answer is a denial.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  USERS, startSeededBed, validBoardSettings, validGlobalSettings, storageState, assertNothingWritten, assertError, assertOk,
} = require('./helpers');

const CALLERS = {
  'no account': undefined,
  'plain user': USERS.plain.accountId,
  'project admin of another project': USERS.adminOfB.accountId,
  'project admin of the board\'s project': USERS.adminOfA.accountId,
  'Jira admin': USERS.jiraAdmin.accountId,
};

const SITE_ADMIN_ONLY = {
  'no account': ['NOT_AUTHENTICATED', 403],
  'plain user': ['NOT_JIRA_ADMIN', 403],
  'project admin of another project': ['NOT_JIRA_ADMIN', 403],
  'project admin of the board\'s project': ['NOT_JIRA_ADMIN', 403],
  'Jira admin': 'allow',
};
const PROJECT_ADMIN = {
  'no account': ['NOT_AUTHENTICATED', 403],
  'plain user': ['NOT_PROJECT_ADMIN', 403],
  'project admin of another project': ['NOT_PROJECT_ADMIN', 403],
  'project admin of the board\'s project': 'allow',
  'Jira admin': 'allow',
};

function resolverCalls(boardA) {
  return [
    { key: 'getGlobalSettings', payload: {}, expect: SITE_ADMIN_ONLY, writes: false },
    { key: 'updateGlobalSettings', payload: { settings: validGlobalSettings({ defaultTimeZone: 'Asia/Kolkata', logRetentionDays: 45 }) }, expect: SITE_ADMIN_ONLY, writes: true },
    { key: 'getLogs', payload: { limit: 5 }, expect: SITE_ADMIN_ONLY, writes: false },
    { key: 'listBoards', payload: { projectKey: 'PA' }, expect: PROJECT_ADMIN, writes: false },
    { key: 'getBoardSettings', payload: { projectKey: 'PA', boardId: boardA }, expect: PROJECT_ADMIN, writes: false },
    { key: 'updateBoardSettings', payload: { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 7, timeZone: 'Pacific/Auckland' }) }, expect: PROJECT_ADMIN, writes: true },
  ];
}

test('every resolver x every caller: exactly the intended allow/deny, and nothing written on a denial', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  // Existing rows that a denied call must leave alone.
  const admin = { accountId: USERS.jiraAdmin.accountId };
  assertOk(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings() }, admin));
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, admin));

  for (const call of resolverCalls(boardA)) {
    for (const [who, accountId] of Object.entries(CALLERS)) {
      const label = `${call.key} by ${who}`;
      bed.clock.advance(1000);
      const before = await storageState(bed);
      const jiraBefore = bed.jira.requests.length;
      const answer = await bed.invokeResolver(call.key, call.payload, { accountId });
      const want = call.expect[who];
      if (want === 'allow') {
        assertOk(answer, label);
        if (!call.writes) await assertNothingWritten(bed, before, `${label} (a read)`);
        else {
          assert.ok(bed.sql.stats.writes > before.sqlWrites, `${label}: the change was stored`);
          assert.equal(bed.kvs.stats.writes, before.kvsWrites + 1, `${label}: one log entry`);
        }
      } else {
        assertError(answer, want[0], want[1], undefined, label);
        assert.equal(answer.data, undefined, `${label}: no data with a denial`);
        await assertNothingWritten(bed, before, label);
        if (accountId === undefined) {
          assert.equal(bed.jira.requests.length, jiraBefore, `${label}: an anonymous call is refused before asking Jira`);
        }
      }
    }
  }
  // The board changes carry the account of the caller who made them (the last allowed one: the Jira admin).
  const [row] = await bed.sql.query('SELECT changed_by, keep_ahead FROM board_settings WHERE board_id = ?', [boardA]);
  assert.deepEqual(row, { changed_by: USERS.jiraAdmin.accountId, keep_ahead: 7 });
  assert.deepEqual(bed.egress.violations, []);
});

test('a board of another project: BOARD_NOT_IN_PROJECT when naming one\'s own project, NOT_PROJECT_ADMIN when naming the board\'s', async (t) => {
  const { bed, boardA, boardA2, boardB } = await startSeededBed(t);
  const adminOfA = { accountId: USERS.adminOfA.accountId };
  const cases = [
    ['getBoardSettings', { projectKey: 'PA', boardId: boardB }, adminOfA, 'BOARD_NOT_IN_PROJECT'],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardB, settings: validBoardSettings() }, adminOfA, 'BOARD_NOT_IN_PROJECT'],
    ['getBoardSettings', { projectKey: 'PB', boardId: boardB }, adminOfA, 'NOT_PROJECT_ADMIN'],
    ['updateBoardSettings', { projectKey: 'PB', boardId: boardB, settings: validBoardSettings() }, adminOfA, 'NOT_PROJECT_ADMIN'],
    // naming the other project with one's own board is no better
    ['updateBoardSettings', { projectKey: 'PB', boardId: boardA, settings: validBoardSettings() }, adminOfA, 'NOT_PROJECT_ADMIN'],
    ['listBoards', { projectKey: 'PB' }, adminOfA, 'NOT_PROJECT_ADMIN'],
    // A Jira admin administers every project, but a board still has to belong to the project named.
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardB, settings: validBoardSettings() }, { accountId: USERS.jiraAdmin.accountId }, 'BOARD_NOT_IN_PROJECT'],
    ['updateBoardSettings', { projectKey: 'PB', boardId: boardA, settings: validBoardSettings() }, { accountId: USERS.jiraAdmin.accountId }, 'BOARD_NOT_IN_PROJECT'],
  ];
  for (const [key, payload, spec, code] of cases) {
    const before = await storageState(bed);
    const answer = await bed.invokeResolver(key, payload, spec);
    assertError(answer, code, 403, undefined, `${key} ${JSON.stringify(payload).slice(0, 40)}`);
    await assertNothingWritten(bed, before, key);
  }
  // listBoards only lists the named project's own boards.
  const list = assertOk(await bed.invokeResolver('listBoards', { projectKey: 'PA' }, adminOfA));
  assert.deepEqual(list.boards.map((b) => b.boardId).sort(), [boardA, boardA2].sort());
  assert.ok(!list.boards.some((b) => b.boardId === boardB));
  assert.deepEqual(bed.egress.violations, []);
});

test('an unknown board: 404 for a project admin, but a non-admin learns nothing about it', async (t) => {
  const { bed } = await startSeededBed(t);
  const before = await storageState(bed);
  assertError(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: 9999, settings: validBoardSettings() }, { accountId: USERS.adminOfA.accountId }), 'BOARD_NOT_FOUND', 404);
  assertError(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: 9999 }, { accountId: USERS.plain.accountId }), 'NOT_PROJECT_ADMIN', 403);
  assertError(await bed.invokeResolver('getBoardSettings', { projectKey: 'PB', boardId: 9999 }, { accountId: USERS.adminOfA.accountId }), 'NOT_PROJECT_ADMIN', 403);
  await assertNothingWritten(bed, before, 'unknown board');
  // A user Jira does not know is denied like a plain user.
  assertError(await bed.invokeResolver('getGlobalSettings', {}, { accountId: 'unknown-account-0000' }), 'NOT_JIRA_ADMIN', 403);
  assertError(await bed.invokeResolver('listBoards', { projectKey: 'PA' }, { accountId: 'unknown-account-0000' }), 'NOT_PROJECT_ADMIN', 403);
  // ...and so is a project Jira does not know, for its admins-to-be.
  assertError(await bed.invokeResolver('listBoards', { projectKey: 'NOPE' }, { accountId: USERS.adminOfA.accountId }), 'NOT_PROJECT_ADMIN', 403);
  await assertNothingWritten(bed, before, 'unknown account');
});

test('an accountId in the payload is refused as an unknown field; only the Forge context counts', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  const plain = { accountId: USERS.plain.accountId };
  const forged = USERS.jiraAdmin.accountId;
  const cases = [
    ['getGlobalSettings', { accountId: forged }, 'accountId'],
    ['updateGlobalSettings', { settings: validGlobalSettings(), accountId: forged }, 'accountId'],
    ['updateGlobalSettings', { settings: { ...validGlobalSettings(), accountId: forged } }, 'settings.accountId'],
    ['getLogs', { accountId: forged }, 'accountId'],
    ['listBoards', { projectKey: 'PA', accountId: forged }, 'accountId'],
    ['getBoardSettings', { projectKey: 'PA', boardId: boardA, accountId: forged }, 'accountId'],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings(), accountId: forged }, 'accountId'],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: { ...validBoardSettings(), changedBy: forged } }, 'settings.changedBy'],
  ];
  bed.jira.resetRequests();
  for (const [key, payload, field] of cases) {
    const before = await storageState(bed);
    assertError(await bed.invokeResolver(key, payload, plain), 'UNKNOWN_FIELD', 400, field, key);
    await assertNothingWritten(bed, before, key);
  }
  assert.deepEqual(bed.jira.requests, [], 'refused before any Jira call');

  // An accountId smuggled into the invocation context is overwritten by the principal.
  const before = await storageState(bed);
  assertError(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings() }, { ...plain, context: { accountId: forged } }), 'NOT_JIRA_ADMIN', 403);
  assertError(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings() }, { context: { accountId: forged } }), 'NOT_AUTHENTICATED', 403);
  await assertNothingWritten(bed, before, 'context accountId');
  const asked = bed.jira.requests.filter((r) => r.path === '/rest/api/3/mypermissions');
  assert.deepEqual(asked.map((r) => r.accountId), [USERS.plain.accountId], 'Jira was asked about the real caller only');

  // The row records the caller from context, whatever the page would like it to say.
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, { accountId: USERS.adminOfA.accountId, context: { accountId: forged } }));
  const [row] = await bed.sql.query('SELECT changed_by FROM board_settings WHERE board_id = ?', [boardA]);
  assert.equal(row.changed_by, USERS.adminOfA.accountId);
});

test('permission answers are cached per user for 60 s and never shared across users', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  const perms = (accountId, projectKey) => bed.jira.requests.filter((r) => r.path === '/rest/api/3/mypermissions'
    && r.accountId === accountId && r.query.projectKey === projectKey).length;
  bed.jira.resetRequests();
  const a = { accountId: USERS.adminOfA.accountId };
  assertOk(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, a));
  bed.clock.advance(30000);
  assertOk(await bed.invokeResolver('listBoards', { projectKey: 'PA' }, a));
  bed.clock.advance(29000);
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, a));
  assert.equal(perms(USERS.adminOfA.accountId, 'PA'), 1, 'three calls within 60 s by one user: one permission request');

  // Another user, same project: their own request, and their own (different) answer.
  assertError(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, { accountId: USERS.adminOfB.accountId }), 'NOT_PROJECT_ADMIN', 403);
  assert.equal(perms(USERS.adminOfB.accountId, 'PA'), 1);
  assertError(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, { accountId: USERS.plain.accountId }), 'NOT_PROJECT_ADMIN', 403);
  assert.equal(perms(USERS.plain.accountId, 'PA'), 1);
  assertOk(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, { accountId: USERS.jiraAdmin.accountId }));
  assert.equal(perms(USERS.jiraAdmin.accountId, 'PA'), 1);
  // The first user's cached answer is still theirs.
  assert.equal(perms(USERS.adminOfA.accountId, 'PA'), 1);

  // A site-level check is another question (no project): asked separately.
  assertError(await bed.invokeResolver('getGlobalSettings', {}, a), 'NOT_JIRA_ADMIN', 403);
  assert.equal(perms(USERS.adminOfA.accountId, undefined), 1);

  // After 60 s the answer is asked again.
  bed.clock.advance(2000);
  assertOk(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, a));
  assert.equal(perms(USERS.adminOfA.accountId, 'PA'), 2, 'a permission answer older than 60 s is not reused');

  // Every permission request went as the user, never as the app.
  const asApp = bed.jira.requests.filter((r) => r.path === '/rest/api/3/mypermissions' && r.provider !== 'user');
  assert.deepEqual(asApp, []);
  assert.deepEqual(bed.egress.violations, []);
});
