// The bulk plan as the form holds it (strings, as typed) and as previewBulkPlan / createBulkSprints
// take it; the rules the page applies to a preview.
import { errorField } from '../shared/api.js';

export const POLL_MS = 500;
/** A job in one of these states changes no more. */
export const FINAL = new Set(['done', 'failed', 'cancelled', 'undone']);
/** Warnings that make Jira refuse the sprint: the plan cannot be created until they are fixed. */
export const BLOCKING = new Set(['NAME_TOO_LONG', 'NAME_EMPTY']);

/** The Monday after the instant `ms` (UTC date), as YYYY-MM-DD. */
export function nextMonday(ms) {
  const d = new Date(ms);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  return d.toISOString().slice(0, 10);
}

/** The default first start: the Monday 09:00 after the chosen boards' last sprint ends (or the next Monday). */
export function defaultFirstStart(data, nowMs) {
  const ends = data.boards.flatMap((b) => (b.existing || []).map((e) => Date.parse(e.end))).filter(Number.isFinite);
  const after = ends.length ? Math.max(nowMs, ...ends) : nowMs;
  return `${nextMonday(after)}T09:00`;
}

export function initialForm(boards, nowMs) {
  return {
    boardIds: boards.length ? [boards[0].boardId] : [],
    firstStart: `${nextMonday(nowMs)}T09:00`,
    timeZone: '',
    lengthValue: '2',
    lengthUnit: 'weeks',
    gapDays: '0',
    endMode: 'count',
    count: '6',
    until: '',
    nameTemplate: '{board} Sprint {n}',
    goalTemplate: '',
    startNumber: '',
    useCalendar: false,
    workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    holidays: '',
    usePi: false,
    sprintsPerPi: '5',
    firstPi: '1',
    firstSprintInPi: '1',
  };
}

const num = (v) => (v === '' ? undefined : Number.isFinite(Number(v)) ? Number(v) : v);

/** The resolvers' payload for the form (the same shape the old page sent). */
export function readPlan(projectKey, f, weekdays) {
  const plan = {
    firstStart: f.firstStart,
    timeZone: f.timeZone.trim() || null,
    length: { value: num(f.lengthValue), unit: f.lengthUnit },
    nameTemplate: f.nameTemplate,
  };
  const gap = num(f.gapDays);
  if (gap) plan.gapDays = gap;
  if (f.endMode === 'count') plan.count = num(f.count);
  else plan.until = f.until;
  if (f.goalTemplate.trim()) plan.goalTemplate = f.goalTemplate;
  if (f.startNumber !== '') plan.startNumber = num(f.startNumber);
  if (f.useCalendar) {
    plan.calendar = {
      workingDays: weekdays.filter((d) => f.workingDays.includes(d)),
      holidays: f.holidays.split(/[\s,;]+/).filter(Boolean),
    };
  }
  if (f.usePi) plan.pi = { sprintsPerPi: num(f.sprintsPerPi), firstPi: num(f.firstPi), firstSprintInPi: num(f.firstSprintInPi) };
  return { projectKey, boardIds: [...f.boardIds], plan };
}

/** The form control an error names (its last path segment), by the control's id. */
const FIELD_IDS = { value: 'lengthValue', unit: 'lengthUnit', boardIds: 'boards' };
export function errorControl(err) {
  const name = errorField(err);
  return name ? FIELD_IDS[name] || name : null;
}

export const isBlocked = (data) => data.boards.some((b) => b.sprints.some((sp) => (sp.warnings || []).some((w) => BLOCKING.has(w.code))));
