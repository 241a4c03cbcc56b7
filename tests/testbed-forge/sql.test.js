'use strict';
// Forge SQL endpoint of the test bed on a real MariaDB, driven through the REAL @forge/sql 4.0.8.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');
const { databaseExists } = require('../testbed/forge/sql');
const { FIXTURE_APP, forgeRequire } = require('./helpers');

test('DDL, parameterised queries, error mapping, counters, simulated NOW(); DB dropped on close', async () => {
  const bed = await startTestbed({ appRoot: FIXTURE_APP, jira: null, clockStart: '2026-03-02T10:00:00Z' });
  const dbName = bed.sql.database;
  try {
    assert.match(dbName, new RegExp(`^forge_test_${process.pid}_[0-9a-f]+$`));
    assert.ok(await databaseExists(dbName));
    const { sql, errorCodes, ForgeSQLAPIError } = forgeRequire('@forge/sql');

    await sql.executeDDL('CREATE TABLE cfg (board_id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)');
    const ins = await sql.prepare('INSERT INTO cfg (board_id, name) VALUES (?, ?), (?, ?)').bindParams(7, 'seven', 8, "o'eight").execute();
    assert.equal(ins.rows.affectedRows, 2);
    assert.deepEqual(Object.keys(ins.rows).sort(), ['affectedRows', 'fieldCount', 'info', 'insertId', 'serverStatus', 'warningStatus']);

    const sel = await sql.prepare('SELECT board_id, name, updated_at FROM cfg WHERE board_id >= ? ORDER BY board_id').bindParams(7).execute();
    assert.deepEqual(sel.rows, [
      { board_id: 7, name: 'seven', updated_at: '2026-03-02 10:00:00' },
      { board_id: 8, name: "o'eight", updated_at: '2026-03-02 10:00:00' },
    ]);
    bed.clock.advance(3600 * 1000);
    const now = await sql.executeRaw('SELECT NOW() AS n');
    assert.equal(now.rows[0].n, '2026-03-02 11:00:00', 'NOW() follows the simulated clock');

    // parse errors: SQL_EXECUTION_ERROR (sql-query-policy page, "Parse errors are returned as SQL_EXECUTION_ERROR");
    // this test asserted INVALID_SQL_QUERY before, a guess the documentation contradicts
    await assert.rejects(sql.executeRaw('SELEC nonsense'), (e) => e instanceof ForgeSQLAPIError && e.code === errorCodes.SQL_EXECUTION_ERROR && e.context.errno === 1064);
    await assert.rejects(sql.executeRaw('SELECT * FROM nope'), (e) => e.code === errorCodes.INVALID_SQL_QUERY && e.context.errno === 1146);
    // sql-handling-errors: "More details are present in the debug field" (reaches the app as context.debug)
    await assert.rejects(sql.executeRaw('SELECT * FROM nope'),
      (e) => e.context.debug.errno === 1146 && e.context.debug.sqlState === '42S02');
    await assert.rejects(sql.prepare('INSERT INTO cfg (board_id, name) VALUES (?, ?)').bindParams(7, 'dup').execute(),
      (e) => e.code === errorCodes.SQL_EXECUTION_ERROR && e.context.mysqlCode === 'ER_DUP_ENTRY');
    await assert.rejects(sql.executeRaw('CREATE TABLE t2 (id INT PRIMARY KEY)'), (e) => e.code === errorCodes.INVALID_SQL_QUERY && /executeDDL/.test(e.message));
    // more than one statement: SQL_POLICY_VIOLATION (sql-query-policy page); was INVALID_SQL_QUERY (a guess)
    await assert.rejects(sql.executeRaw('SELECT 1; SELECT 2'), (e) => e.code === 'SQL_POLICY_VIOLATION', 'one statement per request');

    // counters for "zero writes" assertions
    const w = bed.sql.stats.writes;
    await sql.executeRaw('SELECT COUNT(*) AS c FROM cfg');
    assert.equal(bed.sql.stats.writes, w);
    await sql.prepare('UPDATE cfg SET name = ? WHERE board_id = ?').bindParams('SEVEN', 7).execute();
    assert.equal(bed.sql.stats.writes, w + 1);
    assert.equal(bed.sql.log.at(-1).kind, 'write');
    assert.deepEqual(await bed.sql.query('SELECT name FROM cfg WHERE board_id = ?', [7]), [{ name: 'SEVEN' }]);

    bed.sql.injectFault({ match: /FROM cfg/, code: 'QUERY_TIMED_OUT', status: 504 });
    await assert.rejects(sql.executeRaw('SELECT * FROM cfg'), (e) => e.code === 'QUERY_TIMED_OUT');
  } finally {
    await bed.close();
  }
  assert.equal(await databaseExists(dbName), false, 'throwaway DB dropped on close');
});

