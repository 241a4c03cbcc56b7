// The plan: boards, first start, length, end, names, working days and program increments.
// Every change re-previews (the parent debounces); an error the server names is shown on its field.
import Textfield from '@atlaskit/textfield';
import TextArea from '@atlaskit/textarea';
import Select from '@atlaskit/select';
import { Checkbox } from '@atlaskit/checkbox';
import Button from '@atlaskit/button/new';
import { DatePicker, TimePicker } from '@atlaskit/datetime-picker';
import { Label, HelperMessage, Fieldset } from '@atlaskit/form';
import { FieldError, ZonePicker, invalidProps } from '../shared/components.jsx';
import { WEEKDAYS } from '../shared/messages.js';

const UNITS = [{ label: 'weeks', value: 'weeks' }, { label: 'days', value: 'days' }];
const END_MODES = [{ label: 'a number of sprints', value: 'count' }, { label: 'an end date', value: 'until' }];
const DAY_NAMES = { MON: 'Monday', TUE: 'Tuesday', WED: 'Wednesday', THU: 'Thursday', FRI: 'Friday', SAT: 'Saturday', SUN: 'Sunday' };
export const TOKENS_HELP = 'Tokens: {board} {project} {n} {start} {end} {start:D MMM} {week} {quarter} {year} {pi} {sprintInPi}';

/** One labelled field: label, control, help, and the error when it names this field. */
function Field({ id, label, help, error, children }) {
  return (
    <div className="bulk-field">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {help ? <HelperMessage>{help}</HelperMessage> : null}
      <FieldError id={id} error={error} />
    </div>
  );
}

