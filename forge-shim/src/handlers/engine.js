'use strict';
// The engine's entry points: the scheduled check, its queue continuation, and sprint events.
// Each runs one core job; a failure is an outcome (logged by the core), never a throw, because
// Forge retries nothing after a throw.
const { runJob } = require('../driver');

function report(outcome) {
  return outcome.ok !== undefined ? { ok: true, data: outcome.ok } : { ok: false, error: outcome.err };
}

async function scheduledCheck() {
  return report(await runJob({ job: 'tick' }));
}

async function queueWorker(event) {
  return report(await runJob({ job: 'queued', body: (event && event.body) || null }));
}

async function sprintEvent(event) {
  const eventType = String((event && event.eventType) || '');
  // Forge passes the whole event; the core reads only the sprint (and a board id, where an event
  // names one). `atlassianId`, the person who caused it, never enters the core.
  const board = event && event.board && event.board.id !== undefined ? { id: event.board.id } : undefined;
  return report(await runJob({ job: 'sprintEvent', eventType, event: { sprint: (event && event.sprint) || null, ...(board ? { board } : {}) } }));
}

module.exports = { scheduledCheck, queueWorker, sprintEvent };
