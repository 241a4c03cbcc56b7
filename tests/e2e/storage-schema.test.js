'use strict';
// Schema migrations end to end: the lifecycle handler is the only place the schema is created or
// changed (through @forge/sql's migrationRunner), re-running it is harmless, an upgrade from the
// first release keeps the data, and resolvers never migrate.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  USERS, startSeededBed, validBoardSettings, validGlobalSettings, storageState, assertError, assertOk,
} = require('./helpers');

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'schema-v1.sql');

const MIGRATION_NAMES = [
  'v001_global_settings', 'v002_board_settings', 'v003_board_settings_keep_ahead', 'v004_board_schedule',
  'v005_rollovers', 'v006_bulk_jobs', 'v007_bulk_job_sprints', 'v008_board_settings_name_template',
  'v009_board_schedule_next_action', 'v010_board_schedule_next_sprint', 'v011_bulk_jobs_lease_owner',
  'v012_bulk_jobs_lease_until',
  'v013_rollovers_last_problem', 'v014_board_schedule_readiness', 'v015_global_settings_jira_wall', 'v016_global_settings_jira_short',
];

// The current schema, column by column: [name, data type, max chars or null, nullable, default].
const EXPECTED_COLUMNS = {
  global_settings: [
    ['id', 'tinyint', null, 'NO', null],
    ['automation_enabled', 'tinyint', null, 'NO', null],
    ['default_time_zone', 'varchar', 64, 'NO', null],
    ['default_carry_over', 'varchar', 32, 'NO', null],
    ['log_retention_days', 'int', null, 'NO', null],
    ['updated_at', 'bigint', null, 'NO', null],
    ['jira_wall_until', 'bigint', null, 'YES', 'NULL'],
    ['jira_short_until', 'bigint', null, 'YES', 'NULL'],
  ],
  board_settings: [
    ['board_id', 'bigint', null, 'NO', null],
    ['project_key', 'varchar', 16, 'NO', null],
    ['automate', 'tinyint', null, 'NO', null],
    ['auto_start', 'tinyint', null, 'NO', null],
    ['auto_close', 'tinyint', null, 'NO', null],
    ['carry_over', 'varchar', 32, 'YES', 'NULL'],
    ['time_zone', 'varchar', 64, 'YES', 'NULL'],
    ['start_time', 'char', 5, 'YES', 'NULL'],
    ['close_time', 'char', 5, 'YES', 'NULL'],
    ['working_days', 'varchar', 32, 'NO', null],
    ['holidays', 'text', 65535, 'NO', null],
    ['changed_by', 'varchar', 128, 'NO', null],
    ['changed_at', 'bigint', null, 'NO', null],
    ['keep_ahead', 'int', null, 'NO', '0'],
    ['name_template', 'varchar', 100, 'YES', 'NULL'],
  ],
  board_schedule: [
    ['board_id', 'bigint', null, 'NO', null],
    ['next_due_at', 'bigint', null, 'YES', 'NULL'],
    ['reconcile_at', 'bigint', null, 'NO', null],
    ['lease_owner', 'varchar', 64, 'YES', 'NULL'],
    ['lease_until', 'bigint', null, 'YES', 'NULL'],
    ['next_action', 'varchar', 16, 'YES', 'NULL'],
    ['next_sprint_id', 'bigint', null, 'YES', 'NULL'],
    ['readiness_at', 'bigint', null, 'YES', 'NULL'],
    ['readiness', 'text', 65535, 'YES', 'NULL'],
  ],
  rollovers: [
    ['sprint_id', 'bigint', null, 'NO', null],
    ['board_id', 'bigint', null, 'NO', null],
    ['phase', 'varchar', 16, 'NO', null],
    ['destination_sprint_id', 'bigint', null, 'YES', 'NULL'],
    ['started_at', 'bigint', null, 'YES', 'NULL'],
    ['closed_at', 'bigint', null, 'YES', 'NULL'],
    ['updated_at', 'bigint', null, 'NO', null],
    ['last_problem', 'varchar', 40, 'YES', 'NULL'],
  ],
  bulk_jobs: [
    ['job_id', 'varchar', 64, 'NO', null],
    ['project_key', 'varchar', 16, 'NO', null],
    ['created_by', 'varchar', 128, 'NO', null],
    ['state', 'varchar', 16, 'NO', null],
    ['plan_json', 'mediumtext', 16777215, 'NO', null],
    ['planned', 'int', null, 'NO', null],
    ['created', 'int', null, 'NO', null],
    ['failed', 'int', null, 'NO', null],
    ['created_at', 'bigint', null, 'NO', null],
    ['updated_at', 'bigint', null, 'NO', null],
    ['lease_owner', 'varchar', 64, 'YES', 'NULL'],
    ['lease_until', 'bigint', null, 'YES', 'NULL'],
  ],
  bulk_job_sprints: [
    ['job_id', 'varchar', 64, 'NO', null],
    ['sprint_key', 'varchar', 64, 'NO', null],
    ['board_id', 'bigint', null, 'NO', null],
    ['position', 'int', null, 'NO', null],
    ['sprint_id', 'bigint', null, 'YES', 'NULL'],
    ['state', 'varchar', 16, 'NO', null],
    ['error_code', 'varchar', 64, 'YES', 'NULL'],
  ],
  __migrations: [
    ['id', 'bigint', null, 'NO', null],
    ['name', 'varchar', 255, 'NO', null],
    ['migratedAt', 'timestamp', null, 'NO', 'current_timestamp()'],
  ],
};
const EXPECTED_PRIMARY_KEYS = {
  global_settings: ['id'], board_settings: ['board_id'], board_schedule: ['board_id'], rollovers: ['sprint_id'],
  bulk_jobs: ['job_id'], bulk_job_sprints: ['job_id', 'sprint_key'], __migrations: ['id'],
};
const EXPECTED_INDEXES = {
  board_settings: { idx_board_settings_project: ['project_key'] },
  board_schedule: { idx_board_schedule_due: ['next_due_at'] },
  rollovers: { idx_rollovers_board: ['board_id'] },
  bulk_jobs: { idx_bulk_jobs_project: ['project_key', 'created_at'] },
};

