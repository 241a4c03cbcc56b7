'use strict';
// Bulk sprint creation end to end: previewBulkPlan / createBulkSprints / getBulkJob / cancelBulkJob /
// undoBulkJob through the real resolver, the real queue consumer (`queue-worker`) and the Jira
// emulator, with scripted Jira faults (429/500/503, a POST whose answer is lost after Jira created
// the sprint), crashes of the worker and double clicks. The invariant everywhere: exactly the planned
// sprints exist once each, in start-date order on the board, and the job's status says so.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTestbed } = require('../testbed');

const ADMIN = 'acc-bulk-admin';
const PROJECT = 'BK';
const SPRINT_POST = '/rest/agile/1.0/sprint';
const LATER_START = '2027-06-07T07:00:00.000Z'; // after every planned sprint (the plan ends 2027-02-01)

const PLAN = {
  firstStart: '2026-02-02T09:00', timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' },
  count: 26, nameTemplate: 'Sprint {n}', goalTemplate: 'Goal of {board} {n}',
};

/**
 * A bed with project BK, its admin and `boards` scrum boards; board 1 already has an active sprint
 * ("Sprint 4", so numbering continues at 5) and a FUTURE sprint "Later" that starts after every
 * planned sprint: it is at the top of the board's future sprints and must end up below the new ones.
 */
