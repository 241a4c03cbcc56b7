// Every code the app can answer with, in plain words. The pages never show a bare code alone:
// tests/ui/messages.test.js checks these tables cover every code list of the built core (codes()).

/** Resolver error codes (crates/sprint-core/src/error.rs) and the page's own (NETWORK, BAD_RESPONSE). */
export const ERROR_MESSAGES = {
  INVALID_INPUT: 'The app did not understand the request. Reload the page and try again.',
  UNKNOWN_JOB: 'The app does not know this action. Reload the page: the app may have been updated.',
  INVALID_TYPE: 'A field has a value of the wrong kind.',
  MISSING_FIELD: 'A required field is missing.',
  UNKNOWN_FIELD: 'The page sent a field the app does not know. Reload the page: the app may have been updated.',
  OUT_OF_RANGE: 'A value is outside its allowed range.',
  UNKNOWN_TIME_ZONE: 'That is not a known time zone. Use an IANA name such as Europe/Berlin or America/New_York.',
  INVALID_TIME_OF_DAY: 'A time of day must be written HH:MM on a 24-hour clock, for example 09:00.',
  TEMPLATE_TOKEN_UNKNOWN: 'The template uses a token the app does not know, or a brace is not closed. Known tokens: {board} {project} {n} {start} {end} {start:FMT} {week} {quarter} {year} {pi} {sprintInPi}.',
  SPRINT_NAME_TOO_LONG: 'Some sprint names would be longer than the 30 characters Jira allows. Shorten the name template.',
  SPRINT_NAME_EMPTY: 'The name template gives an empty sprint name (Jira removes spaces at both ends and needs a name). Put some text or a token such as {n} in it.',
  PLAN_TOO_LARGE: 'The plan makes more than 100 sprints for one board. Lower the count or choose an earlier end date.',
  PLAN_ENDS_BEFORE_START: 'The plan ends before its first sprint starts. Choose an end date after the first start.',
  JOB_NOT_FOUND: 'That bulk job does not exist in this project (any more).',
  NOT_AUTHENTICATED: 'You are not signed in. Sign in to Jira and reload the page.',
  NOT_JIRA_ADMIN: 'Only Jira administrators can see and change this page.',
  NOT_PROJECT_ADMIN: 'Only administrators of this project can use this page. Ask a project administrator to give you the "Administer Projects" permission, or to make the change for you.',
  BOARD_NOT_IN_PROJECT: 'That board belongs to another project: configure it from that project.',
  BOARD_NOT_FOUND: 'That board does not exist any more, or the app cannot see it.',
  SCHEMA_MISSING: 'The app\'s storage is not set up yet. A Jira administrator should upgrade or reinstall the app.',
  JIRA_ERROR: 'Jira answered with an error. Wait a minute and try again.',
  JOB_STILL_RUNNING: 'The job may be creating a sprint right now, so it is being cancelled first. Undo again once it says Cancelled.',
  CONFIRMATION_NEEDED: 'Saving this makes the app act at once (listed below). Confirm to go ahead, or change the settings.',
  STORAGE_ERROR: 'The app\'s storage failed. Wait a minute and try again.',
  MIGRATION_FAILED: 'Updating the app\'s storage failed. A Jira administrator should run the upgrade again.',
  DRIVER_CONTRACT: 'The app hit an internal error. Try again; if it happens again, report it to the app\'s vendor.',
  NETWORK: 'The app could not be reached. Check your connection and try again.',
  BAD_RESPONSE: 'The app gave an answer the page does not understand. Reload the page.',
  JIRA_QUOTA_WALL: 'Jira\'s hourly quota for the app is used up, so nothing was changed. Try again after the time given; the app\'s own due work waits for the same reset.',
};

export function errorSentence(code) {
  return ERROR_MESSAGES[code] || `Unexpected error (${code || 'no code'}).`;
}