async function columnsOf(bed) {
  const rows = await bed.sql.query(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt, CHARACTER_MAXIMUM_LENGTH AS len, IS_NULLABLE AS n, COLUMN_DEFAULT AS d '
    + 'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
    [bed.sql.database],
  );
  const out = {};
  for (const r of rows) {
    // MariaDB reports an explicit NULL default as the string 'NULL'; MySQL as null. Normalise to 'NULL' when nullable.
    let d = r.d;
    if (d === null && r.n === 'YES') d = 'NULL';
    if (typeof d === 'string') d = d.toLowerCase() === 'null' ? 'NULL' : d.replace(/^'(.*)'$/, '$1').toLowerCase();
    (out[r.t] = out[r.t] || []).push([r.c, r.dt, r.len === null ? null : Number(r.len), r.n, d]);
  }
  return out;
}

async function indexesOf(bed) {
  const rows = await bed.sql.query(
    'SELECT TABLE_NAME AS t, INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS '
    + 'WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX',
    [bed.sql.database],
  );
  const pk = {};
  const idx = {};
  for (const r of rows) {
    if (r.i === 'PRIMARY') (pk[r.t] = pk[r.t] || []).push(r.c);
    else ((idx[r.t] = idx[r.t] || {})[r.i] = (idx[r.t] || {})[r.i] || []).push(r.c);
  }
  return { pk, idx };
}

async function migrationRows(bed) {
  return bed.sql.query('SELECT id, name FROM __migrations ORDER BY id');
}

async function assertCurrentSchema(bed, label) {
  const tables = (await bed.sql.tables()).slice().sort();
  assert.deepEqual(tables, Object.keys(EXPECTED_COLUMNS).sort(), `${label}: tables`);
  assert.deepEqual(await columnsOf(bed), EXPECTED_COLUMNS, `${label}: columns`);
  const { pk, idx } = await indexesOf(bed);
  assert.deepEqual(pk, EXPECTED_PRIMARY_KEYS, `${label}: primary keys`);
  assert.deepEqual(idx, EXPECTED_INDEXES, `${label}: secondary indexes`);
  const names = (await migrationRows(bed)).map((r) => r.name);
  assert.deepEqual([...names].sort(), [...MIGRATION_NAMES].sort(), `${label}: __migrations names`);
  assert.equal(new Set(names).size, names.length, `${label}: a migration recorded twice: ${names}`);
}

