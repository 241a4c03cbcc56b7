'use strict';
// A simulated quarter (13 weeks) of two-week sprints on four boards in four zones, driven by the
// five-minute scheduled check. The clock moves in 5-minute ticks only around the instants that matter:
// it reads the next due instant from board_schedule, jumps to 10 minutes before the first 5-minute
// tick at/after it, runs two ticks that must be idle (no Jira call), then the due tick. Sprint events
// are delivered after every tick; when a sprint starts, "the team" works on it (some issues done,
// some in progress, one issue added).
//
// Checked: every sprint started and closed at the first tick at/after its exact instant (within 5 min),
// computed here independently of the app (Intl offset math, cross-checked against literal instants);
// every unfinished issue (with its sub-tasks) ended in the next sprint (nextSprint boards) or the
// backlog (backlog board); done issues stayed in the closed sprint; idle ticks made no Jira call.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const MIN = 60 * 1000;
const TICK = 5 * MIN;
const DAY = 24 * 60 * MIN;
const ADMIN = 'acc-quarter-admin';
const DONE = '10002';
const START = Date.parse('2026-01-04T00:00:00Z');            // a Sunday
const HORIZON = START + (13 * 7 + 1) * DAY + 12 * 60 * MIN;    // 13 weeks (+1.5 days for the Lord Howe DST rollover): 2026-04-06T12:00Z
const SPRINTS_PER_BOARD = 7;

// Zone arithmetic independent of the app.
const { zoned, localDate } = require('../testbed/zones');
const at = (zone, ms, hhmm) => {
  const [hh, mm] = hhmm.split(':').map(Number);
  return zoned(zone, localDate(zone, ms), hh, mm);
};
const iso = (ms) => new Date(ms).toISOString();

// ---------------------------------------------------------------- the boards
// Sprint k of a board: startDate = first + 14k days, endDate = startDate + length.
const BOARDS = [
  { key: 'BER', zone: 'Europe/Berlin', startTime: '09:00', closeTime: null, carryOver: 'nextSprint',
    first: Date.parse('2026-01-05T05:00:00Z'), length: 14 * DAY },                      // Mondays 06:00 local; close = own end 05:00Z
  { key: 'NYC', zone: 'America/New_York', startTime: null, closeTime: '17:00', carryOver: 'backlog',
    first: Date.parse('2026-01-06T14:00:00Z'), length: 13 * DAY + 1 * 60 * MIN },        // Tuesdays 14:00Z -> Monday 15:00Z, closes 17:00 local
  { key: 'KTM', zone: 'Asia/Kathmandu', startTime: '09:30', closeTime: null, carryOver: 'nextSprint',
    first: Date.parse('2026-01-07T03:15:00Z'), length: 14 * DAY },                      // Wednesdays 09:00 NPT; starts 09:30 NPT
  { key: 'LHI', zone: 'Australia/Lord_Howe', startTime: '08:30', closeTime: '16:30', carryOver: 'nextSprint',
    first: Date.parse('2026-01-11T22:00:00Z'), length: 13 * DAY, preActive: true },      // Mondays 09:00 local -> Sundays; one sprint already running
];

function expectedInstants(b, sprint) {
  const start = b.startTime ? at(b.zone, sprint.startMs, b.startTime) : sprint.startMs;
  const close = b.closeTime ? at(b.zone, sprint.endMs, b.closeTime) : sprint.endMs;
  return { start, close };
}

