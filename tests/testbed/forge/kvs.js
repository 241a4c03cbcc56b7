'use strict';
// In-memory Forge KVS / Custom Entity Store, speaking the endpoints of @forge/kvs 1.6.5
// (request/response shapes read from @forge/kvs/out/storage-api.js, query.js, entity-query.js,
// transaction-api.js, utils/transaction-request-builder.js, interfaces/kvs-api.d.ts):
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
// ttl {value, unit: SECONDS|MINUTES|HOURS|DAYS}: a record expires when the SIMULATED clock (`now`)
// passes its expiry; metadataFields CREATED_AT | UPDATED_AT | EXPIRE_TIME on reads
// (createdAt/updatedAt in epoch SECONDS, expireTime ISO string, as in @forge/kvs's own tests).
//
// What comes from the package (shapes) vs what is a guess (marked GUESS below): status codes and error
// codes other than KEY_NOT_FOUND / BAD_REQUEST / VALIDATION_ERROR, the limits, cursor format (opaque).
//
// API (for tests):
//   const kvs = createKvs({ entities, now, limits })
//   kvs.handle(path, body) -> {status, body}          (what __forge_fetch__ turns into a Response)
//   kvs.stats  {requests, reads, writes, writeAttempts, byPath}   writes = mutated items accepted
//   kvs.log    [{path, body, status, code, at, write}]
//   kvs.dump() -> {kv:{key:value}, secrets:{...}, entities:{name:{key:value}}}  (live records only)
//   kvs.snapshot() -> deep copy of dump();  kvs.reset()
//   kvs.seed(key, value, {entityName, secret, ttlMs})  / kvs.peek(key, {entityName, secret})  (not counted)
//   kvs.injectFault({path, times=1, status=500, code='INTERNAL_SERVER_ERROR', message})

const KEY_RE = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/; // key syntax documented for Forge storage
const TTL_UNIT_MS = { SECONDS: 1000, MINUTES: 60000, HOURS: 3600000, DAYS: 86400000 };
const DEFAULT_LIMITS = {
  maxKeyLength: 500,
  maxValueBytes: 240 * 1024,
  defaultQueryLimit: 10,  // GUESS
  maxQueryLimit: 100,     // GUESS
  maxTransactionOps: 25,  // GUESS
  maxBatchItems: 25,      // GUESS
};

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64');
const unb64 = (s) => JSON.parse(Buffer.from(String(s), 'base64').toString());

class KvsError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
const bad = (message, code = 'BAD_REQUEST') => new KvsError(400, code, message);

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

function typeOk(type, v) {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'float': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    default: return true; // any / unknown
  }
}

function cmp(a, b) {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === typeof b) return a < b ? -1 : 1;
  return String(a) < String(b) ? -1 : 1;
}

function clauseMatches(v, c) {
  const vals = c.values || [];
  const [a, b] = vals;
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
    default: throw bad(`unsupported condition ${c.condition}`);
  }
}

function filtersMatch(value, filters) {
  if (!filters) return true;
  const prop = (f) => (value && typeof value === 'object' ? value[f.property] : undefined);
  if (Array.isArray(filters.and) && filters.and.length) return filters.and.every((f) => clauseMatches(prop(f), f));
  if (Array.isArray(filters.or) && filters.or.length) return filters.or.some((f) => clauseMatches(prop(f), f));
  return true;
}

