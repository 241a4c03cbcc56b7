// Admin page "Sprint Automation Configuration" (jira:adminPage, Jira admins): subpages Settings,
// Logs and the site overview.
import '../shared/style.css';
import { h, mount, timeElement } from '../shared/dom.js';
import { call, clearFieldError, errorBox, errorField, fieldError, refusal, DENIALS } from '../shared/api.js';
import { boardName, pageContext, sprintName, subpageRoute } from '../shared/context.js';
import { CARRY_OVER, KINDS, LEVELS, STANDINGS, readinessSentence, reasonSentence } from '../shared/messages.js';

const root = document.getElementById('root');
const SUBPAGES = { settings: 'Settings', logs: 'Logs', overview: 'Site overview' };

let current = null;

async function main() {
  await pageContext();
  // Jira's sidebar (the module's `pages`) changes the route; follow it.
  const nav = await subpageRoute((route) => { if ((SUBPAGES[route] ? route : 'settings') !== current) show(route); });
  show(nav.route);
}

function show(route) {
  const sub = SUBPAGES[route] ? route : 'settings';
  current = sub;
  const body = h('div', { id: 'subpage' });
  mount(root,
    h('h1', null, 'Sprint Automation Configuration'),
    h('nav', { class: 'tabs', 'aria-label': 'Subpages' },
      Object.entries(SUBPAGES).map(([r, title]) => h('a', {
        href: `#${r}`, 'aria-current': r === sub ? 'page' : null, dataset: { route: r },
        onClick: (e) => { e.preventDefault(); navigate(r); },
      }, title))),
    body);
  ({ logs: renderLogs, overview: renderOverview }[sub] || renderSettings)(body).catch((e) => mount(body, errorBox(e)));
}

function navigate(route) {
  subpageRoute().then((nav) => nav.push(route));
  show(route);
}

// ------------------------------------------------------------------ settings

async function renderSettings(body) {
  mount(body, h('p', { class: 'muted' }, 'Loading settings…'));
  let data;
  try {
    data = await call('getGlobalSettings');
  } catch (e) {
    mount(body, DENIALS.has(e.code) ? refusal(e) : errorBox(e, { title: 'The settings could not be loaded.' }));
    return;
  }
  const s = data.settings;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const fields = {
    automationEnabled: h('input', { type: 'checkbox', id: 'automationEnabled', name: 'automationEnabled', checked: s.automationEnabled }),
    defaultTimeZone: h('input', { type: 'text', id: 'defaultTimeZone', name: 'defaultTimeZone', value: s.defaultTimeZone, list: 'zones', autocomplete: 'off', spellcheck: false }),
    defaultCarryOver: h('select', { id: 'defaultCarryOver', name: 'defaultCarryOver' },
      Object.entries(CARRY_OVER).map(([v, t]) => h('option', { value: v, selected: v === s.defaultCarryOver }, t))),
    logRetentionDays: h('input', { type: 'number', id: 'logRetentionDays', name: 'logRetentionDays', min: 1, max: 365, value: s.logRetentionDays }),
  };
  const status = h('div', { class: 'status', id: 'settings-status', role: 'status' });
  const errors = h('div');
  const save = h('button', { type: 'submit', class: 'primary', id: 'save-settings' }, 'Save');
  // novalidate: the app checks every value and names the field; the browser's own bubbles would hide that.
  const form = h('form', { class: 'form-stack', id: 'settings-form', novalidate: true, onSubmit: async (e) => {
    e.preventDefault();
    for (const f of Object.values(fields)) clearFieldError(f);
    mount(errors);
    status.className = 'status';
    status.textContent = 'Saving…';
    save.disabled = true;
    try {
      const days = Number(fields.logRetentionDays.value);
      const r = await call('updateGlobalSettings', { settings: {
        automationEnabled: fields.automationEnabled.checked,
        defaultTimeZone: fields.defaultTimeZone.value.trim(),
        defaultCarryOver: fields.defaultCarryOver.value,
        logRetentionDays: fields.logRetentionDays.value === '' || !Number.isFinite(days) ? fields.logRetentionDays.value : days,
      } });
      fields.defaultTimeZone.value = r.settings.defaultTimeZone;
      status.className = 'status ok';
      status.textContent = 'Saved.';
    } catch (err) {
      status.textContent = '';
      const f = errorField(err);
      // Under the field it names when there is one; a banner otherwise.
      if (f && fields[f]) { fieldError(fields[f], err); fields[f].focus(); status.className = 'status err'; status.textContent = 'Not saved.'; } else mount(errors, errorBox(err, { title: 'Not saved.' }));
    } finally {
      save.disabled = false;
    }
  } },
  h('label', { class: 'inline' }, fields.automationEnabled, 'Automation on (when off, no board is started, closed or moved)'),
  h('div', { class: 'field' }, h('label', { for: 'defaultTimeZone' }, 'Default time zone'), fields.defaultTimeZone,
    h('span', { class: 'field-help' }, 'For boards that name no zone of their own. An IANA name, e.g. Europe/Berlin.')),
  h('div', { class: 'field' }, h('label', { for: 'defaultCarryOver' }, 'Default carry-over of unfinished issues'), fields.defaultCarryOver),
  h('div', { class: 'field' }, h('label', { for: 'logRetentionDays' }, 'Keep log entries for (days)'), fields.logRetentionDays,
    h('span', { class: 'field-help' }, '1 to 365 days.')),
  h('datalist', { id: 'zones' }, zones.map((z) => h('option', { value: z }))),
  h('div', { class: 'row' }, save, status),
  errors);
  mount(body,
    h('p', { class: 'lede' }, 'Switch sprint automation on for the whole site and set the defaults boards use when their project administrators leave a field empty.'),
    form);
}