test('zone arithmetic of this test agrees with literal instants (DST in Europe, the US and on Lord Howe, +05:45)', () => {
  const d = (s) => ({ year: +s.slice(0, 4), month: +s.slice(5, 7), day: +s.slice(8, 10) });
  assert.equal(iso(zoned('Europe/Berlin', d('2026-03-16'), 9, 0)), '2026-03-16T08:00:00.000Z');
  assert.equal(iso(zoned('Europe/Berlin', d('2026-03-30'), 9, 0)), '2026-03-30T07:00:00.000Z');
  assert.equal(iso(zoned('America/New_York', d('2026-03-02'), 17, 0)), '2026-03-02T22:00:00.000Z');
  assert.equal(iso(zoned('America/New_York', d('2026-03-16'), 17, 0)), '2026-03-16T21:00:00.000Z');
  assert.equal(iso(zoned('Asia/Kathmandu', d('2026-02-04'), 9, 30)), '2026-02-04T03:45:00.000Z');
  assert.equal(iso(zoned('Australia/Lord_Howe', d('2026-03-22'), 16, 30)), '2026-03-22T05:30:00.000Z');
  assert.equal(iso(zoned('Australia/Lord_Howe', d('2026-04-05'), 16, 30)), '2026-04-05T06:00:00.000Z');
  assert.equal(iso(zoned('Australia/Lord_Howe', d('2026-01-12'), 8, 30)), '2026-01-11T21:30:00.000Z');
});