function createKvs({ entities, now = () => Date.now(), limits = {} } = {}) {
  const L = { ...DEFAULT_LIMITS, ...limits };
  const entityDefs = normaliseEntities(entities);
  let spaces = new Map(); // ns -> Map(key -> {value, createdAt, updatedAt, expireAt})
  const faults = [];
  const stats = { requests: 0, reads: 0, writes: 0, writeAttempts: 0, byPath: {} };
  const log = [];

  const space = (ns) => {
    if (!spaces.has(ns)) spaces.set(ns, new Map());
    return spaces.get(ns);
  };
  const nsOf = ({ entityName, secret }) => (secret ? 'secret' : entityName ? `entity:${entityName}` : 'kv');
  const alive = (rec) => rec && (rec.expireAt === undefined || rec.expireAt > now());
  const getRec = (ns, key) => {
    const m = space(ns);
    const rec = m.get(key);
    if (rec && !alive(rec)) { m.delete(key); return undefined; }
    return rec;
  };

  function checkKey(key) {
    if (typeof key !== 'string' || key.length === 0) throw bad('key must be a non-empty string');
    if (key.length > L.maxKeyLength) throw bad(`key longer than ${L.maxKeyLength} characters`);
    if (!KEY_RE.test(key)) throw bad(`key "${key}" does not match ${KEY_RE}`);
  }
  function checkEntity(entityName, value) {
    if (!entityDefs) return null;
    const def = entityDefs.get(entityName);
    if (!def) throw bad(`entity "${entityName}" is not declared in the manifest (app.storage.entities)`);
    if (value !== undefined) {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(`entity "${entityName}" value must be an object`, 'VALIDATION_ERROR');
      for (const [attr, spec] of Object.entries(def.attributes)) {
        if (value[attr] !== undefined && value[attr] !== null && !typeOk(spec.type, value[attr])) {
          throw bad(`entity "${entityName}" attribute "${attr}" must be ${spec.type}`, 'VALIDATION_ERROR');
        }
      }
    }
    return def;
  }
  function checkValue(value) {
    if (value === undefined) throw bad('value is required');
    const size = Buffer.byteLength(JSON.stringify(value));
    if (size > L.maxValueBytes) throw bad(`value is ${size} bytes, more than ${L.maxValueBytes}`, 'VALIDATION_ERROR');
  }
  function ttlMs(options) {
    const ttl = options && options.ttl;
    if (!ttl) return undefined;
    const unit = TTL_UNIT_MS[ttl.unit];
    if (!unit || !Number.isInteger(ttl.value) || ttl.value <= 0) throw bad(`invalid ttl ${JSON.stringify(ttl)}`);
    return ttl.value * unit;
  }
  function view(key, rec, metadataFields, extra = {}) {
    const out = { key, ...extra, value: clone(rec.value) };
    const want = metadataFields || ['CREATED_AT', 'UPDATED_AT', 'EXPIRE_TIME'];
    if (want.includes('CREATED_AT')) out.createdAt = Math.floor(rec.createdAt / 1000);
    if (want.includes('UPDATED_AT')) out.updatedAt = Math.floor(rec.updatedAt / 1000);
    if (want.includes('EXPIRE_TIME') && rec.expireAt !== undefined) out.expireTime = new Date(rec.expireAt).toISOString();
    return out;
  }
  function put(ns, key, value, options) {
    const t = now();
    const ttl = ttlMs(options);
    const m = space(ns);
    const prev = getRec(ns, key);
    const rec = { value: clone(value), createdAt: prev ? prev.createdAt : t, updatedAt: t, expireAt: ttl === undefined ? undefined : t + ttl };
    m.set(key, rec);
    return { prev, rec };
  }

  // ---- single-key operations ----
  function doGet(b, target) {
    checkKey(b.key);
    if (target.entityName) checkEntity(target.entityName);
    const rec = getRec(nsOf(target), b.key);
    if (!rec) throw new KvsError(404, 'KEY_NOT_FOUND', 'Provided key does not exist');
    return [200, view(b.key, rec)];
  }
  function doSet(b, target, ctx) {
    checkKey(b.key);
    checkValue(b.value);
    if (target.entityName) checkEntity(target.entityName, b.value);
    const o = b.options || {};
    ttlMs(o);
    const ns = nsOf(target);
    if (o.keyPolicy === 'FAIL_IF_EXISTS' && getRec(ns, b.key)) {
      throw new KvsError(409, 'KEY_ALREADY_EXISTS', `Key "${b.key}" already exists`); // GUESS: status/code
    }
    const { prev, rec } = put(ns, b.key, b.value, o);
    ctx.writes += 1;
    if (o.returnValue === 'PREVIOUS') return prev ? [200, view(b.key, prev, o.returnMetadataFields)] : [204];
    if (o.returnValue === 'LATEST') return [200, view(b.key, rec, o.returnMetadataFields)];
    return [204];
  }
  function doDelete(b, target, ctx) {
    checkKey(b.key);
    if (target.entityName) checkEntity(target.entityName);
    const ns = nsOf(target);
    space(ns).delete(b.key);
    ctx.writes += 1;
    // GUESS: deleting a missing key answers 204 (the package swallows KEY_NOT_FOUND either way)
    return [204];
  }

  // ---- queries ----
  function page(items, sortKeyOf, b, cursorField, direction = 1) {
    const limit = b.limit === undefined ? L.defaultQueryLimit : b.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > L.maxQueryLimit) throw bad(`limit must be an integer 1..${L.maxQueryLimit}`);
    const tupleCmp = (x, y) => {
      for (let i = 0; i < x.length; i++) { const c = cmp(x[i], y[i]); if (c) return c * direction; }
      return 0;
    };
    items.sort((x, y) => tupleCmp(sortKeyOf(x), sortKeyOf(y)));
    if (b[cursorField]) {
      let after;
      try { after = unb64(b[cursorField]); } catch { throw bad('invalid cursor'); }
      if (!Array.isArray(after)) throw bad('invalid cursor');
      items = items.filter((it) => tupleCmp(sortKeyOf(it), after) > 0);
    }
    const data = items.slice(0, limit);
    const more = items.length > limit;
    return { data, cursor: more ? b64(sortKeyOf(data[data.length - 1])) : undefined };
  }
  function doQuery(b) {
    const meta = b.options && b.options.metadataFields;
    let items = [];
    for (const [key, rec] of space('kv')) if (alive(rec)) items.push({ key, rec });
    for (const w of b.where || []) {
      if (w.property !== 'key') throw bad(`query: where on "${w.property}" is not supported`);
      if (w.condition !== 'BEGINS_WITH') throw bad(`query: condition ${w.condition} is not supported`);
      items = items.filter((it) => clauseMatches(it.key, w));
    }
    const { data, cursor } = page(items, (it) => [it.key], b, 'after');
    return [200, { data: data.map((it) => view(it.key, it.rec, meta || [])), ...(cursor ? { cursor } : {}) }];
  }
  function doEntityQuery(b) {
    if (!b.entityName) throw bad('entityName is required');
    const def = checkEntity(b.entityName);
    let idx;
    if (def) {
      idx = def.indexes.get(b.indexName);
      if (!idx) throw bad(`entity "${b.entityName}" has no index "${b.indexName}"`);
    } else {
      idx = { name: b.indexName, partition: [], range: [b.indexName] };
    }
    const partition = b.partition || [];
    if (partition.length !== idx.partition.length) {
      throw bad(`index "${idx.name}" needs a partition of ${idx.partition.length} value(s) (${idx.partition.join(', ')}), got ${partition.length}`);
    }
    const rangeAttr = idx.range[0];
    const meta = b.options && b.options.metadataFields;
    let items = [];
    for (const [key, rec] of space(`entity:${b.entityName}`)) {
      if (!alive(rec)) continue;
      const v = rec.value || {};
      if (rangeAttr !== undefined && v[rangeAttr] === undefined) continue; // not in the index
      if (idx.partition.some((p, i) => v[p] !== partition[i])) continue;
      items.push({ key, rec });
    }
    if (b.range) items = items.filter((it) => clauseMatches(it.rec.value[rangeAttr], b.range));
    if (b.filters) items = items.filter((it) => filtersMatch(it.rec.value, b.filters));
    const dir = b.sort === 'DESC' ? -1 : 1;
    const { data, cursor } = page(items, (it) => [it.rec.value[rangeAttr], it.key], b, 'cursor', dir);
    return [200, { data: data.map((it) => view(it.key, it.rec, meta || [])), ...(cursor ? { cursor } : {}) }];
  }

  // ---- batch ----
  function batchItems(b, verb) {
    if (!Array.isArray(b) || b.length === 0) throw bad(`batch ${verb}: needs at least one item`);
    if (b.length > L.maxBatchItems) throw bad(`batch ${verb}: at most ${L.maxBatchItems} items`);
    const seen = new Set();
    for (const it of b) {
      const id = `${it.entityName || ''}\u0000${it.key}`;
      if (seen.has(id)) throw bad(`batch ${verb}: key "${it.key}" appears twice`);
      seen.add(id);
    }
  }
  const ident = (it) => ({ key: it.key, ...(it.entityName ? { entityName: it.entityName } : {}) });
  const asFailure = (it, e) => ({ ...ident(it), error: { code: e.code || 'VALIDATION_ERROR', message: e.message } });
  function doBatchSet(b, ctx) {
    batchItems(b, 'set');
    const successfulKeys = []; const failedKeys = [];
    for (const it of b) {
      try {
        checkKey(it.key); checkValue(it.value);
        if (it.entityName) checkEntity(it.entityName, it.value);
        put(nsOf(it), it.key, it.value, it.options);
        ctx.writes += 1;
        successfulKeys.push(ident(it));
      } catch (e) { if (!(e instanceof KvsError)) throw e; failedKeys.push(asFailure(it, e)); }
    }
    return [200, { successfulKeys, failedKeys }];
  }
  function doBatchDelete(b, ctx) {
    batchItems(b, 'delete');
    const successfulKeys = []; const failedKeys = [];
    for (const it of b) {
      try {
        checkKey(it.key);
        if (it.entityName) checkEntity(it.entityName);
        const ns = nsOf(it);
        if (!getRec(ns, it.key)) throw new KvsError(404, 'KEY_NOT_FOUND', 'Key does not exist');
        space(ns).delete(it.key);
        ctx.writes += 1;
        successfulKeys.push(ident(it));
      } catch (e) { if (!(e instanceof KvsError)) throw e; failedKeys.push(asFailure(it, e)); }
    }
    return [200, { successfulKeys, failedKeys }];
  }
  function doBatchGet(b) {
    batchItems(b, 'get');
    const successfulKeys = []; const failedKeys = [];
    for (const it of b) {
      try {
        checkKey(it.key);
        if (it.entityName) checkEntity(it.entityName);
        const rec = getRec(nsOf(it), it.key);
        if (!rec) throw new KvsError(404, 'KEY_NOT_FOUND', 'Key does not exist');
        const meta = it.options && it.options.metadataFields;
        successfulKeys.push(view(it.key, rec, meta || [], it.entityName ? { entityName: it.entityName } : {}));
      } catch (e) { if (!(e instanceof KvsError)) throw e; failedKeys.push(asFailure(it, e)); }
    }
    return [200, { successfulKeys, failedKeys }];
  }

  // ---- transaction (all or nothing) ----
  function doTransaction(b, ctx) {
    const sets = b.set || []; const dels = b.delete || []; const checks = b.check || [];
    const total = sets.length + dels.length + checks.length;
    if (total === 0) throw bad('transaction: no operations');
    if (total > L.maxTransactionOps) throw bad(`transaction: at most ${L.maxTransactionOps} operations, got ${total}`);
    const seen = new Set();
    for (const op of [...sets, ...dels, ...checks]) {
      checkKey(op.key);
      const id = `${op.entityName || ''}\u0000${op.key}`;
      if (seen.has(id)) throw bad(`transaction: key "${op.key}" used twice`);
      seen.add(id);
      if (op.entityName) checkEntity(op.entityName, op.value);
      if (op.conditions && !op.entityName) throw bad('transaction: conditions need an entityName');
    }
    for (const s of sets) { checkValue(s.value); ttlMs(s.options); }
    for (const op of [...checks, ...sets, ...dels]) {
      if (!op.conditions) continue;
      const rec = getRec(nsOf(op), op.key);
      if (!filtersMatch(rec ? rec.value : undefined, op.conditions)) {
        // GUESS: status/code of a failed transaction condition
        throw new KvsError(409, 'CONDITION_FAILED', `transaction condition failed for key "${op.key}"`);
      }
    }
    for (const s of sets) { put(nsOf(s), s.key, s.value, s.options); ctx.writes += 1; }
    for (const d of dels) { space(nsOf(d)).delete(d.key); ctx.writes += 1; }
    return [204];
  }

  const WRITE_PATHS = new Set(['/api/v1/set', '/api/v1/delete', '/api/v1/secret/set', '/api/v1/secret/delete',
    '/api/v1/entity/set', '/api/v1/entity/delete', '/api/v1/batch/set', '/api/v1/batch/delete', '/api/v1/transaction']);

  function route(path, b, ctx) {
    switch (path) {
      case '/api/v1/get': return doGet(b, {});
      case '/api/v1/set': return doSet(b, {}, ctx);
      case '/api/v1/delete': return doDelete(b, {}, ctx);
      case '/api/v1/secret/get': return doGet(b, { secret: true });
      case '/api/v1/secret/set': return doSet(b, { secret: true }, ctx);
      case '/api/v1/secret/delete': return doDelete(b, { secret: true }, ctx);
      case '/api/v1/entity/get': return doGet(b, { entityName: b.entityName });
      case '/api/v1/entity/set': return doSet(b, { entityName: b.entityName }, ctx);
      case '/api/v1/entity/delete': return doDelete(b, { entityName: b.entityName }, ctx);
      case '/api/v1/query': return doQuery(b);
      case '/api/v1/entity/query': return doEntityQuery(b);
      case '/api/v1/batch/set': return doBatchSet(b, ctx);
      case '/api/v1/batch/delete': return doBatchDelete(b, ctx);
      case '/api/v1/batch/get': return doBatchGet(b);
      case '/api/v1/transaction': return doTransaction(b, ctx);
      default: throw new KvsError(404, 'NOT_FOUND', `test-bed KVS: unknown endpoint ${path}`);
    }
  }

  function handle(path, body) {
    stats.requests += 1;
    stats.byPath[path] = (stats.byPath[path] || 0) + 1;
    const isWrite = WRITE_PATHS.has(path);
    const entry = { path, body: clone(body), at: now(), write: isWrite };
    log.push(entry);
    const ctx = { writes: 0 };
    let status; let resBody;
    const fi = faults.findIndex((f) => !f.path || f.path === path || (f.path instanceof RegExp && f.path.test(path)));
    try {
      if (fi >= 0) {
        const f = faults[fi];
        if (--f.times <= 0) faults.splice(fi, 1);
        throw new KvsError(f.status || 500, f.code || 'INTERNAL_SERVER_ERROR', f.message || 'injected fault');
      }
      if (isWrite) stats.writeAttempts += 1; else stats.reads += 1;
      [status, resBody] = route(path, body === undefined ? {} : body, ctx);
      stats.writes += ctx.writes;
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
        if (!alive(rec)) continue;
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
      Object.assign(stats, { requests: 0, reads: 0, writes: 0, writeAttempts: 0, byPath: {} });
    },
    /** put a record directly (not counted as a write); ttlMs relative to the simulated now */
    seed(key, value, { entityName, secret, ttlMs: ttl } = {}) {
      const t = now();
      space(nsOf({ entityName, secret })).set(key, { value: clone(value), createdAt: t, updatedAt: t, expireAt: ttl === undefined ? undefined : t + ttl });
    },
    /** read a live value directly (undefined if missing/expired; not counted) */
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

module.exports = { createKvs, KEY_RE, DEFAULT_LIMITS };