/** Reason codes of application log entries (log::Reason; the list: codes().logReasons). */
export const REASON_MESSAGES = {
  SPRINT_STARTED: 'The sprint was started. The entry says whether on time, or how late and why.',
  SPRINT_CLOSED: 'The sprint was completed as Jira\'s own "Complete sprint" does it: unfinished issues are recorded as not completed. The entry says whether on time, or how late and why.',
  UNFINISHED_MOVED: 'The unfinished issues of the completed sprint were carried over to the next sprint (or left in the backlog), in their rank order.',
  FOLLOW_ON_SPRINT_CREATED: 'A next sprint was created to receive the unfinished issues.',
  KEEP_AHEAD_SPRINT_CREATED: 'A future sprint was created to keep the board\'s chosen number of sprints planned ahead.',
  KEEP_AHEAD_CREATE_FAILED: 'Creating a future sprint to keep enough sprints planned ahead failed; the next check tries again.',
  START_AND_END_PASSED: 'The sprint was not started: both its start and its end had passed before the app could start it.',
  ACTIVE_SPRINT_EXISTS: 'The sprint was not started yet: the board already has an active sprint and Jira allows only one. The app tries again.',
  OPEN_SUBTASKS: 'The sprint was not closed: a done issue still has open sub-tasks. Finish or move them and the app tries again.',
  SPRINTS_UNREADABLE: 'The board\'s sprints could not be read from Jira.',
  BOARD_CONFIGURATION_UNREADABLE: 'The board\'s configuration (its Done column) could not be read from Jira.',
  ISSUES_UNREADABLE: 'The issues of the sprint could not be read from Jira.',
  DESTINATION_UNAVAILABLE: 'There is no sprint to carry the unfinished issues to, so the sprint was left open.',
  MOVE_FAILED: 'Moving the unfinished issues failed.',
  CLOSE_FAILED: 'Closing the sprint failed.',
  START_FAILED: 'Starting the sprint failed.',
  BOARD_CHECK_FAILED: 'The check of this board failed; it is tried again at the next check.',
  CONTINUATION_NOT_QUEUED: 'The rest of the work could not be handed to the next run; the next check picks it up.',
  GLOBAL_SETTINGS_CHANGED: 'A Jira administrator changed the global settings.',
  BOARD_SETTINGS_CHANGED: 'A project administrator changed this board\'s settings.',
  APP_INSTALLED: 'The app was installed and its storage set up.',
  APP_UPGRADED: 'The app was upgraded and its storage brought up to date.',
  BULK_SPRINT_CREATED: 'A sprint was created by a bulk creation job.',
  BULK_CREATE_FAILED: 'A bulk creation job could not create one of its sprints.',
  BULK_SPRINT_DELETED: 'A sprint created by a bulk job was deleted (the job was undone).',
  SPRINT_ORDER_NOT_FIXED: 'The new sprints could not be put in date order on the board; reorder them by hand.',
  SPRINT_RENAMED: 'A future sprint was renamed by a name template.',
  NAME_TOO_LONG: 'Future sprints were not created to keep the board planned ahead: the board\'s name template gives names longer than the 30 characters Jira allows. Shorten the template in the project settings.',
  NAME_EMPTY: 'Future sprints were not created to keep the board planned ahead: the board\'s name template gives an empty name. Change the template in the project settings.',
  CLOSE_NOT_READY: 'A look ahead of the sprint\'s automated close found something that would block or surprise it; the project settings page shows it next to the board.',
  CLOSE_READY: 'What would have blocked the sprint\'s automated close is fixed.',
  JIRA_POINTS_SHORT: 'Jira said under 20 % of the app\'s hourly points quota was left. Until the quota reset the app did only work with a deadline (due starts and closes, and the readiness looks before them); keep-ahead top-ups, daily looks and bulk jobs waited for the reset.',
  JIRA_QUOTA_WALL: 'Jira\'s hourly points quota for the app (shared by every site the app is installed on) was used up. The app made no Jira call until the quota reset; the starts and closes that were due then happened at the first check after it, and say how late.',
  EVENT_UNREADABLE: 'Jira sent a sprint event the app could not read. The app reads the board from Jira at the next check instead, so nothing is missed.',
};

