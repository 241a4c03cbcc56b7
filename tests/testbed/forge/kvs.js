'use strict';
// In-memory Forge KVS / Custom Entity Store, speaking the endpoints of @forge/kvs 1.6.5
// (request/response shapes read from @forge/kvs/out/storage-api.js, query.js, entity-query.js,
// transaction-api.js, utils/transaction-request-builder.js, utils/error-handling.js, interfaces/*.d.ts):
//
//   POST /api/v1/{get,set,delete}                 {key, value?, options?}
//   POST /api/v1/secret/{get,set,delete}          same, separate namespace
//   POST /api/v1/entity/{get,set,delete}          {entityName, key, value?, options?}
//   POST /api/v1/query                            {limit, after, where:[{property:'key',condition:'BEGINS_WITH',values}], options}
//   POST /api/v1/entity/query                     {entityName, indexName, partition?, range?, filters?{and|or}, sort?, cursor?, limit?}
//   POST /api/v1/batch/{set,delete,get}           [{key, entityName?, value?, options?}] -> {successfulKeys, failedKeys}
//   POST /api/v1/transaction                      {set?, delete?, check?} (entity conditions) -> 204 | 409
//
// Options: keyPolicy OVERRIDE | FAIL_IF_EXISTS, returnValue PREVIOUS | LATEST (+returnMetadataFields),
// ttl {value, unit}, metadataFields CREATED_AT | UPDATED_AT | EXPIRE_TIME on reads
// (createdAt/updatedAt in epoch SECONDS, expireTime ISO string, as in @forge/kvs's own tests).
// TTL runs on the SIMULATED clock (`now`); rate limits run on REAL time (`realNow`).
//
// What the store refuses comes from Atlassian's documentation (research with verbatim quotes:
// /tmp/research/forge-storage.md). DA = https://developer.atlassian.com/platform/forge
//   [LIMITS]   DA/limits-kvs-ce/                                  key regex + 500, value 240 KiB, depth 31, RPS, read/write units
//   [ERR-KVS]  DA/storage-reference/handling-errors-kvs/          KVS codes, {code,message}, 400, 429 RATE_LIMIT_EXCEEDED
//   [ERR-CE]   DA/storage-reference/handling-errors-customentities/  Custom Entity codes
//   [CE-DEF]   DA/runtime-reference/custom-entities/              manifest limits, attribute types and ranges, index limits
//   [CE-API]   DA/runtime-reference/storage-api-custom-entities/  integer/float ranges, TTL
//   [BASIC]    DA/runtime-reference/storage-api-basic-api/        missing key -> undefined, delete succeeds, TTL 1 year, 48 h
//   [SECRET]   DA/runtime-reference/storage-api-secret/           128 KiB values, 500-byte keys
//   [QUERY]    DA/runtime-reference/storage-api-query/            limit 10 / 100, cursors not stable
//   [COMPLEX]  DA/runtime-reference/storage-api-query-complex/    one value per partition attribute
//   [BATCH]    DA/storage-reference/entities-batch/ (batchops-entities/)  25 keys, 4 MB, empty/duplicate fails all
//   [TX]       DA/storage-reference/transactions/                 25 operations, key once, 4 MB
//   [QUOTAS]   DA/platform-quotas-and-limits/ (older revision)    100 conditions per query, FRGE-1916 (1 MB)
//   [MIGRATE]  DA/storage-reference/kvs-migration-from-legacy/    KEY_NOT_FOUND, beginsWith
// Every refusal is HTTP 400 {code, message} with a documented code, except: 404 for a missing key (what
// @forge/kvs's own tests send and map), 429 for rate limits, 409 for FAIL_IF_EXISTS / failed transaction
// conditions. Where the docs name NO code the choice is marked GUESS below; BAD_REQUEST is the generic
// code @forge/kvs's own tests use for an invalid request body. A refusal changes nothing (batches are
// per item, as documented: "will successfully complete as many as possible").
//
// API (for tests):
//   const kvs = createKvs({ entities, now, limits, realNow })   entities: manifest app.storage.entities
//       (checked like a deploy: createKvs throws if checkEntityDeclarations finds problems)
//       limits: overrides of DEFAULT_LIMITS (unknown names throw); realNow: real-time source for rate limits
//   kvs.handle(path, body) -> {status, body}          (what __forge_fetch__ turns into a Response)
//   kvs.stats  {requests, reads, writes, writeAttempts, byPath, rateLimited,
//               peakRequestsPerSecond, peakReadUnitsPerMinute, peakWriteUnitsPerMinute}   writes = mutated items accepted
//   kvs.log    [{path, body, status, code, at, write}]
//   kvs.dump() -> {kv:{key:value}, secrets:{...}, entities:{name:{key:value}}}  (records a read would return)
//   kvs.snapshot() -> deep copy of dump();  kvs.reset()
//   kvs.seed(key, value, {entityName, secret, ttlMs})  / kvs.peek(key, {entityName, secret})  (not counted, not checked)
//   kvs.injectFault({path, times=1, status=500, code='INTERNAL_SERVER_ERROR', message})
//   checkEntityDeclarations(entities, {limits}) -> [problem, ...]   (exported; [] = would deploy)

const crypto = require('crypto');
const { REAL_DATE_NOW } = require('./clock');

// [LIMITS] "Key format | /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/" (verbatim; `\s-#` is `\s`, `-`, `#` in a JS class)
const KEY_RE = /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/;
const TTL_UNIT_MS = { SECONDS: 1000, MINUTES: 60000, HOURS: 3600000, DAYS: 86400000 }; // [BASIC] ttl.unit
const DAY_MS = 86400000;
const MB = 1000 * 1000; // "4MB" / "1MB" read as decimal megabytes: the stricter reading of the docs

