'use strict';
// Proof: invalid payloads through the REAL resolver handlers (bed.invokeResolver: @forge/resolver,
// the shim's driver, the WASM core, the emulator, Forge SQL on MariaDB, KVS, queue) answer a coded
// 400 before any effect, never throw, and the whole run writes nothing anywhere.
//
// The caller is a Jira admin who also administers the project, so no permission check can mask a
// validation fault. A seeded PRNG mutates a valid payload per resolver 1-3 times: wrong types,
// oversized strings / numbers / arrays, deep nesting, unicode (RTL override, lone surrogates,
// emoji, NUL), injection strings (SQL, script, JNDI, template, CRLF header, JQL, path), unknown
// fields (also __proto__ / constructor / accountId / case variants of real names), wrong ids,
// removed required fields and non-object payloads.
//
//   node --test tests/proof/bad-input.test.js             short form: 300 payloads per resolver
//   PROOF=long node --test tests/proof/bad-input.test.js  long form: 10,000 per resolver
//   PROOF_SEED=1234 ...                                    another seed (printed on every run)
//
// A mutation can land on a valid value by chance (e.g. a template replaced by another valid
// template, an optional field set to null = absent, a getLogs cursor only the store can judge). Such
// a payload goes on like a valid one; it is counted, must stay under 5% per resolver, and may only
// READ (Jira GETs, SQL SELECTs): the valid payloads below name a board / job that does not exist
// where going on could write (update*, create*, cancel*, undo*), and a dry run of a board without
// sprints for the rename, so "valid by chance" can never write either.
const test = require('node:test');
const assert = require('node:assert/strict');
const { performance } = require('node:perf_hooks');
const { startTestbed } = require('../testbed');
const { counters, delta, writesIn, table, resolverKeysFromCodes } = require('./proof-lib');

const LONG = process.env.PROOF === 'long';
const PER_RESOLVER = Number(process.env.PROOF_COUNT) || (LONG ? 10_000 : 300);
const SEED = Number(process.env.PROOF_SEED) || 0x5eed;
const MAX_BY_CHANCE = 0.05;
// 400s only the board's data can show (after the permission check and Jira reads).
const LATE_PLAN_CODES = ['SPRINT_NAME_TOO_LONG', 'PLAN_TOO_LARGE', 'PLAN_ENDS_BEFORE_START'];

const ADMIN = 'proof-admin-0001'; // Jira admin AND project admin of PA
const MISSING_BOARD = 777777; // well-formed, not in Jira
const MISSING_JOB = 'bulk-00000000deadbeef'; // well-formed, not stored

// ---- PRNG (mulberry32: small, seedable, deterministic) -----------------------------------------
function rngOf(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (n) => Math.floor(next() * n),
    pick(items) { return items[Math.floor(next() * items.length)]; },
  };
}

const NASTY = [
  "'; DROP TABLE board_settings; --",
  "1' OR '1'='1",
  'PA" OR project = PB',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '\u0000',
  'a\u0000b',
  'Ω≈ç√∫˜µ≤≥÷',
  '🏃‍♀️💨',
  '\u202eevil',
  '\ud800', // lone surrogate
  '\udfff\ud800',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '{board',
  '}',
  '{nope}',
  '{start:YYYY}',
  '\r\nX-Forge-Account-Id: 5b10a2844c20165700ede21g',
  ' ',
  '',
  'null',
  'NaN',
  '-0',
  '1e309',
  '2026-02-30T09:00',
  '24:00',
  'Europe/Nowhere',
  'MON ',
  'mon',
  '__proto__',
];

const SPECIAL_FIELD_NAMES = ['__proto__', 'constructor', 'prototype', 'accountId', 'toString', 'hasOwnProperty', ''];

const deep = (n) => { let v = 1; for (let i = 0; i < n; i++) v = [v]; return v; };
const deepObj = (n) => { let v = {}; for (let i = 0; i < n; i++) v = { a: v }; return v; };