/** What a close-readiness look can find (engine::Readiness; the list: codes().readiness). */
export const READINESS_MESSAGES = {
  OPEN_SUBTASKS: 'Done issues still have open sub-tasks: Jira will refuse to complete the sprint until they are done.',
  NO_NEXT_SPRINT: 'There is no next sprint to carry the unfinished work to: create one, or the work goes to the backlog.',
  NEXT_SPRINT_ALREADY_ENDED: 'The next sprint\'s end date will have passed by then, and Jira refuses to start such a sprint: move its dates.',
  APP_ACCESS_MISSING: 'The app cannot read this board any more (its project access was removed): the close will fail.',
};

export function readinessSentence(code) {
  return READINESS_MESSAGES[code] || `Problem ${code}.`;
}

export function reasonSentence(code) {
  return REASON_MESSAGES[code] || `Reason ${code}.`;
}

/** Why an undo left a sprint alone (jobs::UndoSkip in jobs/bulk/undo.rs; the list: codes().undoSkips). */
export const UNDO_SKIP_MESSAGES = {
  SPRINT_ACTIVE: 'it has been started, so it is kept',
  SPRINT_CLOSED: 'it is already closed, so it is kept',
  SPRINT_GONE: 'it had already been deleted',
  NETWORK: 'Jira could not be reached',
  ROUTE_NOT_ALLOWED: 'the app may not make this call to Jira',
};

export function undoSkipSentence(code) {
  if (UNDO_SKIP_MESSAGES[code]) return UNDO_SKIP_MESSAGES[code];
  const http = /^HTTP_(\d+)$/.exec(code || '');
  if (http) return `Jira refused with status ${http[1]}`;
  return `not deleted (${code})`;
}

/** Warnings of a bulk plan (plan::Warning; the list: codes().planWarnings). */
export const PLAN_WARNING_MESSAGES = {
  OVERLAPS_EXISTING: 'Overlaps a sprint the board already has.',
  OVERLAPS_PLANNED: 'Overlaps another planned sprint.',
  DUPLICATE_NAME: 'Has the same name as another sprint.',
  NAME_TOO_LONG: 'The name is longer than the 30 characters Jira allows.',
  NAME_EMPTY: 'The name is empty once spaces at both ends are removed; Jira needs a name.',
  START_MOVED_OFF_NON_WORKING_DAY: 'The start fell on a non-working day or holiday and was moved to the next working day.',
  NO_DATED_SPRINT: 'The board has no sprint with both dates to take the rhythm from.',
  NAME_ON_OTHER_BOARD: 'The same name is planned on another board too: add {board} to the name template to tell them apart.',
};

export function planWarningSentence(code) {
  return PLAN_WARNING_MESSAGES[code] || `Warning ${code}.`;
}

export const JOB_STATES = {
  planned: 'Waiting to start',
  running: 'Creating sprints',
  done: 'Done',
  failed: 'Finished with failures',
  cancelling: 'Cancelling',
  cancelled: 'Cancelled',
  undone: 'Undone',
};

export const LEVELS = { info: 'Info', warn: 'Warning', error: 'Error' };
export const KINDS = {
  started: 'Started', closed: 'Closed', moved: 'Issues moved', created: 'Created', skipped: 'Skipped',
  failed: 'Failed', deleted: 'Deleted', renamed: 'Renamed', config_changed: 'Settings changed', lifecycle: 'Install / upgrade',
};
export const CARRY_OVER = {
  nextSprint: 'Next sprint',
  backlog: 'Backlog',
  nextSprintCreate: 'Next sprint (create one if none)',
};
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** How a board stands on the site overview (crates/sprint-core/src/jobs/overview.rs, worst first). */
export const STANDINGS = {
  siteOff: ['Site off', 'Automation is switched off for the whole site (Settings).'],
  waitingForJiraQuota: ['Waiting for Jira', 'Its next action falls before the reset of Jira\'s points quota for the app; it runs at the first check after it.'],
  blocked: ['Blocked', 'Its next action was refused; the app tries again.'],
  late: ['Late', 'Its next action is more than 10 minutes overdue.'],
  attention: ['Attention', 'The look ahead found something that would block or surprise its next close.'],
  ok: ['OK', 'Nothing to report.'],
};