// Every limit and switch, one place. Override with createKvs({limits}) or startTestbed({kvsLimits}).
const DEFAULT_LIMITS = {
  // ---- keys: [LIMITS] "Key length | 500"; [ERR-KVS] KEY_TOO_SHORT / KEY_TOO_LONG / INVALID_KEY;
  //      [ERR-CE] EMPTY_KEY / KEY_TOO_LONG / INVALID_KEY; [SECRET] "a key of up to 500 bytes"
  maxKeyLength: 500,           // characters (KVS, entities); BYTES for secrets
  minKeyLength: 1,             // KVS only. [ERR-KVS] "needs to be more than one character" could mean >= 2:
                               // set 2 to test that reading. Entities: >= 1 ([CE-DEF] "at least 1 character").
  // ---- values: [LIMITS] "Value size | 240 KiB | ... (in RAW)", "Object depth | 31"; [SECRET] "up to 128 KiB"
  maxValueBytes: 240 * 1024,   // UTF-8 bytes of the JSON text of the value  -> MAX_SIZE
  maxSecretValueBytes: 128 * 1024,
  maxDepth: 31,                // CONFLICT: [LIMITS]/[CE-DEF] say 31, [ERR-KVS]/[ERR-CE] MAX_DEPTH say "(32)".
                               // Default: the stricter 31; set 32 for the other reading. Depth: see valueDepth().
  // ---- Custom Entity declarations (manifest), [CE-DEF] "Limitations"
  maxEntities: 20,             // "An app can have a maximum of 20 entities"
  minEntityNameLength: 3,      // "cannot be shorter than 3 characters" ([ERR-CE] says "more than 3": CONFLICT, 3 kept)
  maxEntityNameLength: 60,
  maxIndexesPerEntity: 7,      // "maximum of 7 custom indexes" (built-in `by-key` not counted)
  maxAttributesPerEntity: 50,
  maxAttributeNameLength: 64,
  minIndexNameLength: 3,       // "Index names cannot be shorter than 3 characters or longer than 50"
  maxIndexNameLength: 50,
  strictSimpleIndexNames: false, // a simple index (`- attr`) is named after its attribute; whether the 3..50
                               // rule applies to it is SILENT (the fixture app has `- at`). true = apply it.
  maxRangeIndexBytes: 900,     // "combined values for all range attributes on any defined index cannot exceed 900 bytes"
  maxPartitionIndexBytes: 1700, // "... partition attributes ... cannot exceed 1700 bytes"
  // ---- queries: [QUERY] "up to 10 values by default, ... a maximum of 100"; [ERR-CE] page limit 1..100;
  //      [QUOTAS] "a maximum of 100 conditions"
  defaultQueryLimit: 10,       // KVS documented; Custom Entity default is SILENT (GUESS: the same 10)
  maxQueryLimit: 100,          // KVS -> LIST_QUERY_LIMIT_EXCEEDED ([ERR-KVS] says "below 100": 100 itself allowed)
  maxEntityQueryLimit: 100,    // -> COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE
  maxQueryConditions: 100,
  // ---- TTL: [BASIC]/[CE-API]/[SECRET] "The maximum supported TTL is 1 year", "Deletion may take up to 48 hours"
  maxTtlMs: 365 * DAY_MS,      // "1 year" read as 365 days
  ttlLagMs: 0,                 // 0 = an item is gone exactly at its expiry. With a lag (up to 48 h documented)
                               // expired items are still returned (expireTime in the past) until expiry + lag.
  // ---- batches [BATCH] and transactions [TX]
  maxBatchItems: 25,           // "Each batch operation can contain a maximum of 25 keys."
  maxBatchBytes: 4 * MB,       // "A single kvs.batchSet operation can be a payload of 4MB"
  maxTransactionOps: 25,       // "Each transaction can contain a maximum of 25 operations."
  maxTransactionBytes: 4 * MB, // "limited to a payload size of 4MB"; set 1 * 1000 * 1000 for bug FRGE-1916 ([QUOTAS])
  // ---- missing key: @forge/kvs maps ONLY code KEY_NOT_FOUND to undefined (storage-api.js handleKeyNotFound);
  //      [ERR-KVS]/[ERR-CE] also list NOT_FOUND "The specified key does not exist." -> 'NOT_FOUND' sends that
  //      code instead (the package then THROWS on get: use it to test the app against that wire form).
  missingKeyCode: 'KEY_NOT_FOUND',
  // ---- rate limits [LIMITS] "Request rate (RPS) | 1000", "Read (10KB request per min) | 4000", "Write ... | 4000",
  //      "Request sizes are rounded up to the nearest 10KB"; [ERR-KVS] 429 RATE_LIMIT_EXCEEDED.
  rateLimits: false,           // OFF by default: the bed compresses time, and the limits are per REAL second/minute.
                               // The peaks are recorded in stats either way.
  maxRequestsPerSecond: 1000,
  maxReadUnitsPerMinute: 4000,
  maxWriteUnitsPerMinute: 4000,
  rateUnitBytes: 10 * 1000,    // a request counts ceil(bytes / 10 KB) units, at least 1 (reads: response bytes)
};
const SWITCH_VALUES = { missingKeyCode: ['KEY_NOT_FOUND', 'NOT_FOUND'] };

// [CE-DEF] types and value ranges
const ATTRIBUTE_TYPES = ['string', 'integer', 'float', 'boolean', 'any'];
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const FLOAT_MIN = 1e-130;
// The page's 9.9999999999999999999999999999999999999E+125 (38 digits) is, as a JS double, exactly 1e126;
// the next double above it is refused.
const FLOAT_MAX = Number('9.9999999999999999999999999999999999999e125');
const ATTRIBUTE_NAME_RE = /^[_A-Za-z][_0-9A-Za-z]*$/;    // [CE-DEF] "[_A-Za-z][_0-9A-Za-z]*"
const ENTITY_NAME_CHARS = /^[a-z0-9:\-_.]+$/;            // [CE-DEF] "a-z0-9:-_." ([ERR-CE] regex omits `_`: CONFLICT, `_` allowed)
const INDEX_NAME_CHARS = /^[a-zA-Z0-9:\-_.]+$/;          // [CE-DEF] "a-zA-Z0-9:-_."
const KEY_INDEX = 'by-key';                              // [CE-DEF] built-in index over the key

// Conditions of @forge/kvs conditions.js: WhereConditions (range of an index query) and FilterConditions
const WHERE_CONDITIONS = new Set(['BEGINS_WITH', 'BETWEEN', 'EQUAL_TO', 'GREATER_THAN', 'GREATER_THAN_EQUAL_TO', 'LESS_THAN', 'LESS_THAN_EQUAL_TO']);
const FILTER_CONDITIONS = new Set([...WHERE_CONDITIONS, 'CONTAINS', 'NOT_CONTAINS', 'NOT_EQUAL_TO', 'EXISTS', 'NOT_EXISTS']);

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const jsonBytes = (v) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

class KvsError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
const refuse = (code, message) => new KvsError(400, code, message);

/**
 * Depth of a JSON value, as checked against maxDepth (MAX_DEPTH): a scalar (string, number, boolean,
 * null) has depth 0; an object or array has 1 + the largest depth of its members (an empty one has
 * depth 1). So `1` -> 0, `{a:1}` -> 1, `[]` -> 1, `{a:{b:1}}` -> 2, `{a:[1]}` -> 2. With maxDepth 31 a
 * value of depth 31 is stored and one of depth 32 is refused. Counting stops once `stop` is reached
 * (the result is then >= stop), so a hostile value cannot exhaust the stack.
 */
function valueDepth(v, stop = Infinity) {
  if (v === null || typeof v !== 'object') return 0;
  if (stop <= 1) return 1;
  let max = 0;
  for (const k of Object.keys(v)) {
    const d = valueDepth(v[k], stop - 1);
    if (d > max) max = d;
    if (1 + max >= stop) break;
  }
  return 1 + max;
}

/** Bytes an attribute value takes in an index: UTF-8 of a string, of the JSON text of anything else. */
const attrBytes = (v) => Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v));