test('a quarter of two-week sprints on four boards in four zones: on time to the tick, nothing lost', async (t) => {
  const bed = await startTestbed({ clockStart: START });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addUser({ accountId: ADMIN, projectAdminOf: BOARDS.map((b) => b.key) });

  // ---- seed: 7 sprints per board, issues planned into each
  let n = 0;
  const addIssue = (b, sprintId, statusId, extra = {}) => j.addIssue({ projectKey: b.key, summary: `${b.key} work ${++n}`, statusId, sprintId, ...extra }).key;
  for (const b of BOARDS) {
    j.addProject({ key: b.key });
    b.board = j.addBoard({ name: `${b.key} board`, projectKey: b.key });
    b.sprints = [];
    const count = b.preActive ? SPRINTS_PER_BOARD + 1 : SPRINTS_PER_BOARD;
    for (let k = 0; k < count; k++) {
      const startMs = b.first + (k - (b.preActive ? 1 : 0)) * 14 * DAY;
      const endMs = startMs + b.length;
      const s = j.addSprint({ boardId: b.board.id, name: `${b.key} Sprint ${k + 1}`, startDate: iso(startMs), endDate: iso(endMs) });
      const rec = { id: s.id, k, startMs, endMs, ...expectedInstants(b, { startMs, endMs }) };
      b.sprints.push(rec);
      // planned work, various statuses
      addIssue(b, s.id, '10000');
      addIssue(b, s.id, '10001', { issueType: 'Bug' });
      addIssue(b, s.id, '10000', { issueType: 'Task' });
      const parent = addIssue(b, s.id, '10001');
      addIssue(b, s.id, '10000', { issueType: 'Sub-task', parentKey: parent });
      addIssue(b, s.id, DONE, { issueType: 'Sub-task', parentKey: parent });
      if (k === 0) addIssue(b, s.id, DONE); // already done when planned
    }
    if (b.preActive) {
      j.updateSprint(b.sprints[0].id, { state: 'active' });
      b.sprints[0].startedAt = 'before';
    }
  }
  await bed.runLifecycle('installed');
  for (const b of BOARDS) {
    const r = await bed.invokeResolver('updateBoardSettings', {
      projectKey: b.key, boardId: b.board.id,
      settings: { automate: true, autoStart: true, autoClose: true, carryOver: b.carryOver, timeZone: b.zone, startTime: b.startTime,
        closeTime: b.closeTime, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 },
    }, { accountId: ADMIN });
    assert.equal(r.ok, true, `${b.key}: ${JSON.stringify(r)}`);
  }

  const byId = new Map();
  for (const b of BOARDS) for (const s of b.sprints) byId.set(s.id, { b, s });
  const problems = [];
  const stats = { ticks: 0, idleTicks: 0, idleJiraCalls: 0, dueTicks: 0, jiraCalls: 0 };

  /** the team works on a sprint that just started: half its open issues done, one in progress, one added */
  function work(b, sprintId) {
    const open = j.issuesInSprint(sprintId).filter((i) => !i.subtask && i.statusId !== DONE);
    open.forEach((i, idx) => {
      if (idx % 2 === 0) {
        for (const sub of j.issuesInSprint(sprintId).filter((x) => x.parentKey === i.key)) j.setIssueStatus(sub.key, DONE);
        j.setIssueStatus(i.key, DONE);
      } else j.setIssueStatus(i.key, '10001');
    });
    addIssue(b, sprintId, '10000', { summary: 'added mid-sprint' });
  }

  /** unfinished (non-sub-task) issues of every active sprint, with their sub-tasks, and the done ones */
  function snapshot() {
    const snap = new Map();
    for (const b of BOARDS) {
      for (const s of b.sprints) {
        if (j.getSprint(s.id).state !== 'active') continue;
        const issues = j.issuesInSprint(s.id);
        const unfinished = issues.filter((i) => !i.subtask && !j.isDoneOnBoard(b.board.id, i.key)).map((i) => i.key);
        const carried = issues.filter((i) => unfinished.includes(i.key) || (i.subtask && unfinished.includes(i.parentKey))).map((i) => i.key);
        const stays = issues.filter((i) => !carried.includes(i.key)).map((i) => i.key);
        snap.set(s.id, { carried, stays });
      }
    }
    return snap;
  }

  async function tick(expectIdle) {
    const before = snapshot();
    const states = new Map([...byId.keys()].map((id) => [id, j.getSprint(id).state]));
    const calls = j.requests.length;
    const r = await bed.runScheduled('sprint-check');
    stats.ticks += 1;
    if (!r.ok) problems.push(`${iso(Date.now())}: tick failed ${JSON.stringify(r)}`);
    const made = j.requests.length - calls;
    stats.jiraCalls += made;
    const looks = made ? j.requests.slice(-made).filter((x) => /subTaskIssueTypes/.test(decodeURIComponent(x.query.jql || ''))).length : 0;
    stats.readinessLooks = (stats.readinessLooks || 0) + looks;
    if (r.data && r.data.result === 'idle') {
      stats.idleTicks += 1;
      stats.idleJiraCalls += made;
    } else stats.dueTicks += 1;
    if (expectIdle && !(r.data && r.data.result === 'idle')) problems.push(`${iso(Date.now())}: expected an idle tick, got ${JSON.stringify(r.data)}`);
    await bed.deliverSprintEvents();
    const now = Date.now();
    for (const [id, { b, s }] of byId) {
      const was = states.get(id);
      const is = j.getSprint(id).state;
      if (was === is) continue;
      if (is === 'active') {
        s.startedAt = now;
        work(b, id);
      }
      if (is === 'closed') {
        s.closedAt = now;
        const snap = before.get(id);
        const next = b.sprints[b.sprints.indexOf(s) + 1];
        for (const key of snap.carried) {
          const where = j.issue(key).sprintId;
          const want = b.carryOver === 'backlog' ? null : next.id;
          if (where !== want) problems.push(`${b.key} sprint ${s.k + 1}: unfinished ${key} is in ${where}, expected ${want === null ? 'the backlog' : `sprint ${want}`}`);
        }
        for (const key of snap.stays) if (j.issue(key).sprintId !== id) problems.push(`${b.key} sprint ${s.k + 1}: done ${key} left the closed sprint`);
        // The record Jira's own "Complete sprint" leaves: unfinished = "not completed", nothing "removed".
        const report = j.sprintReport(id);
        for (const key of snap.carried) {
          if (!j.isDoneOnBoard(b.board.id, key) && !report.notCompleted.includes(key)) problems.push(`${b.key} sprint ${s.k + 1}: ${key} is not on its "not completed" list`);
          if (!j.issue(key).closedSprintIds.includes(id)) problems.push(`${b.key} sprint ${s.k + 1}: ${key} lost the closed sprint from its Sprint field`);
        }
        if (report.removed.length) problems.push(`${b.key} sprint ${s.k + 1}: removed from sprint: ${report.removed.join(', ')}`);
        stats.carriedRecorded = (stats.carriedRecorded || 0) + snap.carried.length;
      }
    }
  }

  // ---- drive the clock
  j.resetRequests();
  bed.clock.set(START);
  await tick(false); // first check: reconciles every board
  const ceilTick = (ms) => Math.ceil(ms / TICK) * TICK;
  while (Date.now() < HORIZON) {
    // A board is due at its next action, its daily reconcile, or its next close-readiness look.
    const rows = await bed.sql.query('SELECT next_due_at, reconcile_at, readiness_at FROM board_schedule');
    let nextDue = Infinity;
    for (const r of rows) for (const v of [r.next_due_at, r.reconcile_at, r.readiness_at]) if (v !== null) nextDue = Math.min(nextDue, Number(v));
    const target = Math.max(ceilTick(nextDue), Date.now() + TICK);
    if (target - Date.now() > 3 * TICK) {
      // two ticks just before the due one: nothing is due, so they must make no Jira call
      bed.clock.set(target - 2 * TICK);
      await tick(true);
      bed.clock.set(target - TICK);
      await tick(true);
    }
    bed.clock.set(target);
    await tick(false);
  }

  // ---- every instant within the quarter happened within one tick of its exact time
  const late = [];
  let checked = 0;
  for (const b of BOARDS) {
    for (const s of b.sprints) {
      if (s.startedAt !== 'before' && s.start <= HORIZON - TICK) {
        checked += 1;
        if (!(typeof s.startedAt === 'number' && s.startedAt >= s.start && s.startedAt < s.start + TICK)) {
          late.push(`${b.key} sprint ${s.k + 1}: start due ${iso(s.start)}, started ${s.startedAt ? iso(s.startedAt) : 'never'}`);
        }
      }
      if (s.close <= HORIZON - TICK) {
        checked += 1;
        if (!(s.closedAt >= s.close && s.closedAt < s.close + TICK)) {
          late.push(`${b.key} sprint ${s.k + 1}: close due ${iso(s.close)}, closed ${s.closedAt ? iso(s.closedAt) : 'never'}`);
        }
      }
      const jiraState = j.getSprint(s.id).state;
      const want = s.close <= Date.now() ? 'closed' : s.start <= Date.now() ? 'active' : 'future';
      if (jiraState !== want) late.push(`${b.key} sprint ${s.k + 1}: ${jiraState} at the end, expected ${want}`);
    }
  }
  const logLines = bed.consoleLines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
  const count = (reason) => logLines.filter((l) => l.reason === reason).length;
  t.diagnostic(`instants checked ${checked}; ticks ${stats.ticks} (idle ${stats.idleTicks}, due ${stats.dueTicks}); Jira calls ${stats.jiraCalls}, in idle ticks ${stats.idleJiraCalls}; `
    + `logged: started ${count('SPRINT_STARTED')}, closed ${count('SPRINT_CLOSED')}, moved ${count('UNFINISHED_MOVED')}; `
    + `carried issues checked on their "not completed" list: ${stats.carriedRecorded || 0}; readiness looks ${stats.readinessLooks}`);
  assert.deepEqual(late, [], late.join('\n'));
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.ok(checked >= 45, `instants checked: ${checked}`);
  assert.ok((stats.carriedRecorded || 0) > 50, `carried issues checked: ${stats.carriedRecorded}`);
  // Close readiness: at most two looks (a day and an hour ahead) per automated close.
  const closes = BOARDS.reduce((a, b) => a + b.sprints.filter((x) => x.closedAt).length, 0);
  assert.ok(stats.readinessLooks > 0 && stats.readinessLooks <= 2 * (closes + BOARDS.length), `readiness looks ${stats.readinessLooks} for ${closes} closes`);
  assert.equal(stats.idleJiraCalls, 0, 'idle ticks make no Jira call');
  assert.equal(count('SPRINT_CLOSED'), BOARDS.reduce((a, b) => a + b.sprints.filter((s) => s.closedAt).length, 0));
  assert.equal(count('SPRINT_STARTED'), BOARDS.reduce((a, b) => a + b.sprints.filter((s) => typeof s.startedAt === 'number').length, 0));
  for (const reason of ['START_AND_END_PASSED', 'ACTIVE_SPRINT_EXISTS', 'OPEN_SUBTASKS', 'BOARD_CHECK_FAILED']) assert.equal(count(reason), 0, reason);
  assert.equal(logLines.filter((l) => l.level === 'error').length, 0);
  assert.equal(bed.egress.violations.length, 0);
});