test('migrationRunner through the lifecycle trigger: run twice, idempotent', async () => {
  const bed = await startTestbed({ appRoot: FIXTURE_APP, jira: null });
  try {
    const [first] = await bed.runLifecycle('installed');
    assert.deepEqual(first.result.ran, ['v001_create_runs', 'v002_add_note']);
    const ddlAfterFirst = bed.sql.stats.ddl;
    const [second] = await bed.runLifecycle('upgraded');
    assert.deepEqual(second.result.ran, []);
    assert.equal(bed.sql.stats.ddl, ddlAfterFirst + 1, 'second run only re-issues CREATE TABLE IF NOT EXISTS __migrations');
    assert.deepEqual(await bed.sql.tables(), ['__migrations', 'runs']);
    const { migrationRunner } = forgeRequire('@forge/sql');
    assert.deepEqual((await migrationRunner.list()).map((m) => m.name), ['v001_create_runs', 'v002_add_note']);
    // a resolver writing with a parameterised INSERT, and a denied one writing nothing
    const writes = bed.sql.stats.writes;
    assert.deepEqual(await bed.invokeResolver('save-run', { boardId: 3, note: 'n' }), { denied: true });
    assert.equal(bed.sql.stats.writes, writes);
    const { insertId } = await bed.invokeResolver('save-run', { boardId: 3, note: 'n' }, { accountId: 'acc-1' });
    assert.equal(insertId, 1);
    assert.equal(bed.sql.stats.writes, writes + 1);
  } finally {
    await bed.close();
  }
});

// ---- Forge SQL limits and query policy, one test per documented rule (see the header of forge/sql.js) ----

const { DEFAULT_LIMITS } = require('../testbed/forge/sql');
const LIMITS_SQL = 'https://developer.atlassian.com/platform/forge/limits-sql';

/** a bed with SQL on; returns {bed, sql, errorCodes} and closes it after fn */
async function withSql(options, fn) {
  const bed = await startTestbed({ appRoot: FIXTURE_APP, jira: null, ...options });
  try {
    const pkg = forgeRequire('@forge/sql');
    return await fn({ bed, ...pkg });
  } finally {
    await bed.close();
  }
}
const rejectsWith = (promise, code, status, extra = () => true) => assert.rejects(promise, (e) => {
  assert.equal(e.code, code, `${e.code}: ${e.message}`);
  if (status) assert.equal(e.responseDetails.status, status);
  return extra(e) !== false;
});

test('rule A1 one statement per request: more than one -> 400 SQL_POLICY_VIOLATION with a suggestion', () => withSql({}, async ({ sql, ForgeSQLAPIError }) => {
  await rejectsWith(sql.executeRaw('SELECT 1; SELECT 2'), 'SQL_POLICY_VIOLATION', 400, (e) => {
    assert.ok(e instanceof ForgeSQLAPIError);
    assert.equal(e.context.rule, 'MULTIPLE_STATEMENTS');
    assert.match(e.suggestion, /own/);
  });
  await rejectsWith(sql.executeDDL('CREATE TABLE a (id INT); DROP TABLE a'), 'SQL_POLICY_VIOLATION', 400);
  // one statement with a trailing ';', or a ';' inside a string or a comment, is one statement
  assert.deepEqual((await sql.executeRaw('SELECT 1 AS x;')).rows, [{ x: 1 }]);
  assert.deepEqual((await sql.executeRaw("SELECT 'a;b' AS x -- ; SELECT 2")).rows, [{ x: 'a;b' }]);
  // empty: rejected like a parse error (SQL_EXECUTION_ERROR)
  await rejectsWith(sql.executeRaw('  '), 'SQL_EXECUTION_ERROR', 400);
}));