/** Why `v` is not a valid value of an attribute of `type` ([CE-DEF] "Values"), or null. */
function typeProblem(type, v) {
  switch (type) {
    case 'integer':
      return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? null
        : `must be a 32-bit signed integer (${INT32_MIN}..${INT32_MAX}), got ${JSON.stringify(v)}`;
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a number, got ${JSON.stringify(v)}`;
      const a = Math.abs(v);
      return a === 0 || (a >= FLOAT_MIN && a <= FLOAT_MAX) ? null
        : `must be 0 or have an absolute value in [1E-130, 9.9999999999999999999999999999999999999E+125], got ${v}`;
    }
    case 'string':
      return typeof v === 'string' && /\S/.test(v) ? null : `must be a non-empty string with at least one non-whitespace character, got ${JSON.stringify(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `must be true or false, got ${JSON.stringify(v)}`;
    default:
      return null; // any: string, number, boolean, object, array ([CE-DEF]); everything JSON is accepted
  }
}

/** Entity name check, [CE-DEF] + [ERR-CE] codes; null when fine. */
function entityNameProblem(name, L) {
  if (typeof name !== 'string') return { code: 'INVALID_ENTITY_TYPE', message: `entity name must be a string, got ${JSON.stringify(name)}` };
  if (name.length < L.minEntityNameLength) return { code: 'ENTITY_TYPE_TOO_SHORT', message: `entity name "${name}" is shorter than ${L.minEntityNameLength} characters` };
  if (name.length > L.maxEntityNameLength) return { code: 'ENTITY_TYPE_TOO_LARGE', message: `entity name "${name.slice(0, 80)}" is longer than ${L.maxEntityNameLength} characters` };
  if (!ENTITY_NAME_CHARS.test(name) || /^[-_]/.test(name) || /^\.|\.$/.test(name) || name.includes('..')) {
    return { code: 'INVALID_ENTITY_TYPE', message: `entity name "${name}" must use only a-z0-9:-_. , not start with - or _, not begin or end with . and not contain ..` };
  }
  return null;
}

function indexNameProblem(name, L) {
  if (typeof name !== 'string' || name.length === 0) return 'index name must be a non-empty string';
  if (name.length < L.minIndexNameLength || name.length > L.maxIndexNameLength) return `index name "${name}" must be ${L.minIndexNameLength}..${L.maxIndexNameLength} characters long`;
  if (!INDEX_NAME_CHARS.test(name) || /^\.|\.$/.test(name) || name.includes('..')) return `index name "${name}" must use only a-zA-Z0-9:-_. , not begin or end with . and not contain ..`;
  return null;
}

/**
 * What `forge deploy` would refuse in the manifest's app.storage.entities ([CE-DEF] "Limitations",
 * "Custom indexes"). Returns a list of problems ([] = fine). `limits` overrides DEFAULT_LIMITS.
 */
function checkEntityDeclarations(entities, { limits } = {}) {
  const L = { ...DEFAULT_LIMITS, ...(limits || {}) };
  const problems = [];
  if (entities === undefined || entities === null) return problems;
  if (!Array.isArray(entities)) return ['app.storage.entities must be a list'];
  if (entities.length > L.maxEntities) problems.push(`${entities.length} entities declared, at most ${L.maxEntities} allowed`);
  const entityNames = new Set();
  entities.forEach((e, i) => {
    const at = `entity #${i + 1}${e && typeof e.name === 'string' ? ` "${e.name}"` : ''}`;
    if (!isPlainObject(e)) { problems.push(`${at}: must be an object {name, attributes, indexes}`); return; }
    const np = entityNameProblem(e.name, L);
    if (np) problems.push(`${at}: ${np.message}`);
    else if (entityNames.has(e.name)) problems.push(`${at}: duplicate entity name`);
    entityNames.add(e.name);

    if (e.attributes !== undefined && !isPlainObject(e.attributes)) problems.push(`${at}: attributes must be a map of name -> {type}`);
    const attrs = isPlainObject(e.attributes) ? e.attributes : {};
    const attrNames = Object.keys(attrs);
    if (attrNames.length > L.maxAttributesPerEntity) problems.push(`${at}: ${attrNames.length} attributes, at most ${L.maxAttributesPerEntity} allowed`);
    for (const a of attrNames) {
      if (!ATTRIBUTE_NAME_RE.test(a)) problems.push(`${at}: attribute name "${a}" does not match [_A-Za-z][_0-9A-Za-z]*`);
      if (a.length > L.maxAttributeNameLength) problems.push(`${at}: attribute name "${a.slice(0, 80)}" is longer than ${L.maxAttributeNameLength} characters`);
      const spec = attrs[a];
      if (!isPlainObject(spec) || !ATTRIBUTE_TYPES.includes(spec.type)) problems.push(`${at}: attribute "${a}" must have a type of ${ATTRIBUTE_TYPES.join(' | ')}`);
    }
    const indexable = (attr, where) => {
      if (typeof attr !== 'string' || !Object.prototype.hasOwnProperty.call(attrs, attr)) {
        problems.push(`${at}: ${where} uses attribute ${JSON.stringify(attr)}, which is not declared`);
      } else if (isPlainObject(attrs[attr]) && attrs[attr].type === 'any') {
        problems.push(`${at}: ${where} uses attribute "${attr}" of type any (range and partition accept every type except any)`);
      }
    };

    if (e.indexes !== undefined && !Array.isArray(e.indexes)) { problems.push(`${at}: indexes must be a list`); return; }
    const idxs = e.indexes || [];
    if (idxs.length > L.maxIndexesPerEntity) problems.push(`${at}: ${idxs.length} indexes, at most ${L.maxIndexesPerEntity} allowed (by-key not counted)`);
    const indexNames = new Set();
    idxs.forEach((idx, j) => {
      let name;
      if (typeof idx === 'string') { // simple index: named after its attribute
        name = idx;
        indexable(idx, `simple index "${idx}"`);
        if (L.strictSimpleIndexNames) { const p = indexNameProblem(idx, L); if (p) problems.push(`${at}: ${p}`); }
      } else if (isPlainObject(idx)) {
        name = idx.name;
        const where = `index ${typeof name === 'string' ? `"${name}"` : `#${j + 1}`}`;
        const p = indexNameProblem(name, L);
        if (p) problems.push(`${at}: ${p}`);
        // [CE-DEF] "range | Yes | ... This parameter can only have one attribute." (the sentence "can be used
        // together or alone" notwithstanding: the parameter table says range is required)
        if (!Array.isArray(idx.range) || idx.range.length !== 1) problems.push(`${at}: ${where} must have exactly one range attribute`);
        else indexable(idx.range[0], `${where} range`);
        if (idx.partition !== undefined) {
          if (!Array.isArray(idx.partition)) problems.push(`${at}: ${where} partition must be a list of attributes`);
          else idx.partition.forEach((a) => indexable(a, `${where} partition`));
        }
      } else {
        problems.push(`${at}: index #${j + 1} must be an attribute name or {name, range, partition?}`);
        return;
      }
      if (typeof name === 'string') {
        if (indexNames.has(name)) problems.push(`${at}: duplicate index name "${name}"`);
        indexNames.add(name);
      }
    });
  });
  return problems;
}

function normaliseEntities(entities) {
  if (!entities) return null; // null = accept any entity name (no manifest given)
  const out = new Map();
  for (const e of entities) {
    const indexes = new Map();
    for (const idx of e.indexes || []) {
      const def = typeof idx === 'string'
        ? { name: idx, partition: [], range: [idx] }
        : { name: idx.name, partition: idx.partition || [], range: idx.range || [] };
      indexes.set(def.name, def);
    }
    out.set(e.name, { name: e.name, attributes: e.attributes || {}, indexes });
  }
  return out;
}

function cmp(a, b) {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === typeof b) return a < b ? -1 : 1;
  return String(a) < String(b) ? -1 : 1;
}

function clauseMatches(v, c) {
  const [a, b] = c.values || [];
  switch (c.condition) {
    case 'EXISTS': return v !== undefined;
    case 'NOT_EXISTS': return v === undefined;
    default: if (v === undefined) return false;
  }
  switch (c.condition) {
    case 'BEGINS_WITH': return typeof v === 'string' && v.startsWith(String(a));
    case 'BETWEEN': return cmp(v, a) >= 0 && cmp(v, b) <= 0;
    case 'EQUAL_TO': return v === a;
    case 'NOT_EQUAL_TO': return v !== a;
    case 'GREATER_THAN': return cmp(v, a) > 0;
    case 'GREATER_THAN_EQUAL_TO': return cmp(v, a) >= 0;
    case 'LESS_THAN': return cmp(v, a) < 0;
    case 'LESS_THAN_EQUAL_TO': return cmp(v, a) <= 0;
    case 'CONTAINS': return typeof v === 'string' ? v.includes(a) : Array.isArray(v) && v.includes(a);
    case 'NOT_CONTAINS': return typeof v === 'string' ? !v.includes(a) : Array.isArray(v) ? !v.includes(a) : true;
    default: return false; // unreachable: conditions are checked before matching
  }
}

function filtersMatch(value, filters) {
  if (!filters) return true;
  const prop = (f) => (value && typeof value === 'object' ? value[f.property] : undefined);
  if (Array.isArray(filters.and) && filters.and.length) return filters.and.every((f) => clauseMatches(prop(f), f));
  if (Array.isArray(filters.or) && filters.or.length) return filters.or.some((f) => clauseMatches(prop(f), f));
  return true;
}

/** One condition of a range (`allowed` = WHERE_CONDITIONS) or filter (FILTER_CONDITIONS). [ERR-KVS] + [ERR-CE] codes. */
function checkCondition(c, allowed, what) {
  if (!isPlainObject(c) || !allowed.has(c.condition)) {
    throw refuse('INVALID_FILTER_CONDITION', `${what}: condition ${JSON.stringify(c && c.condition)} is not supported (${[...allowed].join(', ')})`);
  }
  const n = Array.isArray(c.values) ? c.values.length : 0;
  if (c.condition === 'BETWEEN') {
    if (n < 2) throw refuse('INSUFFICIENT_FILTER_VALUES', `${what}: BETWEEN needs two values, got ${n}`);
    if (n > 2) throw refuse('INVALID_FILTER_VALUES', `${what}: BETWEEN takes two values, got ${n}`);
  } else if (c.condition !== 'EXISTS' && c.condition !== 'NOT_EXISTS' && n !== 1) {
    throw refuse('INVALID_FILTER_VALUES', `${what}: ${c.condition} takes one value, got ${n}`); // GUESS for entities (a KVS code)
  }
}

/** {and:[...]} | {or:[...]} ([ERR-CE] EMPTY_FILTER_OPERATOR, INVALID_FILTER_OPERATORS_COMBINATION); returns the condition count. */
function checkFilters(filters, what) {
  if (filters === undefined || filters === null) return 0;
  if (!isPlainObject(filters)) throw refuse('BAD_REQUEST', `${what}: filters must be {and: [...]} or {or: [...]}`); // GUESS code
  const hasAnd = filters.and !== undefined; const hasOr = filters.or !== undefined;
  if (hasAnd && hasOr) throw refuse('INVALID_FILTER_OPERATORS_COMBINATION', `${what}: "and" and "or" cannot be present at the same level`);
  const list = hasAnd ? filters.and : filters.or;
  if (!Array.isArray(list) || list.length === 0) throw refuse('EMPTY_FILTER_OPERATOR', `${what}: filter operators "and" and "or" cannot be empty`);
  for (const f of list) {
    if (!isPlainObject(f) || typeof f.property !== 'string' || !f.property) throw refuse('BAD_REQUEST', `${what}: each filter needs a property`); // GUESS code
    checkCondition(f, FILTER_CONDITIONS, `${what} on "${f.property}"`);
  }
  return list.length;
}

/** Sliding real-time window: sum of amounts added within the last `spanMs`. */
function slidingWindow(spanMs) {
  let q = []; let head = 0; let sum = 0;
  return {
    total(t) {
      while (head < q.length && q[head].t <= t - spanMs) { sum -= q[head].n; head += 1; }
      if (head > 4096 && head * 2 > q.length) { q = q.slice(head); head = 0; }
      return sum;
    },
    add(t, n) { q.push({ t, n }); sum += n; },
    clear() { q = []; head = 0; sum = 0; },
  };
}

function createKvs({ entities, now = () => Date.now(), limits = {}, realNow = REAL_DATE_NOW } = {}) {
  for (const name of Object.keys(limits || {})) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_LIMITS, name)) throw new Error(`createKvs: unknown limit "${name}" (see DEFAULT_LIMITS in tests/testbed/forge/kvs.js)`);
  }
  const L = { ...DEFAULT_LIMITS, ...(limits || {}) };
  for (const [name, allowed] of Object.entries(SWITCH_VALUES)) {
    if (!allowed.includes(L[name])) throw new Error(`createKvs: limits.${name} must be one of ${allowed.join(', ')}`);
  }
  const problems = checkEntityDeclarations(entities, { limits: L });
  if (problems.length) {
    throw new Error(`createKvs: app.storage.entities would not deploy (developer.atlassian.com/platform/forge/runtime-reference/custom-entities/):\n  - ${problems.join('\n  - ')}`);
  }
  const entityDefs = normaliseEntities(entities);
  let spaces = new Map(); // ns -> Map(key -> {value, createdAt, updatedAt, expireAt})
  const faults = [];
  const freshStats = () => ({
    requests: 0, reads: 0, writes: 0, writeAttempts: 0, byPath: {},
    rateLimited: 0, peakRequestsPerSecond: 0, peakReadUnitsPerMinute: 0, peakWriteUnitsPerMinute: 0,
  });
  const stats = freshStats();
  const log = [];
  const perSecond = slidingWindow(1000);
  const readUnits = slidingWindow(60000);
  const writeUnits = slidingWindow(60000);
  const cursorKey = crypto.randomBytes(16);

  const space = (ns) => {
    if (!spaces.has(ns)) spaces.set(ns, new Map());
    return spaces.get(ns);
  };
  const nsOf = ({ entityName, secret }) => (secret ? 'secret' : entityName ? `entity:${entityName}` : 'kv');
  // An expired record is returned until expiry + ttlLagMs ([BASIC] "Deletion may take up to 48 hours ...
  // read operations may still return expired results"); with the default lag 0 it is gone at its expiry.
  const visible = (rec) => rec && (rec.expireAt === undefined || now() < rec.expireAt + L.ttlLagMs);
  const getRec = (ns, key) => {
    const m = space(ns);
    const rec = m.get(key);
    if (rec && !visible(rec)) { m.delete(key); return undefined; }
    return rec;
  };

  // ---- checks ----
  /** kind: 'kv' | 'secret' | 'entity' */
  function checkKey(key, kind) {
    if (key === undefined || key === null || key === '') {
      if (kind === 'entity') throw refuse('EMPTY_KEY', 'Key cannot be empty.');
      throw refuse('KEY_TOO_SHORT', `key must have at least ${L.minKeyLength} character(s)`);
    }
    if (typeof key !== 'string') throw refuse('INVALID_KEY', `key must be a string, got ${JSON.stringify(key)}`);
    if (kind !== 'entity' && key.length < L.minKeyLength) throw refuse('KEY_TOO_SHORT', `key "${key}" is shorter than ${L.minKeyLength} characters`);
    const len = kind === 'secret' ? Buffer.byteLength(key) : key.length;
    if (len > L.maxKeyLength) throw refuse('KEY_TOO_LONG', `key is ${len} ${kind === 'secret' ? 'bytes' : 'characters'}, more than ${L.maxKeyLength}`);
    // a blank key of an entity ([CE-DEF] "Not contain only blank space(s)") fails the regex too
    if (!KEY_RE.test(key)) throw refuse('INVALID_KEY', `key "${key.slice(0, 80)}" does not match the regex: ${KEY_RE}`);
  }
  const keyKind = (target) => (target.secret ? 'secret' : target.entity ? 'entity' : 'kv');

  function checkValue(value, { secret } = {}) {
    if (value === undefined) throw refuse('BAD_REQUEST', 'value is required'); // GUESS code
    if (valueDepth(value, L.maxDepth + 1) > L.maxDepth) throw refuse('MAX_DEPTH', `The provided value has exceeded the maximum object depth (${L.maxDepth}) limit.`);
    const max = secret ? L.maxSecretValueBytes : L.maxValueBytes;
    const size = jsonBytes(value);
    if (size > max) throw refuse('MAX_SIZE', `The provided value has exceeded the maximum size limit: ${size} bytes, at most ${max}.`);
  }

  /** entity name (documented codes), declared (GUESS code), value types and index sizes */
  function checkEntity(entityName, value) {
    const np = entityNameProblem(entityName, L);
    if (np) throw refuse(np.code, np.message);
    const def = entityDefs ? entityDefs.get(entityName) : null;
    if (entityDefs && !def) {
      throw refuse('BAD_REQUEST', `entity "${entityName}" is not declared in the manifest (app.storage.entities)`); // GUESS code
    }
    if (value === undefined) return def;
    if (!isPlainObject(value)) throw refuse('INVALID_ENTITY_VALUE', `entity "${entityName}" value must be an object of attributes`);
    if (!def) return def;
    // Attributes the manifest does not declare: the docs are SILENT; they are accepted and stored.
    // null for a declared attribute: SILENT too; treated as absent (accepted).
    for (const [attr, spec] of Object.entries(def.attributes)) {
      const v = value[attr];
      if (v === undefined || v === null) continue;
      const why = typeProblem(spec && spec.type, v);
      if (why) throw refuse('INVALID_ENTITY_VALUE', `entity "${entityName}" attribute "${attr}" (${spec.type}) ${why}`);
    }
    // [CE-DEF] index sizes. Code: no documented code names this limit; INVALID_ENTITY_VALUE (GUESS) because
    // it is a limit on the attribute values of an entity (MAX_SIZE is the 240 KiB size of the whole value).
    for (const idx of def.indexes.values()) {
      const r = idx.range[0];
      if (r !== undefined && value[r] !== undefined && value[r] !== null) {
        const n = attrBytes(value[r]);
        if (n > L.maxRangeIndexBytes) throw refuse('INVALID_ENTITY_VALUE', `entity "${entityName}" index "${idx.name}": range value is ${n} bytes, at most ${L.maxRangeIndexBytes}`);
      }
      let p = 0;
      for (const a of idx.partition) if (value[a] !== undefined && value[a] !== null) p += attrBytes(value[a]);
      if (p > L.maxPartitionIndexBytes) throw refuse('INVALID_ENTITY_VALUE', `entity "${entityName}" index "${idx.name}": partition values are ${p} bytes, at most ${L.maxPartitionIndexBytes}`);
    }
    return def;
  }

  function ttlMs(options) {
    const ttl = options && options.ttl;
    if (ttl === undefined || ttl === null) return undefined;
    // Codes: the docs name NO TTL error code -> INVALID_TTL is a GUESS for all three refusals.
    const unit = isPlainObject(ttl) ? TTL_UNIT_MS[ttl.unit] : undefined;
    if (!unit) throw refuse('INVALID_TTL', `ttl.unit must be SECONDS, MINUTES, HOURS or DAYS, got ${JSON.stringify(ttl && ttl.unit)}`);
    // a positive integer: the minimum is SILENT in the docs (GUESS)
    if (!Number.isInteger(ttl.value) || ttl.value <= 0) throw refuse('INVALID_TTL', `ttl.value must be a positive integer, got ${JSON.stringify(ttl.value)}`);
    const ms = ttl.value * unit;
    if (ms > L.maxTtlMs) throw refuse('INVALID_TTL', `ttl ${ttl.value} ${ttl.unit} is more than the maximum TTL of 1 year (${L.maxTtlMs / DAY_MS} days)`);
    return ms;
  }

  function view(key, rec, metadataFields, extra = {}) {
    const out = { key, ...extra, value: clone(rec.value) };
    const want = metadataFields || ['CREATED_AT', 'UPDATED_AT', 'EXPIRE_TIME'];
    if (want.includes('CREATED_AT')) out.createdAt = Math.floor(rec.createdAt / 1000);
    if (want.includes('UPDATED_AT')) out.updatedAt = Math.floor(rec.updatedAt / 1000);
    if (want.includes('EXPIRE_TIME') && rec.expireAt !== undefined) out.expireTime = new Date(rec.expireAt).toISOString();
    return out;
  }
  function put(ns, key, value, ttl) {
    const t = now();
    const prev = getRec(ns, key);
    const rec = { value: clone(value), createdAt: prev ? prev.createdAt : t, updatedAt: t, expireAt: ttl === undefined ? undefined : t + ttl };
    space(ns).set(key, rec);
    return { prev, rec };
  }
  const notFound = () => new KvsError(404, L.missingKeyCode, 'Provided key does not exist');

  // ---- single-key operations ----
  function doGet(b, target) {
    if (target.entity) checkEntity(target.entityName);
    checkKey(b.key, keyKind(target));
    const rec = getRec(nsOf(target), b.key);
    if (!rec) throw notFound(); // [BASIC] "returns undefined": @forge/kvs turns 404 KEY_NOT_FOUND into undefined
    return [200, view(b.key, rec)];
  }
  function doSet(b, target, ctx) {
    if (target.entity) checkEntity(target.entityName);
    checkKey(b.key, keyKind(target));
    checkValue(b.value, target);
    if (target.entity) checkEntity(target.entityName, b.value);
    const o = b.options || {};
    const ttl = ttlMs(o);
    const ns = nsOf(target);
    if (o.keyPolicy === 'FAIL_IF_EXISTS' && getRec(ns, b.key)) {
      throw new KvsError(409, 'KEY_ALREADY_EXISTS', `Key "${b.key}" already exists`); // GUESS: status/code (SILENT)
    }
    const { prev, rec } = put(ns, b.key, b.value, ttl);
    ctx.writes += 1;
    if (o.returnValue === 'PREVIOUS') return prev ? [200, view(b.key, prev, o.returnMetadataFields)] : [204];
    if (o.returnValue === 'LATEST') return [200, view(b.key, rec, o.returnMetadataFields)];
    return [204];
  }
  function doDelete(b, target, ctx) {
    if (target.entity) checkEntity(target.entityName);
    checkKey(b.key, keyKind(target));
    space(nsOf(target)).delete(b.key);
    ctx.writes += 1;
    return [204]; // [BASIC] "this succeeds whether the key exists or not"
  }

  // ---- queries ----
  // Cursors are opaque ([QUERY] "do not persist cursors"): signed with a per-store secret and bound to the
  // namespace/index they came from; anything else is refused (BAD_REQUEST: GUESS code).
  const sign = (p) => crypto.createHmac('sha256', cursorKey).update(p).digest('base64url').slice(0, 22);
  function makeCursor(scope, after) {
    const p = Buffer.from(JSON.stringify({ s: scope, a: after })).toString('base64url');
    return `${p}.${sign(p)}`;
  }
  function readCursor(scope, c) {
    const forged = () => refuse('BAD_REQUEST', 'invalid cursor: pass back only a nextCursor this store returned for the same index'); // GUESS code
    if (typeof c !== 'string') throw forged();
    const parts = c.split('.');
    if (parts.length !== 2 || !parts[0] || parts[1] !== sign(parts[0])) throw forged();
    let o;
    try { o = JSON.parse(Buffer.from(parts[0], 'base64url').toString()); } catch { throw forged(); }
    if (!o || o.s !== scope || !Array.isArray(o.a)) throw forged();
    return o.a;
  }
  function page(items, sortKeyOf, limit, cursor, scope, direction = 1) {
    const tupleCmp = (x, y) => {
      for (let i = 0; i < x.length; i++) { const c = cmp(x[i], y[i]); if (c) return c * direction; }
      return 0;
    };
    items.sort((x, y) => tupleCmp(sortKeyOf(x), sortKeyOf(y)));
    if (cursor !== undefined && cursor !== null && cursor !== '') {
      const after = readCursor(scope, cursor);
      items = items.filter((it) => tupleCmp(sortKeyOf(it), after) > 0);
    }
    const data = items.slice(0, limit);
    const more = items.length > limit;
    return { data, cursor: more ? makeCursor(scope, sortKeyOf(data[data.length - 1])) : undefined };
  }
  function doQuery(b) {
    const limit = b.limit === undefined || b.limit === null ? L.defaultQueryLimit : b.limit;
    if (typeof limit === 'number' && limit > L.maxQueryLimit) throw refuse('LIST_QUERY_LIMIT_EXCEEDED', `Limit for list query should be at most ${L.maxQueryLimit}, got ${limit}`);
    if (!Number.isInteger(limit) || limit < 1) throw refuse('BAD_REQUEST', `limit must be an integer 1..${L.maxQueryLimit}, got ${JSON.stringify(limit)}`); // GUESS code
    const where = b.where === undefined || b.where === null ? [] : b.where;
    if (!Array.isArray(where)) throw refuse('BAD_REQUEST', 'where must be a list'); // GUESS code
    if (where.length > 1) throw refuse('QUERY_WHERE_INVALID', `KVS queries should contain only a single "where" clause, got ${where.length}`);
    for (const w of where) {
      if (!isPlainObject(w) || w.property !== 'key') throw refuse('QUERY_WHERE_FIELD_INVALID', `The specified field is not supported for filters: ${JSON.stringify(w && w.property)} (only "key")`);
      checkCondition(w, new Set(['BEGINS_WITH']), 'query where');
    }
    const meta = b.options && b.options.metadataFields;
    let items = [];
    for (const [key, rec] of space('kv')) if (visible(rec)) items.push({ key, rec });
    for (const w of where) items = items.filter((it) => clauseMatches(it.key, w));
    const { data, cursor } = page(items, (it) => [it.key], limit, b.after, 'kv');
    return [200, { data: data.map((it) => view(it.key, it.rec, meta || [])), ...(cursor ? { cursor } : {}) }];
  }
  function doEntityQuery(b) {
    if (b.entityName === undefined) throw refuse('BAD_REQUEST', 'entityName is required'); // GUESS code
    const def = checkEntity(b.entityName);
    const limit = b.limit === undefined || b.limit === null ? L.defaultQueryLimit : b.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > L.maxEntityQueryLimit) {
      throw refuse('COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE', `The page limit must be set between 1 and ${L.maxEntityQueryLimit}, got ${JSON.stringify(limit)}`);
    }
    let idx;
    if (b.indexName === KEY_INDEX) idx = { name: KEY_INDEX, partition: [], range: [], byKey: true };
    else if (def) idx = def.indexes.get(b.indexName);
    else if (typeof b.indexName === 'string' && b.indexName) idx = { name: b.indexName, partition: [], range: [b.indexName] };
    if (!idx) throw refuse('INVALID_ENTITY_INDEX', `entity "${b.entityName}" has no index ${JSON.stringify(b.indexName)}`);
    // [COMPLEX] "you must set a value for each attribute" of the partition. Code SILENT: BAD_REQUEST (GUESS)
    const partition = b.partition === undefined || b.partition === null ? [] : b.partition;
    if (!Array.isArray(partition) || partition.length !== idx.partition.length || partition.some((v) => v === null || v === undefined)) {
      throw refuse('BAD_REQUEST', `index "${idx.name}" needs a partition of ${idx.partition.length} value(s) (${idx.partition.join(', ')}), got ${JSON.stringify(b.partition)}`);
    }
    if (b.range !== undefined && b.range !== null) checkCondition(b.range, WHERE_CONDITIONS, `index "${idx.name}" range`);
    const conditions = (b.range ? 1 : 0) + checkFilters(b.filters, 'filters');
    if (conditions > L.maxQueryConditions) {
      throw refuse('BAD_REQUEST', `a query can have at most ${L.maxQueryConditions} conditions, got ${conditions}`); // GUESS code ([QUOTAS] names none)
    }
    const rangeOf = (it) => (idx.byKey ? it.key : (it.rec.value || {})[idx.range[0]]);
    const meta = b.options && b.options.metadataFields;
    let items = [];
    for (const [key, rec] of space(`entity:${b.entityName}`)) {
      if (!visible(rec)) continue;
      const v = rec.value || {};
      const it = { key, rec };
      if (rangeOf(it) === undefined) continue; // not in the index
      if (idx.partition.some((p, i) => v[p] !== partition[i])) continue;
      items.push(it);
    }
    if (b.range) items = items.filter((it) => clauseMatches(rangeOf(it), b.range));
    if (b.filters) items = items.filter((it) => filtersMatch(it.rec.value, b.filters));
    const dir = b.sort === 'DESC' ? -1 : 1;
    const { data, cursor } = page(items, (it) => [rangeOf(it), it.key], limit, b.cursor, `entity:${b.entityName}/${idx.name}`, dir);
    return [200, { data: data.map((it) => view(it.key, it.rec, meta || [])), ...(cursor ? { cursor } : {}) }];
  }

  // ---- batch ([BATCH]: the whole batch fails if it has no keys or a key (key + entity) twice; per item otherwise) ----
  function checkBatch(b, verb) {
    if (!Array.isArray(b) || b.length === 0) throw refuse('BAD_REQUEST', `batch ${verb}: needs at least one key`); // GUESS code
    if (b.length > L.maxBatchItems) throw refuse('BAD_REQUEST', `batch ${verb}: at most ${L.maxBatchItems} keys, got ${b.length}`); // GUESS code
    const bytes = jsonBytes(b);
    if (bytes > L.maxBatchBytes) throw refuse('MAX_SIZE', `batch ${verb}: payload is ${bytes} bytes, at most ${L.maxBatchBytes}`); // GUESS code (closest documented)
    const seen = new Set();
    for (const it of b) {
      const id = JSON.stringify([it && it.entityName, it && it.key]);
      if (seen.has(id)) throw refuse('BAD_REQUEST', `batch ${verb}: key "${it.key}"${it.entityName ? ` of entity "${it.entityName}"` : ''} appears twice`); // GUESS code
      seen.add(id);
    }
  }
  const targetOf = (it) => (it.entityName !== undefined ? { entityName: it.entityName, entity: true } : {});
  const ident = (it) => ({ key: it.key, ...(it.entityName ? { entityName: it.entityName } : {}) });
  const asFailure = (it, e) => ({ ...ident(it), error: { code: e.code, message: e.message } });
  function perItem(b, fn) {
    const successfulKeys = []; const failedKeys = [];
    for (const it of b) {
      try {
        if (!isPlainObject(it)) throw refuse('BAD_REQUEST', 'batch item must be an object'); // GUESS code
        successfulKeys.push(fn(it));
      } catch (e) { if (!(e instanceof KvsError)) throw e; failedKeys.push(asFailure(it || {}, e)); }
    }
    return [200, { successfulKeys, failedKeys }];
  }
  function doBatchSet(b, ctx) {
    checkBatch(b, 'set');
    return perItem(b, (it) => {
      const target = targetOf(it);
      if (target.entity) checkEntity(it.entityName);
      checkKey(it.key, keyKind(target));
      checkValue(it.value);
      if (it.entityName !== undefined) checkEntity(it.entityName, it.value);
      const ttl = ttlMs(it.options);
      put(nsOf(target), it.key, it.value, ttl);
      ctx.writes += 1;
      return ident(it);
    });
  }
  function doBatchDelete(b, ctx) {
    checkBatch(b, 'delete');
    return perItem(b, (it) => {
      const target = targetOf(it);
      if (target.entity) checkEntity(it.entityName);
      checkKey(it.key, keyKind(target));
      const ns = nsOf(target);
      // GUESS (SILENT): a missing key is a failed item of a batch delete (a single delete succeeds)
      if (!getRec(ns, it.key)) throw notFound();
      space(ns).delete(it.key);
      ctx.writes += 1;
      return ident(it);
    });
  }
  function doBatchGet(b) {
    checkBatch(b, 'get');
    return perItem(b, (it) => {
      const target = targetOf(it);
      if (target.entity) checkEntity(it.entityName);
      checkKey(it.key, keyKind(target));
      const rec = getRec(nsOf(target), it.key);
      if (!rec) throw notFound();
      const meta = it.options && it.options.metadataFields;
      return view(it.key, rec, meta || [], it.entityName ? { entityName: it.entityName } : {});
    });
  }

  // ---- transaction ([TX]: all or nothing, at most 25 operations, each key once, payload <= 4 MB) ----
  function doTransaction(b, ctx) {
    if (!isPlainObject(b)) throw refuse('BAD_REQUEST', 'transaction: body must be {set?, delete?, check?}'); // GUESS code
    const sets = b.set || []; const dels = b.delete || []; const checks = b.check || [];
    if (![sets, dels, checks].every(Array.isArray)) throw refuse('BAD_REQUEST', 'transaction: set, delete and check must be lists'); // GUESS code
    const total = sets.length + dels.length + checks.length;
    if (total === 0) throw refuse('BAD_REQUEST', 'transaction: no operations'); // GUESS code
    if (total > L.maxTransactionOps) throw refuse('BAD_REQUEST', `transaction: at most ${L.maxTransactionOps} operations, got ${total}`); // GUESS code
    const bytes = jsonBytes(b);
    if (bytes > L.maxTransactionBytes) throw refuse('MAX_SIZE', `transaction: payload is ${bytes} bytes, at most ${L.maxTransactionBytes}`); // GUESS code (closest documented)
    const seen = new Set();
    const all = [...sets, ...dels, ...checks];
    for (const op of all) {
      if (!isPlainObject(op)) throw refuse('BAD_REQUEST', 'transaction: each operation must be an object'); // GUESS code
      const id = JSON.stringify([op.entityName, op.key]);
      if (seen.has(id)) throw refuse('BAD_REQUEST', `transaction: key "${op.key}" used twice (each key can only be used once)`); // GUESS code
      seen.add(id);
    }
    for (const op of all) {
      const target = targetOf(op);
      if (target.entity) checkEntity(op.entityName);
      checkKey(op.key, keyKind(target));
      if (op.conditions !== undefined && op.conditions !== null) {
        if (op.entityName === undefined) throw refuse('BAD_REQUEST', 'transaction: conditions need an entityName'); // GUESS code
        checkFilters(op.conditions, `transaction conditions of "${op.key}"`);
      }
    }
    for (const c of checks) {
      if (c.entityName === undefined || !c.conditions) throw refuse('BAD_REQUEST', `transaction: check of "${c.key}" needs an entityName and conditions`); // GUESS code
    }
    const ttls = sets.map((s) => {
      checkValue(s.value);
      if (s.entityName !== undefined) checkEntity(s.entityName, s.value);
      return ttlMs(s.options);
    });
    for (const op of [...checks, ...sets, ...dels]) {
      if (!op.conditions) continue;
      const rec = getRec(nsOf(targetOf(op)), op.key);
      if (!filtersMatch(rec ? rec.value : undefined, op.conditions)) {
        throw new KvsError(409, 'CONDITION_FAILED', `transaction condition failed for key "${op.key}"`); // GUESS: status/code (SILENT)
      }
    }
    sets.forEach((s, i) => { put(nsOf(targetOf(s)), s.key, s.value, ttls[i]); ctx.writes += 1; });
    for (const d of dels) { space(nsOf(targetOf(d))).delete(d.key); ctx.writes += 1; }
    return [204];
  }

  const WRITE_PATHS = new Set(['/api/v1/set', '/api/v1/delete', '/api/v1/secret/set', '/api/v1/secret/delete',
    '/api/v1/entity/set', '/api/v1/entity/delete', '/api/v1/batch/set', '/api/v1/batch/delete', '/api/v1/transaction']);

  function route(path, b, ctx) {
    const entity = { entityName: b && b.entityName, entity: true };
    switch (path) {
      case '/api/v1/get': return doGet(b, {});
      case '/api/v1/set': return doSet(b, {}, ctx);
      case '/api/v1/delete': return doDelete(b, {}, ctx);
      case '/api/v1/secret/get': return doGet(b, { secret: true });
      case '/api/v1/secret/set': return doSet(b, { secret: true }, ctx);
      case '/api/v1/secret/delete': return doDelete(b, { secret: true }, ctx);
      case '/api/v1/entity/get': return doGet(b, entity);
      case '/api/v1/entity/set': return doSet(b, entity, ctx);
      case '/api/v1/entity/delete': return doDelete(b, entity, ctx);
      case '/api/v1/query': return doQuery(b);
      case '/api/v1/entity/query': return doEntityQuery(b);
      case '/api/v1/batch/set': return doBatchSet(b, ctx);
      case '/api/v1/batch/delete': return doBatchDelete(b, ctx);
      case '/api/v1/batch/get': return doBatchGet(b);
      case '/api/v1/transaction': return doTransaction(b, ctx);
      default: throw new KvsError(404, 'NOT_FOUND', `test-bed KVS: unknown endpoint ${path}`);
    }
  }

  // ---- rate limits ([LIMITS]; per installation = per store; REAL time) ----
  const unitsOf = (bytes) => Math.max(1, Math.ceil(bytes / L.rateUnitBytes));
  const rateLimited = (what) => {
    stats.rateLimited += 1;
    return new KvsError(429, 'RATE_LIMIT_EXCEEDED', `rate limit exceeded: ${what}`);
  };

  function handle(path, body) {
    stats.requests += 1;
    stats.byPath[path] = (stats.byPath[path] || 0) + 1;
    const isWrite = WRITE_PATHS.has(path);
    const entry = { path, body: clone(body), at: now(), write: isWrite };
    log.push(entry);
    const ctx = { writes: 0 };
    const b = body === undefined || body === null ? {} : body;
    let status; let resBody;
    const fi = faults.findIndex((f) => !f.path || f.path === path || (f.path instanceof RegExp && f.path.test(path)));
    try {
      if (fi >= 0) {
        const f = faults[fi];
        if (--f.times <= 0) faults.splice(fi, 1);
        entry.injected = true; // a test's fault, not a refusal of what the app sent
        throw new KvsError(f.status || 500, f.code || 'INTERNAL_SERVER_ERROR', f.message || 'injected fault');
      }
      const t = realNow();
      const inSecond = perSecond.total(t) + 1;
      if (L.rateLimits && inSecond > L.maxRequestsPerSecond) throw rateLimited(`more than ${L.maxRequestsPerSecond} requests per second`);
      perSecond.add(t, 1);
      stats.peakRequestsPerSecond = Math.max(stats.peakRequestsPerSecond, inSecond);
      if (isWrite) {
        const units = unitsOf(jsonBytes(b));
        const inMinute = writeUnits.total(t) + units;
        if (L.rateLimits && inMinute > L.maxWriteUnitsPerMinute) throw rateLimited(`more than ${L.maxWriteUnitsPerMinute} write units (10 KB) per minute`);
        writeUnits.add(t, units);
        stats.peakWriteUnitsPerMinute = Math.max(stats.peakWriteUnitsPerMinute, inMinute);
        stats.writeAttempts += 1;
        [status, resBody] = route(path, b, ctx);
        stats.writes += ctx.writes;
      } else {
        // a read changes nothing: run it, then count the units of its answer (refused if over the limit)
        let result; let failure;
        try { result = route(path, b, ctx); } catch (e) { if (!(e instanceof KvsError)) throw e; failure = e; }
        const units = unitsOf(failure ? 0 : jsonBytes(result[1]));
        const inMinute = readUnits.total(t) + units;
        if (L.rateLimits && inMinute > L.maxReadUnitsPerMinute) throw rateLimited(`more than ${L.maxReadUnitsPerMinute} read units (10 KB) per minute`);
        readUnits.add(t, units);
        stats.peakReadUnitsPerMinute = Math.max(stats.peakReadUnitsPerMinute, inMinute);
        stats.reads += 1;
        if (failure) throw failure;
        [status, resBody] = result;
      }
    } catch (e) {
      if (!(e instanceof KvsError)) throw e;
      status = e.status;
      resBody = { code: e.code, message: e.message };
    }
    entry.status = status;
    if (resBody && resBody.code) entry.code = resBody.code;
    return { status, body: resBody };
  }

  function dump() {
    const out = { kv: {}, secrets: {}, entities: {} };
    for (const [ns, m] of spaces) {
      for (const [key, rec] of m) {
        if (!visible(rec)) continue;
        if (ns === 'kv') out.kv[key] = clone(rec.value);
        else if (ns === 'secret') out.secrets[key] = clone(rec.value);
        else {
          const name = ns.slice('entity:'.length);
          (out.entities[name] = out.entities[name] || {})[key] = clone(rec.value);
        }
      }
    }
    return out;
  }

  return {
    handle,
    stats,
    log,
    dump,
    snapshot: () => clone(dump()),
    reset() {
      spaces = new Map();
      log.length = 0;
      Object.assign(stats, freshStats());
      perSecond.clear(); readUnits.clear(); writeUnits.clear();
    },
    /** put a record directly (not counted as a write, not checked); ttlMs relative to the simulated now */
    seed(key, value, { entityName, secret, ttlMs: ttl } = {}) {
      const t = now();
      space(nsOf({ entityName, secret })).set(key, { value: clone(value), createdAt: t, updatedAt: t, expireAt: ttl === undefined ? undefined : t + ttl });
    },
    /** read a value as a get would (undefined if missing or expired past the lag; not counted) */
    peek(key, { entityName, secret } = {}) {
      const rec = getRec(nsOf({ entityName, secret }), key);
      return rec ? clone(rec.value) : undefined;
    },
    injectFault({ path, times = 1, status = 500, code = 'INTERNAL_SERVER_ERROR', message } = {}) {
      faults.push({ path, times, status, code, message });
    },
    entityDefs,
    limits: L,
  };
}

module.exports = { createKvs, checkEntityDeclarations, valueDepth, KEY_RE, DEFAULT_LIMITS };
