'use strict';
// Forge SQL endpoint for the test bed, backed by a REAL MariaDB/MySQL through mysql2.
//
// @forge/sql 4.0.8 (out/sql.js) sends, through __forge_fetch__({type:'sql', provider:'app', remote:'sql'}):
//   POST /api/v1/execute       {query, params, method:'all'}   (sql.prepare(..).execute(), sql.executeRaw)
//   POST /api/v1/execute/ddl   {query, params, method:'all'}   (sql.executeDDL, the migrationRunner)
// and expects 200 {rows, metadata}: rows = array of row objects for reads, and for writes the
// UpdateQueryResponse {affectedRows, fieldCount, info, insertId, serverStatus, warningStatus}
// (mysql2's ResultSetHeader shape). Errors: non-2xx with {code, message, suggestion?, context?}, which
// the package turns into ForgeSQLAPIError (out/utils/error-handling.js: any body with `code` and
// `message` is passed through as is, so codes the package has no constant for, such as
// SQL_POLICY_VIOLATION, reach the app unchanged; other keys of the body land in `context`).
// Codes known to the package (out/errorCodes.js): UNKNOWN_ERROR, SQL_EXECUTION_ERROR,
// INVALID_SQL_QUERY, QUERY_TIMED_OUT, APP_NOT_ENABLED.
//
// Each backend creates its own throwaway database `forge_test_<pid>_<random>` and drops it on close().
// Databases of dead test processes (same prefix, pid not alive) are dropped when a new one is created.
//
//   const sql = await createSqlBackend({ host, port, user, password, now, strictDdl, queryPolicy,
//                                        selectTimeoutSec, statementTimeoutSec, rateLimits, rateNow, limits })
//   sql.handle(path, body) -> Promise<{status, body}>
//   sql.query(text, params) -> Promise<rows>      (direct, on the throwaway DB, NOT counted, no policy)
//   sql.database, sql.limits, sql.stats {statements, reads, writes, writeAttempts, ddl, errors,
//     peakDmlPerSecond, peakDdlPerMinute, peakQueryMsPerMinute, rateLimited}, sql.log [...]
//   sql.close()                                    (drops the database)
//
// What the service refuses, from Atlassian's documentation (the limits are in DEFAULT_LIMITS below):
// - https://developer.atlassian.com/platform/forge/limits-sql : foreign keys not supported; one
//   statement per query; SELECT 5 s, INSERT/UPDATE/DELETE 10 s, DDL 20 s per-connection timeouts;
//   request 1 MiB; response 4 MiB; 200 tables; 150 DML requests/s; 25 DDL requests/min;
//   62.5 s of query time per minute. (Row size 6 MiB and memory 16 MiB per query: NOT enforced.)
// - https://developer.atlassian.com/platform/forge/storage-reference/sql-query-policy/ : rejected with
//   SQL_POLICY_VIOLATION (+ `suggestion`) before execution: more than one statement, SET other than
//   `SET @var = ...`, SHOW other than TABLES/COLUMNS/INDEXES(KEYS), USE, SQL-level
//   PREPARE/EXECUTE/DEALLOCATE, optimizer hints other than the listed ones, names in another schema
//   than the installation's own (INFORMATION_SCHEMA and MYSQL allowed). Parse errors and empty queries
//   are SQL_EXECUTION_ERROR ("mirror the native TiDB ER_PARSE_ERROR shape").
// - https://developer.atlassian.com/platform/forge/storage-reference/sql-handling-errors : the
//   QUERY_TIMED_OUT entry says "more than 2 seconds" (conflicts with the 5 s of limits-sql): default
//   5 s, `selectTimeoutSec: 2` gives the other reading.
//
// Choices where the docs are silent (GUESSES, documented so they can be changed):
// - Codes/statuses of the limit refusals: 413 REQUEST_SIZE_EXCEEDED, 400 RESPONSE_SIZE_EXCEEDED,
//   400 TABLE_LIMIT_EXCEEDED, 429 RATE_LIMIT_EXCEEDED (context.limit names which), foreign keys
//   400 SQL_EXECUTION_ERROR (a documented code; the docs only say "not supported"), policy 400.
// - Rates are NOT enforced unless `rateLimits: true` (the bed compresses time: a test that runs a week
//   of ticks in seconds would trip them). They are measured in REAL time (performance.now, or
//   `rateNow`), and the peaks are always recorded in `stats`.
// - The session follows the SIMULATED clock: `SET timestamp = now()/1000` before every statement, so
//   NOW()/CURRENT_TIMESTAMP/DEFAULT CURRENT_TIMESTAMP see simulated time; time_zone is UTC. The bed's
//   own session statements (this SET, time_zone, sql_mode, max_statement_time) are not app
//   statements: the query policy does not apply to them.
// - strictDdl (default true): DDL (CREATE/ALTER/DROP/TRUNCATE/RENAME) sent to /execute is refused with
//   INVALID_SQL_QUERY ("use executeDDL"); /execute/ddl accepts any statement (the migration runner
//   lists its table through it).
// - Statement timeouts are MariaDB's max_statement_time, set per statement by its kind (SELECT and
//   other reads: select timeout; INSERT/UPDATE/DELETE/REPLACE: DML; CREATE/ALTER/DROP/TRUNCATE/RENAME:
//   DDL). On MySQL (no max_statement_time) no timeout applies.
// - sql_mode close to TiDB's default. DATE/DATETIME/TIMESTAMP come back as strings
//   'YYYY-MM-DD HH:MM:SS' (dateStrings), BIGINT as number.
// - Error mapping: syntax (1064, 1149) and empty query -> SQL_EXECUTION_ERROR (query policy page;
//   `parseErrorCode` to change it); unknown table/column (1146, 1054, 1051, 1109) -> INVALID_SQL_QUERY
//   (GUESS); statement timeout (1969, 3024) -> 504 QUERY_TIMED_OUT; connection trouble -> 500
//   UNKNOWN_ERROR; anything else (duplicate key, NOT NULL, data too long...) -> SQL_EXECUTION_ERROR.
//   context carries {errno, sqlState, mysqlCode, sqlMessage} for the app's diagnostics, and `debug`
//   the database's errno/sqlState/code/message (what the service puts in its documented debug field is
//   a GUESS). `errorDetails: 'none'` (the alt profile) reads the page the other way: no details at all,
//   only the code and the database's message.
// - SLEEP/BENCHMARK/COMPRESS... are "audited" by the policy page ("may be rejected"): allowed here.

