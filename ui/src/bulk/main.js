// Project page "Bulk Sprint Creation" (jira:projectPage, project admins): plan, preview, create, undo.
import '../shared/style.css';
import { h, s, mount, debounce, timeElement, wallTime } from '../shared/dom.js';
import { call, errorBox, errorField, refusal, DENIALS } from '../shared/api.js';
import { pageContext } from '../shared/context.js';
import { JOB_STATES, WEEKDAYS, planWarningSentence, undoSkipSentence } from '../shared/messages.js';

const root = document.getElementById('root');
const POLL_MS = 500;
const FINAL = new Set(['done', 'failed', 'cancelled', 'undone']);
// Warnings that make Jira refuse the sprint: the plan cannot be created until they are fixed.
const BLOCKING = new Set(['NAME_TOO_LONG', 'NAME_EMPTY']);
// The plan section re-reads the boards after an undo elsewhere on the page.
let refreshPlan = null;

let project;
let boards = [];
let nowMs = Date.now();

async function main() {
  const ctx = await pageContext();
  project = ctx.projectKey;
  mount(root, h('h1', null, 'Bulk Sprint Creation'), h('p', { class: 'muted' }, 'Loading…'));
  let list;
  try {
    list = await call('listBoards', { projectKey: project });
  } catch (e) {
    mount(root, h('h1', null, 'Bulk Sprint Creation'), DENIALS.has(e.code) ? refusal(e) : errorBox(e, { title: 'The boards could not be loaded.' }));
    return;
  }
  boards = list.boards;
  try {
    const ping = await call('ping');
    const t = Date.parse(ping.now);
    if (Number.isFinite(t)) nowMs = t;
  } catch (_e) { /* the browser's clock then */ }
  render();
}

// ------------------------------------------------------------------ the form

function nextMonday(ms) {
  const d = new Date(ms);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  return d.toISOString().slice(0, 10);
}

function field(label, input, help) {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, help ? h('span', { class: 'field-help' }, help) : null);
}