export function PlanForm({ boards, form, set, onFirstStart, invalid, children }) {
  // The error of a control (null when the server's error names another one).
  const err = (id) => (invalid && invalid.control === id ? invalid.error : null);
  const text = (id, label, { help, type = 'text', placeholder, min, max, width } = {}) => (
    <Field id={id} label={label} help={help} error={err(id)}>
      <Textfield
        id={id}
        name={id}
        type={type}
        min={min}
        max={max}
        width={width}
        placeholder={placeholder}
        spellCheck={type === 'text' ? false : undefined}
        autoComplete="off"
        value={form[id]}
        onChange={(e) => set({ [id]: e.currentTarget.value })}
        {...invalidProps(id, err(id))}
      />
    </Field>
  );
  const [date, time] = form.firstStart.split('T');
  const startError = err('firstStart');
  const toggleBoard = (id, on) => set({ boardIds: on ? [...form.boardIds.filter((b) => b !== id), id].sort((a, b) => boards.findIndex((x) => x.boardId === a) - boards.findIndex((x) => x.boardId === b)) : form.boardIds.filter((b) => b !== id) });
  const toggleDay = (d) => set({ workingDays: form.workingDays.includes(d) ? form.workingDays.filter((x) => x !== d) : [...form.workingDays, d] });

  return (
    <form id="plan-form" className="bulk-form" noValidate onSubmit={(e) => e.preventDefault()}>
      <div className="bulk-boards">
        <Fieldset legend="Boards">
          <div className="bulk-row" id="board-choices">
            {boards.map((b, i) => (
              <Checkbox
                key={b.boardId}
                id={`board-check-${b.boardId}`}
                name="board"
                value={b.boardId}
                label={b.name}
                isChecked={form.boardIds.includes(b.boardId)}
                onChange={(e) => toggleBoard(b.boardId, e.currentTarget.checked)}
                {...(i === 0 ? invalidProps('boards', err('boards')) : {})}
              />
            ))}
          </div>
        </Fieldset>
        <FieldError id="boards" error={err('boards')} />
      </div>

      <div className="bulk-grid">
        <div className="bulk-field">
          <Label htmlFor="firstStartDate">First sprint starts</Label>
          <div className="bulk-row bulk-nowrap">
            <div className="bulk-date">
              <DatePicker
                id="firstStartDate"
                name="firstStartDate"
                label="First sprint starts (date)"
                dateFormat="YYYY-MM-DD"
                placeholder="YYYY-MM-DD"
                locale="en-GB"
                weekStartDay={1}
                value={date || ''}
                onChange={(v) => onFirstStart(v ? `${v}T${time || '09:00'}` : '')}
                isInvalid={Boolean(startError)}
                aria-describedby={startError ? 'firstStart-error' : undefined}
              />
            </div>
            <div className="bulk-time">
              <TimePicker
                id="firstStartTime"
                name="firstStartTime"
                label="First sprint starts (time)"
                timeFormat="HH:mm"
                placeholder="HH:mm"
                locale="en-GB"
                timeIsEditable
                value={time || ''}
                onChange={(v) => onFirstStart(date ? `${date}T${v || '00:00'}` : '')}
                isInvalid={Boolean(startError)}
                aria-describedby={startError ? 'firstStart-error' : undefined}
              />
            </div>
          </div>
          {/* The combined value the plan sends (date and time in the plan's zone). */}
          <input type="hidden" id="firstStart" name="firstStart" value={form.firstStart} readOnly />
          <HelperMessage>Until you pick one: the Monday 09:00 after the boards&apos; last sprint.</HelperMessage>
          <FieldError id="firstStart" error={startError} />
        </div>
        <Field id="timeZone" label="Time zone" help="Empty: each board's own zone" error={err('timeZone')}>
          <ZonePicker id="timeZone" name="timeZone" label="Time zone" placeholder="Each board's zone" value={form.timeZone} onChange={(v) => set({ timeZone: v })} error={err('timeZone')} />
        </Field>
      </div>

      <div className="bulk-grid">
        <div className="bulk-field">
          <Label htmlFor="lengthValue">Sprint length</Label>
          <div className="bulk-row bulk-nowrap" id="length">
            <div className="bulk-narrow">
              <Textfield id="lengthValue" name="lengthValue" type="number" min={1} aria-label="Sprint length" value={form.lengthValue} onChange={(e) => set({ lengthValue: e.currentTarget.value })} {...invalidProps('lengthValue', err('lengthValue'))} />
            </div>
            <div className="bulk-unit">
              <Select inputId="lengthUnit" name="lengthUnit" aria-label="Sprint length unit" isSearchable={false} options={UNITS} value={UNITS.find((o) => o.value === form.lengthUnit)} onChange={(o) => set({ lengthUnit: o.value })} {...invalidProps('lengthUnit', err('lengthUnit'))} />
            </div>
          </div>
          <FieldError id="lengthValue" error={err('lengthValue')} />
          <FieldError id="lengthUnit" error={err('lengthUnit')} />
        </div>
        {text('gapDays', 'Days between sprints', { type: 'number', min: 0, max: 30 })}
      </div>

      <div className="bulk-grid">
        <Field id="endMode" label="Plan until" error={err('endMode')}>
          <Select inputId="endMode" name="endMode" isSearchable={false} options={END_MODES} value={END_MODES.find((o) => o.value === form.endMode)} onChange={(o) => set({ endMode: o.value })} />
        </Field>
        {form.endMode === 'count'
          ? text('count', 'Number of sprints', { type: 'number', min: 1, max: 100 })
          : (
            <Field id="until" label="End date" error={err('until')}>
              <DatePicker id="until" name="until" dateFormat="YYYY-MM-DD" placeholder="YYYY-MM-DD" locale="en-GB" weekStartDay={1} value={form.until} onChange={(v) => set({ until: v })} isInvalid={Boolean(err('until'))} aria-describedby={err('until') ? 'until-error' : undefined} />
            </Field>
          )}
      </div>

      {text('nameTemplate', 'Name template', { help: TOKENS_HELP })}
      {text('goalTemplate', 'Goal template', { placeholder: 'optional' })}
      {text('startNumber', 'First number {n}', { type: 'number', min: 1, placeholder: 'next free number' })}

      <div className="bulk-option">
        <Checkbox id="useCalendar" name="useCalendar" label="Start sprints on working days only" isChecked={form.useCalendar} onChange={(e) => set({ useCalendar: e.currentTarget.checked })} />
        {form.useCalendar ? (
          <div className="bulk-suboptions">
            <div className="bulk-field">
              <span className="bulk-label" id="workingDays-label">Working days</span>
              <div className="bulk-row bulk-days" role="group" aria-labelledby="workingDays-label" id="workingDays">
                {WEEKDAYS.map((d) => (
                  <Button key={d} spacing="compact" data-day={d} aria-label={DAY_NAMES[d]} aria-pressed={form.workingDays.includes(d)} isSelected={form.workingDays.includes(d)} onClick={() => toggleDay(d)}>
                    {d.slice(0, 1)}{d.slice(1, 2).toLowerCase()}
                  </Button>
                ))}
              </div>
              <FieldError id="workingDays" error={err('workingDays')} />
            </div>
            <Field id="holidays" label="Holidays" help="Dates without a sprint start, YYYY-MM-DD, separated by commas or lines" error={err('holidays')}>
              <TextArea id="holidays" name="holidays" minimumRows={2} resize="vertical" placeholder="YYYY-MM-DD, …" value={form.holidays} onChange={(e) => set({ holidays: e.currentTarget.value })} {...invalidProps('holidays', err('holidays'))} />
            </Field>
          </div>
        ) : null}
      </div>

      <div className="bulk-option">
        <Checkbox id="usePi" name="usePi" label="Number sprints in program increments (PI)" isChecked={form.usePi} onChange={(e) => set({ usePi: e.currentTarget.checked })} />
        {form.usePi ? (
          <div className="bulk-suboptions bulk-grid bulk-grid-3">
            {text('sprintsPerPi', 'Sprints per PI', { type: 'number', min: 1 })}
            {text('firstPi', 'First PI number', { type: 'number', min: 1 })}
            {text('firstSprintInPi', 'First sprint in PI', { type: 'number', min: 1 })}
          </div>
        ) : null}
      </div>

      {children}
    </form>
  );
}