/** Statements of the frozen first-release fixture (comments dropped). */
function fixtureStatements() {
  const text = fs.readFileSync(FIXTURE, 'utf8')
    .split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');
  return text.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean);
}

/** The DDL schema.rs declares for each migration name (Rust `\` line continuations resolved). */
function declaredMigrations() {
  const src = fs.readFileSync(path.join(REPO, 'crates', 'sprint-core', 'src', 'store', 'schema.rs'), 'utf8');
  const out = {};
  const re = /name:\s*"([^"]+)",\s*ddl:\s*"((?:[^"\\]|\\[\s\S])*)"/g;
  let m;
  while ((m = re.exec(src))) out[m[1]] = m[2].replace(/\\\n\s*/g, '');
  return out;
}

test('install -> upgrade -> install again leaves exactly the current tables, columns and one __migrations row per migration', async (t) => {
  const { bed, boardA } = await startSeededBed(t, { install: false });

  const [first] = await bed.runLifecycle('installed');
  assert.equal(first.result.ok, true, JSON.stringify(first.result));
  assert.deepEqual(first.result.data.applied, MIGRATION_NAMES);
  await assertCurrentSchema(bed, 'after install');
  const seeded = await bed.sql.query('SELECT * FROM global_settings');
  assert.equal(seeded.length, 1, 'the install seeds one global settings row');
  assert.equal(seeded[0].id, 1);

  // Admins change settings between the releases: re-running the lifecycle must keep them.
  const admin = { accountId: USERS.jiraAdmin.accountId };
  assertOk(await bed.invokeResolver('updateGlobalSettings', { settings: validGlobalSettings({ automationEnabled: false, defaultTimeZone: 'Asia/Tokyo', logRetentionDays: 90 }) }, admin));
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings({ keepAhead: 4 }) }, admin));
  const rowsBefore = {
    global: await bed.sql.query('SELECT * FROM global_settings'),
    board: await bed.sql.query('SELECT * FROM board_settings'),
  };

  for (const event of ['upgraded', 'installed']) {
    const ddlBefore = bed.sql.stats.ddl;
    const [{ result }] = await bed.runLifecycle(event);
    assert.equal(result.ok, true, `${event}: ${JSON.stringify(result)}`);
    assert.deepEqual(result.data.applied, [], `${event}: nothing left to apply`);
    await assertCurrentSchema(bed, `after ${event}`);
    // Only the runner's own CREATE TABLE IF NOT EXISTS __migrations and its listing go through DDL.
    const ddlNow = bed.sql.log.slice(-20).filter((e) => e.kind === 'ddl').map((e) => e.query);
    assert.ok(bed.sql.stats.ddl - ddlBefore <= 1, `${event}: DDL re-run: ${ddlNow.join(' | ')}`);
    assert.deepEqual(await bed.sql.query('SELECT * FROM global_settings'), rowsBefore.global, `${event}: global settings kept`);
    assert.deepEqual(await bed.sql.query('SELECT * FROM board_settings'), rowsBefore.board, `${event}: board settings kept`);
  }
  const global = assertOk(await bed.invokeResolver('getGlobalSettings', {}, admin));
  assert.deepEqual(global.settings, validGlobalSettings({ automationEnabled: false, defaultTimeZone: 'Asia/Tokyo', logRetentionDays: 90 }));
  assert.deepEqual(bed.egress.violations, []);
});

test('the frozen first-release fixture still matches the DDL schema.rs declares for v001 and v002', () => {
  const declared = declaredMigrations();
  assert.deepEqual(Object.keys(declared), MIGRATION_NAMES, 'schema.rs migration names and order');
  const statements = fixtureStatements();
  assert.ok(statements.includes(declared.v001_global_settings), 'v001 DDL changed since the first release');
  assert.ok(statements.includes(declared.v002_board_settings), 'v002 DDL changed since the first release');
});