const crypto = require('crypto');
const mysql = require('mysql2/promise');

const MiB = 1024 * 1024;
/**
 * Every limit of the endpoint, in one place. Override any with createSqlBackend({limits: {...}}).
 */
const DEFAULT_LIMITS = {
  // https://developer.atlassian.com/platform/forge/limits-sql ("Per-connection timeout for SELECT
  // queries | 5 seconds"). https://developer.atlassian.com/platform/forge/storage-reference/sql-handling-errors
  // says 2 s for QUERY_TIMED_OUT: option selectTimeoutSec: 2.
  selectTimeoutSec: 5,
  // limits-sql: "Per-connection timeout for INSERT, UPDATE, and DELETE queries | 10 seconds"
  dmlTimeoutSec: 10,
  // limits-sql: "Per-connection query timeoutfor DDL queries | 20 seconds"
  ddlTimeoutSec: 20,
  // limits-sql: "Request size | 1 MiB" (the JSON body {query, params, method})
  requestBytes: 1 * MiB,
  // limits-sql: "Response size | 4 MiB" (the JSON body {rows, metadata})
  responseBytes: 4 * MiB,
  // limits-sql: "Number of tables | 200"
  maxTables: 200,
  // limits-sql: "Foreign keys are not supported."
  refuseForeignKeys: true,
  // limits-sql: "DML Requests per second (RPS) | 150"   (enforced only with rateLimits: true)
  dmlRequestsPerSecond: 150,
  // limits-sql: "DDL Requests per minute (RPM) | 25"    (enforced only with rateLimits: true)
  ddlRequestsPerMinute: 25,
  // limits-sql: "Query time per minute (s/minute) | 62.5 seconds" (enforced only with rateLimits: true)
  queryMsPerMinute: 62500,
  // https://developer.atlassian.com/platform/forge/storage-reference/sql-query-policy/ "Optimizer hints"
  allowedHints: ['USE_INDEX', 'IGNORE_INDEX', 'FORCE_INDEX', 'ORDER_INDEX', 'NO_ORDER_INDEX', 'HASH_JOIN', 'MERGE_JOIN',
    'INL_JOIN', 'INL_HASH_JOIN', 'INL_MERGE_JOIN', 'BKA', 'NO_BKA', 'BNL', 'NO_BNL'],
  // sql-query-policy "SHOW statements": SHOW TABLES, SHOW COLUMNS, SHOW INDEXES (also SHOW KEYS).
  // FIELDS and INDEX are MySQL's synonyms of COLUMNS and INDEXES (same statement), FULL a modifier.
  allowedShow: ['TABLES', 'COLUMNS', 'FIELDS', 'INDEXES', 'INDEX', 'KEYS'],
  // sql-query-policy: "References to the INFORMATION_SCHEMA and MYSQL system schemas are permitted."
  allowedSchemas: ['information_schema', 'mysql'],
};

