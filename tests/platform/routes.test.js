'use strict';
// The Jira route catalogue (forge-shim/src/jira-routes.js) as the driver's allowlist: listed routes
// go out rebuilt with @forge/api's `route` tag (query re-encoded), anything else is refused with
// ROUTE_NOT_ALLOWED before a request is made. The linter side is in scopes.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const Module = require('module');
const { REPO, SHIM_NODE_MODULES } = require('./lib/repo');

process.env.NODE_PATH = [SHIM_NODE_MODULES, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
Module._initPaths();

test('listed routes go out as routes; anything else is refused before any request', async () => {
  const catalogue = require(path.join(REPO, 'forge-shim', 'src', 'jira-routes.js'));
  const sent = [];
  // A client that records what @forge/api would be asked to fetch.
  const client = { requestJira: async (r, init) => { sent.push(`${init.method} ${r.value || r}`); return { status: 200 }; } };
  await catalogue.send(client, { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/12/sprint?state=active%2Cfuture&startAt=0' });
  await catalogue.send(client, { actor: 'app', method: 'POST', path: '/rest/agile/1.0/sprint/7/swap' });
  await catalogue.send(client, { actor: 'user', method: 'GET', path: '/rest/api/3/mypermissions?permissions=ADMINISTER%2CADMINISTER_PROJECTS&projectKey=SA' });
  assert.deepEqual(sent, [
    'GET /rest/agile/1.0/board/12/sprint?state=active%2Cfuture&startAt=0',
    'POST /rest/agile/1.0/sprint/7/swap?',
    'GET /rest/api/3/mypermissions?permissions=ADMINISTER%2CADMINISTER_PROJECTS&projectKey=SA',
  ]);
  const refused = [
    { actor: 'app', method: 'GET', path: '/rest/api/3/mypermissions' }, // asked as the user only
    { actor: 'app', method: 'PUT', path: '/rest/agile/1.0/sprint/7' }, // PUT nulls fields: never listed
    { actor: 'app', method: 'GET', path: '/rest/api/3/user?accountId=x' }, // not a route the core uses
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/..%2F..%2Fapi%2F3%2Fuser' },
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/board/1/../2' },
    { actor: 'app', method: 'GET', path: '/rest/agile/1.0/sprint/7/issue/extra' },
    { actor: 'app', method: 'GET', path: 'https://evil.example/rest/agile/1.0/board' },
  ];
  for (const effect of refused) assert.throws(() => catalogue.send(client, effect), { code: 'ROUTE_NOT_ALLOWED' }, JSON.stringify(effect));
  assert.equal(sent.length, 3, 'no refused request was sent');
});
