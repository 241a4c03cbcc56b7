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

    await assert.rejects(sql.executeRaw('SELEC nonsense'), (e) => e instanceof ForgeSQLAPIError && e.code === errorCodes.INVALID_SQL_QUERY);
    await assert.rejects(sql.executeRaw('SELECT * FROM nope'), (e) => e.code === errorCodes.INVALID_SQL_QUERY && e.context.errno === 1146);
    await assert.rejects(sql.prepare('INSERT INTO cfg (board_id, name) VALUES (?, ?)').bindParams(7, 'dup').execute(),
      (e) => e.code === errorCodes.SQL_EXECUTION_ERROR && e.context.mysqlCode === 'ER_DUP_ENTRY');
    await assert.rejects(sql.executeRaw('CREATE TABLE t2 (id INT PRIMARY KEY)'), (e) => e.code === errorCodes.INVALID_SQL_QUERY && /executeDDL/.test(e.message));
    await assert.rejects(sql.executeRaw('SELECT 1; SELECT 2'), (e) => e.code === errorCodes.INVALID_SQL_QUERY, 'one statement per request');

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