async function bulkBed(t, { boards = 3, existing = true, bedOptions = {} } = {}) {
  const bed = await startTestbed({ clockStart: '2026-01-05T09:00:00Z', ...bedOptions });
  t.after(() => bed.close());
  const j = bed.jira;
  j.addProject({ key: PROJECT, name: 'Bulk project' });
  j.addUser({ accountId: ADMIN, projectAdminOf: [PROJECT] });
  const ids = [];
  for (let i = 1; i <= boards; i++) ids.push(j.addBoard({ name: `Team ${i}`, projectKey: PROJECT }).id);
  let later = null;
  if (existing) {
    const active = j.addSprint({ boardId: ids[0], name: 'Sprint 4', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z' });
    j.updateSprint(active.id, { state: 'active' });
    later = j.addSprint({ boardId: ids[0], name: 'Later', startDate: LATER_START, endDate: '2027-06-21T07:00:00Z', goal: 'keep me' });
  }
  const [{ result }] = await bed.runLifecycle('installed');
  assert.equal(result.ok, true, JSON.stringify(result));
  return { bed, j, boards: ids, later };
}

const payloadFor = (boardIds, plan = PLAN) => ({ projectKey: PROJECT, boardIds, plan });

async function call(bed, key, payload, accountId = ADMIN) {
  const r = await bed.invokeResolver(key, payload, { accountId });
  assert.equal(r.ok, true, `${key}: ${JSON.stringify(r)}`);
  return r.data;
}

const jobStatus = (bed, jobId) => call(bed, 'getBulkJob', { projectKey: PROJECT, jobId });
const sprintPosts = (j) => j.countRequests({ method: 'POST', path: SPRINT_POST });

/** The board's future sprints in board order, and the invariants every run must leave. */
function checkBoard(j, boardId, label) {
  const future = j.sprintsOfBoard(boardId).filter((s) => s.state === 'future');
  const keys = future.map((s) => `${s.name}|${s.startDate}`);
  assert.equal(new Set(keys).size, keys.length, `${label}: a sprint exists twice:\n${keys.join('\n')}`);
  const names = future.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, `${label}: a name exists twice: ${names.join(', ')}`);
  const starts = future.map((s) => Date.parse(s.startDate));
  const sorted = [...starts].sort((a, b) => a - b);
  assert.deepEqual(starts, sorted, `${label}: board order is not start-date order: ${future.map((s) => `${s.name}@${s.startDate}`).join(', ')}`);
  return future;
}

/** Planned sprints (from the preview) equal the board's new sprints: names, dates, goals. */
function assertMatchesPreview(j, preview, boards, laterId) {
  for (const boardId of boards) {
    const plan = preview.boards.find((b) => b.boardId === boardId);
    assert.ok(plan, `preview has board ${boardId}`);
    assert.equal(plan.sprints.length, 26);
    const created = checkBoard(j, boardId, `board ${boardId}`).filter((s) => s.id !== laterId);
    assert.equal(created.length, 26, `board ${boardId}: ${created.length} new sprints`);
    assert.deepEqual(
      created.map((s) => ({ name: s.name, start: Date.parse(s.startDate), end: Date.parse(s.endDate), goal: s.goal })),
      plan.sprints.map((p) => ({ name: p.name, start: Date.parse(p.start), end: Date.parse(p.end), goal: p.goal })),
      `board ${boardId}: created != preview`,
    );
  }
}

function assertJobDone(status, boards, label) {
  assert.equal(status.state, 'done', `${label}: ${JSON.stringify({ ...status, sprints: undefined })}`);
  assert.equal(status.planned, 26 * boards.length, label);
  assert.equal(status.created, 26 * boards.length, label);
  assert.equal(status.failed, 0, label);
  assert.equal(status.sprints.length, 26 * boards.length, label);
  for (const s of status.sprints) {
    assert.equal(s.state, 'created', `${label}: ${JSON.stringify(s)}`);
    assert.ok(Number.isInteger(s.sprintId), `${label}: ${JSON.stringify(s)}`);
    assert.equal(s.errorCode, null, `${label}: ${JSON.stringify(s)}`);
  }
}

/** The per-sprint results point at the sprints on the boards, one each. */
function assertResultsMatchJira(j, status) {
  const ids = status.sprints.map((s) => s.sprintId);
  assert.equal(new Set(ids).size, ids.length, 'two results name the same sprint');
  for (const s of status.sprints) {
    const sprint = j.getSprint(s.sprintId);
    assert.ok(sprint, `sprint ${s.sprintId} exists`);
    assert.equal(sprint.name, s.name);
    assert.equal(sprint.originBoardId, s.boardId);
    assert.equal(Date.parse(sprint.startDate), Date.parse(s.startLocal));
  }
}

test('3 boards x 26 sprints: preview = result, faults, a crashed worker retried, double clicks; exactly 78, in date order', async (t) => {
  const { bed, j, boards, later } = await bulkBed(t, { bedOptions: { queue: { retryOnError: true } } });
  const payload = payloadFor(boards);
  const preview = await call(bed, 'previewBulkPlan', payload);
  assert.deepEqual(preview.boards.map((b) => b.boardId), boards);
  assert.equal(preview.boards[0].sprints[0].name, 'Sprint 5', 'numbering continues after "Sprint 4"');
  assert.equal(preview.boards[1].sprints[0].name, 'Sprint 1');
  assert.equal(preview.boards[0].sprints[0].startLocal, '2026-02-02T09:00:00.000+01:00');
  assert.equal(sprintPosts(j), 0, 'a preview creates nothing');
  // Across the DST switch (2026-03-29) every sprint still starts at 09:00 Berlin time.
  for (const b of preview.boards) {
    for (const s of b.sprints) assert.match(s.startLocal, /T09:00:00\.000\+0[12]:00$/, JSON.stringify(s));
  }
  assert.ok(preview.boards[0].sprints.some((s) => s.startLocal.endsWith('+02:00')));

  // Transient faults on creates (retried by the app), and a crash of the worker mid-job.
  const faults = [
    j.injectFault({ method: 'POST', pathMatch: SPRINT_POST, nth: 3, kind: '429', retryAfterSeconds: 1 }),
    j.injectFault({ method: 'POST', pathMatch: SPRINT_POST, nth: 17, kind: '500' }),
    j.injectFault({ method: 'POST', pathMatch: SPRINT_POST, nth: 61, kind: '503', retryAfterSeconds: 1 }),
    j.injectFault({ method: 'GET', pathMatch: /\/board\/\d+\/sprint(\?|$)/, nth: 2, kind: '500' }),
  ];
  const crash = bed.crashNext({ afterCalls: 120, functionKey: 'queue-worker' });

  const created = await call(bed, 'createBulkSprints', payload);
  assert.match(created.jobId, /^bulk-[0-9a-f]{16}$/);
  assert.equal(created.planned, 78);
  assert.ok(['planned', 'running'].includes(created.state), created.state);
  // Double click before the worker ran: same job, nothing queued twice.
  const again = await call(bed, 'createBulkSprints', payload);
  assert.equal(again.jobId, created.jobId);
  assert.equal(again.planned, 78);

  const deliveries = await bed.queue.drain({ advanceClock: true });
  assert.equal(crash.fired(), 1, 'the worker crashed once');
  assert.ok(deliveries.some((d) => d.outcome === 'error-retry' || d.outcome === 'error'), JSON.stringify(deliveries.map((d) => d.outcome)));
  // Whether the platform's redelivery finished the job or not (see the boundary sweep below for
  // that), the user clicking "create" again a few minutes later must end it with exactly the plan.
  bed.clock.advance(5 * 60 * 1000);
  const resumed = await call(bed, 'createBulkSprints', payload);
  assert.equal(resumed.jobId, created.jobId);
  await bed.queue.drain({ advanceClock: true });
  assert.deepEqual(faults.map((f) => f.fired()), [1, 1, 1, 1], 'every fault fired');
  const firstRun = bed.invocations.find((i) => i.functionKey === 'queue-worker');
  assert.equal(firstRun.outcome, 'crashed');
  // Every sprint answered 201 exactly once: nothing created twice, nothing lost (3 faulted attempts).
  assert.equal(j.countRequests({ method: 'POST', path: SPRINT_POST, status: 201 }), 78);
  assert.equal(sprintPosts(j), 78 + 3);

  const status = await jobStatus(bed, created.jobId);
  assertJobDone(status, boards, 'after the retried crash');
  assertResultsMatchJira(j, status);
  assertMatchesPreview(j, preview, boards, later.id);
  // The existing later sprint moved below the new ones (swaps), and kept its goal.
  const first = j.sprintsOfBoard(boards[0]).filter((s) => s.state === 'future');
  assert.equal(first[first.length - 1].id, later.id, 'the later sprint is last');
  assert.equal(j.getSprint(later.id).goal, 'keep me');
  assert.equal(j.sprintsOfBoard(boards[0]).filter((s) => s.state === 'active').length, 1);

  // A double click after the job finished: same job, no Jira write, nothing queued.
  const postsBefore = j.countRequests({ method: 'POST' });
  const pushesBefore = bed.queue.pushes.length;
  const late = await call(bed, 'createBulkSprints', payload);
  assert.equal(late.jobId, created.jobId);
  assert.equal(late.state, 'done');
  assert.equal(late.created, 78);
  await bed.queue.drain({ advanceClock: true });
  assert.equal(j.countRequests({ method: 'POST' }), postsBefore, 'a late double click writes nothing to Jira');
  assert.equal(bed.queue.pushes.length, pushesBefore);

  // The sprint-created events Jira sent meanwhile change nothing.
  await bed.deliverSprintEvents();
  for (const b of boards) checkBoard(j, b, `board ${b} after events`);
  assert.equal(j.countRequests({ method: 'POST' }), postsBefore);
  const list = await call(bed, 'listBulkJobs', { projectKey: PROJECT });
  assert.equal(list.jobs.length, 1);
  assert.deepEqual({ ...list.jobs[0], createdAt: undefined }, { jobId: created.jobId, state: 'done', planned: 78, created: 78, failed: 0, createdAt: undefined });
  assert.equal(bed.egress.violations.length, 0);
});

test('a worker crash at every platform-call boundary: the retried job ends with exactly the plan', async (t) => {
  const plan = { ...PLAN, count: 3 };
  let total;
  {
    const { bed, boards } = await bulkBed(t, { boards: 1, existing: false });
    await call(bed, 'createBulkSprints', payloadFor(boards, plan));
    await bed.queue.drain();
    total = bed.invocations.find((i) => i.functionKey === 'queue-worker').platformCalls;
    await bed.close();
  }
  assert.ok(total > 6, `${total} platform calls`);
  // The platform redelivers the crashed event (test bed: after 1 s, up to 4 times); nobody clicks again.
  const failures = [];
  for (let k = 0; k < total; k++) {
    const { bed, j, boards } = await bulkBed(t, { boards: 1, existing: false, bedOptions: { queue: { retryOnError: true } } });
    try {
      const crash = bed.crashNext({ afterCalls: k, functionKey: 'queue-worker' });
      const { jobId } = await call(bed, 'createBulkSprints', payloadFor(boards, plan));
      await bed.queue.drain({ advanceClock: true });
      assert.equal(crash.fired(), 1, `k=${k}`);
      const status = await jobStatus(bed, jobId);
      assert.equal(status.state, 'done', `job ${JSON.stringify({ ...status, sprints: undefined })}`);
      assert.equal(status.created, 3);
      const names = j.sprintsOfBoard(boards[0]).map((s) => s.name);
      assert.deepEqual(names, ['Sprint 1', 'Sprint 2', 'Sprint 3']);
      assertResultsMatchJira(j, status);
    } catch (e) {
      const outcomes = bed.queue.deliveries.map((d) => `${d.outcome}:${d.result && d.result.data ? d.result.data.result : ''}`);
      failures.push(`k=${k}: ${e.message.split('\n')[0]} | deliveries ${outcomes.join(', ')}`);
    } finally {
      await bed.close();
    }
  }
  assert.deepEqual(failures, [], `crash points of ${total} after which the job does not end with exactly the plan by itself:\n${failures.join('\n')}`);
});

test('a create whose answer is lost (Jira made the sprint, the socket dropped) is not made twice', async (t) => {
  const { bed, j, boards, later } = await bulkBed(t);
  const payload = payloadFor(boards);
  const preview = await call(bed, 'previewBulkPlan', payload);
  const drops = [10, 40, 70].map((nth) => j.injectFault({ method: 'POST', pathMatch: SPRINT_POST, nth, kind: 'drop', phase: 'after' }));
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain({ advanceClock: true });
  assert.ok(drops.every((d) => d.fired() === 1));
  const status = await jobStatus(bed, jobId);
  // Exactly 78 new sprints: 2 existing + 78 in Jira.
  const total = boards.reduce((n, b) => n + j.sprintsOfBoard(b).length, 0);
  assert.equal(total, 2 + 78, `${total - 80} duplicate sprint(s): ${boards.map((b) => j.sprintsOfBoard(b).map((s) => s.name).join(',')).join(' | ')}`);
  assertJobDone(status, boards, 'lost answers');
  assertResultsMatchJira(j, status);
  assertMatchesPreview(j, preview, boards, later.id);
});

test('a crash between the last create and the date-order swaps: the retried worker still puts the board in date order', async (t) => {
  const plan = { ...PLAN, count: 6 };
  // Calibration: the worker's platform-call count when its first swap reaches Jira.
  let firstSwapAt = null;
  {
    const { bed, j, boards } = await bulkBed(t, { boards: 1 });
    await call(bed, 'createBulkSprints', payloadFor(boards, plan));
    const log = j.requests;
    log.push = function push(entry) {
      if (firstSwapAt === null && entry.method === 'POST' && /\/swap$/.test(entry.path)) {
        const running = bed.invocations.filter((i) => i.functionKey === 'queue-worker' && !i.outcome);
        firstSwapAt = running[0].platformCalls;
      }
      return Array.prototype.push.call(this, entry);
    };
    await bed.queue.drain();
    assert.ok(j.countRequests({ method: 'POST', path: /\/swap$/ }) >= 1, 'the later sprint has to be swapped');
    assert.ok(firstSwapAt > 6, `first swap at platform call ${firstSwapAt}`);
    await bed.close();
  }
  // Crash on that call: all 6 sprints exist, no swap happened.
  const { bed, j, boards, later } = await bulkBed(t, { boards: 1, bedOptions: { queue: { retryOnError: true } } });
  const crash = bed.crashNext({ afterCalls: firstSwapAt - 1, functionKey: 'queue-worker' });
  const payload = payloadFor(boards, plan);
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain({ advanceClock: true });
  assert.equal(crash.fired(), 1);
  const firstRun = bed.invocations.filter((i) => i.functionKey === 'queue-worker')[0];
  assert.equal(firstRun.outcome, 'crashed');
  assert.equal(j.countRequests({ method: 'POST', path: SPRINT_POST }), 6, 'the crashed run created all 6 sprints');
  // However the job resumes (redelivery, or the user clicking again once any hold on the job lapsed).
  bed.clock.advance(5 * 60 * 1000);
  await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain({ advanceClock: true });
  const status = await jobStatus(bed, jobId);
  assert.equal(status.created, 6, JSON.stringify({ ...status, sprints: undefined }));
  assert.equal(status.state, 'done');
  const future = j.sprintsOfBoard(boards[0]).filter((s) => s.state === 'future');
  assert.equal(future[future.length - 1].id, later.id,
    `the later sprint must be last; board order: ${future.map((s) => `${s.name}@${s.startDate.slice(0, 10)}`).join(', ')}`);
  checkBoard(j, boards[0], 'after the retried crash');
});

test('a worker that dies without a platform retry: a second click on "create" finishes the job', async (t) => {
  // Forge retries a failed event within 24 hours, but a retry can be exhausted: the worst case, no
  // redelivery (retryOnError false), leaves the job "running".
  const { bed, j, boards } = await bulkBed(t, { boards: 1, existing: false, bedOptions: { queue: { retryOnError: false } } });
  const payload = payloadFor(boards);
  const crash = bed.crashNext({ afterCalls: 40, functionKey: 'queue-worker' });
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain({ advanceClock: true });
  assert.equal(crash.fired(), 1);
  const made = sprintPosts(j);
  assert.ok(made > 0 && made < 26, `${made} created before the crash`);
  const stuck = await jobStatus(bed, jobId);
  assert.equal(stuck.state, 'running');

  bed.clock.advance(20 * 60 * 1000); // the user comes back later and clicks again
  const again = await call(bed, 'createBulkSprints', payload);
  assert.equal(again.jobId, jobId);
  await bed.queue.drain({ advanceClock: true });
  const status = await jobStatus(bed, jobId);
  assert.equal(status.created, 26, `the job must finish: ${JSON.stringify({ ...status, sprints: undefined })}`);
  assert.equal(status.state, 'done');
  assert.equal(j.sprintsOfBoard(boards[0]).length, 26);
  checkBoard(j, boards[0], 'after the second click');
});

test('a worker that dies is redelivered by the platform (retried within 24 h): the job finishes by itself', async (t) => {
  const { bed, j, boards } = await bulkBed(t, { boards: 1, existing: false });
  const payload = payloadFor(boards);
  const crash = bed.crashNext({ afterCalls: 40, functionKey: 'queue-worker' });
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain({ advanceClock: true });
  assert.equal(crash.fired(), 1);
  assert.ok(bed.queue.deliveries.some((d) => d.outcome === 'error-retry'), 'the crashed delivery failed and was retried');
  assert.ok(bed.queue.deliveries.some((d) => d.retryCount > 0), 'and came back');
  const status = await jobStatus(bed, jobId);
  assert.equal(status.state, 'done', JSON.stringify({ ...status, sprints: undefined }));
  assert.equal(status.created, 26);
  assert.equal(j.sprintsOfBoard(boards[0]).length, 26);
  checkBoard(j, boards[0], 'after the redelivery');
});

test('the same job delivered twice at once (at-least-once queue delivery): still no sprint twice', async (t) => {
  const { bed, j, boards } = await bulkBed(t, { boards: 1, existing: false });
  const { jobId } = await call(bed, 'createBulkSprints', payloadFor(boards, { ...PLAN, count: 10 }));
  const [pushed] = bed.queue.pushes;
  const event = { body: pushed.request.payload[0].body, queueName: 'sprint-work', jobId: pushed.jobId, eventId: 'dup-1' };
  await Promise.all([
    bed.invokeFunction('queue-worker', [event]),
    bed.invokeFunction('queue-worker', [{ ...event, eventId: 'dup-2' }]),
  ]);
  await bed.queue.drain();
  const names = j.sprintsOfBoard(boards[0]).map((s) => s.name);
  assert.equal(names.length, 10, `sprints on the board: ${names.join(', ')}`);
  const status = await jobStatus(bed, jobId);
  assert.equal(status.created, 10);
  assertResultsMatchJira(j, status);
});

test('short invocations: the worker continues through the queue and ends with exactly the plan', async (t) => {
  const { bed, j, boards, later } = await bulkBed(t, {
    bedOptions: { remainingTime: (inv) => (inv.functionKey === 'queue-worker' ? 10_000 : 20_000) },
  });
  const payload = payloadFor(boards);
  const preview = await call(bed, 'previewBulkPlan', payload);
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  await bed.queue.drain();
  const runs = bed.invocations.filter((i) => i.functionKey === 'queue-worker');
  assert.ok(runs.length >= 10, `${runs.length} worker invocations`);
  assert.ok(runs.every((r) => r.outcome === 'ok'));
  const status = await jobStatus(bed, jobId);
  assertJobDone(status, boards, 'continued');
  assertMatchesPreview(j, preview, boards, later.id);
  assert.equal(sprintPosts(j), 78);
});

test('a cancel while the worker creates: the job is cancelling until the worker stops before its next create, then its counts are what Jira holds; undo waits for it', async (t) => {
  const { bed, j, boards } = await bulkBed(t, { existing: false });
  // every create takes Jira 40 ms, so the cancel lands while the worker is busy
  j.injectFault({ method: 'POST', pathMatch: SPRINT_POST, kind: 'latency', latencyMs: 40, times: 1e9 });
  const { jobId } = await call(bed, 'createBulkSprints', payloadFor(boards));
  const working = bed.queue.deliverDue();
  while (sprintPosts(j) < 3) await new Promise((r) => setTimeout(r, 5));
  const asked = await call(bed, 'cancelBulkJob', { projectKey: PROJECT, jobId });
  assert.equal(asked.state, 'cancelling', 'a worker holds the job: it stops it');
  // undo now could miss the sprint being created: refused, nothing deleted
  const early = await bed.invokeResolver('undoBulkJob', { projectKey: PROJECT, jobId }, { accountId: ADMIN });
  assert.equal(early.ok, false);
  assert.equal(early.error.code, 'JOB_STILL_RUNNING');
  assert.equal(early.error.status, 409);
  assert.equal(j.countRequests({ method: 'DELETE' }), 0);
  await working;
  await bed.queue.drain({ advanceClock: true });
  const status = await jobStatus(bed, jobId);
  assert.equal(status.state, 'cancelled');
  const made = sprintPosts(j);
  assert.equal(status.created, made, 'the last answer counts every sprint Jira holds');
  assert.ok(made < 78, `stopped early: ${made} of 78`);
  assert.ok(made - asked.created <= 1, `at most the create in flight after the cancel (${asked.created} then ${made})`);
  const undo = await call(bed, 'undoBulkJob', { projectKey: PROJECT, jobId });
  assert.equal(undo.deleted.length, made);
  assert.equal((await jobStatus(bed, jobId)).state, 'undone');
});

test('cancel stops a job part-way; undo deletes its future sprints and skips a started one', async (t) => {
  const { bed, j, boards } = await bulkBed(t, {
    existing: false,
    bedOptions: { remainingTime: (inv) => (inv.functionKey === 'queue-worker' ? 10_000 : 20_000) },
  });
  const payload = payloadFor(boards);
  const { jobId } = await call(bed, 'createBulkSprints', payload);
  const [first] = await bed.queue.deliverDue(); // one short invocation: a few sprints, then it hands over
  assert.equal(first.outcome, 'success');
  const partial = await jobStatus(bed, jobId);
  assert.ok(partial.created > 0 && partial.created < 78, `created ${partial.created}`);
  assert.equal(partial.state, 'running');

  const cancelled = await call(bed, 'cancelBulkJob', { projectKey: PROJECT, jobId });
  assert.equal(cancelled.state, 'cancelled');
  await bed.queue.drain({ advanceClock: true });
  const status = await jobStatus(bed, jobId);
  assert.equal(status.state, 'cancelled');
  assert.equal(status.created, partial.created, 'nothing created after the cancel');
  assert.ok(status.created < status.planned);
  assert.equal(sprintPosts(j), partial.created);
  assert.equal(status.sprints.filter((s) => s.state === 'planned').length, 78 - partial.created);
  const createdIds = status.sprints.filter((s) => s.state === 'created').map((s) => s.sprintId);

  // Undo: start one of the job's sprints first; it must be skipped with a reason.
  const startedId = createdIds[0];
  j.updateSprint(startedId, { state: 'active' });
  const undo = await call(bed, 'undoBulkJob', { projectKey: PROJECT, jobId });
  assert.equal(undo.jobId, jobId);
  assert.deepEqual([...undo.deleted].sort((a, b) => a - b), createdIds.slice(1).sort((a, b) => a - b));
  assert.deepEqual(undo.skipped, [{ sprintId: startedId, reason: 'SPRINT_ACTIVE' }]);
  for (const id of createdIds.slice(1)) assert.equal(j.getSprint(id), undefined, `sprint ${id} deleted`);
  assert.equal(j.getSprint(startedId).state, 'active');
  const after = await jobStatus(bed, jobId);
  assert.equal(after.state, 'undone');
  assert.equal(after.deleted, createdIds.length - 1);
  assert.equal(after.created, 1);
  // Undo again: nothing more to delete, the started sprint is still reported.
  const twice = await call(bed, 'undoBulkJob', { projectKey: PROJECT, jobId });
  assert.deepEqual(twice.deleted, []);
  assert.deepEqual(twice.skipped, [{ sprintId: startedId, reason: 'SPRINT_ACTIVE' }]);
});

test('undo of a finished job: every still-future sprint deleted, started and vanished ones reported', async (t) => {
  const { bed, j, boards } = await bulkBed(t, { boards: 1, existing: false });
  const { jobId } = await call(bed, 'createBulkSprints', payloadFor(boards, { ...PLAN, count: 8 }));
  await bed.queue.drain();
  const status = await jobStatus(bed, jobId);
  assert.equal(status.created, 8);
  const ids = status.sprints.map((s) => s.sprintId);
  j.updateSprint(ids[0], { state: 'active' });
  j.deleteSprint(ids[5]);
  const undo = await call(bed, 'undoBulkJob', { projectKey: PROJECT, jobId });
  assert.deepEqual([...undo.deleted].sort((a, b) => a - b), ids.filter((_, i) => i !== 0 && i !== 5));
  assert.deepEqual(undo.skipped.sort((a, b) => a.sprintId - b.sprintId), [
    { sprintId: ids[0], reason: 'SPRINT_ACTIVE' }, { sprintId: ids[5], reason: 'SPRINT_GONE' },
  ]);
  assert.deepEqual(j.sprintsOfBoard(boards[0]).map((s) => s.id), [ids[0]]);
});
