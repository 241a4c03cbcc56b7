'use strict';
// The app's resolver (one definition for every page). Each key runs the core's `resolve` job; the
// answer is `{ok: true, data}` or `{ok: false, error: {code, status, message}}` so pages can show a
// message per code (a thrown error would reach the page without its code).
const Resolver = require('@forge/resolver').default;
const core = require('../core');
const { runJob } = require('../driver');

function answer(outcome) {
  return outcome.ok !== undefined ? { ok: true, data: outcome.ok } : { ok: false, error: outcome.err };
}

const resolver = new Resolver();
for (const key of core.resolverKeys()) {
  resolver.define(key, async ({ payload, context }) => {
    // The account comes only from Forge's context; whatever the payload says about it is ignored.
    const accountId = context.accountId || null;
    return answer(await runJob({ job: 'resolve', key, payload: payload === undefined ? {} : payload, accountId }, { accountId }));
  });
}

module.exports = { resolver: resolver.getDefinitions() };