// ---- valid payloads --------------------------------------------------------------------------
function validPayloads(boardA, boardA2) {
  const settings = {
    automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: 'Europe/Berlin',
    startTime: '09:00', closeTime: '17:00', workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: ['2026-12-25'],
    keepAhead: 1, nameTemplate: '{board} S{n}',
  };
  const plan = {
    firstStart: '2026-02-02T09:00', timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' }, gapDays: 1, count: 4,
    calendar: { workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: ['2026-12-25'] },
    nameTemplate: '{board} {n} {start:DD.MM.}', goalTemplate: 'Goal {n}', startNumber: 5,
  };
  const job = { projectKey: 'PA', jobId: MISSING_JOB };
  return {
    ping: {},
    getGlobalSettings: {},
    updateGlobalSettings: { settings: { automationEnabled: true, defaultTimeZone: 'UTC', defaultCarryOver: 'backlog', logRetentionDays: 30 } },
    listBoards: { projectKey: 'PA' },
    getBoardSettings: { projectKey: 'PA', boardId: boardA },
    updateBoardSettings: { projectKey: 'PA', boardId: MISSING_BOARD, settings },
    getLogs: { boardId: boardA, level: 'info', kind: 'started', limit: 10, cursor: 'abc', from: '2026-01-01T00:00:00Z', before: '2026-02-01T00:00:00Z' },
    previewBulkPlan: { projectKey: 'PA', boardIds: [boardA, boardA2], plan },
    createBulkSprints: { projectKey: 'PA', boardIds: [MISSING_BOARD], plan },
    getBulkJob: job,
    listBulkJobs: { projectKey: 'PA' },
    cancelBulkJob: job,
    undoBulkJob: job,
    renameFutureSprints: { projectKey: 'PA', boardId: boardA2, nameTemplate: 'S {n}', dryRun: true },
    getSiteOverview: { after: boardA, limit: 10 },
  };
}
// Fields a payload may leave out: not removed by the "missing field" mutation (that would be valid).
const OPTIONAL = new Set(['ping', 'getGlobalSettings', 'getLogs'].flatMap((k) => ['boardId', 'level', 'kind', 'limit', 'cursor', 'from', 'before'].map((f) => `${k}:${f}`))
  .concat(['getSiteOverview:after', 'getSiteOverview:limit'])
  .concat(['renameFutureSprints:dryRun', 'updateBoardSettings:settings.nameTemplate',
    ...['previewBulkPlan', 'createBulkSprints'].flatMap((k) => ['gapDays', 'calendar', 'goalTemplate', 'startNumber', 'timeZone', 'calendar.workingDays', 'calendar.holidays']
      .map((f) => `${k}:plan.${f}`))]));

// ---- the mutator -----------------------------------------------------------------------------
function paths(v, prefix = []) {
  const out = [];
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      out.push(...paths(v[k], p));
    }
  }
  return out;
}
const getAt = (v, p) => p.reduce((o, k) => o[k], v);
function setAt(v, p, value) {
  const parent = getAt(v, p.slice(0, -1));
  Object.defineProperty(parent, p[p.length - 1], { value, enumerable: true, writable: true, configurable: true });
}
const clone = (v) => JSON.parse(JSON.stringify(v));

// Scalars that could be valid somewhere are kept out of what the mutations put in (no positive
// integers, no `false`): stacked mutations must not turn an id back into a real one (e.g.
// 777777 -> [777777] -> 1) or a setting into another valid setting (true -> {} -> false), which
// would be a valid payload that rightly writes. 0 stays: a wrong id, and valid by chance only
// for keepAhead / gapDays of payloads that cannot write (a board that does not exist).
function wrongType(rng, cur) {
  if (typeof cur === 'string') return rng.pick([-1, true, [], {}, 1.5, [cur], { value: cur }]);
  if (typeof cur === 'boolean') return rng.pick([-1, 'true', [true], 0, 'false', {}, 'yes']);
  if (typeof cur === 'number') return rng.pick([String(cur), true, [cur], 1.5, -1, 0, { id: cur }, `${cur} `]);
  if (Array.isArray(cur)) return rng.pick(['MON', -1, { 0: 1 }, [null, {}], [[]], true]);
  if (cur === null) return rng.pick([-1, true, [], {}, 1.5]);
  return rng.pick(['x', -1, [], 1.5, [cur]]);
}

function oversized(rng, cur) {
  if (typeof cur === 'string') return rng.pick(NASTY).repeat(1 + rng.below(3)) + 'x'.repeat(1000 + rng.below(20_000));
  if (typeof cur === 'number') return rng.pick([2 ** 60, -9_007_199_254_740_992, 1e300, 9_007_199_254_740_992, Number.MAX_SAFE_INTEGER + 2, -1e21]);
  if (Array.isArray(cur)) return rng.pick([Array(400).fill(cur[0] ?? 'x'), Array(101).fill(1), deep(300)]);
  return rng.pick([deepObj(300), deep(300), Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))]);
}