function render() {
  if (!boards.length) {
    mount(root, h('h1', null, 'Bulk Sprint Creation'),
      h('div', { class: 'banner banner-info', id: 'no-boards' }, `Project ${project} has no scrum boards. Create a scrum board first.`));
    return;
  }
  const f = {
    firstStart: h('input', { type: 'datetime-local', id: 'firstStart', value: `${nextMonday(nowMs)}T09:00` }),
    timeZone: h('input', { type: 'text', id: 'timeZone', placeholder: "Each board's zone", list: 'zones', autocomplete: 'off', spellcheck: false }),
    lengthValue: h('input', { type: 'number', id: 'lengthValue', min: 1, value: 2, 'aria-label': 'Sprint length' }),
    lengthUnit: h('select', { id: 'lengthUnit', 'aria-label': 'Sprint length unit' }, h('option', { value: 'weeks', selected: true }, 'weeks'), h('option', { value: 'days' }, 'days')),
    gapDays: h('input', { type: 'number', id: 'gapDays', min: 0, max: 30, value: 0 }),
    endMode: h('select', { id: 'endMode' }, h('option', { value: 'count' }, 'a number of sprints'), h('option', { value: 'until' }, 'an end date')),
    count: h('input', { type: 'number', id: 'count', min: 1, max: 100, value: 6 }),
    until: h('input', { type: 'date', id: 'until', hidden: true }),
    nameTemplate: h('input', { type: 'text', id: 'nameTemplate', value: '{board} Sprint {n}', spellcheck: false }),
    goalTemplate: h('input', { type: 'text', id: 'goalTemplate', placeholder: 'optional', spellcheck: false }),
    startNumber: h('input', { type: 'number', id: 'startNumber', min: 1, placeholder: 'next free number' }),
    useCalendar: h('input', { type: 'checkbox', id: 'useCalendar' }),
    holidays: h('textarea', { id: 'holidays', rows: 2, placeholder: 'YYYY-MM-DD, …' }),
    usePi: h('input', { type: 'checkbox', id: 'usePi' }),
    sprintsPerPi: h('input', { type: 'number', id: 'sprintsPerPi', min: 1, value: 5 }),
    firstPi: h('input', { type: 'number', id: 'firstPi', min: 1, value: 1 }),
    firstSprintInPi: h('input', { type: 'number', id: 'firstSprintInPi', min: 1, value: 1 }),
  };
  const boardChecks = boards.map((b, i) => h('input', { type: 'checkbox', name: 'board', value: b.boardId, checked: i === 0, id: `board-check-${b.boardId}` }));
  const dayButtons = WEEKDAYS.map((d) => h('button', {
    type: 'button', class: 'day-toggle', dataset: { day: d }, 'aria-pressed': String(!['SAT', 'SUN'].includes(d)),
    onClick: (e) => { const b = e.currentTarget; b.setAttribute('aria-pressed', String(b.getAttribute('aria-pressed') !== 'true')); changed(); },
  }, d.slice(0, 2)));
  const calendarBox = h('div', { hidden: true, class: 'form-stack' }, h('div', { class: 'row' }, dayButtons), field('Holidays', f.holidays));
  const piBox = h('div', { hidden: true, class: 'form-grid' },
    field('Sprints per PI', f.sprintsPerPi), field('First PI number', f.firstPi), field('First sprint in PI', f.firstSprintInPi));

  const formErrors = h('div', { id: 'plan-errors' });
  const previewBox = h('div', { id: 'preview' });
  const timelineBox = h('div', { id: 'timeline-box' });
  const createBox = h('div', { id: 'create-box' });
  const jobsBox = h('div', { id: 'jobs' });
  const createBtn = h('button', { class: 'primary', id: 'create', disabled: true }, 'Create sprints');

  const readPlan = () => {
    const num = (el) => (el.value === '' ? undefined : Number.isFinite(Number(el.value)) ? Number(el.value) : el.value);
    const plan = {
      firstStart: f.firstStart.value,
      timeZone: f.timeZone.value.trim() || null,
      length: { value: num(f.lengthValue), unit: f.lengthUnit.value },
      nameTemplate: f.nameTemplate.value,
    };
    const gap = num(f.gapDays);
    if (gap) plan.gapDays = gap;
    if (f.endMode.value === 'count') plan.count = num(f.count);
    else plan.until = f.until.value;
    if (f.goalTemplate.value.trim()) plan.goalTemplate = f.goalTemplate.value;
    if (f.startNumber.value !== '') plan.startNumber = num(f.startNumber);
    if (f.useCalendar.checked) {
      plan.calendar = {
        workingDays: dayButtons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.day),
        holidays: f.holidays.value.split(/[\s,;]+/).filter(Boolean),
      };
    }
    if (f.usePi.checked) plan.pi = { sprintsPerPi: num(f.sprintsPerPi), firstPi: num(f.firstPi), firstSprintInPi: num(f.firstSprintInPi) };
    return {
      projectKey: project,
      boardIds: boardChecks.filter((c) => c.checked).map((c) => Number(c.value)),
      plan,
    };
  };

  const fieldEls = { ...f, count: f.count, until: f.until, value: f.lengthValue, unit: f.lengthUnit, boardIds: boardChecks[0] };
  const clearInvalid = () => Object.values(fieldEls).forEach((el) => el && el.classList.remove('invalid'));
  const markInvalid = (err) => {
    const name = errorField(err);
    const el = name && fieldEls[name];
    if (el) el.classList.add('invalid');
  };

  let seq = 0;
  let lastPreview = null;
  // The plan just created: Create stays off until the plan changes (no overlapping duplicates).
  let createdPlan = null;
  // The first start follows each board's last sprint until the admin picks one.
  let firstStartTouched = false;
  f.firstStart.addEventListener('input', () => { firstStartTouched = true; });
  const createHint = h('div', { class: 'small muted', id: 'create-hint', role: 'status' });
  const preview = async () => {
    const mine = ++seq;
    const payload = readPlan();
    clearInvalid();
    mount(formErrors);
    createBtn.disabled = true;
    if (!payload.boardIds.length) {
      mount(previewBox, h('div', { class: 'banner banner-info' }, 'Choose at least one board.'));
      mount(timelineBox);
      return;
    }
    previewBox.setAttribute('aria-busy', 'true');
    let data;
    try {
      data = await call('previewBulkPlan', payload);
    } catch (e) {
      if (mine !== seq) return;
      previewBox.removeAttribute('aria-busy');
      if (DENIALS.has(e.code)) { mount(root, h('h1', null, 'Bulk Sprint Creation'), refusal(e)); return; }
      markInvalid(e);
      mount(formErrors, errorBox(e, { title: 'The plan has a problem.' }));
      mount(previewBox, h('p', { class: 'muted' }, 'Fix the plan to see the preview.'));
      mount(timelineBox);
      lastPreview = null;
      return;
    }
    if (mine !== seq) return;
    previewBox.removeAttribute('aria-busy');
    if (!firstStartTouched) {
      // Default: the Monday 09:00 after the chosen boards' last sprint ends (or the next Monday).
      const ends = data.boards.flatMap((b) => (b.existing || []).map((e) => Date.parse(e.end))).filter(Number.isFinite);
      const after = ends.length ? Math.max(nowMs, ...ends) : nowMs;
      const wanted = `${nextMonday(after)}T09:00`;
      if (f.firstStart.value !== wanted) { f.firstStart.value = wanted; preview(); return; }
    }
    lastPreview = { payload, data };
    mount(previewBox, previewTables(data));
    mount(timelineBox, timeline(data));
    const blocked = data.boards.some((b) => b.sprints.some((sp) => (sp.warnings || []).some((w) => BLOCKING.has(w.code))));
    const again = createdPlan === JSON.stringify(payload);
    createBtn.disabled = blocked || again || !data.boards.some((b) => b.sprints.length);
    createHint.textContent = blocked ? 'Jira would refuse some of these names: fix them before creating.'
      : again ? 'These sprints were just created: change the plan to create more.' : '';
  };
  refreshPlan = () => { mount(createBox); preview(); };
  const changed = debounce(preview, 350);

  f.endMode.addEventListener('change', () => { f.count.hidden = f.endMode.value !== 'count'; f.until.hidden = f.endMode.value !== 'until'; });
  f.useCalendar.addEventListener('change', () => { calendarBox.hidden = !f.useCalendar.checked; });
  f.usePi.addEventListener('change', () => { piBox.hidden = !f.usePi.checked; });

  createBtn.addEventListener('click', async () => {
    const payload = lastPreview ? lastPreview.payload : readPlan();
    createBtn.disabled = true;
    mount(createBox, h('p', { class: 'muted' }, 'Starting…'));
    let job;
    try {
      job = await call('createBulkSprints', payload);
    } catch (e) {
      createBtn.disabled = false;
      markInvalid(e);
      const offenders = e.details && Array.isArray(e.details.offenders) ? e.details.offenders : [];
      mount(createBox, errorBox(e, { title: 'Nothing was created.' }),
        offenders.length ? h('ul', { class: 'small' }, offenders.slice(0, 10).map((o) => h('li', null, `${o.name} (${o.length ?? String(o.name || o.to || '').length} characters)`))) : null);
      return;
    }
    createdPlan = JSON.stringify(payload);
    firstStartTouched = true; // the plan stays as created (not moved after the new sprints)
    createHint.textContent = 'These sprints are being created: change the plan to create more.';
    loadJobs(jobsBox);
    await follow(job, createBox, () => { preview(); loadJobs(jobsBox); });
  });

  const form = h('form', { id: 'plan-form', class: 'form-stack', novalidate: true, onSubmit: (e) => e.preventDefault(), onInput: changed, onChange: changed },
    h('fieldset', null, h('legend', null, 'Boards'), h('div', { class: 'row', id: 'board-choices' },
      boards.map((b, i) => h('label', { class: 'inline' }, boardChecks[i], b.name)))),
    h('div', { class: 'form-grid' },
      field('First sprint starts', f.firstStart),
      field('Time zone', f.timeZone, "Empty: each board's own zone")),
    h('div', { class: 'form-grid' },
      field('Sprint length', h('div', { class: 'row', id: 'length' }, f.lengthValue, f.lengthUnit)),
      field('Days between sprints', f.gapDays)),
    h('div', { class: 'form-grid' },
      field('Plan until', f.endMode),
      h('div', { class: 'field' }, h('label', { for: 'count' }, 'Sprints / end date'), f.count, f.until)),
    field('Name template', f.nameTemplate, 'Tokens: {board} {project} {n} {start} {end} {start:D MMM} {week} {quarter} {year} {pi} {sprintInPi}'),
    field('Goal template', f.goalTemplate),
    field('First number {n}', f.startNumber),
    h('label', { class: 'inline' }, f.useCalendar, 'Start sprints on working days only'),
    calendarBox,
    h('label', { class: 'inline' }, f.usePi, 'Number sprints in program increments (PI)'),
    piBox,
    h('datalist', { id: 'zones' }, (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []).map((z) => h('option', { value: z }))),
    formErrors,
    h('div', { class: 'row' }, createBtn, createHint));

  mount(root,
    h('h1', null, 'Bulk Sprint Creation'),
    h('p', { class: 'lede' }, `Plan a run of sprints for project ${project}'s boards, check the preview, then create them in one go. A job can be undone while its sprints are still in the future.`),
    h('div', { class: 'split' },
      h('section', null, h('h2', null, 'Plan'), form, createBox),
      h('section', null, h('h2', null, 'Preview'), timelineBox, previewBox)),
    h('section', null, h('h2', null, 'Jobs'), jobsBox));
  preview();
  loadJobs(jobsBox);
}

