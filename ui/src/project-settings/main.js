// Project settings page (jira:projectSettingsPage, project admins): one row per scrum board.
import '../shared/style.css';
import { h, mount, timeElement } from '../shared/dom.js';
import { call, clearFieldError, errorBox, errorField, fieldError, refusal, DENIALS } from '../shared/api.js';
import { displayName, pageContext, sprintName } from '../shared/context.js';
import { CARRY_OVER, WEEKDAYS, readinessSentence } from '../shared/messages.js';

const root = document.getElementById('root');

async function main() {
  const ctx = await pageContext();
  const project = ctx.projectKey;
  const body = h('div', { id: 'boards' }, h('p', { class: 'muted' }, 'Loading boards…'));
  mount(root,
    h('h1', null, 'Sprint Automation'),
    h('p', { class: 'lede' }, `Start and close the sprints of project ${project}'s boards on time (scrum boards, and team-managed boards with sprints switched on), and choose where unfinished work goes. Empty fields use the site's defaults (time zone, carry-over) or the sprint's own start and end time.`),
    body);
  let data;
  try {
    data = await call('listBoards', { projectKey: project });
  } catch (e) {
    mount(body, DENIALS.has(e.code) ? refusal(e) : errorBox(e, { title: 'The boards could not be loaded.' }));
    return;
  }
  if (!data.boards.length) {
    mount(body, h('div', { class: 'banner banner-info', id: 'no-boards' }, 'This project has no boards. Create a scrum board (or switch sprints on in a team-managed project), then come back.'));
    return;
  }
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const siteOff = data.siteAutomationEnabled === false;
  mount(body,
    siteOff ? h('div', { class: 'banner banner-warning', role: 'status', id: 'site-off' },
      h('strong', null, 'Automation is off for the whole site. '),
      'A Jira administrator switched it off: no sprint is started or closed until it is switched on again. Settings saved here take effect then.') : null,
    h('datalist', { id: 'zones' }, zones.map((z) => h('option', { value: z }))),
    h('div', { class: 'table-wrap' }, h('table', { id: 'boards-table' },
      h('thead', null, h('tr', null,
        ['Board', 'Automation', 'Next action', 'Last changed', '']
          .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, data.boards.map((b) => (b.hasSprints === false ? noSprintsRow(b) : boardRow(project, b, siteOff))).flat()))));
}

/** A board without sprints (kanban) is shown and explained, not hidden. */
function noSprintsRow(board) {
  return [h('tr', { dataset: { boardId: board.boardId, noSprints: 'true' }, id: `board-${board.boardId}` },
    h('td', null, h('strong', null, board.name), h('div', { class: 'muted small' }, `board ${board.boardId}`)),
    h('td', { colspan: 4, class: 'muted no-sprints' },
      'This is a kanban board: it has no sprints, so there is nothing to start or close. Scrum boards, and team-managed boards with sprints switched on, can be automated.'))];
}

const DAY_NAMES = { MON: 'Monday', TUE: 'Tuesday', WED: 'Wednesday', THU: 'Thursday', FRI: 'Friday', SAT: 'Saturday', SUN: 'Sunday' };

function boardRow(project, board, siteOff = false) {
  const s = board.settings;
  const tr = h('tr', { dataset: { boardId: board.boardId }, id: `board-${board.boardId}` });
  // Errors show in the edit dialog, under its fields.
  const errors = h('div', { class: 'editor-errors', hidden: true, id: `board-${board.boardId}-errors` });
  const f = {
    automate: h('input', { type: 'checkbox', name: 'automate', checked: s.automate, 'aria-label': `Automate (${board.name})` }),
    autoStart: h('input', { type: 'checkbox', name: 'autoStart', checked: s.autoStart, 'aria-label': `Start sprints automatically (${board.name})` }),
    autoClose: h('input', { type: 'checkbox', name: 'autoClose', checked: s.autoClose, 'aria-label': `Close sprints automatically (${board.name})` }),
    carryOver: h('select', { name: 'carryOver', 'aria-label': `Carry-over (${board.name})` },
      h('option', { value: '', selected: s.carryOver == null }, 'Site default'),
      Object.entries(CARRY_OVER).map(([v, t]) => h('option', { value: v, selected: v === s.carryOver }, t))),
    timeZone: h('input', { type: 'text', name: 'timeZone', value: s.timeZone || '', placeholder: 'Site default', list: 'zones', size: 16, autocomplete: 'off', spellcheck: false, 'aria-label': `Time zone (${board.name})` }),
    startTime: h('input', { type: 'time', name: 'startTime', value: s.startTime || '', 'aria-label': `Start time (${board.name})` }),
    closeTime: h('input', { type: 'time', name: 'closeTime', value: s.closeTime || '', 'aria-label': `Close time (${board.name})` }),
    holidays: h('textarea', { name: 'holidays', rows: 2, cols: 14, placeholder: 'YYYY-MM-DD, …', 'aria-label': `Holidays (${board.name})` }, (s.holidays || []).join(', ')),
    keepAhead: h('input', { type: 'number', name: 'keepAhead', min: 0, max: 10, value: s.keepAhead, 'aria-label': `Keep ahead (${board.name})` }),
  };
  // Newer settings fields are kept as they are (the resolver wants every field); nameTemplate is editable.
  const hasTemplate = 'nameTemplate' in s;
  if (hasTemplate) {
    f.nameTemplate = h('input', { type: 'text', name: 'nameTemplate', value: s.nameTemplate || '', placeholder: '{board} Sprint {n}', size: 14, spellcheck: false, 'aria-label': `Name of sprints the app creates (${board.name})` });
  }
  const days = new Set(s.workingDays || []);
  const dayButtons = WEEKDAYS.map((d) => h('button', {
    type: 'button', class: 'day-toggle', dataset: { day: d }, 'aria-pressed': String(days.has(d)), title: `Working day: ${d}`, 'aria-label': `${d.slice(0, 2)} (${DAY_NAMES[d]}, ${board.name})`,
    onClick: (e) => { const on = e.currentTarget.getAttribute('aria-pressed') !== 'true'; e.currentTarget.setAttribute('aria-pressed', String(on)); markDirty(); },
  }, d.slice(0, 2)));
  const status = h('div', { class: 'status', role: 'status' });
  const save = h('button', { class: 'primary', name: 'save', type: 'button', disabled: true, 'aria-label': `Save ${board.name}` }, 'Save');
  const cancel = h('button', { type: 'button', name: 'cancel' }, 'Cancel');
  const edit = h('button', { type: 'button', name: 'edit', 'aria-label': `Edit ${board.name}`, 'aria-haspopup': 'dialog' }, 'Edit');
  const summary = h('div', { class: 'small settings-summary' });
  const changed = h('div', { class: 'small changed-by' });
  const nextAction = h('div', { class: 'small next-action' });

  const markDirty = () => { save.disabled = false; status.textContent = ''; status.className = 'status'; };
  for (const el of Object.values(f)) { el.addEventListener('input', markDirty); el.addEventListener('change', markDirty); }

  const showMeta = (b) => {
    const st = b.settings;
    mount(summary, st.automate
      ? [h('span', { class: 'lozenge done' }, 'On'), ' ',
        [st.autoStart ? 'starts' : null, st.autoClose ? 'closes' : null].filter(Boolean).join(' and ') || 'neither starts nor closes',
        ' on time', h('br'),
        h('span', { class: 'muted' }, `${st.timeZone || 'site zone'} · ${st.startTime || 'sprint\'s start'}–${st.closeTime || 'sprint\'s end'} · ${CARRY_OVER[st.carryOver] || 'site carry-over'}${st.keepAhead ? ` · keeps ${st.keepAhead} ahead` : ''}`)]
      : [h('span', { class: 'lozenge' }, 'Off'), ' ', h('span', { class: 'muted' }, 'not automated')]);
    mount(changed);
    if (b.changedBy) {
      const who = h('span', { class: 'who', title: b.changedBy }, '…');
      mount(changed, who, h('br'), h('span', { class: 'muted' }, timeElement(b.changedAt)));
      displayName(b.changedBy).then((n) => { who.textContent = n.name; });
    } else {
      mount(changed, h('span', { class: 'muted' }, b.configured ? '—' : 'Never configured'));
    }
    // The board's next scheduled action, e.g. "Starts Sprint 14, Mon 09:00 (Europe/Berlin)".
    const n = b.nextAction;
    if (siteOff && b.settings.automate) {
      mount(nextAction, h('span', { class: 'muted' }, 'Waits: automation is off for the site'));
      return;
    }
    if (!n || !n.at) {
      mount(nextAction, h('span', { class: 'muted' }, b.settings.automate ? '—' : 'Off'));
      return;
    }
    const verb = { start: 'Starts', close: 'Closes', retry: 'Tries again', check: 'Checks Jira' }[n.kind] || 'Checks Jira';
    const what = h('span', null, `${verb}${n.sprintId ? ` sprint ${n.sprintId}` : ''}`);
    // Close readiness: what a look ahead found that would block or surprise the next close.
    const r = n.readiness;
    const problems = r && Array.isArray(r.problems) ? r.problems : [];
    const ready = problems.length
      ? h('div', { class: 'readiness warn', role: 'note', 'data-readiness': problems.map((p) => p.code).join(' ') },
        h('strong', null, 'Before the close: '),
        ...problems.map((p) => h('span', { class: 'problem' }, readinessSentence(p.code), p.keys && p.keys.length ? ` (${p.keys.join(', ')})` : '', ' ')))
      : null;
    mount(nextAction, what, h('br'), h('span', { class: 'muted' }, whenInZone(n.at, b.settings.timeZone)), ...(ready ? [ready] : []));
    if (n.sprintId) sprintName(n.sprintId).then((name) => { if (name) what.textContent = `${verb} ${name}`; });
  };
  showMeta(board);

  save.addEventListener('click', async () => {
    for (const el of Object.values(f)) clearFieldError(el);
    dayButtons.forEach((b) => b.classList.remove('invalid'));
    errors.hidden = true;
    status.className = 'status';
    status.textContent = 'Saving…';
    save.disabled = true;
    const keep = Number(f.keepAhead.value);
    const settings = {
      ...board.settings,
      automate: f.automate.checked,
      autoStart: f.autoStart.checked,
      autoClose: f.autoClose.checked,
      carryOver: f.carryOver.value || null,
      timeZone: f.timeZone.value.trim() || null,
      startTime: f.startTime.value || null,
      closeTime: f.closeTime.value || null,
      workingDays: dayButtons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.day),
      holidays: f.holidays.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean),
      keepAhead: f.keepAhead.value === '' || !Number.isFinite(keep) ? f.keepAhead.value : keep,
    };
    if (hasTemplate) settings.nameTemplate = f.nameTemplate.value.trim() || null;
    try {
      let r;
      try {
        r = await call('updateBoardSettings', { projectKey: project, boardId: board.boardId, settings });
      } catch (e) {
        // The change would close or start a sprint at once, late: say what, and ask.
        if (e.code !== 'CONFIRMATION_NEEDED' || !(await confirmActNow(board.name, e))) throw e;
        r = await call('updateBoardSettings', { projectKey: project, boardId: board.boardId, settings, confirmActNow: true });
      }
      status.className = 'status ok';
      status.textContent = 'Saved.';
      f.timeZone.value = r.settings.timeZone || '';
      board.settings = r.settings;
      showMeta(r);
      dialog.close();
    } catch (e) {
      save.disabled = false;
      status.className = 'status err';
      status.textContent = 'Not saved.';
      const field = errorField(e);
      if (field && f[field]) {
        // In words, right under the field at fault, which gets the focus.
        fieldError(f[field], e);
        f[field].focus();
      } else {
        if (field === 'workingDays') dayButtons.forEach((b) => b.classList.add('invalid'));
        mount(errors, errorBox(e, { title: `${board.name}: not saved.` }));
        errors.hidden = false;
        if (field === 'workingDays') dayButtons[0].focus();
      }
    }
  });

  // The form lives in a dialog: the page stays one compact row per board at any width, and the
  // dialog's Save is always in view.
  const field = (label, control, help) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
    help ? h('span', { class: 'field-help' }, help) : null);
  const idOf = (name) => `board-${board.boardId}-${name}`;
  for (const [name, el] of Object.entries(f)) el.id = idOf(name);
  const title = `edit-board-${board.boardId}-title`;
  const dialog = h('dialog', { class: 'board-editor', id: `edit-board-${board.boardId}`, 'aria-labelledby': title },
    h('form', { method: 'dialog', class: 'editor-form', onSubmit: (e) => e.preventDefault() },
      h('h2', { id: title }, board.name),
      h('div', { class: 'editor-body' },
        h('fieldset', null, h('legend', null, 'Automation'),
          h('label', { class: 'inline' }, f.automate, 'Automate this board'),
          h('label', { class: 'inline' }, f.autoStart, 'Start sprints on time'),
          h('label', { class: 'inline' }, f.autoClose, 'Close sprints on time')),
        h('div', { class: 'form-grid' },
          field('Carry-over of unfinished work', f.carryOver),
          field('Time zone', f.timeZone, 'Any case; empty: the site default'),
          field('Start time', f.startTime, "Empty: the sprint's own start"),
          field('Close time', f.closeTime, "Empty: the sprint's own end")),
        h('fieldset', null, h('legend', null, 'Working days'), h('div', { class: 'row days' }, dayButtons)),
        field('Holidays', f.holidays, 'YYYY-MM-DD, separated by commas'),
        h('div', { class: 'form-grid' },
          field('Future sprints to keep planned', f.keepAhead, '0 to 10'),
          hasTemplate ? field('Name of sprints the app creates', f.nameTemplate) : null),
        errors),
      h('div', { class: 'editor-footer row' }, save, cancel)));
  const reset = () => {
    const st = board.settings;
    f.automate.checked = st.automate; f.autoStart.checked = st.autoStart; f.autoClose.checked = st.autoClose;
    f.carryOver.value = st.carryOver || ''; f.timeZone.value = st.timeZone || '';
    f.startTime.value = st.startTime || ''; f.closeTime.value = st.closeTime || '';
    f.holidays.value = (st.holidays || []).join(', '); f.keepAhead.value = st.keepAhead;
    if (hasTemplate) f.nameTemplate.value = st.nameTemplate || '';
    const on = new Set(st.workingDays || []);
    dayButtons.forEach((b) => { b.setAttribute('aria-pressed', String(on.has(b.dataset.day))); b.classList.remove('invalid'); });
    for (const el of Object.values(f)) clearFieldError(el);
    errors.hidden = true;
    save.disabled = true;
  };
  cancel.addEventListener('click', () => { reset(); dialog.close(); });
  dialog.addEventListener('cancel', () => reset());
  dialog.addEventListener('close', () => edit.focus());
  edit.addEventListener('click', () => { status.textContent = ''; document.body.append(dialog); dialog.showModal(); f.automate.focus(); });

  mount(tr,
    h('th', { scope: 'row' }, h('strong', null, board.name), h('div', { class: 'muted small' }, `Board ${board.boardId}`)),
    h('td', null, summary),
    h('td', null, nextAction),
    h('td', null, changed),
    h('td', null, edit, status));
  return [tr];
}