function wrongValue(rng, cur) {
  // Wrong ids and out-of-range numbers; hostile strings where names, keys, zones and times go.
  // (No number here is in range for any integer field; 0 comes with the wrong types above.)
  if (typeof cur === 'number') return rng.pick([-1, -7, -0.5, 1.0000001, 3.5, 1e21, -9_007_199_254_740_992, Number.MIN_SAFE_INTEGER]);
  if (typeof cur === 'string') {
    const n = rng.pick(NASTY);
    // A wrong case is a near miss for the app's enums; zone names are read in any case
    // (`europe/berlin` is Europe/Berlin), so a zone gets a wrong case AND a wrong character.
    const zone = /^(UTC|[A-Z][A-Za-z_]+\/[A-Za-z_/+-]+)$/.test(cur);
    const recased = cur.toLowerCase() === cur ? cur.toUpperCase() + n : cur.toLowerCase() + (zone ? n : '');
    return rng.pick([n, `${cur}${n}`, `${n}${cur}`, `${cur}\u202e`, recased]);
  }
  if (Array.isArray(cur)) return cur.length ? cur.map(() => rng.pick(NASTY)) : [rng.pick(NASTY)];
  return wrongType(rng, cur);
}

function nonObject(rng, key) {
  // @forge/resolver hands the function `payload || {}`: a falsy payload arrives as {}. Those are
  // only sent to keys for which {} is itself invalid.
  const emptyIsValid = ['ping', 'getGlobalSettings', 'getLogs', 'getSiteOverview'].includes(key);
  const truthy = ['x', 7, -1, 1.5, true, [], [{}], ['projectKey'], 'null', '{}', deep(200)];
  return rng.pick(emptyIsValid ? truthy : [...truthy, null, false, 0, '']);
}

