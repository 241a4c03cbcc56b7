'use strict';
// Proof: EVERY resolver key the core defines x every kind of caller answers exactly the intended
// allow / deny, and a denial changes nothing anywhere: no SQL write (nor attempt, nor DDL), no KVS
// write (not even an error log entry), no Jira call other than a GET, no queue push, and the stored
// rows and KVS contents are byte for byte the same. Valid payloads throughout (real boards and real
// bulk jobs, one job with sprints Jira really has), so an allowed call does act: a denial is a denial
// and not a validation error. Cross-project rows: a board / a job of another project.
//
// The key list is read from the core at run time AND from resolve.rs; a key without a row fails.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  USERS, startSeededBed, validBoardSettings, validGlobalSettings, storageState, assertOk,
} = require('../e2e/helpers');
const { resolverKeysFromCodes, resolverKeysFromCore, counters, delta, writesIn, table } = require('./proof-lib');

const CALLERS = [
  ['no account', undefined],
  ['plain user', USERS.plain.accountId],
  ['admin of other project', USERS.adminOfB.accountId],
  ['admin of board\'s project', USERS.adminOfA.accountId],
  ['Jira admin', USERS.jiraAdmin.accountId],
];
const CALLER_NAMES = CALLERS.map(([n]) => n);

const A = 'allow';
const ANYONE = [A, A, A, A, A];
const SITE_ADMIN = ['NOT_AUTHENTICATED', 'NOT_JIRA_ADMIN', 'NOT_JIRA_ADMIN', 'NOT_JIRA_ADMIN', A];
const PROJECT_ADMIN = ['NOT_AUTHENTICATED', 'NOT_PROJECT_ADMIN', 'NOT_PROJECT_ADMIN', A, A];
// Naming one's project with a board of the other project (PA + PB's board).
const FOREIGN_BOARD = ['NOT_AUTHENTICATED', 'NOT_PROJECT_ADMIN', 'NOT_PROJECT_ADMIN', 'BOARD_NOT_IN_PROJECT', 'BOARD_NOT_IN_PROJECT'];
// Naming the other project with a board of one's own (PB + PA's board): the admin of PB learns the board is not theirs.
const FOREIGN_PROJECT = ['NOT_AUTHENTICATED', 'NOT_PROJECT_ADMIN', 'BOARD_NOT_IN_PROJECT', 'NOT_PROJECT_ADMIN', 'BOARD_NOT_IN_PROJECT'];
// Naming PA with a job of PB: the job is not in PA, so it does not exist for PA's admins.
const FOREIGN_JOB = ['NOT_AUTHENTICATED', 'NOT_PROJECT_ADMIN', 'NOT_PROJECT_ADMIN', 'JOB_NOT_FOUND', 'JOB_NOT_FOUND'];

const STATUS = {
  NOT_AUTHENTICATED: 403, NOT_JIRA_ADMIN: 403, NOT_PROJECT_ADMIN: 403, BOARD_NOT_IN_PROJECT: 403, JOB_NOT_FOUND: 404,
};

const plan = (nameTemplate, firstStart = '2026-02-02T09:00', count = 2) => ({
  firstStart, timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' }, count, nameTemplate,
});

