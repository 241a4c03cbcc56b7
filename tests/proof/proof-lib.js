'use strict';
// Shared pieces of the proof suites (tests/proof/*.test.js): the resolver keys the built core defines,
// counters of every kind of effect, and a plain-text table printer for CI output.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const CORE_JS = path.join(ROOT, 'forge-shim', 'src', 'core.js');

/** The resolver keys from the built core's code lists (codes().resolverKeys, the ResolverKey enum). */
function resolverKeysFromCodes() {
  return require(CORE_JS).codes().resolverKeys;
}

/** RESOLVER_KEYS as the built core reports them (call after a bed has started). */
function resolverKeysFromCore() {
  return require(CORE_JS).resolverKeys();
}

/** Counters of everything a call can do to the outside world. */
function counters(bed) {
  const reqs = bed.jira.requests;
  return {
    sqlStatements: bed.sql.stats.statements,
    sqlWrites: bed.sql.stats.writes,
    sqlWriteAttempts: bed.sql.stats.writeAttempts,
    sqlDdl: bed.sql.stats.ddl,
    kvsRequests: bed.kvs.stats.requests,
    kvsWrites: bed.kvs.stats.writes,
    kvsWriteAttempts: bed.kvs.stats.writeAttempts,
    jiraRequests: reqs.length,
    jiraNonGet: reqs.filter((r) => r.method !== 'GET').length,
    queuePushes: bed.queue.pushes.length,
  };
}

/** after - before, per counter; plus the Jira requests made in between. */
function delta(bed, before) {
  const now = counters(bed);
  const d = {};
  for (const k of Object.keys(now)) d[k] = now[k] - before[k];
  d.jira = bed.jira.requests.slice(before.jiraRequests).map((r) => `${r.method} ${r.path}`);
  return d;
}

const WRITE_COUNTERS = ['sqlWrites', 'sqlWriteAttempts', 'sqlDdl', 'kvsWrites', 'kvsWriteAttempts', 'jiraNonGet', 'queuePushes'];

/** The counters among WRITE_COUNTERS that moved, e.g. ['sqlWrites=1', 'jiraNonGet=2']. */
function writesIn(d) {
  return WRITE_COUNTERS.filter((k) => d[k] !== 0).map((k) => `${k}=${d[k]}`);
}

/** A fixed-width text table. `rows` are arrays of cells (strings). */
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

module.exports = { ROOT, resolverKeysFromCodes, resolverKeysFromCore, counters, delta, writesIn, WRITE_COUNTERS, table };
