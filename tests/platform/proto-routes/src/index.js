'use strict';
// Prototype handler: stands in for forge-shim/src/effects.js's jira() using the catalogue.
const api = require('@forge/api');
const routes = require('./jira-routes');

async function run(effect) {
  const client = effect.actor === 'user' ? api.asUser() : api.asApp();
  const res = await routes.send(client, effect, { headers: { Accept: 'application/json' } });
  return { status: res.status };
}

module.exports = { run };
