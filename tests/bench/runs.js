'use strict';
// What the benches that time the core share: a test bed with one board due to roll over, the
// capture of the driver's exact inputs to `core.startRun`, and the arguments of each `Run.step` as
// the driver passes them.
const fs = require('fs');
const path = require('path');
const { startTestbed } = require('../testbed');
const shimCore = require('../../forge-shim/src/core.js');

const ADMIN = 'acc-bench-admin';
const MIN = 60000;
const S1_START = '2026-01-05T09:00:00Z';
const S1_END = '2026-01-19T09:00:00Z';
const S2_END = '2026-02-02T09:00:00Z';
const SETTINGS = {
  automate: true, autoStart: true, autoClose: true, carryOver: 'nextSprint', timeZone: null, startTime: null,
  closeTime: null, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0,
};

/**
 * One scrum board automated by a project admin: Sprint 1 active until S1_END with m issues, n of
 * them unfinished, Sprint 2 future; the first check has run and its sprint events are delivered.
 */
async function oneBoardBed({ m = 0, n = 0 } = {}) {
  const bed = await startTestbed({ clockStart: S1_START });
  const j = bed.jira;
  j.addProject({ key: 'SA' });
  j.addUser({ accountId: ADMIN, projectAdminOf: ['SA'] });
  const board = j.addBoard({ name: 'SA board', projectKey: 'SA' });
  const s1 = j.addSprint({ boardId: board.id, name: 'Sprint 1', startDate: S1_START, endDate: S1_END });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: board.id, name: 'Sprint 2', startDate: S1_END, endDate: S2_END });
  for (let i = 0; i < m; i++) j.addIssue({ projectKey: 'SA', summary: `i${i}`, statusId: i < n ? '10001' : '10002', sprintId: s1.id });
  await bed.runLifecycle('installed');
  const r = await bed.invokeResolver('updateBoardSettings', { projectKey: 'SA', boardId: board.id, settings: SETTINGS }, { accountId: ADMIN });
  if (!r.ok) throw new Error(JSON.stringify(r));
  const first = await bed.runScheduled('sprint-check');
  if (!first.ok) throw new Error(JSON.stringify(first));
  await bed.deliverSprintEvents();
  return { bed, j, board, s1, s2 };
}

/**
 * Record every run of a job that `match`es: its start input and each step's new results, as JSON.
 * Returns `stop()`, which restores the driver's `startRun` and gives the runs in start order.
 */
function captureRuns(bed, match) {
  const coreFile = fs.realpathSync(path.join(bed.appRoot, 'src', 'core.js'));
  const core = require.cache[coreFile].exports;
  const orig = core.startRun;
  const runs = [];
  core.startRun = (input) => {
    const run = orig(input);
    if (!match(input.job)) return run;
    const rec = { start: JSON.stringify(input), feeds: [] };
    runs.push(rec);
    return { next: (results) => { rec.feeds.push(JSON.stringify(results)); return run.next(results); }, close: run.close };
  };
  return () => { core.startRun = orig; return runs; };
}

/**
 * The arguments of each of a captured run's `Run.step` calls as the driver passes them
 * (forge-shim/src/core.js `apart`: the results' JSON, Jira's body texts beside it), made once per
 * module so a bench can time the calls alone. A build from before the texts travelled apart
 * (`Run.step` of one argument) takes the results' JSON with each body parsed inside it.
 */
const argsByModule = new Map();
function stepArgs(wasm, rec) {
  let byRec = argsByModule.get(wasm);
  if (!byRec) argsByModule.set(wasm, (byRec = new Map()));
  if (!byRec.has(rec)) {
    const apart = wasm.Run.prototype.step.length >= 2;
    byRec.set(rec, rec.feeds.map((feed) => {
      const results = JSON.parse(feed);
      if (apart) return shimCore.apart(results);
      return [JSON.stringify(results.map(({ bodyText, ...r }) => (bodyText === undefined ? r : { ...r, body: parseOrNull(bodyText) })))];
    }));
  }
  return byRec.get(rec);
}
const parseOrNull = (text) => { try { return JSON.parse(text); } catch { return null; } };

/** Bytes one step carries into the module: the results' JSON and the body texts beside it. */
function feedBytes(feed) {
  const [json, texts] = shimCore.apart(JSON.parse(feed));
  return Buffer.byteLength(json) + Buffer.byteLength(texts);
}

module.exports = { ADMIN, MIN, S1_START, S1_END, S2_END, SETTINGS, oneBoardBed, captureRuns, stepArgs, feedBytes };