const ENDPOINTS = { EXECUTE: '/api/v1/execute', EXECUTE_DDL: '/api/v1/execute/ddl' };
const TIDB_LIKE_SQL_MODE = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
const PARSE_ERRNOS = new Set([1064, 1149]);
const INVALID_ERRNOS = new Set([1146, 1054, 1051, 1109]);
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

// ---------------------------------------------------------------------------------------------
// A small SQL tokenizer, enough for the query policy: strings, quoted identifiers, comments,
// optimizer hints, user and system variables. Not a parser: it errs on the side of letting a query
// through (MariaDB then decides), never on refusing a valid one.

const WORD_RE = /^[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*/;

/** -> {tokens: [{t, v, u?}], hints: [text]}; t: word | qid | str | num | var | sysvar | param | punct */
function tokenize(sql) {
  const tokens = [];
  const hints = [];
  const s = String(sql);
  let i = 0;
  let execComment = 0; // inside /*! ... */ (MariaDB executes it)
  const readQuoted = (q) => {
    let j = i + 1;
    let out = '';
    while (j < s.length) {
      const c = s[j];
      if (c === '\\' && q !== '`') { out += s[j + 1] || ''; j += 2; continue; }
      if (c === q) {
        if (s[j + 1] === q) { out += q; j += 2; continue; }
        return [out, j + 1];
      }
      out += c; j += 1;
    }
    return [out, j]; // unterminated: MariaDB reports the parse error
  };
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === '#' || (c === '-' && s[i + 1] === '-' && (i + 2 >= s.length || /\s/.test(s[i + 2])))) {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl + 1;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const close = s.indexOf('*/', i + 2);
      if (s[i + 2] === '!') { // executable comment: tokenize its content
        execComment += 1;
        i += 3;
        while (/\d/.test(s[i] || '')) i += 1;
        continue;
      }
      const text = s.slice(i + 2, close < 0 ? s.length : close);
      if (text.startsWith('+')) hints.push(text.slice(1));
      i = close < 0 ? s.length : close + 2;
      continue;
    }
    if (c === '*' && s[i + 1] === '/' && execComment > 0) { execComment -= 1; i += 2; continue; }
    if (c === "'" || c === '"') { const [v, j] = readQuoted(c); tokens.push({ t: 'str', v }); i = j; continue; }
    if (c === '`') { const [v, j] = readQuoted('`'); tokens.push({ t: 'qid', v, u: v.toUpperCase() }); i = j; continue; }
    if (c === '@') {
      if (s[i + 1] === '@') {
        const m = /^@@([A-Za-z_][\w$]*)(\.([A-Za-z_][\w$]*))?/.exec(s.slice(i));
        const len = m ? m[0].length : 2;
        tokens.push({ t: 'sysvar', v: s.slice(i, i + len) });
        i += len;
        continue;
      }
      let j = i + 1;
      if (s[j] === '`' || s[j] === "'" || s[j] === '"') { i = j; const [, k] = readQuoted(s[j]); j = k; } else {
        const m = /^[\w$.]*/.exec(s.slice(j));
        j += m[0].length;
      }
      tokens.push({ t: 'var', v: s.slice(i, j) });
      i = j;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?)/.exec(s.slice(i));
    if (num && !WORD_RE.test(s.slice(i + num[0].length, i + num[0].length + 1) || '.')) {
      tokens.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const w = /^[\w$\u0080-\uffff]+/.exec(s.slice(i));
    if (w) { tokens.push({ t: 'word', v: w[0], u: w[0].toUpperCase() }); i += w[0].length; continue; }
    if (c === '?') { tokens.push({ t: 'param', v: c }); i += 1; continue; }
    if (c === ':' && s[i + 1] === '=') { tokens.push({ t: 'punct', v: ':=' }); i += 2; continue; }
    tokens.push({ t: 'punct', v: c });
    i += 1;
  }
  return { tokens, hints };
}

const isName = (tok) => tok && (tok.t === 'word' || tok.t === 'qid');
const isWord = (tok, ...ws) => tok && tok.t === 'word' && ws.includes(tok.u);