test('rule A2 foreign keys refused in CREATE/ALTER TABLE (SQL_EXECUTION_ERROR); JOIN still works', () => withSql({}, async ({ bed, sql }) => {
  await sql.executeDDL('CREATE TABLE parent (id INT PRIMARY KEY)');
  for (const ddl of [
    'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent(id))',
    'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT REFERENCES parent(id))',
    'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent(id) ON DELETE CASCADE)',
  ]) {
    await rejectsWith(sql.executeDDL(ddl), 'SQL_EXECUTION_ERROR', 400, (e) => {
      assert.equal(e.context.rule, 'FOREIGN_KEY');
      assert.equal(e.context.doc, LIMITS_SQL);
      assert.ok(e.suggestion);
    });
  }
  assert.deepEqual(await bed.sql.tables(), ['parent'], 'nothing created');
  await sql.executeDDL('CREATE TABLE child (id INT PRIMARY KEY, parent_id INT)');
  await rejectsWith(sql.executeDDL('ALTER TABLE child ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent(id)'), 'SQL_EXECUTION_ERROR', 400);
  // the word inside a string is not a foreign key
  await sql.executeDDL("ALTER TABLE child ADD COLUMN note VARCHAR(40) DEFAULT 'REFERENCES / FOREIGN KEY'");
  await sql.executeRaw('INSERT INTO parent (id) VALUES (1)');
  await sql.executeRaw('INSERT INTO child (id, parent_id) VALUES (10, 1)');
  const j = await sql.executeRaw('SELECT c.id, p.id AS pid FROM child c JOIN parent p ON p.id = c.parent_id');
  assert.deepEqual(j.rows, [{ id: 10, pid: 1 }]);
}));

test('rule A3 statement timeouts by kind: SELECT 5 s, INSERT/UPDATE/DELETE 10 s, DDL 20 s', async () => {
  assert.deepEqual([DEFAULT_LIMITS.selectTimeoutSec, DEFAULT_LIMITS.dmlTimeoutSec, DEFAULT_LIMITS.ddlTimeoutSec], [5, 10, 20]);
  await withSql({}, async ({ sql }) => {
    // each statement runs with MariaDB's max_statement_time of its kind
    assert.equal(Number((await sql.executeRaw('SELECT @@max_statement_time AS t')).rows[0].t), 5);
    await sql.executeDDL('CREATE TABLE seen AS SELECT @@max_statement_time AS t');
    assert.equal(Number((await sql.executeRaw('SELECT t FROM seen')).rows[0].t), 20);
    await sql.executeRaw('INSERT INTO seen (t) SELECT @@max_statement_time');
    await sql.executeRaw('UPDATE seen SET t = @@max_statement_time + 0 WHERE t = 20');
    assert.deepEqual((await sql.executeRaw('SELECT t FROM seen ORDER BY t')).rows.map((r) => Number(r.t)), [10, 10]);
    await sql.executeRaw('DELETE FROM seen WHERE @@max_statement_time = 10');
    assert.deepEqual((await sql.executeRaw('SELECT COUNT(*) AS n FROM seen')).rows, [{ n: 0 }]);
  });
  // a real timeout of a write (limits.dmlTimeoutSec lowered to 1 s so the test is quick)
  await withSql({ sql: { limits: { dmlTimeoutSec: 1 } } }, async ({ sql }) => {
    await sql.executeDDL('CREATE TABLE slow (id INT PRIMARY KEY, v INT)');
    await sql.executeRaw('INSERT INTO slow VALUES (1, 0)');
    const t0 = Date.now();
    await rejectsWith(sql.executeRaw('UPDATE slow SET v = SLEEP(2) WHERE id = 1'), 'QUERY_TIMED_OUT', 504, (e) => assert.equal(e.context.timeoutSec, 1));
    assert.ok(Date.now() - t0 < 1900, 'stopped after ~1 s');
    assert.deepEqual((await sql.executeRaw('SELECT SLEEP(1.2) AS s')).rows, [{ s: 0 }], 'a SELECT keeps its 5 s');
  });
});

test('rule A3b selectTimeoutSec: 2 (the error page: QUERY_TIMED_OUT = "more than 2 seconds")', () => withSql({ sql: { selectTimeoutSec: 2 } }, async ({ bed, sql }) => {
  assert.equal(bed.sql.limits.selectTimeoutSec, 2);
  assert.deepEqual((await sql.executeRaw('SELECT SLEEP(1) AS s')).rows, [{ s: 0 }]);
  const t0 = performance.now();
  await rejectsWith(sql.executeRaw('SELECT SLEEP(3) AS s'), 'QUERY_TIMED_OUT', 504, (e) => assert.equal(e.context.timeoutSec, 2));
  const ms = performance.now() - t0;
  assert.ok(ms >= 1900 && ms < 2900, `timed out after ${ms} ms`);
}));

