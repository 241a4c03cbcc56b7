// Admin page "Sprint Automation Configuration" (jira:adminPage, Jira admins): subpages Settings and Logs.
import '../shared/style.css';
import { h, mount, timeElement } from '../shared/dom.js';
import { call, errorBox, errorField, refusal, DENIALS } from '../shared/api.js';
import { pageContext, subpageRoute } from '../shared/context.js';
import { CARRY_OVER, KINDS, LEVELS, reasonSentence } from '../shared/messages.js';

const root = document.getElementById('root');
const SUBPAGES = { settings: 'Settings', logs: 'Logs' };

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
  (sub === 'logs' ? renderLogs : renderSettings)(body).catch((e) => mount(body, errorBox(e)));
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
    for (const f of Object.values(fields)) f.classList.remove('invalid');
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
      if (f && fields[f]) { fields[f].classList.add('invalid'); fields[f].focus(); }
      mount(errors, errorBox(err, { title: 'Not saved.' }));
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
  const filters = {
    boardId: h('input', { type: 'number', id: 'filter-board', min: 1, placeholder: 'All boards' }),
    level: h('select', { id: 'filter-level' }, h('option', { value: '' }, 'All levels'),
      Object.entries(LEVELS).map(([v, t]) => h('option', { value: v }, t))),
    kind: h('select', { id: 'filter-kind' }, h('option', { value: '' }, 'All kinds'),
      Object.entries(KINDS).map(([v, t]) => h('option', { value: v }, t))),
  };
  const results = h('div', { id: 'logs-results' });
  const pager = h('div', { class: 'row', id: 'logs-pager' });
  // cursors[i] is the cursor that loads page i (page 0: none).
  let cursors = [null];
  let page = 0;

  const load = async () => {
    mount(results, h('p', { class: 'muted' }, 'Loading…'));
    mount(pager);
    for (const f of Object.values(filters)) f.classList.remove('invalid');
    const payload = { limit: 25 };
    if (filters.boardId.value !== '') payload.boardId = Number(filters.boardId.value);
    if (filters.level.value) payload.level = filters.level.value;
    if (filters.kind.value) payload.kind = filters.kind.value;
    if (cursors[page]) payload.cursor = cursors[page];
    let data;
    try {
      data = await call('getLogs', payload);
    } catch (e) {
      if (DENIALS.has(e.code)) { mount(body, refusal(e)); return; }
      const f = errorField(e);
      if (f && filters[f]) filters[f].classList.add('invalid');
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
  filters.level.addEventListener('change', refilter);
  filters.kind.addEventListener('change', refilter);
  filters.boardId.addEventListener('change', refilter);

  mount(body,
    h('p', { class: 'lede' }, 'What the app did or skipped, and why, newest first. Entries hold ids and counts only; older entries are removed after the retention set under Settings.'),
    h('div', { class: 'row', id: 'logs-filters' },
      h('div', { class: 'field' }, h('label', { for: 'filter-board' }, 'Board id'), filters.boardId),
      h('div', { class: 'field' }, h('label', { for: 'filter-level' }, 'Level'), filters.level),
      h('div', { class: 'field' }, h('label', { for: 'filter-kind' }, 'Kind'), filters.kind),
      h('div', { class: 'field' }, h('label', null, '\u00a0'), h('button', { id: 'logs-refresh', onClick: refilter }, 'Refresh'))),
    results, pager);
  await load();
}

function logTable(entries) {
  return h('div', { class: 'table-wrap' }, h('table', { id: 'logs-table' },
    h('thead', null, h('tr', null, ['Time', 'Level', 'Kind', 'What happened', 'Board', 'Sprint', 'Details'].map((t) => h('th', null, t)))),
    h('tbody', null, entries.map((e) => h('tr', { dataset: { reason: e.reason, level: e.level, kind: e.kind, board: e.boardId ?? '' } },
      h('td', { class: 'small' }, timeElement(e.time)),
      h('td', null, h('span', { class: ['lozenge', e.level] }, LEVELS[e.level] || e.level)),
      h('td', null, KINDS[e.kind] || e.kind),
      h('td', null, h('div', { class: 'reason' }, reasonSentence(e.reason)), h('code', { class: 'code small' }, e.reason)),
      h('td', { class: 'num' }, e.boardId ?? ''),
      h('td', { class: 'num' }, e.sprintId ?? ''),
      h('td', { class: 'small' }, e.message,
        e.jira ? h('div', { class: 'warning-line' }, `Jira ${e.jira.status} ${e.jira.code}: ${e.jira.message}`) : null))))));
}

main().catch((e) => mount(root, h('h1', null, 'Sprint Automation Configuration'), errorBox(e)));
