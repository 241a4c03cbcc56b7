'use strict';
// Bulk creation: who may call it (403s with zero writes anywhere), what a plan may be (coded 400s
// with zero writes anywhere), rename by template (dry run, partial update of future sprints only),
// and keep-ahead top-ups from the scheduled check.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  USERS, startSeededBed, storageState, assertNothingWritten, assertError, assertOk, validBoardSettings,
} = require('./helpers');

const A = USERS.adminOfA.accountId; // project admin of PA (boards boardA, boardA2)

const PLAN = {
  firstStart: '2026-02-02T09:00', timeZone: 'Europe/Berlin', length: { value: 2, unit: 'weeks' },
  count: 4, nameTemplate: 'Sprint {n}',
};

/** Everything a call could have written: storage (SQL rows + counters, KVS), Jira writes, queue pushes. */
async function everything(bed) {
  const j = bed.jira;
  return {
    storage: await storageState(bed),
    jiraWrites: j.countRequests((r) => r.method !== 'GET'),
    queuePushes: bed.queue.pushes.length,
  };
}
async function assertZeroWrites(bed, before, label) {
  const after = await everything(bed);
  assert.equal(after.jiraWrites, before.jiraWrites, `${label}: Jira writes`);
  assert.equal(after.queuePushes, before.queuePushes, `${label}: queue pushes`);
  await assertNothingWritten(bed, before.storage, label);
}