// ------------------------------------------------------------------ preview

function boardName(id) {
  const b = boards.find((x) => x.boardId === id);
  return b ? b.name : `Board ${id}`;
}

function previewTables(data) {
  return data.boards.map((b) => h('div', { class: 'card preview-board', dataset: { boardId: b.boardId } },
    h('h3', null, `${boardName(b.boardId)}: ${b.sprints.length} sprint${b.sprints.length === 1 ? '' : 's'}`,
      b.timeZone ? h('span', { class: 'muted small preview-zone' }, ` · times in ${b.timeZone}`) : null),
    (b.warnings || []).map((w) => h('div', { class: 'banner banner-warning small board-warning', dataset: { code: w.code } },
      planWarningSentence(w.code), ' ', h('span', { class: 'muted' }, w.message))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'preview-table' },
      h('thead', null, h('tr', null, ['#', 'Name', 'Start', 'End', 'Goal'].map((t) => h('th', null, t)))),
      h('tbody', null, b.sprints.map((sp) => h('tr', { dataset: { key: sp.key } },
        h('td', { class: 'num' }, sp.index + 1),
        h('td', null, h('strong', null, sp.name),
          (sp.warnings || []).map((w) => h('div', { class: 'warning-line', dataset: { code: w.code }, title: w.message }, planWarningSentence(w.code)))),
        h('td', { class: 'small', title: sp.start }, wallTime(sp.startLocal)),
        h('td', { class: 'small', title: sp.end }, wallTime(sp.endLocal)),
        h('td', { class: 'small' }, sp.goal || '')))))),
  ));
}