test('rule A4 request size 1 MiB (413 REQUEST_SIZE_EXCEEDED) and response size 4 MiB (RESPONSE_SIZE_EXCEEDED)', () => withSql({}, async ({ bed, sql }) => {
  assert.equal(DEFAULT_LIMITS.requestBytes, 1024 * 1024);
  assert.equal(DEFAULT_LIMITS.responseBytes, 4 * 1024 * 1024);
  await sql.executeDDL('CREATE TABLE big (id INT PRIMARY KEY AUTO_INCREMENT, v LONGTEXT)');
  // request = JSON {query, params, method}: a parameter of 1 MiB is too much, one of 1 MiB - 1 KiB is fine
  await rejectsWith(sql.prepare('INSERT INTO big (v) VALUES (?)').bindParams('x'.repeat(1024 * 1024)).execute(), 'REQUEST_SIZE_EXCEEDED', 413,
    (e) => assert.ok(e.context.requestBytes > 1024 * 1024));
  await rejectsWith(sql.executeRaw(`SELECT '${'y'.repeat(1024 * 1024)}' AS v`), 'REQUEST_SIZE_EXCEEDED', 413);
  assert.equal(bed.sql.stats.writes, 1, 'nothing written by the refused INSERT (1 = the CREATE)');
  await sql.prepare('INSERT INTO big (v) VALUES (?)').bindParams('x'.repeat(1024 * 1023)).execute();
  // response: five rows of 1,000,000 characters (written by small requests) are more than 4 MiB
  for (let i = 0; i < 4; i++) await sql.executeRaw("INSERT INTO big (v) VALUES (REPEAT('z', 1000000))");
  await rejectsWith(sql.executeRaw('SELECT id, v FROM big'), 'RESPONSE_SIZE_EXCEEDED', 400, (e) => assert.ok(e.context.responseBytes > 4 * 1024 * 1024));
  const four = await sql.executeRaw('SELECT id, v FROM big WHERE id > 1');
  assert.equal(four.rows.length, 4, '4,000,000 characters fit');
}));

test('rule A5 at most 200 tables: the 201st CREATE TABLE -> TABLE_LIMIT_EXCEEDED', () => withSql({}, async ({ bed, sql }) => {
  assert.equal(DEFAULT_LIMITS.maxTables, 200);
  for (let i = 0; i < 200; i++) await sql.executeDDL(`CREATE TABLE t${String(i).padStart(3, '0')} (id INT PRIMARY KEY)`);
  assert.equal((await bed.sql.tables()).length, 200);
  await rejectsWith(sql.executeDDL('CREATE TABLE one_too_many (id INT PRIMARY KEY)'), 'TABLE_LIMIT_EXCEEDED', 400, (e) => {
    assert.equal(e.context.tables, 200);
    assert.equal(e.context.limit, 200);
  });
  await rejectsWith(sql.executeDDL('CREATE TABLE copy_of AS SELECT * FROM t000'), 'TABLE_LIMIT_EXCEEDED', 400);
  // re-creating an existing table is not a new table (the migration runner's CREATE TABLE IF NOT EXISTS)
  await sql.executeDDL('CREATE TABLE IF NOT EXISTS t000 (id INT PRIMARY KEY)');
  await sql.executeDDL('DROP TABLE t199');
  await sql.executeDDL('CREATE TABLE one_more (id INT PRIMARY KEY)');
  assert.equal((await bed.sql.tables()).length, 200);
}));