/** "Mon 09:00 (Europe/Berlin)": the instant in the board's zone (the viewer's when it has none). */
function whenInZone(iso, zone) {
  const d = new Date(iso);
  try {
    const text = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || undefined }).format(d);
    return zone ? `${text} (${zone})` : text;
  } catch (_e) {
    return d.toISOString();
  }
}

main().catch((e) => mount(root, h('h1', null, 'Sprint Automation'), errorBox(e)));

/** Ask before a save that acts at once: what would happen, each with how late. Resolves to true
 *  when the admin goes ahead. */
function confirmActNow(boardName, err) {
  return new Promise((resolve) => {
    const actions = (err.details && err.details.actions) || [];
    const go = h('button', { class: 'primary', id: 'confirm-act-now', type: 'button' }, 'Save and act now');
    const back = h('button', { type: 'button', id: 'confirm-cancel' }, 'Cancel');
    const dialog = h('dialog', { id: 'act-now-dialog', 'aria-labelledby': 'act-now-title', 'aria-describedby': 'act-now-what' },
      h('h2', { id: 'act-now-title' }, `Saving ${boardName} acts at once`),
      h('p', null, 'With these settings the app does this at its next check, in a few minutes:'),
      h('ul', { id: 'act-now-what' }, actions.map((a) => h('li', { dataset: { kind: a.kind, sprint: a.sprintId } },
        `${a.kind === 'close' ? 'Closes' : 'Starts'} "${a.sprintName}" now, `,
        a.lateMinutes >= 60 ? `${Math.floor(a.lateMinutes / 60)} h ${a.lateMinutes % 60} min` : `${a.lateMinutes} min`,
        ` after its ${a.kind === 'close' ? 'end' : 'start'} (${a.dueLocal}).`,
        a.kind === 'close' ? ' Unfinished work is carried over as the board says.' : null))),
      h('div', { class: 'row' }, go, back));
    const done = (yes) => { dialog.close(); dialog.remove(); resolve(yes); };
    go.addEventListener('click', () => done(true));
    back.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    back.focus();
  });
}
