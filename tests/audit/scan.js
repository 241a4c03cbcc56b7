'use strict';
// The audit over every suite (run after them by tools/test.sh): reads the records each test bed
// left in tests/.out/audit/ and fails on
//   - egress: any call that left the app other than Jira, Forge KVS, Forge SQL and the events queue,
//     and any egress violation the test bed caught;
//   - personal data and Jira content in logs: an email address, a seeded display name, email or
//     account id, an issue summary, or a Jira payload fragment in any console line or KVS log entry;
//   - platform refusals: any KVS, SQL or queue call the strict test bed refused (a write or query the
//     real Forge would refuse), other than faults a test injected on purpose.
// Prints the counts. Exit 0 clean, 1 on findings, 2 when there is nothing to audit.
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', '.out', 'audit');
const ALLOWED = new Set(['fpp:jira', 'kvs:kvs', 'sql:sql', 'fpp:stargate']);
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
// Pieces of Jira REST payloads that a log line must never carry.
const PAYLOAD = [/"fields"\s*:/, /"errorMessages"\s*:/, /"self"\s*:\s*"http/, /"issues"\s*:\s*\[/, /"statusCategory"/];
// Short or generic seeded strings would match by accident; content worth hiding is longer.
const MIN_SECRET = 8;
// The test bed's own tests provoke egress violations on purpose (they prove the guard works): they
// are not runs of the app.
const OWN_TESTS = /^tests\/(testbed-forge|emulator)\//;

function main() {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  if (!files.length) {
    console.error(`audit: no records in ${dir} (run the suites first)`);
    return 2;
  }
  const findings = [];
  const egress = {};
  let lines = 0;
  let entries = 0;
  let refusedCalls = 0;
  const profiles = {};
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (OWN_TESTS.test(r.suite)) continue;
    for (const [kind, n] of Object.entries(r.egress.calls)) {
      egress[kind] = (egress[kind] || 0) + n;
      if (!ALLOWED.has(kind)) findings.push(`${r.suite}: egress to ${kind} (${n} calls)`);
    }
    for (const v of r.egress.violations) findings.push(`${r.suite}: egress violation ${JSON.stringify(v).slice(0, 200)}`);
    for (const x of r.refused || []) findings.push(`${r.suite} (${r.profile}): the platform refused ${JSON.stringify(x)}`);
    refusedCalls += (r.refused || []).length;
    profiles[r.profile || 'default'] = (profiles[r.profile || 'default'] || 0) + 1;
    const seeded = r.seeded || {};
    const secrets = [
      ...(seeded.summaries || []).filter((s) => s.length >= MIN_SECRET).map((s) => ['issue summary', s]),
      ...(seeded.names || []).map((s) => ['display name', s]),
      ...(seeded.emails || []).map((s) => ['email', s]),
      ...(seeded.accountIds || []).map((s) => ['account id', s]),
    ];
    const texts = [
      ...r.consoleLines.map((l) => ['console', l]),
      ...r.logEntries.map((e) => ['KVS log', JSON.stringify(e)]),
    ];
    lines += r.consoleLines.length;
    entries += r.logEntries.length;
    for (const [where, text] of texts) {
      const hit = (what) => findings.push(`${r.suite}: ${what} in a ${where} line: ${text.slice(0, 160)}`);
      if (EMAIL.test(text)) hit('an email address');
      for (const p of PAYLOAD) if (p.test(text)) hit(`a Jira payload fragment (${p})`);
      for (const [what, s] of secrets) if (text.includes(s)) hit(`${what} "${s}"`);
    }
  }
  console.log(`audit: ${files.length} test beds, ${lines} console lines, ${entries} KVS log entries`);
  console.log(`audit: calls that left the app: ${JSON.stringify(egress)}`);
  console.log(`audit: test beds per profile: ${JSON.stringify(profiles)}; platform refusals of the app's calls: ${refusedCalls}`);
  if (findings.length) {
    console.log(`audit: ${findings.length} finding(s):`);
    for (const f of findings.slice(0, 50)) console.log(`  - ${f}`);
    return 1;
  }
  console.log('audit: no egress outside Jira/KVS/SQL/queue, no personal data or Jira content in any log line, no call the platform refused');
  return 0;
}

process.exitCode = main();