/** Planned sprints (and the board's existing ones, when the preview gives them) on one time axis. */
function timeline(data) {
  const lanes = [];
  for (const b of data.boards) {
    const existing = (b.existing || []).filter((e) => e.start && e.end);
    lanes.push({ board: b.boardId, label: boardName(b.boardId), existing, planned: b.sprints });
  }
  const times = lanes.flatMap((l) => [...l.existing, ...l.planned].flatMap((x) => [Date.parse(x.start), Date.parse(x.end)])).filter(Number.isFinite);
  if (!times.length) return null;
  const DAY = 86400000;
  const t0 = Math.min(...times, nowMs) - DAY;
  const t1 = Math.max(...times) + DAY;
  const labelW = 120;
  const width = 860;
  const laneH = 44;
  const top = 22;
  const x = (t) => labelW + ((t - t0) / (t1 - t0)) * (width - labelW - 10);
  const svg = s('svg', { width, height: top + lanes.length * laneH + 6, viewBox: `0 0 ${width} ${top + lanes.length * laneH + 6}`, role: 'img', 'aria-label': 'Timeline of existing and planned sprints', id: 'timeline' });
  // month (or week) ticks
  const span = t1 - t0;
  const step = span > 120 * DAY ? 'month' : 'week';
  const d = new Date(t0);
  d.setUTCHours(0, 0, 0, 0);
  if (step === 'month') d.setUTCDate(1); else d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  for (let i = 0; i < 200 && d.getTime() <= t1; i++) {
    if (d.getTime() >= t0) {
      const px = x(d.getTime());
      svg.append(s('line', { x1: px, x2: px, y1: top - 4, y2: top + lanes.length * laneH, class: 'tl-axis' }));
      svg.append(s('text', { x: px + 2, y: 12, class: 'tl-label' }, d.toISOString().slice(step === 'month' ? 0 : 5, step === 'month' ? 7 : 10)));
    }
    if (step === 'month') d.setUTCMonth(d.getUTCMonth() + 1); else d.setUTCDate(d.getUTCDate() + 7);
  }
  lanes.forEach((l, i) => {
    const y = top + i * laneH;
    svg.append(s('text', { x: 4, y: y + 24, class: 'tl-label' }, l.label.length > 18 ? `${l.label.slice(0, 17)}…` : l.label));
    for (const e of l.existing) {
      const a = x(Date.parse(e.start));
      const w = Math.max(2, x(Date.parse(e.end)) - a - 1);
      svg.append(s('rect', { x: a, y: y + 4, width: w, height: 14, rx: 2, class: ['tl-existing', e.state === 'active' ? 'active' : ''].join(' ') },
        s('title', null, `${e.name} (${e.state}) ${e.start} – ${e.end}`)));
    }
    for (const p of l.planned) {
      const a = x(Date.parse(p.start));
      const w = Math.max(2, x(Date.parse(p.end)) - a - 1);
      const warned = (p.warnings || []).length > 0;
      svg.append(s('rect', { x: a, y: y + 22, width: w, height: 16, rx: 2, class: `tl-planned${warned ? ' warned' : ''}`, dataset: { key: p.key } },
        s('title', null, `${p.name}: ${wallTime(p.startLocal)} – ${wallTime(p.endLocal)}${warned ? ` (${p.warnings.map((w2) => w2.code).join(', ')})` : ''}`)));
      if (w > 26) svg.append(s('text', { x: a + 3, y: y + 34, class: `tl-bar-label${warned ? ' on-warning' : ''}` }, String(p.index + 1)));
    }
  });
  const nx = x(nowMs);
  svg.append(s('line', { x1: nx, x2: nx, y1: top - 4, y2: top + lanes.length * laneH, class: 'tl-now' }, s('title', null, 'now')));
  const hasExisting = lanes.some((l) => l.existing.length);
  return h('div', { class: 'timeline' }, svg,
    h('div', { class: 'legend' },
      h('span', null, h('span', { class: 'swatch planned' }), 'planned'),
      h('span', null, h('span', { class: 'swatch warned' }), 'planned, with a warning'),
      hasExisting ? [h('span', null, h('span', { class: 'swatch existing' }), 'existing'), h('span', null, h('span', { class: 'swatch active' }), 'active')] : null,
      h('span', null, h('span', { class: 'swatch now' }), 'now')));
}

