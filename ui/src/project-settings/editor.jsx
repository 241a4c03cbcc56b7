// A board's settings in a modal: the body scrolls, Save stays in view. A refused value is explained
// under its field; a save that would act at once, late, asks first (ConfirmActNow).
import { useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import { Checkbox } from '@atlaskit/checkbox';
import { TimePicker } from '@atlaskit/datetime-picker';
import { Fieldset, HelperMessage, Label, Legend } from '@atlaskit/form';
import Modal, { ModalBody, ModalFooter, ModalHeader, ModalTitle } from '@atlaskit/modal-dialog';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import TextArea from '@atlaskit/textarea';
import { call, errorField } from '../shared/api.js';
import { ErrorBanner, FieldError, invalidProps, ZonePicker } from '../shared/components.jsx';
import { CARRY_OVER, WEEKDAYS } from '../shared/messages.js';

const DAY_NAMES = { MON: 'Monday', TUE: 'Tuesday', WED: 'Wednesday', THU: 'Thursday', FRI: 'Friday', SAT: 'Saturday', SUN: 'Sunday' };
const CARRY_OPTIONS = [{ value: '', label: 'Site default' }, ...Object.entries(CARRY_OVER).map(([value, label]) => ({ value, label }))];
// Every half hour, 24-hour clock; any other HH:MM can be typed.
const TIMES = Array.from({ length: 48 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

/** The form's values from a board's saved settings. */
function formOf(st) {
  return {
    automate: st.automate,
    autoStart: st.autoStart,
    autoClose: st.autoClose,
    carryOver: st.carryOver || '',
    timeZone: st.timeZone || '',
    startTime: st.startTime || '',
    closeTime: st.closeTime || '',
    workingDays: st.workingDays || [],
    holidays: (st.holidays || []).join(', '),
    keepAhead: String(st.keepAhead ?? 0),
    nameTemplate: st.nameTemplate || '',
  };
}

const FORM_FIELDS = new Set(Object.keys(formOf({})));

/** What the resolver gets: every field (newer ones kept as they are), values typed as it wants. */
function settingsOf(saved, f) {
  const keep = Number(f.keepAhead);
  const settings = {
    ...saved,
    automate: f.automate,
    autoStart: f.autoStart,
    autoClose: f.autoClose,
    carryOver: f.carryOver || null,
    timeZone: f.timeZone.trim() || null,
    startTime: f.startTime || null,
    closeTime: f.closeTime || null,
    workingDays: WEEKDAYS.filter((d) => f.workingDays.includes(d)),
    holidays: f.holidays.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean),
    // a value that is not a number goes as typed: the server names the field
    keepAhead: f.keepAhead === '' || !Number.isFinite(keep) ? f.keepAhead : keep,
  };
  if ('nameTemplate' in saved) settings.nameTemplate = f.nameTemplate.trim() || null;
  return settings;
}

export function BoardEditor({ project, board, onSaved, onClose }) {
  const [f, setF] = useState(() => formOf(board.settings));
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const first = useRef(null);
  const name = board.name;
  const id = (field) => `board-${board.boardId}-${field}`;
  const field = errorField(error);
  const errorOf = (k) => (field === k ? error : null);
  const set = (k) => (v) => { setF((x) => ({ ...x, [k]: v })); setDirty(true); };
  const hasTemplate = 'nameTemplate' in board.settings;

  const send = async (confirmActNow) => {
    setSaving(true);
    setError(null);
    const payload = { projectKey: project, boardId: board.boardId, settings: settingsOf(board.settings, f) };
    if (confirmActNow) payload.confirmActNow = true;
    try {
      const r = await call('updateBoardSettings', payload);
      onSaved(r);
    } catch (e) {
      setSaving(false);
      // The change would close or start a sprint at once, late: say what, and ask.
      if (e.code === 'CONFIRMATION_NEEDED' && !confirmActNow) { setConfirm(e); return; }
      setError(e);
      const k = errorField(e);
      // Focus goes to the field at fault (after React has marked it).
      setTimeout(() => { const el = document.getElementById(id(k === 'workingDays' ? 'day-MON' : k)); if (el) el.focus(); }, 0);
    }
  };

  const control = (k, label, input, help) => (
    <div className="field">
      <Label htmlFor={id(k)}>{label}</Label>
      {input}
      <FieldError id={id(k)} error={errorOf(k)} />
      {help ? <HelperMessage>{help}</HelperMessage> : null}
    </div>
  );

  return (
    <Modal onClose={onClose} testId={`edit-board-${board.boardId}`} width="medium" autoFocus={first} shouldScrollInViewport={false}>
      <ModalHeader><ModalTitle>{name}</ModalTitle></ModalHeader>
      <ModalBody>
        <form className="editor-body" noValidate onSubmit={(e) => { e.preventDefault(); send(false); }}>
          <Fieldset legend={<Legend>Automation</Legend>}>
            <Checkbox ref={first} name="automate" id={id('automate')} label="Automate this board" aria-label={`Automate (${name})`} isChecked={f.automate} onChange={(e) => set('automate')(e.target.checked)} />
            <Checkbox name="autoStart" id={id('autoStart')} label="Start sprints on time" aria-label={`Start sprints automatically (${name})`} isChecked={f.autoStart} onChange={(e) => set('autoStart')(e.target.checked)} />
            <Checkbox name="autoClose" id={id('autoClose')} label="Close sprints on time" aria-label={`Close sprints automatically (${name})`} isChecked={f.autoClose} onChange={(e) => set('autoClose')(e.target.checked)} />
          </Fieldset>
          <div className="form-grid">
            {control('carryOver', 'Carry-over of unfinished work',
              <Select inputId={id('carryOver')} name="carryOver" aria-label={`Carry-over (${name})`} options={CARRY_OPTIONS}
                value={CARRY_OPTIONS.find((o) => o.value === f.carryOver)} onChange={(o) => set('carryOver')(o ? o.value : '')} {...invalidProps(id('carryOver'), errorOf('carryOver'))} />)}
            {control('timeZone', 'Time zone',
              <ZonePicker id={id('timeZone')} name="timeZone" label={`Time zone (${name})`} placeholder="Site default" value={f.timeZone} onChange={set('timeZone')} error={errorOf('timeZone')} />,
              'Empty: the site default')}
            {control('startTime', 'Start time',
              <TimePicker id={id('startTime')} name="startTime" label={`Start time (${name})`} times={TIMES} timeFormat="HH:mm" timeIsEditable placeholder="Sprint's own"
                value={f.startTime} onChange={set('startTime')} {...invalidProps(id('startTime'), errorOf('startTime'))} />,
              "Empty: the sprint's own start")}
            {control('closeTime', 'Close time',
              <TimePicker id={id('closeTime')} name="closeTime" label={`Close time (${name})`} times={TIMES} timeFormat="HH:mm" timeIsEditable placeholder="Sprint's own"
                value={f.closeTime} onChange={set('closeTime')} {...invalidProps(id('closeTime'), errorOf('closeTime'))} />,
              "Empty: the sprint's own end")}
          </div>
          <Fieldset legend={<Legend>Working days</Legend>}>
            <div className="row days" role="group" aria-label={`Working days (${name})`}>
              {WEEKDAYS.map((d) => {
                const on = f.workingDays.includes(d);
                return (
                  <button key={d} type="button" id={id(`day-${d}`)} className={`day-toggle${field === 'workingDays' ? ' invalid' : ''}`} data-day={d}
                    aria-pressed={String(on)} title={`Working day: ${DAY_NAMES[d]}`} aria-label={`${d.slice(0, 2)} (${DAY_NAMES[d]}, ${name})`}
                    onClick={() => set('workingDays')(on ? f.workingDays.filter((x) => x !== d) : [...f.workingDays, d])}>
                    {d.slice(0, 2)}
                  </button>
                );
              })}
            </div>
          </Fieldset>
          {control('holidays', 'Holidays',
            <TextArea id={id('holidays')} name="holidays" aria-label={`Holidays (${name})`} minimumRows={2} placeholder="YYYY-MM-DD, …" value={f.holidays}
              onChange={(e) => set('holidays')(e.target.value)} {...invalidProps(id('holidays'), errorOf('holidays'))} />,
            'YYYY-MM-DD, separated by commas')}
          <div className="form-grid">
            {control('keepAhead', 'Future sprints to keep planned',
              <Textfield id={id('keepAhead')} name="keepAhead" type="number" min={0} max={10} aria-label={`Keep ahead (${name})`} value={f.keepAhead}
                onChange={(e) => set('keepAhead')(e.target.value)} {...invalidProps(id('keepAhead'), errorOf('keepAhead'))} />,
              '0 to 10')}
            {hasTemplate ? control('nameTemplate', 'Name of sprints the app creates',
              <Textfield id={id('nameTemplate')} name="nameTemplate" spellCheck={false} placeholder="{board} Sprint {n}" aria-label={`Name of sprints the app creates (${name})`}
                value={f.nameTemplate} onChange={(e) => set('nameTemplate')(e.target.value)} {...invalidProps(id('nameTemplate'), errorOf('nameTemplate'))} />) : null}
          </div>
          {error && (!FORM_FIELDS.has(field) || field === 'workingDays')
            ? <div className="editor-errors" id={id('errors')}><ErrorBanner error={error} title={`${name}: not saved.`} /></div> : null}
          <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
        </form>
      </ModalBody>
      <ModalFooter>
        <span className={`status${error ? ' err' : ''}`} role="status">{saving ? 'Saving…' : error ? 'Not saved.' : ''}</span>
        <Button name="cancel" appearance="subtle" onClick={onClose}>Cancel</Button>
        <Button name="save" appearance="primary" aria-label={`Save ${name}`} isDisabled={!dirty || saving} onClick={() => send(false)}>Save</Button>
      </ModalFooter>
      {confirm ? (
        <ConfirmActNow boardName={name} error={confirm}
          onAnswer={(yes) => { const e = confirm; setConfirm(null); if (yes) send(true); else setError(e); }} />
      ) : null}
    </Modal>
  );
}

const span = (min) => (min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`);

/** Before a save that acts at once: what would happen, each with how late. */
function ConfirmActNow({ boardName, error, onAnswer }) {
  const actions = (error.details && error.details.actions) || [];
  const back = useRef(null);
  return (
    <Modal onClose={() => onAnswer(false)} testId="act-now-dialog" autoFocus={back} width="medium">
      <ModalHeader><ModalTitle appearance="warning">{`Saving ${boardName} acts at once`}</ModalTitle></ModalHeader>
      <ModalBody>
        <p>With these settings the app does this at its next check, in a few minutes:</p>
        <ul id="act-now-what">
          {actions.map((a) => (
            <li key={`${a.kind}-${a.sprintId}`} data-kind={a.kind} data-sprint={a.sprintId}>
              {`${a.kind === 'close' ? 'Closes' : 'Starts'} "${a.sprintName}" now, ${span(a.lateMinutes)} after its ${a.kind === 'close' ? 'end' : 'start'} (${a.dueLocal}).`}
              {a.kind === 'close' ? ' Unfinished work is carried over as the board says.' : null}
            </li>
          ))}
        </ul>
      </ModalBody>
      <ModalFooter>
        <Button id="confirm-cancel" ref={back} appearance="subtle" onClick={() => onAnswer(false)}>Cancel</Button>
        <Button id="confirm-act-now" appearance="warning" onClick={() => onAnswer(true)}>Save and act now</Button>
      </ModalFooter>
    </Modal>
  );
}