test('rule A6 query policy: SET, SHOW, USE, PREPARE/EXECUTE, optimizer hints, other schemas -> 400 SQL_POLICY_VIOLATION + suggestion', () => withSql({ clockStart: '2026-03-02T10:00:00Z' }, async ({ bed, sql }) => {
  await sql.executeDDL('CREATE TABLE cfg (id INT PRIMARY KEY, name VARCHAR(20))');
  await sql.executeRaw("INSERT INTO cfg VALUES (1, 'one')");
  const refused = [
    ['SET', "SET sql_mode = ''"], ['SET', 'SET autocommit = 0'], ['SET', 'SET GLOBAL max_connections = 1'], ['SET', 'SET NAMES utf8mb4'],
    ['SET', 'SET @a = 1, max_statement_time = 0'], ['SET', 'SET STATEMENT max_statement_time = 0 FOR SELECT 1'], ['SET', 'SET @@session.time_zone = "+01:00"'],
    ['SHOW', 'SHOW DATABASES'], ['SHOW', 'SHOW VARIABLES'], ['SHOW', 'SHOW PROCESSLIST'], ['SHOW', 'SHOW CREATE TABLE cfg'], ['SHOW', 'SHOW GRANTS'],
    ['USE', 'USE mysql'],
    ['PREPARE', "PREPARE s FROM 'SELECT 1'"], ['PREPARE', 'EXECUTE s'], ['PREPARE', 'DEALLOCATE PREPARE s'], ['PREPARE', 'EXECUTE IMMEDIATE "SELECT 1"'],
    ['OPTIMIZER_HINT', 'SELECT /*+ MAX_EXECUTION_TIME(100000) */ * FROM cfg'], ['OPTIMIZER_HINT', 'SELECT /*+ USE_INDEX(cfg, PRIMARY) SET_VAR(sql_mode="") */ * FROM cfg'],
    ['CROSS_SCHEMA', 'SELECT * FROM other_app_installation.users'], ['CROSS_SCHEMA', 'SELECT * FROM cfg c JOIN `other`.`t` o ON o.id = c.id'],
    ['CROSS_SCHEMA', 'INSERT INTO other.t (id) VALUES (1)'], ['CROSS_SCHEMA', 'UPDATE other.t SET v = 1'], ['CROSS_SCHEMA', 'DELETE FROM other.t'],
    ['CROSS_SCHEMA', 'SELECT other.t.id FROM cfg'], ['CROSS_SCHEMA', 'SELECT * FROM performance_schema.threads'], ['CROSS_SCHEMA', 'SHOW TABLES FROM mysqlx'],
  ];
  for (const [rule, q] of refused) {
    await assert.rejects(sql.executeRaw(q), (e) => {
      assert.equal(e.code, 'SQL_POLICY_VIOLATION', `${q}: ${e.code} ${e.message}`);
      assert.equal(e.responseDetails.status, 400);
      assert.equal(e.context.rule, rule, q);
      assert.ok(typeof e.suggestion === 'string' && e.suggestion.length > 10, `suggestion for ${q}`);
      assert.match(e.context.doc, /sql-query-policy/);
      return true;
    }, q);
  }
  await rejectsWith(sql.executeDDL('CREATE TABLE other.t (id INT)'), 'SQL_POLICY_VIOLATION', 400); // DDL is inspected too
  const policyErrors = bed.sql.log.filter((l) => l.code === 'SQL_POLICY_VIOLATION').length;
  assert.equal(policyErrors, refused.length + 1);

  // permitted
  const ok = [
    'SET @v = 1', 'SET @a := 2, @b = (SELECT COUNT(*) FROM cfg)', 'SHOW TABLES', 'SHOW FULL TABLES', 'SHOW COLUMNS FROM cfg', 'SHOW INDEXES FROM cfg',
    'SHOW KEYS FROM cfg', 'SHOW INDEX FROM cfg', 'SELECT /*+ USE_INDEX(cfg, PRIMARY) HASH_JOIN(a, b) */ * FROM cfg', `SELECT * FROM \`${bed.sql.database}\`.cfg`,
    `SHOW COLUMNS FROM cfg FROM \`${bed.sql.database}\``,
    'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()', 'SELECT COUNT(*) AS n FROM mysql.time_zone_name',
    'SELECT c.id, c.name FROM cfg c, cfg d WHERE c.id = d.id', 'SELECT EXTRACT(YEAR FROM c.name) FROM cfg c WHERE 1 = 0',
    "INSERT INTO cfg (id, name) VALUES (2, 'two') ON DUPLICATE KEY UPDATE name = 'x'",
  ];
  for (const q of ok) await sql.executeRaw(q);
  // the bed's own session statements are not app statements: the simulated clock still reaches NOW()
  assert.equal((await sql.executeRaw('SELECT NOW() AS n')).rows[0].n, '2026-03-02 10:00:00');
  assert.equal((await sql.executeRaw("SELECT @@time_zone AS tz")).rows[0].tz, '+00:00');
}));

test('rule A7 DDL only through executeDDL (strictDdl): DDL on /execute -> INVALID_SQL_QUERY', () => withSql({}, async ({ sql }) => {
  for (const q of ['CREATE TABLE t2 (id INT PRIMARY KEY)', 'DROP TABLE IF EXISTS t2', 'TRUNCATE TABLE t2', 'ALTER TABLE t2 ADD COLUMN x INT', 'RENAME TABLE a TO b']) {
    await rejectsWith(sql.executeRaw(q), 'INVALID_SQL_QUERY', 400, (e) => assert.match(e.message, /executeDDL/));
  }
  await sql.executeDDL('CREATE TABLE t2 (id INT PRIMARY KEY)');
}));

