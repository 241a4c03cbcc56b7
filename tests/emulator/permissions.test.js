'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { setup, call } = require('./helpers');

const P = '/rest/api/3/mypermissions';
async function perms(jira, query, as, accountId) {
  const r = await call(jira, 'GET', `${P}${query}`, { as, accountId });
  if (r.status !== 200) return r.status;
  return Object.fromEntries(Object.entries(r.body.permissions).map(([k, v]) => [k, v.havePermission]));
}

test('mypermissions: three kinds of users, with and without a project', async () => {
  const { jira } = await setup();
  try {
    const q = '?permissions=ADMINISTER,ADMINISTER_PROJECTS';
    // Jira admin: everything everywhere
    assert.deepEqual(await perms(jira, q, 'user', 'admin-1'), { ADMINISTER: true, ADMINISTER_PROJECTS: true });
    assert.deepEqual(await perms(jira, `${q}&projectKey=OT`, 'user', 'admin-1'), { ADMINISTER: true, ADMINISTER_PROJECTS: true });
    // project admin of SA: without a project the answer is "any project" -> true (the trap); with OT -> false
    assert.deepEqual(await perms(jira, q, 'user', 'padmin-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: true });
    assert.deepEqual(await perms(jira, `${q}&projectKey=SA`, 'user', 'padmin-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: true });
    assert.deepEqual(await perms(jira, `${q}&projectKey=OT`, 'user', 'padmin-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: false });
    assert.deepEqual(await perms(jira, `${q}&projectId=10001`, 'user', 'padmin-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: false });
    assert.deepEqual(await perms(jira, `${q}&projectId=10000`, 'user', 'padmin-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: true });
    // plain user
    assert.deepEqual(await perms(jira, q, 'user', 'user-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: false });
    assert.deepEqual(await perms(jira, `${q}&projectKey=SA`, 'user', 'user-1'), { ADMINISTER: false, ADMINISTER_PROJECTS: false });
    assert.deepEqual(await perms(jira, '?permissions=BROWSE_PROJECTS&projectKey=SA', 'user', 'user-1'), { BROWSE_PROJECTS: true });
    // the app answers as an admin; anonymous has nothing
    assert.deepEqual(await perms(jira, `${q}&projectKey=SA`, 'app'), { ADMINISTER: true, ADMINISTER_PROJECTS: true });
    assert.deepEqual(await perms(jira, q, 'none'), { ADMINISTER: false, ADMINISTER_PROJECTS: false });
    // errors
    assert.equal(await perms(jira, '', 'user', 'user-1'), 400);
    assert.equal(await perms(jira, '?permissions=', 'user', 'user-1'), 400);
    assert.equal(await perms(jira, '?permissions=FLY', 'user', 'user-1'), 400);
    assert.equal(await perms(jira, `${q}&projectKey=NOPE`, 'user', 'user-1'), 404);
    assert.equal(await perms(jira, q, 'user', 'ghost'), 401);
    // body shape
    const r = await call(jira, 'GET', `${P}${q}&projectKey=SA`, { as: 'user', accountId: 'padmin-1' });
    assert.deepEqual(Object.keys(r.body.permissions.ADMINISTER_PROJECTS).sort(), ['description', 'havePermission', 'id', 'key', 'name', 'type']);
    assert.equal(r.body.permissions.ADMINISTER.type, 'GLOBAL');
    assert.equal(r.body.permissions.ADMINISTER_PROJECTS.type, 'PROJECT');
  } finally {
    await jira.close();
  }
});

test('unknown routes: 404 with errorMessages, recorded in the request log', async () => {
  const { jira } = await setup();
  try {
    const r = await call(jira, 'GET', '/rest/api/3/permissions/check');
    assert.equal(r.status, 404);
    assert.ok(r.body.errorMessages[0]);
    const r2 = await call(jira, 'PATCH', '/rest/agile/1.0/sprint/1');
    assert.equal(r2.status, 404);
    assert.equal(jira.countRequests({ status: 404 }), 2);
    assert.equal(jira.requests[0].path, '/rest/api/3/permissions/check');
  } finally {
    await jira.close();
  }
});