/** the statements of a token list, split at top-level `;` (empty ones dropped) */
function splitStatements(tokens) {
  const out = [[]];
  for (const tok of tokens) {
    if (tok.t === 'punct' && tok.v === ';') out.push([]);
    else out[out.length - 1].push(tok);
  }
  return out.filter((x) => x.length);
}

// keywords after which a (possibly schema-qualified) table name follows
const TABLE_POSITION = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'TABLES', 'REFERENCES', 'USING', 'TO', 'DESCRIBE', 'DESC', 'EXPLAIN', 'STRAIGHT_JOIN']);
// keywords that start a comma-separated list of tables
const TABLE_LIST = new Set(['FROM', 'TABLE', 'TABLES', 'USING']);
// keywords that end such a list
const LIST_END = new Set(['WHERE', 'ON', 'SET', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'VALUES', 'VALUE', 'SELECT', 'UNION',
  'EXCEPT', 'INTERSECT', 'WINDOW', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'CROSS', 'NATURAL', 'STRAIGHT_JOIN', 'FOR', 'LOCK',
  'PARTITION', 'RETURNING', 'INTO', 'LIKE', 'ADD', 'MODIFY', 'CHANGE', 'ENGINE', 'DEFAULT']);

/** schema names a statement refers to (db.table, db.table.col, db.func(), SHOW ... FROM db) */
function referencedSchemas(toks) {
  const out = [];
  const kw = toks[0] && toks[0].u;
  // frames: one per parenthesis level; `query` = FROM/JOIN/... there name tables (not EXTRACT(x FROM y))
  const frames = [{ query: true, list: false }];
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    const top = frames[frames.length - 1];
    if (tok.t === 'punct' && tok.v === '(') {
      const next = toks[i + 1];
      frames.push({ query: isWord(next, 'SELECT', 'WITH', 'VALUES', 'TABLE'), list: false });
      continue;
    }
    if (tok.t === 'punct' && tok.v === ')') { if (frames.length > 1) frames.pop(); continue; }
    if (tok.t === 'word' && top.query) {
      if (TABLE_LIST.has(tok.u) && !(tok.u === 'USING' && toks[i + 1] && toks[i + 1].v === '(')) top.list = true;
      else if (LIST_END.has(tok.u)) top.list = false;
    }
    if (!isName(tok)) continue;
    // a dotted name starting here
    const parts = [tok];
    let j = i;
    while (toks[j + 1] && toks[j + 1].t === 'punct' && toks[j + 1].v === '.' && toks[j + 2] && (isName(toks[j + 2]) || toks[j + 2].v === '*')) {
      parts.push(toks[j + 2]);
      j += 2;
    }
    if (parts.length === 1) continue;
    const prev = toks[i - 1];
    const after = toks[j + 1];
    let schema = false;
    if (parts.length >= 3) schema = true; // db.table.column, db.table.*
    else if (after && after.t === 'punct' && after.v === '(' && parts[1].v !== '*' && !(prev && isWord(prev, 'REFERENCES', 'TABLE', 'INTO', 'ON'))) schema = true; // db.func(
    else if (prev && prev.t === 'word' && top.query && TABLE_POSITION.has(prev.u)
      && !(prev.u === 'UPDATE' && isWord(toks[i - 2], 'KEY'))) schema = true; // not ON DUPLICATE KEY UPDATE t.c = ...
    else if (prev && prev.t === 'word' && prev.u === 'REFERENCES') schema = true;
    else if (prev && prev.t === 'word' && prev.u === 'ON' && ['CREATE', 'DROP'].includes(kw)) schema = true; // CREATE INDEX i ON db.t
    else if (prev && prev.t === 'word' && prev.u === 'LIKE' && kw === 'CREATE') schema = true; // CREATE TABLE t LIKE db.u
    else if (prev && prev.t === 'punct' && prev.v === ',' && top.query && top.list) schema = true;
    if (schema) out.push(parts[0].v);
    i = j;
  }
  // SHOW TABLES FROM db / SHOW COLUMNS FROM t FROM db
  if (kw === 'SHOW') {
    let seenTarget = false;
    const tables = toks.some((t) => isWord(t, 'TABLES'));
    for (let i = 1; i < toks.length - 1; i++) {
      if (!isWord(toks[i], 'FROM', 'IN') || !isName(toks[i + 1])) continue;
      if (tables || seenTarget) out.push(toks[i + 1].v);
      seenTarget = true;
    }
  }
  return out;
}

/**
 * The query policy (sql-query-policy page). -> undefined, or {rule, message, suggestion}.
 * `database` is the installation's own schema.
 */