test('permission matrix: every resolver key x every caller, exact allow/deny, zero effects on denial', async (t) => {
  const { bed, boardA, boardA2, boardB } = await startSeededBed(t);
  const admin = { accountId: USERS.jiraAdmin.accountId };

  // The keys: from the built core's two exports, which must agree.
  const keys = resolverKeysFromCore();
  assert.deepEqual(keys, resolverKeysFromCodes(), 'resolver_keys() and codes() of the built core give the same keys');
  assert.ok(keys.length >= 14, `keys: ${keys}`);

  // ---- state a denied call could damage -------------------------------------------------------
  assertOk(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings() }, admin));
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }, admin));
  // A future sprint of PA's board that a rename would touch.
  const oldSprint = bed.jira.addSprint({ boardId: boardA, name: 'Old name', startDate: '2027-03-01T08:00:00Z', endDate: '2027-03-15T08:00:00Z' });
  // A job with sprints Jira really has (undo would DELETE them), a job still planned (cancel
  // would change it), and a job of the other project (also run).
  const jobUndo = assertOk(await bed.invokeResolver('createBulkSprints', { projectKey: 'PA', boardIds: [boardA], plan: plan('Undo {n}') }, admin));
  const jobB = assertOk(await bed.invokeResolver('createBulkSprints', { projectKey: 'PB', boardIds: [boardB], plan: plan('Beta {n}') }, admin));
  await bed.queue.drain({ advanceClock: true });
  const jobCancel = assertOk(await bed.invokeResolver('createBulkSprints', { projectKey: 'PA', boardIds: [boardA2], plan: plan('Cancel {n}') }, admin));
  const undoStatus = assertOk(await bed.invokeResolver('getBulkJob', { projectKey: 'PA', jobId: jobUndo.jobId }, admin));
  assert.equal(undoStatus.state, 'done', JSON.stringify(undoStatus));
  assert.equal(undoStatus.created, 2);
  assert.equal(assertOk(await bed.invokeResolver('getBulkJob', { projectKey: 'PB', jobId: jobB.jobId }, admin)).created, 2);
  assert.equal(jobCancel.state, 'planned');

  // ---- the rows: key, variant, payload, expected per caller, what an allowed call must do -----
  const mutating = new Set(['updateGlobalSettings', 'updateBoardSettings', 'createBulkSprints', 'cancelBulkJob', 'undoBulkJob', 'renameFutureSprints']);
  const rows = [
    { key: 'ping', payload: {}, expect: ANYONE },
    { key: 'getGlobalSettings', payload: {}, expect: SITE_ADMIN },
    { key: 'updateGlobalSettings', payload: { settings: validGlobalSettings({ defaultTimeZone: 'Asia/Kolkata', logRetentionDays: 45 }) }, expect: SITE_ADMIN, acts: (d) => d.sqlWrites > 0 },
    { key: 'listBoards', payload: { projectKey: 'PA' }, expect: PROJECT_ADMIN },
    { key: 'getBoardSettings', payload: { projectKey: 'PA', boardId: boardA }, expect: PROJECT_ADMIN },
    { key: 'getBoardSettings', variant: 'board of other project', payload: { projectKey: 'PA', boardId: boardB }, expect: FOREIGN_BOARD },
    { key: 'getBoardSettings', variant: 'naming other project', payload: { projectKey: 'PB', boardId: boardA }, expect: FOREIGN_PROJECT },
    { key: 'updateBoardSettings', payload: { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 0, timeZone: 'Pacific/Auckland' }) }, expect: PROJECT_ADMIN, acts: (d) => d.sqlWrites > 0 },
    { key: 'updateBoardSettings', variant: 'board of other project', payload: { projectKey: 'PA', boardId: boardB, settings: validBoardSettings({ keepAhead: 0 }) }, expect: FOREIGN_BOARD },
    { key: 'updateBoardSettings', variant: 'naming other project', payload: { projectKey: 'PB', boardId: boardA, settings: validBoardSettings({ keepAhead: 0 }) }, expect: FOREIGN_PROJECT },
    { key: 'getLogs', payload: { limit: 5 }, expect: SITE_ADMIN },
    { key: 'getSiteOverview', payload: { limit: 50 }, expect: SITE_ADMIN },
    { key: 'previewBulkPlan', payload: { projectKey: 'PA', boardIds: [boardA, boardA2], plan: plan('Preview {n}', '2026-06-01T09:00') }, expect: PROJECT_ADMIN },
    { key: 'previewBulkPlan', variant: 'board of other project', payload: { projectKey: 'PA', boardIds: [boardA, boardB], plan: plan('Preview {n}', '2026-06-01T09:00') }, expect: FOREIGN_BOARD },
    { key: 'previewBulkPlan', variant: 'naming other project', payload: { projectKey: 'PB', boardIds: [boardA], plan: plan('Preview {n}', '2026-06-01T09:00') }, expect: FOREIGN_PROJECT },
    { key: 'createBulkSprints', payload: { projectKey: 'PA', boardIds: [boardA2], plan: plan('Matrix {n}', '2026-08-03T09:00') }, expect: PROJECT_ADMIN, acts: (d) => d.sqlWrites > 0 && d.queuePushes === 1 },
    { key: 'createBulkSprints', variant: 'board of other project', payload: { projectKey: 'PA', boardIds: [boardA2, boardB], plan: plan('Matrix {n}', '2026-08-03T09:00') }, expect: FOREIGN_BOARD },
    { key: 'createBulkSprints', variant: 'naming other project', payload: { projectKey: 'PB', boardIds: [boardA2], plan: plan('Matrix {n}', '2026-08-03T09:00') }, expect: FOREIGN_PROJECT },
    { key: 'getBulkJob', payload: { projectKey: 'PA', jobId: jobUndo.jobId }, expect: PROJECT_ADMIN },
    { key: 'getBulkJob', variant: 'job of other project', payload: { projectKey: 'PA', jobId: jobB.jobId }, expect: FOREIGN_JOB },
    { key: 'listBulkJobs', payload: { projectKey: 'PA' }, expect: PROJECT_ADMIN },
    { key: 'cancelBulkJob', payload: { projectKey: 'PA', jobId: jobCancel.jobId }, expect: PROJECT_ADMIN, acts: (d) => d.sqlWrites > 0 },
    { key: 'cancelBulkJob', variant: 'job of other project', payload: { projectKey: 'PA', jobId: jobB.jobId }, expect: FOREIGN_JOB },
    { key: 'undoBulkJob', variant: 'job of other project', payload: { projectKey: 'PA', jobId: jobB.jobId }, expect: FOREIGN_JOB },
    { key: 'undoBulkJob', payload: { projectKey: 'PA', jobId: jobUndo.jobId }, expect: PROJECT_ADMIN, acts: (d) => d.jiraNonGet === 2 && d.sqlWrites > 0 },
    { key: 'renameFutureSprints', payload: { projectKey: 'PA', boardId: boardA, nameTemplate: 'Renamed {n}' }, expect: PROJECT_ADMIN, acts: (d) => d.jiraNonGet >= 1 },
    { key: 'renameFutureSprints', variant: 'board of other project', payload: { projectKey: 'PA', boardId: boardB, nameTemplate: 'Renamed {n}' }, expect: FOREIGN_BOARD },
    { key: 'renameFutureSprints', variant: 'naming other project', payload: { projectKey: 'PB', boardId: boardA, nameTemplate: 'Renamed {n}' }, expect: FOREIGN_PROJECT },
  ];

  // A key the core defines without a row fails here: a new resolver cannot skip the matrix.
  const covered = new Set(rows.map((r) => r.key));
  assert.deepEqual(keys.filter((k) => !covered.has(k)), [], 'resolver keys without a row in the permission matrix');
  assert.deepEqual([...covered].filter((k) => !keys.includes(k)), [], 'rows for keys the core does not define');

  // ---- run: denials first within each row (they see the untouched state) ----------------------
  const failures = [];
  const printed = [];
  for (const row of rows) {
    const label = row.variant ? `${row.key} (${row.variant})` : row.key;
    const cells = [];
    let firstAllow = true;
    for (const [i, [who, accountId]] of CALLERS.entries()) {
      const want = row.expect[i];
      bed.clock.advance(1000);
      const state = await storageState(bed);
      const before = counters(bed);
      let answer;
      try {
        answer = await bed.invokeResolver(row.key, row.payload, { accountId });
      } catch (e) {
        failures.push(`${label} by ${who}: threw ${e && e.stack}`);
        cells.push('THREW');
        continue;
      }
      const d = delta(bed, before);
      const got = answer.ok ? A : `${answer.error && answer.error.code}`;
      const problems = [];
      if (want === A) {
        if (!answer.ok) problems.push(`expected allow, got ${JSON.stringify(answer.error)}`);
        if (!mutating.has(row.key)) {
          const w = writesIn(d);
          if (w.length) problems.push(`a read wrote: ${w.join(', ')}`);
        } else if (firstAllow && row.acts && answer.ok && !row.acts(d)) {
          problems.push(`the allowed call did not act as expected (the payload must be one that acts): ${JSON.stringify(d)}`);
        }
        firstAllow = false;
      } else {
        if (answer.ok) problems.push(`expected ${want}, got allow: ${JSON.stringify(answer.data).slice(0, 200)}`);
        else {
          if (answer.error.code !== want) problems.push(`expected ${want}, got ${answer.error.code} ${answer.error.message}`);
          if (answer.error.status !== STATUS[want]) problems.push(`expected status ${STATUS[want]}, got ${answer.error.status}`);
          if (answer.data !== undefined) problems.push('data with a denial');
        }
        const w = writesIn(d);
        if (w.length) problems.push(`effects on denial: ${w.join(', ')} jira=${JSON.stringify(d.jira)}`);
        if (accountId === undefined && d.jiraRequests !== 0) problems.push(`an anonymous call asked Jira: ${JSON.stringify(d.jira)}`);
        try {
          assert.deepEqual(await storageState(bed), state);
        } catch (e) {
          problems.push(`stored state changed on denial: ${e.message.slice(0, 600)}`);
        }
      }
      if (problems.length) failures.push(`${label} by ${who}: ${problems.join('; ')}`);
      cells.push(problems.length ? `FAIL ${got}` : (got === A ? 'allow' : got));
    }
    printed.push([label, ...cells]);
  }

  // ---- after the matrix: the state the allowed calls left is the one they were meant to leave --
  const undone = assertOk(await bed.invokeResolver('getBulkJob', { projectKey: 'PA', jobId: jobUndo.jobId }, admin));
  assert.equal(undone.state, 'undone');
  assert.equal(assertOk(await bed.invokeResolver('getBulkJob', { projectKey: 'PB', jobId: jobB.jobId }, admin)).state, 'done', 'the other project\'s job was not touched');
  assert.equal(bed.jira.sprintsOfBoard(boardB).filter((s) => s.state === 'future').length, 2, 'the other project\'s sprints are still there');
  assert.equal(assertOk(await bed.invokeResolver('getBulkJob', { projectKey: 'PA', jobId: jobCancel.jobId }, admin)).state, 'cancelled');
  assert.ok(bed.jira.sprintsOfBoard(boardA).some((s) => s.id === oldSprint.id && s.name !== 'Old name'), 'renamed by the allowed call');

  console.log(`\nPermission matrix (${keys.length} resolver keys, ${rows.length} rows x ${CALLERS.length} callers; 403 unless noted, JOB_NOT_FOUND is 404)\n`
    + table(['resolver', ...CALLER_NAMES], printed));
  assert.deepEqual(bed.egress.violations, []);
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
});