// ------------------------------------------------------------------ job progress and history

async function follow(job, box, onFinal) {
  const bar = h('div', { class: 'progress-bar' });
  const progress = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Sprints created', 'aria-valuemin': 0, 'aria-valuemax': job.planned, id: 'job-progress' }, bar);
  const text = h('div', { class: 'small', id: 'job-progress-text' });
  const errors = h('div');
  const cancel = h('button', { id: 'job-cancel', class: 'subtle', onClick: async () => {
    cancel.disabled = true;
    try { update(await call('cancelBulkJob', { projectKey: project, jobId: job.jobId })); } catch (e) { mount(errors, errorBox(e, { title: 'Not cancelled.' })); cancel.disabled = false; }
  } }, 'Cancel');
  mount(box, h('div', { class: 'card', id: 'job-card', dataset: { jobId: job.jobId } },
    h('div', { class: 'row' }, h('strong', null, 'Creating sprints'), h('code', { class: 'code' }, job.jobId)), progress, text, cancel, errors));
  function update(j) {
    const doneCount = (j.created || 0) + (j.failed || 0);
    const pct = j.planned ? Math.round((doneCount / j.planned) * 100) : 100;
    bar.style.width = `${pct}%`;
    progress.setAttribute('aria-valuenow', String(doneCount));
    progress.dataset.state = j.state;
    progress.classList.toggle('done', j.state === 'done');
    progress.classList.toggle('failed', j.state === 'failed');
    mount(text, h('span', { class: ['lozenge', j.state] }, JOB_STATES[j.state] || j.state), ' ',
      `${j.created || 0} of ${j.planned} created${j.failed ? `, ${j.failed} failed` : ''}`);
    if (j.failed) {
      const failed = (j.sprints || []).filter((x) => x.state === 'failed');
      mount(errors, h('div', { class: 'banner banner-error small' }, 'Not created: ',
        failed.map((x) => `${x.name || x.key} (${x.errorCode || 'error'})`).join(', ')));
    }
    cancel.hidden = FINAL.has(j.state);
    syncJobRow(j);
    return j;
  }
  update(job);
  let failures = 0;
  while (!FINAL.has(job.state)) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    try {
      job = update(await call('getBulkJob', { projectKey: project, jobId: job.jobId }));
      failures = 0;
    } catch (e) {
      mount(errors, errorBox(e, { title: 'The progress could not be read; retrying.' }));
      if (++failures >= 5) return;
    }
  }
  onFinal && onFinal(job);
}