// ------------------------------------------------------------------ logs

async function renderLogs(body) {
  // The board picker lists the automated boards (the app's own tables), named as the viewer sees them.
  const boardOptions = [];
  try {
    const o = await call('getSiteOverview', { limit: 500 });
    for (const b of o.boards) boardOptions.push({ id: b.boardId, name: (await boardName(b.boardId)) || `Board ${b.boardId}` });
  } catch (e) {
    if (DENIALS.has(e.code)) { mount(body, refusal(e)); return; }
  }
  boardOptions.sort((a, b) => a.name.localeCompare(b.name));
  const filters = {
    boardId: h('select', { id: 'filter-board' }, h('option', { value: '' }, 'All boards'),
      boardOptions.map((b) => h('option', { value: String(b.id) }, `${b.name} (${b.id})`))),
    level: h('select', { id: 'filter-level' }, h('option', { value: '' }, 'All levels'),
      Object.entries(LEVELS).map(([v, t]) => h('option', { value: v }, t))),
    kind: h('select', { id: 'filter-kind' }, h('option', { value: '' }, 'All kinds'),
      Object.entries(KINDS).map(([v, t]) => h('option', { value: v }, t))),
    from: h('input', { type: 'date', id: 'filter-from' }),
    to: h('input', { type: 'date', id: 'filter-to' }),
  };
  const results = h('div', { id: 'logs-results' });
  const pager = h('div', { class: 'row', id: 'logs-pager' });
  // cursors[i] is the cursor that loads page i (page 0: none).
  let cursors = [null];
  let page = 0;
  // A date picked in the viewer's zone, as the instant its day starts.
  const dayStart = (value, plusDays = 0) => {
    const [y, m, d] = value.split('-').map(Number);
    return new Date(y, m - 1, d + plusDays).toISOString();
  };

  const load = async () => {
    mount(results, h('p', { class: 'muted' }, 'Loading…'));
    mount(pager);
    for (const f of Object.values(filters)) f.classList.remove('invalid');
    const payload = { limit: 25 };
    if (filters.boardId.value !== '') payload.boardId = Number(filters.boardId.value);
    if (filters.level.value) payload.level = filters.level.value;
    if (filters.kind.value) payload.kind = filters.kind.value;
    if (filters.from.value) payload.from = dayStart(filters.from.value);
    if (filters.to.value) payload.before = dayStart(filters.to.value, 1); // the whole "to" day
    if (cursors[page]) payload.cursor = cursors[page];
    let data;
    try {
      data = await call('getLogs', payload);
    } catch (e) {
      if (DENIALS.has(e.code)) { mount(body, refusal(e)); return; }
      const f = errorField(e);
      const el = f === 'before' ? filters.to : filters[f];
      if (el) el.classList.add('invalid');
      mount(results, errorBox(e, { title: 'The logs could not be loaded.' }));
      return;
    }
    cursors = cursors.slice(0, page + 1);
    if (data.cursor) cursors.push(data.cursor);
    mount(results, data.entries.length ? logTable(data.entries)
      : h('p', { class: 'muted', id: 'logs-empty' }, page === 0 ? 'No log entries match these filters.' : 'No more entries.'));
    mount(pager,
      h('button', { id: 'logs-newer', disabled: page === 0, onClick: () => { page -= 1; load(); } }, '← Newer'),
      h('span', { class: 'muted small' }, `Page ${page + 1}`),
      h('button', { id: 'logs-older', disabled: !data.cursor, onClick: () => { page += 1; load(); } }, 'Older →'));
  };
  const refilter = () => { cursors = [null]; page = 0; load(); };
  for (const f of Object.values(filters)) f.addEventListener('change', refilter);

  mount(body,
    h('p', { class: 'lede' }, `What the app did or skipped, and why, newest first, in your time zone (${viewerZone()}). Entries hold ids and counts only; the names are read from Jira as you see it. Older entries are removed after the retention set under Settings.`),
    h('div', { class: 'row', id: 'logs-filters' },
      h('div', { class: 'field' }, h('label', { for: 'filter-board' }, 'Board'), filters.boardId),
      h('div', { class: 'field' }, h('label', { for: 'filter-level' }, 'Level'), filters.level),
      h('div', { class: 'field' }, h('label', { for: 'filter-kind' }, 'Kind'), filters.kind),
      h('div', { class: 'field' }, h('label', { for: 'filter-from' }, 'From'), filters.from),
      h('div', { class: 'field' }, h('label', { for: 'filter-to' }, 'To'), filters.to),
      h('div', { class: 'field' }, h('label', null, '\u00a0'), h('button', { id: 'logs-refresh', onClick: refilter }, 'Refresh'))),
    results, pager);
  await load();
}