test('callers without the right are refused with coded 403s and nothing is written', async (t) => {
  const { bed, boardA, boardB } = await startSeededBed(t);
  // A job to aim the job-keyed resolvers at.
  const job = assertOk(await bed.invokeResolver('createBulkSprints', { projectKey: 'PA', boardIds: [boardA], plan: PLAN }, { accountId: A }));
  await bed.queue.drain();
  const before = await everything(bed);

  const planOn = (projectKey, boardIds) => ({ projectKey, boardIds, plan: PLAN });
  const calls = [
    ['previewBulkPlan', planOn('PA', [boardA])],
    ['createBulkSprints', planOn('PA', [boardA])],
    ['renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: 'X {n}' }],
    ['renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: 'X {n}', dryRun: true }],
    ['getBulkJob', { projectKey: 'PA', jobId: job.jobId }],
    ['listBulkJobs', { projectKey: 'PA' }],
    ['cancelBulkJob', { projectKey: 'PA', jobId: job.jobId }],
    ['undoBulkJob', { projectKey: 'PA', jobId: job.jobId }],
  ];
  const callers = [
    ['no account', undefined, 'NOT_AUTHENTICATED'],
    ['plain user', USERS.plain.accountId, 'NOT_PROJECT_ADMIN'],
    ['admin of another project', USERS.adminOfB.accountId, 'NOT_PROJECT_ADMIN'],
  ];
  for (const [who, accountId, code] of callers) {
    for (const [key, payload] of calls) {
      const r = await bed.invokeResolver(key, payload, { accountId });
      assertError(r, code, 403, undefined, `${who} ${key}`);
    }
  }
  // An admin of PB naming PA's board (or PA's job) under PB.
  const B = USERS.adminOfB.accountId;
  for (const [key, payload] of [
    ['previewBulkPlan', planOn('PB', [boardB, boardA])],
    ['createBulkSprints', planOn('PB', [boardA])],
    ['createBulkSprints', planOn('PB', [boardB, boardA])],
    ['renameFutureSprints', { projectKey: 'PB', boardId: boardA, nameTemplate: 'X {n}' }],
  ]) {
    assertError(await bed.invokeResolver(key, payload, { accountId: B }), 'BOARD_NOT_IN_PROJECT', 403, undefined, `PB admin ${key}`);
  }
  for (const key of ['getBulkJob', 'cancelBulkJob', 'undoBulkJob']) {
    assertError(await bed.invokeResolver(key, { projectKey: 'PB', jobId: job.jobId }, { accountId: B }), 'JOB_NOT_FOUND', 404, 'jobId', `PB admin ${key}`);
  }
  assert.deepEqual(assertOk(await bed.invokeResolver('listBulkJobs', { projectKey: 'PB' }, { accountId: B })).jobs, []);
  await assertZeroWrites(bed, before, 'denied calls');
  assert.equal(bed.egress.violations.length, 0);
});

test('invalid plans are coded 400s and write nothing (preview and create alike)', async (t) => {
  const { bed, boardA, boardA2 } = await startSeededBed(t);
  const base = { projectKey: 'PA', boardIds: [boardA], plan: PLAN };
  const withPlan = (over, drop = []) => {
    const plan = { ...PLAN, ...over };
    for (const k of drop) delete plan[k];
    return { ...base, plan };
  };
  const cases = [
    ['count 0', withPlan({ count: 0 }), 'OUT_OF_RANGE', 'plan.count'],
    ['count 101', withPlan({ count: 101 }), 'OUT_OF_RANGE', 'plan.count'],
    ['count and until', withPlan({ until: '2026-12-31' }), 'OUT_OF_RANGE', 'plan.until'],
    ['neither count nor until', withPlan({}, ['count']), 'MISSING_FIELD', 'plan.count'],
    ['until before firstStart', withPlan({ until: '2026-01-31' }, ['count']), 'PLAN_ENDS_BEFORE_START', 'plan.until'],
    ['until before the first sprint ends', withPlan({ until: '2026-02-10' }, ['count']), 'PLAN_ENDS_BEFORE_START', 'plan.until'],
    ['until making > 100 sprints', withPlan({ until: '2027-12-31', length: { value: 1, unit: 'days' } }, ['count']), 'PLAN_TOO_LARGE', 'plan.until'],
    ['unknown zone', withPlan({ timeZone: 'Europe/Atlantis' }), 'UNKNOWN_TIME_ZONE', 'plan.timeZone'],
    ['unknown token', withPlan({ nameTemplate: 'Sprint {sprintNumber}' }), 'TEMPLATE_TOKEN_UNKNOWN', 'plan.nameTemplate'],
    ['unknown date format', withPlan({ nameTemplate: 'S {start:YYYY}' }), 'TEMPLATE_TOKEN_UNKNOWN', 'plan.nameTemplate'],
    ['unbalanced brace', withPlan({ nameTemplate: 'Sprint {n' }), 'TEMPLATE_TOKEN_UNKNOWN', 'plan.nameTemplate'],
    ['unknown goal token', withPlan({ goalTemplate: 'Goal {foo}' }), 'TEMPLATE_TOKEN_UNKNOWN', 'plan.goalTemplate'],
    ['{pi} without pi', withPlan({ nameTemplate: 'PI {pi}.{sprintInPi}' }), 'TEMPLATE_TOKEN_UNKNOWN', 'plan.nameTemplate'],
    ['blank template', withPlan({ nameTemplate: '   ' }), 'OUT_OF_RANGE', 'plan.nameTemplate'],
    ['unknown top-level field', { ...base, dryRun: true }, 'UNKNOWN_FIELD', 'dryRun'],
    ['unknown plan field', withPlan({ colour: 'red' }), 'UNKNOWN_FIELD', 'plan.colour'],
    ['unknown length field', withPlan({ length: { value: 2, unit: 'weeks', months: 1 } }), 'UNKNOWN_FIELD', 'plan.length.months'],
    ['count as a string', withPlan({ count: '4' }), 'INVALID_TYPE', 'plan.count'],
    ['count fractional', withPlan({ count: 2.5 }), 'INVALID_TYPE', 'plan.count'],
    ['boardIds not an array', { ...base, boardIds: String(boardA) }, 'INVALID_TYPE', 'boardIds'],
    ['board id not a number', { ...base, boardIds: [String(boardA)] }, 'INVALID_TYPE', 'boardIds'],
    ['board id 0', { ...base, boardIds: [0] }, 'INVALID_TYPE', 'boardIds'],
    ['no boards', { ...base, boardIds: [] }, 'OUT_OF_RANGE', 'boardIds'],
    ['11 boards', { ...base, boardIds: Array.from({ length: 11 }, (_, i) => i + 1) }, 'OUT_OF_RANGE', 'boardIds'],
    ['plan not an object', { ...base, plan: 'weekly' }, 'INVALID_TYPE', 'plan'],
    ['plan missing', { projectKey: 'PA', boardIds: [boardA] }, 'MISSING_FIELD', 'plan'],
    ['firstStart without a time', withPlan({ firstStart: '2026-02-02' }), 'INVALID_TYPE', 'plan.firstStart'],
    ['firstStart 24:00', withPlan({ firstStart: '2026-02-02T24:00' }), 'INVALID_TIME_OF_DAY', 'plan.firstStart'],
    ['length unit months', withPlan({ length: { value: 1, unit: 'months' } }), 'OUT_OF_RANGE', 'plan.length.unit'],
    ['gapDays 31', withPlan({ gapDays: 31 }), 'OUT_OF_RANGE', 'plan.gapDays'],
    ['no working day', withPlan({ calendar: { workingDays: [] } }), 'OUT_OF_RANGE', 'plan.calendar.workingDays'],
    ['projectKey lower case', { ...base, projectKey: 'pa' }, 'INVALID_TYPE', 'projectKey'],
  ];
  const before = await everything(bed);
  for (const [label, payload, code, field] of cases) {
    for (const key of ['previewBulkPlan', 'createBulkSprints']) {
      const r = await bed.invokeResolver(key, payload, { accountId: A });
      assertError(r, code, 400, field, `${label} (${key})`);
    }
  }
  const token = await bed.invokeResolver('previewBulkPlan', withPlan({ nameTemplate: 'Sprint {sprintNumber}' }), { accountId: A });
  assert.equal(token.error.details.token, '{sprintNumber}');
  await assertZeroWrites(bed, before, 'invalid plans');

  // Names over Jira's 30 characters: the preview warns per sprint; create refuses and lists EVERY offender.
  const long = { ...base, boardIds: [boardA, boardA2], plan: { ...PLAN, count: 12, nameTemplate: 'Quarterly planning sprint no {n}' } };
  const preview = assertOk(await bed.invokeResolver('previewBulkPlan', long, { accountId: A }));
  for (const b of preview.boards) {
    const flagged = b.sprints.filter((s) => s.warnings.some((w) => w.code === 'NAME_TOO_LONG')).map((s) => s.index);
    assert.deepEqual(flagged, [9, 10, 11], `board ${b.boardId}`);
    assert.ok(b.warnings.some((w) => w.code === 'NAME_TOO_LONG'));
  }
  const refused = await bed.invokeResolver('createBulkSprints', long, { accountId: A });
  assertError(refused, 'SPRINT_NAME_TOO_LONG', 400, 'plan.nameTemplate', 'long names');
  const offenders = refused.error.details.offenders;
  assert.deepEqual(
    offenders.map((o) => [o.boardId, o.index, o.name, o.length]),
    [boardA, boardA2].flatMap((b) => [9, 10, 11].map((i) => [b, i, `Quarterly planning sprint no ${i + 1}`, 31])),
  );
  await assertZeroWrites(bed, before, 'names too long');

  // Duplicate board ids plan each board once.
  const dup = assertOk(await bed.invokeResolver('previewBulkPlan', { ...base, boardIds: [boardA, boardA, boardA2, boardA] }, { accountId: A }));
  assert.deepEqual(dup.boards.map((b) => b.boardId), [boardA, boardA2]);
  const created = assertOk(await bed.invokeResolver('createBulkSprints', { ...base, boardIds: [boardA2, boardA2] }, { accountId: A }));
  assert.equal(created.planned, 4);
  await bed.queue.drain();
  assert.equal(bed.jira.sprintsOfBoard(boardA2).length, 4);
  assert.equal(bed.egress.violations.length, 0);
});

test('rename by template: the dry run shows from -> to and writes nothing; the real run renames future sprints only, goals kept', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  const j = bed.jira;
  const closed = j.addSprint({ boardId: boardA, name: 'Old 1', startDate: '2025-12-08T08:00:00Z', endDate: '2025-12-22T08:00:00Z' });
  j.updateSprint(closed.id, { state: 'closed', completeDate: '2025-12-22T08:00:00Z' });
  const active = j.addSprint({ boardId: boardA, name: 'Now 7', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z', goal: 'active goal' });
  j.updateSprint(active.id, { state: 'active' });
  const f1 = j.addSprint({ boardId: boardA, name: 'next one', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z', goal: 'ship the thing' });
  const f2 = j.addSprint({ boardId: boardA, name: 'after that', startDate: '2026-02-02T08:00:00Z', endDate: '2026-02-16T08:00:00Z', goal: 'and the other' });
  const f3 = j.addSprint({ boardId: boardA, name: 'someday' }); // undated: date tokens render empty
  const template = 'Team {n} ({start:DD.MM.})';

  const before = await everything(bed);
  const dry = assertOk(await bed.invokeResolver('renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: template, dryRun: true }, { accountId: A }));
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.renames, [
    { sprintId: f1.id, from: 'next one', to: 'Team 8 (19.01.)' },
    { sprintId: f2.id, from: 'after that', to: 'Team 9 (02.02.)' },
    { sprintId: f3.id, from: 'someday', to: 'Team 10 ()' },
  ]);
  await assertZeroWrites(bed, before, 'dry run');
  assert.equal(j.getSprint(f1.id).name, 'next one');

  j.resetRequests();
  const real = assertOk(await bed.invokeResolver('renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: template }, { accountId: A }));
  assert.equal(real.dryRun, false);
  assert.deepEqual(real.renames, dry.renames);
  assert.equal(j.getSprint(f1.id).name, 'Team 8 (19.01.)');
  assert.equal(j.getSprint(f1.id).goal, 'ship the thing');
  assert.equal(j.getSprint(f2.id).name, 'Team 9 (02.02.)');
  assert.equal(j.getSprint(f2.id).goal, 'and the other');
  assert.equal(Date.parse(j.getSprint(f2.id).startDate), Date.parse('2026-02-02T08:00:00Z'));
  assert.equal(j.getSprint(f3.id).name, 'Team 10 ()');
  assert.equal(j.getSprint(active.id).name, 'Now 7');
  assert.equal(j.getSprint(active.id).goal, 'active goal');
  assert.equal(j.getSprint(closed.id).name, 'Old 1');
  const writes = j.requests.filter((r) => r.method !== 'GET');
  assert.deepEqual(writes.map((r) => [r.method, r.path, r.body]), [f1, f2, f3].map((s, i) => [
    'POST', `/rest/agile/1.0/sprint/${s.id}`, { name: dry.renames[i].to },
  ]), 'one partial update (POST {name}) per future sprint, no PUT');

  // Again with the same template: nothing left to change, nothing written.
  j.resetRequests();
  const again = assertOk(await bed.invokeResolver('renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: template }, { accountId: A }));
  assert.ok(again.renames.every((r) => r.from === r.to), JSON.stringify(again.renames));
  assert.equal(j.countRequests((r) => r.method !== 'GET'), 0);

  // Errors: unknown token, PI tokens, names too long (every offender listed), unknown field.
  const before2 = await everything(bed);
  const rename = (over) => bed.invokeResolver('renameFutureSprints', { projectKey: 'PA', boardId: boardA, nameTemplate: template, ...over }, { accountId: A });
  assertError(await rename({ nameTemplate: 'T {nope}' }), 'TEMPLATE_TOKEN_UNKNOWN', 400, 'nameTemplate');
  assertError(await rename({ nameTemplate: 'PI {pi}' }), 'TEMPLATE_TOKEN_UNKNOWN', 400, 'nameTemplate');
  assertError(await rename({ dryRun: 'yes' }), 'INVALID_TYPE', 400, 'dryRun');
  assertError(await rename({ goal: 'x' }), 'UNKNOWN_FIELD', 400, 'goal');
  const tooLong = await rename({ nameTemplate: 'A very long sprint name for {start}' });
  assertError(tooLong, 'SPRINT_NAME_TOO_LONG', 400, 'nameTemplate');
  assert.deepEqual(tooLong.error.details.offenders.map((o) => o.sprintId), [f1.id, f2.id]);
  await assertZeroWrites(bed, before2, 'refused renames');
});

const future0 = (j, boardId) => j.sprintsOfBoard(boardId).filter((s) => s.state === 'future');

test('keep-ahead: the scheduled check tops a board up to 3 future sprints, and a second check creates nothing', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  const j = bed.jira;
  const s1 = j.addSprint({ boardId: boardA, name: 'Sprint 1', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  const s2 = j.addSprint({ boardId: boardA, name: 'Sprint 2', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z' });
  const settings = validBoardSettings({ keepAhead: 3, nameTemplate: 'KA {n}', startTime: null, holidays: [] });
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings }, { accountId: A }));

  const first = await bed.runScheduled('sprint-check');
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.deepEqual(first.data.outcomes.map((o) => o.ok.actions), [[{ created: future0(j, boardA)[1].id }, { created: future0(j, boardA)[2].id }]]);
  await bed.queue.drain();
  const future = j.sprintsOfBoard(boardA).filter((s) => s.state === 'future');
  assert.deepEqual(future.map((s) => s.name), ['Sprint 2', 'KA 3', 'KA 4']);
  // The cadence continues: two weeks each, back to back after the last sprint.
  assert.deepEqual(future.map((s) => [Date.parse(s.startDate), Date.parse(s.endDate)]), [
    ['2026-01-19T08:00:00Z', '2026-02-02T08:00:00Z'],
    ['2026-02-02T08:00:00Z', '2026-02-16T08:00:00Z'],
    ['2026-02-16T08:00:00Z', '2026-03-02T08:00:00Z'],
  ].map(([a, b]) => [Date.parse(a), Date.parse(b)]));
  assert.equal(j.getSprint(s2.id).state, 'future');
  const created = j.countRequests({ method: 'POST', path: '/rest/agile/1.0/sprint' });
  assert.equal(created, 2);

  // Run again: right away, after the app's own sprint events, and at the board's daily look.
  await bed.deliverSprintEvents();
  await bed.runScheduled('sprint-check');
  const [{ reconcile_at: look }] = await bed.sql.query('SELECT reconcile_at FROM board_schedule WHERE board_id = ?', [boardA]);
  bed.clock.set(Number(look));
  const later = await bed.runScheduled('sprint-check');
  assert.equal(later.ok, true, JSON.stringify(later));
  assert.equal(later.data.boards, 1, 'the daily look checked the board again');
  assert.deepEqual(later.data.outcomes.map((o) => [o.ok.result, o.ok.actions]), [['checked', []]]);
  await bed.queue.drain();
  assert.equal(j.countRequests({ method: 'POST', path: '/rest/agile/1.0/sprint' }), created, 'no further sprint');
  assert.deepEqual(j.sprintsOfBoard(boardA).filter((s) => s.state === 'future').map((s) => s.name), ['Sprint 2', 'KA 3', 'KA 4']);
  const reasons = bed.consoleLines.map((l) => { try { return JSON.parse(l).reason; } catch { return null; } });
  assert.equal(reasons.filter((r) => r === 'KEEP_AHEAD_SPRINT_CREATED').length, 2);
  assert.equal(bed.egress.violations.length, 0);
});

test('keep-ahead: a top-up create whose answer is lost (Jira made the sprint) is not made twice', async (t) => {
  const { bed, boardA } = await startSeededBed(t);
  const j = bed.jira;
  const s1 = j.addSprint({ boardId: boardA, name: 'Sprint 1', startDate: '2026-01-05T08:00:00Z', endDate: '2026-01-19T08:00:00Z' });
  j.updateSprint(s1.id, { state: 'active' });
  j.addSprint({ boardId: boardA, name: 'Sprint 2', startDate: '2026-01-19T08:00:00Z', endDate: '2026-02-02T08:00:00Z' });
  const settings = validBoardSettings({ keepAhead: 3, nameTemplate: 'KA {n}', startTime: null, holidays: [] });
  assertOk(await bed.invokeResolver('updateBoardSettings', { projectKey: 'PA', boardId: boardA, settings }, { accountId: A }));
  const drop = j.injectFault({ method: 'POST', pathMatch: '/rest/agile/1.0/sprint', nth: 1, kind: 'drop', phase: 'after' });
  const first = await bed.runScheduled('sprint-check');
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.equal(drop.fired(), 1);
  assert.deepEqual(future0(j, boardA).map((s) => s.name), ['Sprint 2', 'KA 3', 'KA 4']);
});