async function loadJobs(box, banner) {
  let data;
  try {
    data = await call('listBulkJobs', { projectKey: project });
  } catch (e) {
    mount(box, errorBox(e, { title: 'The job history could not be loaded.' }));
    return;
  }
  if (!data.jobs.length) { mount(box, h('p', { class: 'muted', id: 'jobs-empty' }, 'No bulk jobs yet.')); return; }
  const result = banner || h('div', { id: 'undo-result' });
  mount(box, result, h('div', { class: 'table-wrap' }, h('table', { id: 'jobs-table' },
    h('thead', null, h('tr', null, ['When', 'Job', 'State', 'Planned', 'Created', 'Failed', ''].map((t) => h('th', null, t)))),
    h('tbody', null, data.jobs.map((j) => jobRow(j, box, result))))));
}

/** The jobs table shows what the progress card shows: the same answer updates both. */
function syncJobRow(j) {
  const row = [...document.querySelectorAll('#jobs-table tr[data-job-id]')].find((tr) => tr.dataset.jobId === j.jobId);
  if (!row) return;
  row.dataset.state = j.state;
  const cells = row.querySelectorAll('td');
  mount(cells[2], h('span', { class: ['lozenge', j.state] }, JOB_STATES[j.state] || j.state));
  cells[4].textContent = String(j.created || 0);
  cells[5].textContent = String(j.failed || 0);
}

function jobRow(j, box, result) {
  const actions = h('td');
  const canUndo = ['done', 'failed', 'cancelled', 'running'].includes(j.state) && j.created > 0;
  const undo = h('button', { class: 'undo', disabled: !canUndo, onClick: () => {
    mount(actions,
      h('span', { class: 'small' }, `Delete the ${j.created} sprint${j.created === 1 ? '' : 's'} this job created? `),
      h('button', { class: 'danger confirm-undo', onClick: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const r = await call('undoBulkJob', { projectKey: project, jobId: j.jobId });
          const deleted = Array.isArray(r.deleted) ? r.deleted.length : r.deleted;
          mount(result, h('div', { class: 'banner banner-success', id: 'undo-banner', role: 'status' },
            `Undone: ${deleted} sprint${deleted === 1 ? '' : 's'} deleted.`,
            r.skipped && r.skipped.length ? h('ul', { class: 'small' }, r.skipped.map((x) => h('li', null, `Sprint ${x.sprintId} kept: ${undoSkipSentence(x.reason)}.`))) : null));
        } catch (err) {
          mount(result, errorBox(err, { title: 'Not undone.' }));
        }
        loadJobs(box, result);
        // The deleted sprints leave the preview and the timeline, and the progress card goes.
        if (refreshPlan) refreshPlan();
      } }, 'Delete them'),
      h('button', { class: 'subtle', onClick: () => mount(actions, undo) }, 'Keep'));
  } }, 'Undo');
  mount(actions, undo);
  return h('tr', { dataset: { jobId: j.jobId, state: j.state } },
    h('td', { class: 'small' }, timeElement(j.createdAt)),
    h('td', null, h('code', { class: 'code' }, j.jobId)),
    h('td', null, h('span', { class: ['lozenge', j.state] }, JOB_STATES[j.state] || j.state)),
    h('td', { class: 'num' }, j.planned),
    h('td', { class: 'num' }, j.created),
    h('td', { class: 'num' }, j.failed),
    actions);
}

main().catch((e) => mount(root, h('h1', null, 'Bulk Sprint Creation'), errorBox(e)));