test('an upgrade from the first release (v001 + v002) keeps its rows and adds keep_ahead = 0', async (t) => {
  const { bed, boardA } = await startSeededBed(t, { install: false });
  for (const statement of fixtureStatements()) await bed.sql.query(statement);
  const v1Time = bed.clock.now() - 30 * 86400000;
  await bed.sql.query(
    'INSERT INTO global_settings (id, automation_enabled, default_time_zone, default_carry_over, log_retention_days, updated_at) VALUES (1, 0, ?, ?, 14, ?)',
    ['America/New_York', 'backlog', v1Time],
  );
  await bed.sql.query(
    'INSERT INTO board_settings (board_id, project_key, automate, auto_start, auto_close, carry_over, time_zone, start_time, close_time, working_days, holidays, changed_by, changed_at) '
    + 'VALUES (?, ?, 1, 0, 1, ?, ?, ?, NULL, ?, ?, ?, ?)',
    [boardA, 'PA', 'nextSprintCreate', 'Australia/Sydney', '08:30', 'MON,WED,FRI', '["2026-01-26","2026-04-03"]', USERS.adminOfA.accountId, v1Time],
  );
  assert.deepEqual((await bed.sql.tables()).sort(), ['__migrations', 'board_settings', 'global_settings']);

  const [{ result }] = await bed.runLifecycle('upgraded');
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(result.data.applied, MIGRATION_NAMES.slice(2), 'only the migrations after the first release run');
  await assertCurrentSchema(bed, 'after the upgrade');

  const global = await bed.sql.query('SELECT * FROM global_settings');
  assert.deepEqual(global, [{
    id: 1, automation_enabled: 0, default_time_zone: 'America/New_York', default_carry_over: 'backlog', log_retention_days: 14, updated_at: v1Time, jira_wall_until: null, jira_short_until: null,
  }], 'the seed does not overwrite the admins\' row');
  const board = await bed.sql.query('SELECT * FROM board_settings');
  assert.deepEqual(board, [{
    board_id: boardA, project_key: 'PA', automate: 1, auto_start: 0, auto_close: 1, carry_over: 'nextSprintCreate',
    time_zone: 'Australia/Sydney', start_time: '08:30', close_time: null, working_days: 'MON,WED,FRI',
    holidays: '["2026-01-26","2026-04-03"]', changed_by: USERS.adminOfA.accountId, changed_at: v1Time, keep_ahead: 0, name_template: null,
  }]);

  // And the app reads the upgraded rows as they were.
  const admin = { accountId: USERS.jiraAdmin.accountId };
  assert.deepEqual(assertOk(await bed.invokeResolver('getGlobalSettings', {}, admin)).settings, {
    automationEnabled: false, defaultTimeZone: 'America/New_York', defaultCarryOver: 'backlog', logRetentionDays: 14,
  });
  const view = assertOk(await bed.invokeResolver('getBoardSettings', { projectKey: 'PA', boardId: boardA }, { accountId: USERS.adminOfA.accountId }));
  assert.deepEqual(view, {
    boardId: boardA, name: 'Alpha scrum', type: 'scrum', hasSprints: true, configured: true, changedBy: USERS.adminOfA.accountId, changedAt: v1Time, nextAction: null,
    settings: {
      automate: true, autoStart: false, autoClose: true, carryOver: 'nextSprintCreate', timeZone: 'Australia/Sydney',
      startTime: '08:30', closeTime: null, workingDays: ['MON', 'WED', 'FRI'], holidays: ['2026-01-26', '2026-04-03'], keepAhead: 0, nameTemplate: null,
    },
  });
  assert.deepEqual(bed.egress.violations, []);
});

