'use strict';
// Forge SQL endpoint for the test bed, backed by a REAL MariaDB/MySQL through mysql2.
//
// @forge/sql 4.0.8 (out/sql.js) sends, through __forge_fetch__({type:'sql', provider:'app', remote:'sql'}):
//   POST /api/v1/execute       {query, params, method:'all'}   (sql.prepare(..).execute(), sql.executeRaw)
//   POST /api/v1/execute/ddl   {query, params, method:'all'}   (sql.executeDDL, the migrationRunner)
// and expects 200 {rows, metadata}: rows = array of row objects for reads, and for writes the
// UpdateQueryResponse {affectedRows, fieldCount, info, insertId, serverStatus, warningStatus}
// (mysql2's ResultSetHeader shape). Errors: non-2xx with {code, message, suggestion?, context?}, which
// the package turns into ForgeSQLAPIError; codes known to the package (out/errorCodes.js):
// UNKNOWN_ERROR, SQL_EXECUTION_ERROR, INVALID_SQL_QUERY, QUERY_TIMED_OUT, APP_NOT_ENABLED.
//
// Each backend creates its own throwaway database `forge_test_<pid>_<random>` and drops it on close().
// Databases of dead test processes (same prefix, pid not alive) are dropped when a new one is created.
//
//   const sql = await createSqlBackend({ host, port, user, password, now, strictDdl, statementTimeoutSec })
//   sql.handle(path, body) -> Promise<{status, body}>
//   sql.query(text, params) -> Promise<rows>      (direct, on the throwaway DB, NOT counted)
//   sql.database, sql.stats {statements, reads, writes, writeAttempts, ddl, errors}, sql.log [...]
//   sql.close()                                    (drops the database)
//
// Choices (GUESSES about the real service, documented so they can be changed):
// - The session follows the SIMULATED clock: `SET timestamp = now()/1000` before every statement, so
//   NOW()/CURRENT_TIMESTAMP/DEFAULT CURRENT_TIMESTAMP see simulated time; time_zone is UTC.
// - strictDdl (default true): DDL (CREATE/ALTER/DROP/TRUNCATE/RENAME) sent to /execute is refused with
//   INVALID_SQL_QUERY ("use executeDDL"); /execute/ddl accepts any statement (the migration runner
//   lists its table through it).
// - One statement per request (multipleStatements off), sql_mode close to TiDB's default, a 5 s
//   max_statement_time (Forge SQL's SELECT timeout; MariaDB applies it to every statement).
// - DATE/DATETIME/TIMESTAMP come back as strings 'YYYY-MM-DD HH:MM:SS' (dateStrings), BIGINT as number.
// - Error mapping: syntax (1064, 1149) and unknown table/column (1146, 1054, 1051, 1109) ->
//   INVALID_SQL_QUERY; statement timeout (1969, 3024) -> QUERY_TIMED_OUT; connection trouble -> 500
//   UNKNOWN_ERROR; anything else (duplicate key, NOT NULL, data too long...) -> SQL_EXECUTION_ERROR.
//   context carries {errno, sqlState, mysqlCode, sqlMessage} for the app's diagnostics.

const crypto = require('crypto');
const mysql = require('mysql2/promise');

const ENDPOINTS = { EXECUTE: '/api/v1/execute', EXECUTE_DDL: '/api/v1/execute/ddl' };
const TIDB_LIKE_SQL_MODE = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
const INVALID_ERRNOS = new Set([1064, 1149, 1146, 1054, 1051, 1109]);
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

function connectionConfig(opts = {}) {
  return {
    host: opts.host || process.env.MYSQL_HOST || '127.0.0.1',
    port: Number(opts.port || process.env.MYSQL_PORT || 3306),
    user: opts.user || process.env.MYSQL_USER || 'root',
    password: opts.password !== undefined ? opts.password : (process.env.MYSQL_PASSWORD || ''),
  };
}