function checkQueryPolicy(query, { database, limits = DEFAULT_LIMITS } = {}) {
  const POLICY = 'https://developer.atlassian.com/platform/forge/storage-reference/sql-query-policy/';
  const { tokens, hints } = tokenize(query);
  const statements = splitStatements(tokens);
  const v = (rule, message, suggestion) => ({ rule, message, suggestion, doc: POLICY });
  if (statements.length > 1) {
    return v('MULTIPLE_STATEMENTS', `A request may contain one statement; this one has ${statements.length}.`,
      'Send each statement in its own sql.prepare(...).execute() / executeRaw / executeDDL call.');
  }
  const toks = statements[0] || [];
  const allowedHints = new Set(limits.allowedHints.map((h) => h.toUpperCase()));
  for (const h of hints) {
    const names = tokenize(h).tokens;
    let depth = 0;
    for (const t of names) {
      if (t.t === 'punct' && t.v === '(') depth += 1;
      else if (t.t === 'punct' && t.v === ')') depth -= 1;
      else if (depth === 0 && t.t === 'word' && !allowedHints.has(t.u)) {
        return v('OPTIMIZER_HINT', `Optimizer hint ${t.v} is not permitted.`,
          `Remove the hint; only ${limits.allowedHints.join(', ')} are permitted.`);
      }
    }
  }
  const first = toks[0];
  const kw = first && first.t === 'word' ? first.u : '';
  if (kw === 'SET') {
    // every assignment of the list must be `@var = ...` / `@var := ...`
    let depth = 0;
    let start = 1;
    for (let i = 1; i <= toks.length; i++) {
      const t = toks[i];
      if (t && t.t === 'punct' && t.v === '(') depth += 1;
      else if (t && t.t === 'punct' && t.v === ')') depth -= 1;
      if (i === toks.length || (depth === 0 && t.t === 'punct' && t.v === ',')) {
        const head = toks[start];
        const op = toks[start + 1];
        if (!head || head.t !== 'var' || !op || op.t !== 'punct' || !['=', ':='].includes(op.v)) {
          return v('SET', 'Only user-variable assignments such as SET @var = ... are permitted.',
            'Do not change session settings; Forge SQL manages the session. Use SET @var = ... for user variables only.');
        }
        start = i + 1;
      }
    }
  }
  if (kw === 'SHOW') {
    let k = 1;
    while (isWord(toks[k], 'FULL', 'EXTENDED')) k += 1;
    const what = toks[k] && toks[k].t === 'word' ? toks[k].u : '';
    if (!limits.allowedShow.includes(what)) {
      return v('SHOW', `SHOW ${what || '...'} is not permitted; only SHOW TABLES, SHOW COLUMNS and SHOW INDEXES (SHOW KEYS) are.`,
        'Use SHOW TABLES, SHOW COLUMNS or SHOW INDEXES, or query INFORMATION_SCHEMA.');
    }
  }
  if (kw === 'USE') {
    return v('USE', 'The USE statement is not permitted.', 'Remove it: Forge SQL scopes every query to your installation\'s schema.');
  }
  if (['PREPARE', 'EXECUTE', 'DEALLOCATE'].includes(kw) || (kw === 'DROP' && isWord(toks[1], 'PREPARE'))) {
    return v('PREPARE', `SQL-level ${kw} statements are not permitted.`, 'Use sql.prepare(query).bindParams(...) to parameterise queries safely.');
  }
  const allowedSchemas = new Set([String(database || '').toLowerCase(), ...limits.allowedSchemas.map((x) => x.toLowerCase())]);
  for (const schema of referencedSchemas(toks)) {
    if (!allowedSchemas.has(String(schema).toLowerCase())) {
      return v('CROSS_SCHEMA', `References to objects in another schema (${schema}) are not permitted.`,
        'Refer to your tables without a schema name: Forge SQL scopes queries to your installation\'s schema.');
    }
  }
  return undefined;
}

/** true if a CREATE/ALTER statement declares a foreign key (FOREIGN KEY ... or column REFERENCES) */
function declaresForeignKey(query) {
  const toks = splitStatements(tokenize(query).tokens)[0] || [];
  if (!isWord(toks[0], 'CREATE', 'ALTER')) return false;
  return toks.some((t, i) => (isWord(t, 'FOREIGN') && isWord(toks[i + 1], 'KEY')) || isWord(t, 'REFERENCES'));
}

/** CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] name -> {name, temporary} | undefined */
function createdTable(query) {
  const toks = splitStatements(tokenize(query).tokens)[0] || [];
  if (!isWord(toks[0], 'CREATE')) return undefined;
  let k = 1;
  if (isWord(toks[k], 'OR') && isWord(toks[k + 1], 'REPLACE')) k += 2;
  let temporary = false;
  if (isWord(toks[k], 'TEMPORARY')) { temporary = true; k += 1; }
  if (!isWord(toks[k], 'TABLE')) return undefined;
  k += 1;
  if (isWord(toks[k], 'IF') && isWord(toks[k + 1], 'NOT') && isWord(toks[k + 2], 'EXISTS')) k += 3;
  if (!isName(toks[k])) return undefined;
  let name = toks[k].v;
  if (toks[k + 1] && toks[k + 1].v === '.' && isName(toks[k + 2])) name = toks[k + 2].v;
  return { name, temporary };
}

function mapError(e, endpoint, { parseErrorCode = 'SQL_EXECUTION_ERROR', errorDetails = 'debug' } = {}) {
  const context = errorDetails === 'none'
    ? { endpoint }
    : { errno: e.errno, sqlState: e.sqlState, mysqlCode: e.code, sqlMessage: e.sqlMessage, endpoint };
  // sql-handling-errors: "More details are present in the debug field". A body's `debug` reaches the
  // app as `error.context.debug` (out/errors.js spreads the body's other keys into `context`); what
  // the service puts in it is not documented (GUESS: the database's errno, SQLSTATE, code, message).
  const debug = e.errno && errorDetails !== 'none' ? { debug: { errno: e.errno, sqlState: e.sqlState, code: e.code, message: e.sqlMessage } } : {};
  const message = e.sqlMessage || e.message;
  if (e.errno && PARSE_ERRNOS.has(e.errno)) return [400, { code: parseErrorCode, message, context, ...debug }];
  if (e.errno && INVALID_ERRNOS.has(e.errno)) return [400, { code: 'INVALID_SQL_QUERY', message, context, ...debug }];
  if (e.errno && TIMEOUT_ERRNOS.has(e.errno)) return [504, { code: 'QUERY_TIMED_OUT', message, context, ...debug }];
  if (!e.errno || e.fatal) return [500, { code: 'UNKNOWN_ERROR', message: e.message, context }];
  return [400, { code: 'SQL_EXECUTION_ERROR', message, context, ...debug }];
}