test('resolvers on a database without the schema answer SCHEMA_MISSING and create nothing', async (t) => {
  const { bed, boardA } = await startSeededBed(t, { install: false });
  const admin = { accountId: USERS.jiraAdmin.accountId };
  const calls = [
    ['getGlobalSettings', {}],
    ['updateGlobalSettings', { settings: validGlobalSettings() }],
    ['listBoards', { projectKey: 'PA' }],
    ['getBoardSettings', { projectKey: 'PA', boardId: boardA }],
    ['updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings: validBoardSettings() }],
  ];
  const before = await storageState(bed);
  assert.deepEqual(before.tables, []);
  for (const [key, payload] of calls) {
    const answer = await bed.invokeResolver(key, payload, admin);
    assertError(answer, 'SCHEMA_MISSING', 500, undefined, key);
  }
  const after = await storageState(bed);
  assert.deepEqual(after.tables, [], 'no table (not even __migrations) was created by a resolver');
  assert.equal(bed.sql.stats.ddl, 0, 'no DDL sent by a resolver');
  assert.equal(bed.sql.stats.writes, 0, 'no SQL write');
  // The only writes: one error entry per call saying the schema is missing (nothing else changed).
  const logged = Object.values(bed.kvs.dump().entities['app-log'] || {}).map((e) => (e.value || e));
  assert.deepEqual(logged.map((e) => [e.level, e.reason]), calls.map(() => ['error', 'SCHEMA_MISSING']));
  assert.equal(bed.kvs.stats.writes, calls.length);
  assert.deepEqual(bed.egress.violations, []);
});

test('SCHEMA_MISSING is reported on the console as a coded error', async (t) => {
  const { bed } = await startSeededBed(t, { install: false });
  const answer = await bed.invokeResolver('getGlobalSettings', {}, { accountId: USERS.jiraAdmin.accountId });
  assertError(answer, 'SCHEMA_MISSING', 500);
  const coded = bed.consoleEntries.filter((e) => e.text.includes('SCHEMA_MISSING'));
  assert.ok(coded.length >= 1, `no console line carries the code SCHEMA_MISSING; console: ${JSON.stringify(bed.consoleLines)}`);
  assert.ok(coded.some((e) => e.level === 'error' || /"level"\s*:\s*"error"/.test(e.text)), `the SCHEMA_MISSING line is not an error: ${JSON.stringify(coded)}`);
});

async function applyFirstRelease(bed) {
  for (const statement of fixtureStatements()) await bed.sql.query(statement);
}

test('an upgrade whose migration DDL fails can simply be re-run', async (t) => {
  const { bed } = await startSeededBed(t, { install: false });
  await applyFirstRelease(bed);
  bed.sql.injectFault({ match: /^ALTER TABLE board_settings/, times: 1, status: 500, code: 'UNKNOWN_ERROR', message: 'injected' });
  const [failed] = await bed.runLifecycle('upgraded');
  assert.equal(failed.result.ok, false);
  assert.ok(bed.consoleLines.some((l) => l.includes('MIGRATION_FAILED')), 'the failure is logged');
  const [retry] = await bed.runLifecycle('upgraded');
  assert.equal(retry.result.ok, true, JSON.stringify(retry.result));
  await assertCurrentSchema(bed, 'after the re-run');
});

test('an upgrade interrupted between a migration and its __migrations record can be re-run', async (t) => {
  // The runner executes a migration's DDL, then records its name. If the invocation dies (timeout,
  // transient SQL error) in between, the next run executes that DDL again: every migration must
  // therefore be safe to re-apply, or the app can never be upgraded again.
  const { bed } = await startSeededBed(t, { install: false });
  await applyFirstRelease(bed);
  bed.sql.injectFault({ match: /^INSERT INTO __migrations/, times: 1, status: 500, code: 'UNKNOWN_ERROR', message: 'injected' });
  const [failed] = await bed.runLifecycle('upgraded');
  assert.equal(failed.result.ok, false, 'the checkpoint fault fails the first upgrade');
  const columns = (await columnsOf(bed)).board_settings.map((c) => c[0]);
  assert.ok(columns.includes('keep_ahead'), 'v003 ran but was not recorded');

  const [retry] = await bed.runLifecycle('upgraded');
  assert.equal(retry.result.ok, true, `the re-run upgrade fails again: ${JSON.stringify(retry.result)}; console: ${bed.consoleLines.slice(-1)}`);
  await assertCurrentSchema(bed, 'after the re-run');
});
