'use strict';
// avi:forge:installed:app / avi:forge:upgraded:app: the only place the schema is migrated.
const { runJob } = require('../driver');

const EVENTS = { 'avi:forge:installed:app': 'installed', 'avi:forge:upgraded:app': 'upgraded' };

async function lifecycle(event) {
  const kind = EVENTS[event && event.eventType];
  if (!kind) return { ok: false, error: { code: 'INVALID_INPUT', message: 'not a lifecycle event' } };
  const outcome = await runJob({ job: 'lifecycle', event: kind });
  // Forge retries nothing after a throw; a failed migration is logged by the core and reported here.
  return outcome.ok !== undefined ? { ok: true, data: outcome.ok } : { ok: false, error: outcome.err };
}

module.exports = { lifecycle };