/** first keyword of a statement, ignoring comments, whitespace and opening parentheses */
function statementKind(query) {
  const s = String(query)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|\n)\s*(--|#)[^\n]*/g, '\n')
    .replace(/^[\s(]+/, '');
  const kw = (s.match(/^[A-Za-z]+/) || [''])[0].toUpperCase();
  if (['INSERT', 'UPDATE', 'DELETE', 'REPLACE'].includes(kw)) return { kw, kind: 'write' };
  if (['CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'RENAME'].includes(kw)) return { kw, kind: 'ddl' };
  return { kw, kind: 'read' };
}

function mapError(e, endpoint) {
  const context = { errno: e.errno, sqlState: e.sqlState, mysqlCode: e.code, sqlMessage: e.sqlMessage, endpoint };
  if (e.errno && INVALID_ERRNOS.has(e.errno)) return [400, { code: 'INVALID_SQL_QUERY', message: e.sqlMessage || e.message, context }];
  if (e.errno && TIMEOUT_ERRNOS.has(e.errno)) return [504, { code: 'QUERY_TIMED_OUT', message: e.sqlMessage || e.message, context }];
  if (!e.errno || e.fatal) return [500, { code: 'UNKNOWN_ERROR', message: e.message, context }];
  return [400, { code: 'SQL_EXECUTION_ERROR', message: e.sqlMessage || e.message, context }];
}

async function dropStaleDatabases(admin, prefix) {
  const [rows] = await admin.query('SHOW DATABASES LIKE ?', [`${prefix}%`]);
  for (const r of rows) {
    const name = Object.values(r)[0];
    const m = /_(\d+)_[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try { process.kill(pid, 0); } catch (err) { alive = err.code === 'EPERM'; }
    if (!alive) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => {});
  }
}

async function createSqlBackend(opts = {}) {
  const cfg = connectionConfig(opts);
  const now = opts.now || (() => Date.now());
  const strictDdl = opts.strictDdl !== false;
  const statementTimeoutSec = opts.statementTimeoutSec === undefined ? 5 : opts.statementTimeoutSec;
  const prefix = opts.prefix || 'forge_test_';
  const database = `${prefix}${process.pid}_${crypto.randomBytes(4).toString('hex')}`;

  const admin = await mysql.createConnection(cfg);
  try {
    await dropStaleDatabases(admin, prefix);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }

  const pool = mysql.createPool({
    ...cfg, database, connectionLimit: opts.connectionLimit || 4, multipleStatements: false,
    dateStrings: true, supportBigNumbers: false, timezone: 'Z',
  });
  const setupErrors = [];
  pool.on('connection', (conn) => {
    // the pool's 'connection' event hands out the callback-style core connection; commands queue in order
    conn.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${TIDB_LIKE_SQL_MODE}'`, (err) => { if (err) setupErrors.push(err); });
    if (statementTimeoutSec) {
      // MariaDB only (MySQL would use max_execution_time for SELECTs); ignored where unsupported
      conn.query(`SET SESSION max_statement_time = ${Number(statementTimeoutSec)}`, () => {});
    }
  });

  const stats = { statements: 0, reads: 0, writes: 0, writeAttempts: 0, ddl: 0, errors: 0 };
  const log = [];
  const faults = [];
  let closed = false;

  async function runOnConnection(query, params) {
    const conn = await pool.getConnection();
    try {
      await conn.query('SET timestamp = ?', [Math.floor(now() / 1000)]);
      return params && params.length ? await conn.query(query, params) : await conn.query(query);
    } finally {
      conn.release();
    }
  }

  async function handle(path, body) {
    if (closed) return { status: 500, body: { code: 'APP_NOT_ENABLED', message: 'test-bed SQL backend is closed' } };
    if (path !== ENDPOINTS.EXECUTE && path !== ENDPOINTS.EXECUTE_DDL) {
      return { status: 404, body: { code: 'UNKNOWN_ERROR', message: `test-bed SQL: unknown endpoint ${path}` } };
    }
    const { query, params = [], method = 'all' } = body || {};
    const { kw, kind } = statementKind(query || '');
    const entry = { endpoint: path, query, params, method, kind, kw, at: now() };
    log.push(entry);
    stats.statements += 1;
    if (kind === 'read') stats.reads += 1; else stats.writeAttempts += 1;
    const fail = (status, b) => { stats.errors += 1; entry.status = status; entry.code = b.code; entry.error = b.message; return { status, body: b }; };

    const fi = faults.findIndex((f) => !f.match || f.match.test(query));
    if (fi >= 0) {
      const f = faults[fi];
      if (--f.times <= 0) faults.splice(fi, 1);
      return fail(f.status || 500, { code: f.code || 'UNKNOWN_ERROR', message: f.message || 'injected fault' });
    }
    if (typeof query !== 'string' || !query.trim()) return fail(400, { code: 'INVALID_SQL_QUERY', message: 'query is required' });
    if (!Array.isArray(params)) return fail(400, { code: 'INVALID_SQL_QUERY', message: 'params must be an array' });
    if (strictDdl && kind === 'ddl' && path === ENDPOINTS.EXECUTE) {
      return fail(400, { code: 'INVALID_SQL_QUERY', message: `${kw} statements must be sent with sql.executeDDL() (test-bed strictDdl)` });
    }
    const t0 = process.hrtime.bigint();
    try {
      const [result, fields] = await runOnConnection(query, params);
      let rows;
      if (Array.isArray(result)) {
        rows = result.map((r) => ({ ...r }));
      } else {
        rows = {
          affectedRows: result.affectedRows, fieldCount: result.fieldCount, info: result.info,
          insertId: result.insertId, serverStatus: result.serverStatus, warningStatus: result.warningStatus,
        };
        entry.affectedRows = result.affectedRows;
      }
      if (kind !== 'read') stats.writes += 1;
      if (kind === 'ddl') stats.ddl += 1;
      entry.status = 200;
      const metadata = {
        dbExecutionTime: Number(process.hrtime.bigint() - t0) / 1e6,
        ...(Array.isArray(fields) ? { fields: fields.map((f) => ({ name: f.name, type: f.columnType })) } : {}),
      };
      return { status: 200, body: { rows, metadata } };
    } catch (e) {
      const [status, b] = mapError(e, path);
      return fail(status, b);
    }
  }

  return {
    handle,
    database,
    stats,
    log,
    pool,
    setupErrors,
    /** run a statement directly on the throwaway DB (not counted, not logged); returns rows */
    async query(text, params) {
      const [rows] = params && params.length ? await pool.query(text, params) : await pool.query(text);
      return rows;
    },
    /** names of the tables in the throwaway DB */
    async tables() {
      const [rows] = await pool.query('SHOW TABLES');
      return rows.map((r) => Object.values(r)[0]).sort();
    },
    /** next statements whose text matches `match` (RegExp, default any) fail with {status, code, message} */
    injectFault({ match, times = 1, status = 500, code = 'UNKNOWN_ERROR', message } = {}) {
      faults.push({ match, times, status, code, message });
    },
    resetStats() {
      Object.assign(stats, { statements: 0, reads: 0, writes: 0, writeAttempts: 0, ddl: 0, errors: 0 });
      log.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => {});
      const a = await mysql.createConnection(cfg);
      try { await a.query(`DROP DATABASE IF EXISTS \`${database}\``); } finally { await a.end(); }
    },
  };
}

/** true if a database with that name exists (for tests of close()) */
async function databaseExists(name, opts = {}) {
  const a = await mysql.createConnection(connectionConfig(opts));
  try {
    const [rows] = await a.query('SHOW DATABASES LIKE ?', [name]);
    return rows.length > 0;
  } finally { await a.end(); }
}

module.exports = { createSqlBackend, databaseExists, statementKind, mapError, ENDPOINTS, connectionConfig };
