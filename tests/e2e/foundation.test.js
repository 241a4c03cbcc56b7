'use strict';
// The foundation end to end: the real handlers, the real @forge packages, the embedded WASM core,
// the Jira emulator, KVS and MariaDB, all through the local test bed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

test('the ping resolver crosses every layer and answers from the WASM core', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  bed.jira.addProject({ key: 'SA' });
  bed.jira.addUser({ accountId: 'acc-admin', jiraAdmin: true });
  bed.jira.addUser({ accountId: 'acc-plain' });

  const admin = await bed.invokeResolver('ping', {}, { accountId: 'acc-admin' });
  assert.equal(admin.ok, true);
  assert.equal(admin.data.pong, true);
  assert.equal(admin.data.jiraAdmin, true);
  assert.equal(admin.data.now, new Date(bed.clock.now()).toISOString().replace('.000Z', 'Z'));

  const plain = await bed.invokeResolver('ping', {}, { accountId: 'acc-plain' });
  assert.equal(plain.data.jiraAdmin, false);

  // Both asked Jira as the user, each with their own account.
  const asked = bed.jira.requests.filter((r) => r.path === '/rest/api/3/mypermissions');
  assert.deepEqual(asked.map((r) => [r.provider, r.accountId]), [['user', 'acc-admin'], ['user', 'acc-plain']]);
  assert.deepEqual(bed.egress.violations, []);
});

test('the lifecycle handler migrates the schema through @forge/sql', async (t) => {
  const bed = await startTestbed();
  t.after(() => bed.close());
  const [{ result }] = await bed.runLifecycle('installed');
  assert.equal(result.ok, true, JSON.stringify(result));
  const tables = await bed.sql.tables();
  for (const table of ['global_settings', 'board_settings', 'board_schedule', 'rollovers', 'bulk_jobs', 'bulk_job_sprints', '__migrations']) {
    assert.ok(tables.includes(table), `${table} in ${tables}`);
  }
});
