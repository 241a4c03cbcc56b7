'use strict';
// Shared helpers for the storage-, permissions- and logs- end-to-end tests.
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const DAY = 86400000;

/** The people of the seeded site. Names and e-mails are recognisable so leaks can be searched for. */
const USERS = {
  jiraAdmin: { accountId: '5b10a2844c20165700ede21g', displayName: 'Zelda Quarterfield', emailAddress: 'zelda.quarterfield@example.com', jiraAdmin: true },
  adminOfA: { accountId: '712020:aaaa1111-2222-3333-4444-adminofproja', displayName: 'Bartholomew Kettleworth', emailAddress: 'b.kettleworth@example.org', projectAdminOf: ['PA'] },
  adminOfB: { accountId: '712020:bbbb1111-2222-3333-4444-adminofprojb', displayName: 'Philippa Ormsgrove', emailAddress: 'philippa@ormsgrove.example', projectAdminOf: ['PB'] },
  plain: { accountId: '557058:cccc1111-2222-3333-4444-plainuser0001', displayName: 'Octavius Plainsworth', emailAddress: 'octavius.plainsworth@example.net' },
};

/** Start a bed with projects PA and PB, one scrum board each (plus a second board on PA), and the users above. */
async function startSeededBed(t, options = {}) {
  const { install = true, ...bedOptions } = options;
  const bed = await startTestbed(bedOptions);
  t.after(() => bed.close());
  bed.jira.addProject({ key: 'PA', name: 'Project Alpha' });
  bed.jira.addProject({ key: 'PB', name: 'Project Beta' });
  for (const u of Object.values(USERS)) {
    bed.jira.addUser({ accountId: u.accountId, jiraAdmin: !!u.jiraAdmin, projectAdminOf: u.projectAdminOf || [], displayName: u.displayName, emailAddress: u.emailAddress });
  }
  const boardA = bed.jira.addBoard({ name: 'Alpha scrum', projectKey: 'PA' });
  const boardA2 = bed.jira.addBoard({ name: 'Alpha second', projectKey: 'PA' });
  const boardB = bed.jira.addBoard({ name: 'Beta scrum', projectKey: 'PB' });
  if (install) {
    const [{ result }] = await bed.runLifecycle('installed');
    assert.equal(result.ok, true, JSON.stringify(result));
  }
  return { bed, boardA: boardA.id, boardA2: boardA2.id, boardB: boardB.id };
}

function validBoardSettings(over = {}) {
  return {
    automate: true, autoStart: true, autoClose: false, carryOver: 'backlog', timeZone: 'Europe/Berlin',
    startTime: '09:00', closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    holidays: ['2026-12-25'], keepAhead: 2, nameTemplate: null, ...over,
  };
}

function validGlobalSettings(over = {}) {
  return { automationEnabled: true, defaultTimeZone: 'Europe/Paris', defaultCarryOver: 'nextSprint', logRetentionDays: 30, ...over };
}

/** Everything the app stores, with the write counters: compare before/after a call that must write nothing. */
async function storageState(bed) {
  const tables = await bed.sql.tables();
  const rows = {};
  for (const table of ['global_settings', 'board_settings', 'board_schedule', 'rollovers', 'bulk_jobs', 'bulk_job_sprints']) {
    rows[table] = tables.includes(table) ? await bed.sql.query(`SELECT * FROM \`${table}\``) : null;
  }
  return {
    sqlWrites: bed.sql.stats.writes,
    sqlWriteAttempts: bed.sql.stats.writeAttempts,
    sqlDdl: bed.sql.stats.ddl,
    kvsWrites: bed.kvs.stats.writes,
    kvsWriteAttempts: bed.kvs.stats.writeAttempts,
    tables: [...tables].sort(),
    rows,
    kvs: bed.kvs.snapshot(),
  };
}

async function assertNothingWritten(bed, before, label) {
  const after = await storageState(bed);
  assert.deepEqual(after, before, `${label}: storage changed`);
}

/** Assert a coded error answer. */
function assertError(answer, code, status, field, label = '') {
  assert.equal(answer.ok, false, `${label}: expected ${code}, got ${JSON.stringify(answer)}`);
  assert.equal(answer.error.code, code, `${label}: ${JSON.stringify(answer.error)}`);
  assert.equal(answer.error.status, status, `${label}: ${JSON.stringify(answer.error)}`);
  if (field !== undefined) {
    assert.equal(answer.error.details && answer.error.details.field, field, `${label}: ${JSON.stringify(answer.error)}`);
  }
}

function assertOk(answer, label = '') {
  assert.equal(answer.ok, true, `${label}: ${JSON.stringify(answer)}`);
  return answer.data;
}

module.exports = {
  DAY, USERS, startSeededBed, validBoardSettings, validGlobalSettings, storageState, assertNothingWritten, assertError, assertOk,
};