test('rule A8 rates: off by default with peaks in stats; rateLimits: true -> 429 RATE_LIMIT_EXCEEDED (150 DML/s, 25 DDL/min, 62.5 s query time/min)', async () => {
  assert.deepEqual([DEFAULT_LIMITS.dmlRequestsPerSecond, DEFAULT_LIMITS.ddlRequestsPerMinute, DEFAULT_LIMITS.queryMsPerMinute], [150, 25, 62500]);
  let t = 1e6; // a frozen real-time clock for the rate windows
  const rateNow = () => t;
  // default: nothing refused, the peaks are recorded
  await withSql({ sql: { rateNow } }, async ({ bed, sql }) => {
    for (let i = 0; i < 30; i++) await sql.executeDDL(`CREATE TABLE IF NOT EXISTS r${i % 3} (id INT)`);
    for (let i = 0; i < 160; i++) await sql.executeRaw('SELECT 1');
    assert.equal(bed.sql.stats.peakDdlPerMinute, 30);
    assert.equal(bed.sql.stats.peakDmlPerSecond, 160);
    assert.ok(bed.sql.stats.peakQueryMsPerMinute > 0);
    assert.equal(bed.sql.stats.rateLimited, 0);
  });
  // opt-in
  await withSql({ rateLimits: true, sql: { rateNow } }, async ({ bed, sql }) => {
    for (let i = 0; i < 25; i++) await sql.executeDDL(`CREATE TABLE IF NOT EXISTS r${i % 3} (id INT)`);
    await rejectsWith(sql.executeDDL('CREATE TABLE IF NOT EXISTS r0 (id INT)'), 'RATE_LIMIT_EXCEEDED', 429, (e) => {
      assert.equal(e.context.limit, 'DDL_REQUESTS_PER_MINUTE');
      assert.ok(e.suggestion);
    });
    for (let i = 0; i < 150; i++) await sql.executeRaw('SELECT 1');
    await rejectsWith(sql.executeRaw('SELECT 1'), 'RATE_LIMIT_EXCEEDED', 429, (e) => assert.equal(e.context.limit, 'DML_REQUESTS_PER_SECOND'));
    t += 1000;
    await sql.executeRaw('SELECT 1');
    await rejectsWith(sql.executeDDL('CREATE TABLE IF NOT EXISTS r0 (id INT)'), 'RATE_LIMIT_EXCEEDED', 429, undefined, 'still within the minute');
    t += 60000;
    await sql.executeDDL('CREATE TABLE IF NOT EXISTS r0 (id INT)');
    assert.equal(bed.sql.stats.rateLimited, 3);
    assert.equal(bed.sql.stats.peakDmlPerSecond, 150);
    assert.equal(bed.sql.stats.peakDdlPerMinute, 25);
  });
  // query time per minute (limit lowered to 300 ms so the test is quick)
  await withSql({ rateLimits: true, sql: { rateNow, limits: { queryMsPerMinute: 300 } } }, async ({ sql }) => {
    await sql.executeRaw('SELECT SLEEP(0.2)');
    await sql.executeRaw('SELECT SLEEP(0.2)');
    await rejectsWith(sql.executeRaw('SELECT 1'), 'RATE_LIMIT_EXCEEDED', 429, (e) => assert.equal(e.context.limit, 'QUERY_TIME_PER_MINUTE'));
    t += 60000;
    await sql.executeRaw('SELECT 1');
  });
});

test('error body shape {code, message, suggestion?, context?}; queryPolicy: false switches the policy off', async () => {
  await withSql({}, async ({ bed, sql, ForgeSQLAPIError }) => {
    const res = await bed.sql.handle('/api/v1/execute', { query: 'USE mysql', params: [], method: 'all' });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'context', 'message', 'suggestion']);
    await assert.rejects(sql.executeRaw('USE mysql'), (e) => e instanceof ForgeSQLAPIError && e.context.rule === 'USE' && e.suggestion === res.body.suggestion);
    const limit = await bed.sql.handle('/api/v1/execute', { query: `SELECT '${'x'.repeat(1024 * 1024)}'`, params: [], method: 'all' });
    assert.deepEqual([limit.status, Object.keys(limit.body).sort()], [413, ['code', 'context', 'message', 'suggestion']]);
  });
  await withSql({ sql: { queryPolicy: false } }, async ({ sql }) => {
    assert.equal((await sql.executeRaw('SHOW VARIABLES LIKE "max_statement_time"')).rows.length, 1);
  });
});