const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The bulk job an entry belongs to (its message names it), for one row per job. */
const BULK_GROUPS = { BULK_SPRINT_CREATED: 'created by', BULK_SPRINT_DELETED: 'deleted, undoing' };
const bulkJobOf = (e) => (BULK_GROUPS[e.reason] ? (/\b(bulk-[0-9a-f]{16})\b/.exec(e.message || '') || [])[1] : undefined);

function logTable(entries) {
  // Consecutive entries of one bulk job become one row that opens to show each sprint.
  const groups = [];
  for (const e of entries) {
    const job = bulkJobOf(e);
    const last = groups[groups.length - 1];
    if (job && last && last.job === job && last.reason === e.reason) last.entries.push(e);
    else groups.push({ job, reason: e.reason, entries: [e] });
  }
  const named = (el, promise) => { promise.then((n) => { if (n) el.textContent = n; }); return el; };
  const boardCell = (id) => (id == null ? '' : [named(h('span', { class: 'board-name' }, `Board ${id}`), boardName(id)), h('div', { class: 'muted small' }, `id ${id}`)]);
  const sprintCell = (id) => (id == null ? '' : [named(h('span', { class: 'sprint-name' }, `Sprint ${id}`), sprintName(id)), h('div', { class: 'muted small' }, `id ${id}`)]);
  const row = (e, extra) => h('tr', { dataset: { reason: e.reason, level: e.level, kind: e.kind, board: e.boardId ?? '' } },
    h('td', { class: 'small' }, timeElement(e.time)),
    h('td', null, h('span', { class: ['lozenge', e.level] }, LEVELS[e.level] || e.level)),
    h('td', null, KINDS[e.kind] || e.kind),
    h('td', null, h('div', { class: 'reason' }, reasonSentence(e.reason)), h('code', { class: 'code small' }, e.reason)),
    h('td', null, boardCell(e.boardId)),
    h('td', null, sprintCell(e.sprintId)),
    h('td', { class: 'small' }, extra || e.message,
      e.jira ? h('div', { class: 'warning-line' }, `Jira ${e.jira.status} ${e.jira.code}: ${e.jira.message}`) : null));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'logs-table' },
    h('thead', null, h('tr', null, ['Time', 'Level', 'Kind', 'What happened', 'Board', 'Sprint', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, groups.map((g) => {
      if (!g.job || g.entries.length === 1) return g.entries.map((e) => row(e));
      const first = g.entries[0];
      const boards = [...new Set(g.entries.map((e) => e.boardId))];
      const details = h('details', { class: 'bulk-group' },
        h('summary', null, `${g.entries.length} sprints ${BULK_GROUPS[g.reason]} ${g.job} on ${boards.length} board${boards.length === 1 ? '' : 's'}`),
        h('ul', { class: 'small' }, g.entries.map((e) => h('li', null, named(h('span', null, `Sprint ${e.sprintId}`), sprintName(e.sprintId)), `: ${e.message}`))));
      const r = row({ ...first, sprintId: undefined, boardId: boards.length === 1 ? first.boardId : undefined }, details);
      r.dataset.group = g.job;
      r.dataset.count = String(g.entries.length);
      return r;
    }))));
}