function mutate(rng, key, payload) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return nonObject(rng, key);
  if (rng.below(12) === 0) return nonObject(rng, key);
  const out = clone(payload);
  const all = paths(out);
  const choice = all.length ? rng.below(6) : 0;
  if (choice === 0) {
    // An unknown field on the payload or on one of its objects.
    const objs = [[], ...all.filter((p) => { const v = getAt(out, p); return v && typeof v === 'object' && !Array.isArray(v); })];
    const at = rng.pick(objs);
    const target = getAt(out, at);
    const known = Object.keys(target);
    const name = rng.pick([
      () => rng.pick(SPECIAL_FIELD_NAMES),
      () => `${rng.pick(NASTY)}${rng.below(1000)}`,
      () => (known.length ? `${rng.pick(known)} ` : 'x'),
      () => (known.length ? rng.pick(known).toUpperCase() : 'X'),
      () => 'f'.repeat(1 + rng.below(5000)),
    ])();
    if (known.includes(name)) return mutate(rng, key, payload);
    Object.defineProperty(target, name, { value: rng.pick([1, 'x', true, null, {}, []]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  const p = rng.pick(all);
  const cur = getAt(out, p);
  if (choice === 1) setAt(out, p, wrongType(rng, cur));
  else if (choice === 2) setAt(out, p, oversized(rng, cur));
  else if (choice === 3 || choice === 4) setAt(out, p, wrongValue(rng, cur));
  else {
    // A required field removed (an array element removed only from a non-empty array).
    const name = p.filter((k) => typeof k === 'string').join('.');
    const parent = getAt(out, p.slice(0, -1));
    if (Array.isArray(parent) || OPTIONAL.has(`${key}:${name}`)) setAt(out, p, wrongType(rng, cur));
    else delete parent[p[p.length - 1]];
  }
  return out;
}

// ---- the run ---------------------------------------------------------------------------------
test(`bad input: ${PER_RESOLVER} invalid payloads per resolver through the real handlers (seed ${SEED})`, async (t) => {
  const started = performance.now();
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z' });
  t.after(() => bed.close());
  bed.jira.addProject({ key: 'PA', name: 'Project Alpha' });
  bed.jira.addProject({ key: 'PB', name: 'Project Beta' });
  bed.jira.addUser({ accountId: ADMIN, jiraAdmin: true, projectAdminOf: ['PA'] });
  const boardA = bed.jira.addBoard({ name: 'Alpha scrum', projectKey: 'PA' }).id;
  const boardA2 = bed.jira.addBoard({ name: 'Alpha second', projectKey: 'PA' }).id; // no sprints: a rename renames nothing
  bed.jira.addSprint({ boardId: boardA, name: 'Alpha 1', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z' });
  const [{ result }] = await bed.runLifecycle('installed');
  assert.equal(result.ok, true, JSON.stringify(result));
  const as = { accountId: ADMIN };

  const keys = resolverKeysFromCodes();
  const valid = validPayloads(boardA, boardA2);
  assert.deepEqual(Object.keys(valid).sort(), [...keys].sort(), 'a valid payload for every resolver key');

  // Each valid payload gets past validation (reaches the permission check) and writes nothing.
  const BASE_OUTCOME = {
    updateBoardSettings: 'BOARD_NOT_FOUND', createBulkSprints: 'BOARD_NOT_FOUND',
    getBulkJob: 'JOB_NOT_FOUND', cancelBulkJob: 'JOB_NOT_FOUND', undoBulkJob: 'JOB_NOT_FOUND',
    getLogs: 'OUT_OF_RANGE', // cursor 'abc' is judged by the store, after the permission check
  };
  // Permission answers are cached for 60 s: every call below comes later than that, so a call that
  // gets past validation always shows its permission request.
  const PAST_CACHE = 61_000;
  for (const key of keys) {
    bed.clock.advance(PAST_CACHE);
    const before = counters(bed);
    const answer = await bed.invokeResolver(key, valid[key], as);
    const d = delta(bed, before);
    const want = BASE_OUTCOME[key] || 'ok';
    const got = answer.ok ? 'ok' : answer.error.code;
    // updateGlobalSettings is the one valid payload that writes (it is checked separately below).
    if (key !== 'updateGlobalSettings') assert.deepEqual(writesIn(d), [], `${key}: the valid payload wrote`);
    assert.equal(got, want, `${key}: valid payload -> ${JSON.stringify(answer)}`);
    if (key !== 'ping') assert.ok(d.jira.some((r) => r.startsWith('GET /rest/api/3/mypermissions')), `${key}: got to the permission check: ${d.jira}`);
  }

  const totals0 = counters(bed);
  const rng = rngOf(SEED);
  const failures = [];
  const fail = (msg) => { if (failures.length < 50) failures.push(msg); };
  const show = (v) => { const s = JSON.stringify(v); return s === undefined ? String(v) : (s.length > 300 ? `${s.slice(0, 300)}...(${s.length})` : s); };
  const report = [];
  const allCodes = new Map();
  for (const key of keys) {
    const t0 = performance.now();
    const codes = new Map();
    let refused = 0;
    let byChance = 0;
    let lateRefused = 0;
    let byChanceJira = 0;
    for (let i = 0; i < PER_RESOLVER; i++) {
      let payload = mutate(rng, key, valid[key]);
      for (let n = rng.below(3); n > 0; n--) payload = mutate(rng, key, payload);
      // Stacked mutations can undo each other (a field added, then removed): not a bad payload.
      if (JSON.stringify(payload) === JSON.stringify(valid[key])) { i--; continue; }
      bed.clock.advance(PAST_CACHE);
      const before = counters(bed);
      let answer;
      try {
        answer = await bed.invokeResolver(key, payload, as);
      } catch (e) {
        fail(`${key}: threw ${e && e.message} for ${show(payload)}`);
        continue;
      }
      const d = delta(bed, before);
      const w = writesIn(d);
      if (w.length) fail(`${key}: wrote (${w.join(', ')}) jira=${show(d.jira)} for ${show(payload)}`);
      if (!answer || typeof answer.ok !== 'boolean') { fail(`${key}: not an answer: ${show(answer)}`); continue; }
      const err = answer.error || {};
      const noEffect = d.jiraRequests === 0 && d.sqlStatements === 0 && d.kvsRequests === 0;
      if (!answer.ok && err.status === 400 && noEffect) {
        refused++;
        if (typeof err.code !== 'string' || !/^[A-Z_]+$/.test(err.code)) fail(`${key}: uncoded 400 ${show(err)}`);
        if (typeof err.message !== 'string' || err.message.length > 500) fail(`${key}: message missing or echoing input (${String(err.message).length} chars)`);
        codes.set(err.code, (codes.get(err.code) || 0) + 1);
        allCodes.set(err.code, (allCodes.get(err.code) || 0) + 1);
        continue;
      }
      // A coded 400 that needed data to judge (a getLogs cursor only the store knows; a plan that
      // only fails against the board's sprints): after the permission check, never before it.
      if (!answer.ok && err.status === 400) {
        const late = (key === 'getLogs' && err.code === 'OUT_OF_RANGE' && err.details && err.details.field === 'cursor')
          || (['previewBulkPlan', 'createBulkSprints', 'renameFutureSprints'].includes(key) && LATE_PLAN_CODES.includes(err.code));
        if (!late) fail(`${key}: ${err.code} (${err.message}) answered only after effects ${show(d.jira)}: the payload alone shows it, for ${show(payload)}`);
        if (!d.jira.some((r) => r.startsWith('GET /rest/api/3/mypermissions'))) fail(`${key}: ${err.code} after effects but without a permission check: ${show(d.jira)}`);
        lateRefused++;
        const label = `${err.code} (after check)`;
        codes.set(label, (codes.get(label) || 0) + 1);
        continue;
      }
      // Got past validation: valid by chance. It may read, never write; 403 or 5xx is a fault.
      const status = answer.ok ? 200 : err.status;
      // A mutated projectKey can be another well-formed key: its (non-)admin answer is then right.
      const otherProject = payload && typeof payload.projectKey === 'string' && payload.projectKey !== 'PA';
      if (![200, 400, 404].includes(status) && !(status === 403 && err.code === 'NOT_PROJECT_ADMIN' && otherProject)) {
        fail(`${key}: ${status} ${err.code} ${err.message} for ${show(payload)}`);
        continue;
      }
      if (key !== 'ping' && !d.jira.some((r) => r.startsWith('GET /rest/api/3/mypermissions'))) {
        fail(`${key}: ${status} ${err.code} without a permission check: ${show(d.jira)} for ${show(payload)}`);
      }
      byChance++;
      byChanceJira += d.jiraRequests;
      const label = answer.ok ? 'passed: ok' : `passed: ${err.code}`;
      codes.set(label, (codes.get(label) || 0) + 1);
    }
    const ms = performance.now() - t0;
    if (byChance >= PER_RESOLVER * MAX_BY_CHANCE) fail(`${key}: ${byChance} of ${PER_RESOLVER} payloads got past validation (>= 5%)`);
    report.push([key, String(PER_RESOLVER), String(refused), String(lateRefused), `${byChance} (${((100 * byChance) / PER_RESOLVER).toFixed(1)}%)`, String(byChanceJira),
      [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}=${n}`).join(' '), `${Math.round(ms)}`]);
  }

  const total = delta(bed, totals0);
  console.log(`\nBad input through the real resolvers: ${PER_RESOLVER} per resolver, seed ${SEED} (${LONG ? 'long' : 'short'} form)\n`
    + table(['resolver', 'sent', '400 before any effect', '400 after perm. check', 'valid by chance', 'their Jira GETs', 'answers by code', 'ms'], report)
    + `\nwhole run: ${JSON.stringify({ ...total, jira: undefined })}; Jira: ${[...new Set(total.jira.map((r) => r.replace(/\?.*/, '')))].join(', ') || 'none'}`
    + `\ntotal ${Math.round(performance.now() - started)} ms`);

  // The whole run: nothing written anywhere, Jira asked nothing but GETs, nothing queued.
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
  assert.deepEqual(writesIn(total), [], 'the whole run wrote');
  assert.ok(total.jira.every((r) => r.startsWith('GET ')), 'only GETs');
  assert.deepEqual(bed.egress.violations, []);
  // The generator reaches every kind of fault.
  for (const code of ['INVALID_TYPE', 'UNKNOWN_FIELD', 'OUT_OF_RANGE', 'MISSING_FIELD']) {
    assert.ok((allCodes.get(code) || 0) > keys.length, `${code}: ${JSON.stringify([...allCodes])}`);
  }

  // The one valid payload that writes, for contrast: the counters do see a write.
  const before = counters(bed);
  assert.equal((await bed.invokeResolver('updateGlobalSettings', valid.updateGlobalSettings, as)).ok, true);
  assert.ok(delta(bed, before).sqlWrites > 0, 'the counters see a real write');
});
