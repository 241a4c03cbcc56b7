'use strict';
// Shared helpers for the Jira emulator tests.
const path = require('node:path');
const { createJiraEmulator } = require('../testbed/jira/emulator');

const T0 = Date.parse('2026-01-05T08:00:00.000Z');

function makeClock(t = T0) {
  const clock = { t, now: () => clock.t, advance: (ms) => { clock.t += ms; return clock.t; } };
  return clock;
}

/** Emulator with a simulated clock, users, project SA, a scrum board (1) and a kanban board. */
async function setup({ seed = 1, eventForm } = {}) {
  const clock = makeClock();
  const jira = await createJiraEmulator({ now: clock.now, seed, eventForm });
  jira.addUser({ accountId: 'admin-1', jiraAdmin: true });
  jira.addUser({ accountId: 'padmin-1', projectAdminOf: ['SA'] });
  jira.addUser({ accountId: 'user-1' });
  jira.addProject({ key: 'SA', name: 'Sprint Automation' });
  jira.addProject({ key: 'OT', name: 'Other' });
  const board = jira.addBoard({ name: 'SA board', type: 'scrum', projectKey: 'SA' });
  const kanban = jira.addBoard({ name: 'SA kanban', type: 'kanban', projectKey: 'SA' });
  const otherBoard = jira.addBoard({ name: 'OT board', type: 'scrum', projectKey: 'OT' });
  return { jira, clock, board, kanban, otherBoard };
}

/** HTTP call as app (default), user (as: 'user', accountId) or none. Returns {status, headers, body}. */
async function call(jira, method, p, { as = 'app', accountId, body, signal } = {}) {
  const headers = { 'x-forge-provider': as };
  if (accountId) headers['x-forge-account-id'] = accountId;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(jira.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
  return { status: res.status, headers: res.headers, body: json };
}

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000;

module.exports = { setup, call, makeClock, T0, iso, DAY, specDir: '/work/shared/specs', path };