// ------------------------------------------------------------------ site overview

const ORDER = Object.keys(STANDINGS);

async function renderOverview(body) {
  mount(body, h('p', { class: 'muted' }, 'Loading the automated boards…'));
  let data;
  const boards = [];
  try {
    // The app's own tables, a page of 500 at a time: no Jira call as the app.
    let after;
    do {
      data = await call('getSiteOverview', after ? { after, limit: 500 } : { limit: 500 });
      boards.push(...data.boards);
      after = data.next;
    } while (after && boards.length < 5000);
  } catch (e) {
    mount(body, DENIALS.has(e.code) ? refusal(e) : errorBox(e, { title: 'The overview could not be loaded.' }));
    return;
  }
  // Names as the viewer sees them in Jira, all at once.
  const names = new Map(await Promise.all(boards.map(async (b) => [b.boardId, await boardName(b.boardId)])));
  const projects = [...new Set(boards.map((b) => b.projectKey))].sort();
  const filters = {
    status: h('select', { id: 'overview-status' }, h('option', { value: '' }, 'Every status'),
      ORDER.map((k) => h('option', { value: k }, STANDINGS[k][0]))),
    project: h('select', { id: 'overview-project' }, h('option', { value: '' }, 'Every project'), projects.map((p) => h('option', { value: p }, p))),
    sort: h('select', { id: 'overview-sort' },
      h('option', { value: 'status' }, 'Worst first'), h('option', { value: 'next' }, 'Next action first'), h('option', { value: 'board' }, 'Board name')),
  };
  const results = h('div', { id: 'overview-results' });
  const banners = [];
  if (!data.automationEnabled) banners.push(h('div', { class: 'banner banner-warning', role: 'status', id: 'overview-site-off' }, 'Automation is off for the whole site: no sprint is started or closed until it is switched on under Settings.'));
  if (data.jiraQuota.wallUntil) banners.push(h('div', { class: 'banner banner-warning', role: 'status', id: 'overview-wall' }, `Jira's points quota for the app is used up until ${data.jiraQuota.wallUntil.slice(11, 16)} UTC: starts and closes due before then run at the first check after it, and their log entries say how late.`));
  else if (data.jiraQuota.shortUntil) banners.push(h('div', { class: 'banner banner-info', role: 'status', id: 'overview-short' }, `Jira's points are short until ${data.jiraQuota.shortUntil.slice(11, 16)} UTC: only starts, closes and the looks before them run; keep-ahead and bulk jobs wait.`));
  const render = () => {
    let rows = boards.filter((b) => (!filters.status.value || b.status === filters.status.value) && (!filters.project.value || b.projectKey === filters.project.value));
    const by = {
      status: (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || nextAt(a) - nextAt(b),
      next: (a, b) => nextAt(a) - nextAt(b),
      board: (a, b) => String(names.get(a.boardId) || a.boardId).localeCompare(String(names.get(b.boardId) || b.boardId)),
    }[filters.sort.value];
    rows = [...rows].sort(by);
    mount(results, rows.length ? overviewTable(rows, names)
      : h('p', { class: 'muted', id: 'overview-empty' }, boards.length ? 'No board matches these filters.' : 'No board is automated yet: project administrators switch boards on in their project settings.'));
  };
  Object.values(filters).forEach((f) => f.addEventListener('change', render));
  mount(body,
    h('p', { class: 'lede' }, `Every automated board on the site (${boards.length}), its next action in the board's time zone and in UTC, and whether it is late, blocked or waiting for Jira.`),
    banners,
    h('div', { class: 'row', id: 'overview-filters' },
      h('div', { class: 'field' }, h('label', { for: 'overview-status' }, 'Status'), filters.status),
      h('div', { class: 'field' }, h('label', { for: 'overview-project' }, 'Project'), filters.project),
      h('div', { class: 'field' }, h('label', { for: 'overview-sort' }, 'Sort'), filters.sort)),
    results);
  render();
}

const nextAt = (b) => (b.nextAction ? Date.parse(b.nextAction.at) : Infinity);
const ACTIONS = { start: 'Start', close: 'Close', retry: 'Try again', check: 'Look at Jira' };

function overviewTable(rows, names) {
  return h('div', { class: 'table-wrap' }, h('table', { id: 'overview-table' },
    h('thead', null, h('tr', null, ['Board', 'Project', 'Time zone', 'Next action', 'Last rollover', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((b) => h('tr', { dataset: { board: b.boardId, status: b.status, project: b.projectKey } },
      h('th', { scope: 'row' }, names.get(b.boardId) || `Board ${b.boardId}`, h('div', { class: 'muted small' }, `id ${b.boardId}`)),
      h('td', null, b.projectKey),
      h('td', null, b.timeZone),
      h('td', { class: 'next-action' }, b.nextAction
        ? [ACTIONS[b.nextAction.kind] || b.nextAction.kind, ' ', h('span', null, `${b.nextAction.local} (${b.timeZone})`),
          h('div', { class: 'muted small' }, `${b.nextAction.at.replace('T', ' ').slice(0, 16)} UTC`)]
        : h('span', { class: 'muted' }, b.dailyLook ? `nothing planned; its daily look at Jira ${b.dailyLook.replace('T', ' ').slice(0, 16)} UTC` : 'nothing planned')),
      h('td', null, b.lastRollover ? [`${b.lastRollover.phase} sprint ${b.lastRollover.sprintId}`, h('div', { class: 'muted small' }, b.lastRollover.local)] : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'standing' },
        h('span', { class: ['lozenge', b.status === 'ok' ? 'done' : (b.status === 'attention' ? 'info' : 'warn')] }, STANDINGS[b.status][0]),
        h('div', { class: 'small' }, b.status === 'late' ? `${b.lateMinutes} min overdue.` : STANDINGS[b.status][1]),
        b.problem ? h('div', { class: 'small problem' }, reasonSentence(b.problem)) : null,
        b.readiness.map((code) => h('div', { class: 'small readiness' }, readinessSentence(code)))))))));
}

main().catch((e) => mount(root, h('h1', null, 'Sprint Automation Configuration'), errorBox(e)));