/** a sliding window of (time, weight) in real ms */
function slidingWindow(windowMs) {
  const items = [];
  const prune = (t) => { while (items.length && items[0][0] <= t - windowMs) items.shift(); };
  return {
    sum(t) { prune(t); return items.reduce((a, x) => a + x[1], 0); },
    add(t, w = 1) { prune(t); items.push([t, w]); return items.reduce((a, x) => a + x[1], 0); },
  };
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
  const queryPolicy = opts.queryPolicy !== false;
  const rateLimits = opts.rateLimits === true;
  // real time for the rate windows (Date.now is the SIMULATED clock inside a test bed)
  const rateNow = opts.rateNow || (() => performance.timeOrigin + performance.now());
  const parseErrorCode = opts.parseErrorCode || 'SQL_EXECUTION_ERROR';
  const errorDetails = opts.errorDetails || 'debug';
  const limits = { ...DEFAULT_LIMITS, ...(opts.limits || {}) };
  // statementTimeoutSec (older option): one timeout for every kind of statement; 0 = none
  if (opts.statementTimeoutSec !== undefined) {
    limits.selectTimeoutSec = opts.statementTimeoutSec;
    limits.dmlTimeoutSec = opts.statementTimeoutSec;
    limits.ddlTimeoutSec = opts.statementTimeoutSec;
  }
  if (opts.selectTimeoutSec !== undefined) limits.selectTimeoutSec = opts.selectTimeoutSec;
  const timeoutFor = (kind) => Number((kind === 'ddl' ? limits.ddlTimeoutSec : kind === 'write' ? limits.dmlTimeoutSec : limits.selectTimeoutSec) || 0);
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
    // the pool's 'connection' event hands out the callback-style core connection; commands queue in order.
    // The bed's own session setup: not an app statement, so the query policy does not apply.
    conn.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${TIDB_LIKE_SQL_MODE}'`, (err) => { if (err) setupErrors.push(err); });
  });

  const stats = {
    statements: 0, reads: 0, writes: 0, writeAttempts: 0, ddl: 0, errors: 0,
    peakDmlPerSecond: 0, peakDdlPerMinute: 0, peakQueryMsPerMinute: 0, rateLimited: 0,
  };
  const log = [];
  const faults = [];
  const dmlWindow = slidingWindow(1000);
  const ddlWindow = slidingWindow(60 * 1000);
  const queryTimeWindow = slidingWindow(60 * 1000);
  let hasStatementTime = true; // MariaDB's max_statement_time (MySQL has none: then no timeout)
  let closed = false;

  async function runOnConnection(query, params, kind) {
    const conn = await pool.getConnection();
    try {
      // the bed's own statement (simulated clock + this statement's timeout): outside the query policy
      const ts = Math.floor(now() / 1000);
      if (hasStatementTime) {
        try {
          await conn.query('SET timestamp = ?, SESSION max_statement_time = ?', [ts, timeoutFor(kind)]);
        } catch (e) {
          if (e.errno !== 1193) throw e; // unknown system variable: not MariaDB
          hasStatementTime = false;
        }
      }
      if (!hasStatementTime) await conn.query('SET timestamp = ?', [ts]);
      const t0 = process.hrtime.bigint();
      try {
        const out = params && params.length ? await conn.query(query, params) : await conn.query(query);
        return [...out, Number(process.hrtime.bigint() - t0) / 1e6];
      } catch (e) {
        e.elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
        throw e;
      }
    } finally {
      conn.release();
    }
  }

  async function tableCount() {
    const [rows] = await pool.query('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?', [database]);
    return Number(rows[0].n);
  }
  async function tableExists(name) {
    const [rows] = await pool.query('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [database, name]);
    return rows.length > 0;
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

    // rates (limits-sql): DML requests per second, DDL requests per minute, query time per minute.
    // Always measured (peaks in stats); refused only with rateLimits: true. A refused request is not counted.
    const t = rateNow();
    const isDdlEndpoint = path === ENDPOINTS.EXECUTE_DDL;
    const rateRefusal = (limit, max, window) => {
      stats.rateLimited += 1;
      return fail(429, {
        code: 'RATE_LIMIT_EXCEEDED', // GUESS: the docs name no code for these limits
        message: `Forge SQL rate limit exceeded: ${limit} (${max} per ${window})`,
        suggestion: 'Retry later with backoff, or spread the requests over time.',
        context: { limit, max, window, doc: 'https://developer.atlassian.com/platform/forge/limits-sql' },
      });
    };
    if (rateLimits) {
      if (isDdlEndpoint && ddlWindow.sum(t) + 1 > limits.ddlRequestsPerMinute) return rateRefusal('DDL_REQUESTS_PER_MINUTE', limits.ddlRequestsPerMinute, 'minute');
      if (!isDdlEndpoint && dmlWindow.sum(t) + 1 > limits.dmlRequestsPerSecond) return rateRefusal('DML_REQUESTS_PER_SECOND', limits.dmlRequestsPerSecond, 'second');
      if (queryTimeWindow.sum(t) >= limits.queryMsPerMinute) return rateRefusal('QUERY_TIME_PER_MINUTE', limits.queryMsPerMinute / 1000, 'minute (seconds of query time)');
    }
    if (isDdlEndpoint) stats.peakDdlPerMinute = Math.max(stats.peakDdlPerMinute, ddlWindow.add(t));
    else stats.peakDmlPerSecond = Math.max(stats.peakDmlPerSecond, dmlWindow.add(t));

    const fi = faults.findIndex((f) => !f.match || f.match.test(query));
    if (fi >= 0) {
      const f = faults[fi];
      if (--f.times <= 0) faults.splice(fi, 1);
      entry.injected = true; // a test's fault, not a refusal of what the app sent
      return fail(f.status || 500, { code: f.code || 'UNKNOWN_ERROR', message: f.message || 'injected fault' });
    }
    // request size (limits-sql "Request size | 1 MiB"): the JSON body as @forge/sql sends it
    const requestBytes = Buffer.byteLength(JSON.stringify({ query, params, method }));
    if (requestBytes > limits.requestBytes) {
      return fail(413, {
        code: 'REQUEST_SIZE_EXCEEDED', // GUESS (code and status)
        message: `Request size ${requestBytes} bytes exceeds the Forge SQL limit of ${limits.requestBytes} bytes`,
        suggestion: 'Split the statement (fewer rows per INSERT, smaller parameters).',
        context: { requestBytes, limit: limits.requestBytes, doc: 'https://developer.atlassian.com/platform/forge/limits-sql' },
      });
    }
    if (typeof query !== 'string' || !query.trim()) {
      // sql-query-policy: "Queries that are empty or cannot be parsed are also rejected" as SQL_EXECUTION_ERROR
      return fail(400, { code: parseErrorCode, message: 'Query was empty', context: { errno: 1065, mysqlCode: 'ER_EMPTY_QUERY', endpoint: path } });
    }
    if (!Array.isArray(params)) return fail(400, { code: 'INVALID_SQL_QUERY', message: 'params must be an array' });
    if (queryPolicy) {
      const violation = checkQueryPolicy(query, { database, limits });
      if (violation) {
        return fail(400, {
          code: 'SQL_POLICY_VIOLATION', message: violation.message, suggestion: violation.suggestion,
          context: { rule: violation.rule, doc: violation.doc },
        });
      }
    }
    if (strictDdl && kind === 'ddl' && path === ENDPOINTS.EXECUTE) {
      return fail(400, { code: 'INVALID_SQL_QUERY', message: `${kw} statements must be sent with sql.executeDDL() (test-bed strictDdl)` });
    }
    if (limits.refuseForeignKeys && kind === 'ddl' && declaresForeignKey(query)) {
      return fail(400, {
        code: 'SQL_EXECUTION_ERROR', // documented code; which one the service uses is not documented (GUESS)
        message: 'Foreign keys are not supported by Forge SQL',
        suggestion: 'Remove the FOREIGN KEY / REFERENCES clause; JOINs still work, deletes are not cascaded.',
        context: { rule: 'FOREIGN_KEY', doc: 'https://developer.atlassian.com/platform/forge/limits-sql' },
      });
    }
    const created = kind === 'ddl' && limits.maxTables !== undefined && limits.maxTables !== null ? createdTable(query) : undefined;
    if (created && !created.temporary) {
      const n = await tableCount();
      if (n >= limits.maxTables && !(await tableExists(created.name))) {
        return fail(400, {
          code: 'TABLE_LIMIT_EXCEEDED', // GUESS (code and status)
          message: `An installation may have at most ${limits.maxTables} tables (it has ${n})`,
          suggestion: 'Drop unused tables or combine them.',
          context: { tables: n, limit: limits.maxTables, doc: 'https://developer.atlassian.com/platform/forge/limits-sql' },
        });
      }
    }
    try {
      const [result, fields, elapsedMs] = await runOnConnection(query, params, kind);
      stats.peakQueryMsPerMinute = Math.max(stats.peakQueryMsPerMinute, queryTimeWindow.add(rateNow(), elapsedMs));
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
      const metadata = {
        dbExecutionTime: elapsedMs,
        ...(Array.isArray(fields) ? { fields: fields.map((f) => ({ name: f.name, type: f.columnType })) } : {}),
      };
      const responseBody = { rows, metadata };
      // response size (limits-sql "Response size | 4 MiB"). The statement has run (writes answer small).
      const responseBytes = Buffer.byteLength(JSON.stringify(responseBody));
      if (responseBytes > limits.responseBytes) {
        return fail(400, {
          code: 'RESPONSE_SIZE_EXCEEDED', // GUESS (code and status)
          message: `Response size ${responseBytes} bytes exceeds the Forge SQL limit of ${limits.responseBytes} bytes`,
          suggestion: 'Select fewer rows or columns (LIMIT / pagination).',
          context: { responseBytes, limit: limits.responseBytes, doc: 'https://developer.atlassian.com/platform/forge/limits-sql' },
        });
      }
      if (kind !== 'read') stats.writes += 1;
      if (kind === 'ddl') stats.ddl += 1;
      entry.status = 200;
      return { status: 200, body: responseBody };
    } catch (e) {
      if (e.elapsedMs !== undefined) queryTimeWindow.add(rateNow(), e.elapsedMs);
      const [status, b] = mapError(e, path, { parseErrorCode, errorDetails });
      if (b.code === 'QUERY_TIMED_OUT') b.context.timeoutSec = timeoutFor(kind);
      return fail(status, b);
    }
  }

  return {
    handle,
    database,
    limits,
    stats,
    log,
    pool,
    setupErrors,
    /** run a statement directly on the throwaway DB (not counted, not logged, no policy); returns rows */
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
      Object.assign(stats, {
        statements: 0, reads: 0, writes: 0, writeAttempts: 0, ddl: 0, errors: 0,
        peakDmlPerSecond: 0, peakDdlPerMinute: 0, peakQueryMsPerMinute: 0, rateLimited: 0,
      });
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

module.exports = {
  createSqlBackend, databaseExists, statementKind, mapError, ENDPOINTS, connectionConfig, DEFAULT_LIMITS,
  checkQueryPolicy, tokenize, declaresForeignKey, createdTable,
};
