// What each resolver answers, for the pages (README "Resolver API"; the core's answers are built in
// crates/sprint-core/src/jobs/resolve.rs, jobs/bulk/ and jobs/overview.rs). Kept by hand; the code
// unions come from ./codes.d.ts, which tools/gen-types.js writes from the built core. Checked with
// tsc by tests/ui/types.test.js, which also fails if a resolver key has no answer here.
import type {
  ErrorCode, LogReasonCode, PlanWarningCode, ReadinessCode, ResolverKey, UndoSkipCode,
} from './codes';

/** An ISO-8601 instant (UTC), as the core writes it. */
export type Instant = string;

/** Every call answers this. */
export type ResolverAnswer<K extends ResolverKey> =
  | { ok: true; data: ResolverData[K] }
  | { ok: false; error: ResolverError };

export interface ResolverError {
  code: ErrorCode;
  status: number;
  message: string;
  /** `field` names the payload field at fault, when one is. */
  details?: { field?: string; [more: string]: unknown };
}

/** A log entry's reason: a reason code, or the error code of a fault of the app or its platform. */
export type LogReason = LogReasonCode | ErrorCode;
/** Why an undo left a sprint alone. */
export type UndoSkip = UndoSkipCode | `HTTP_${number}`;

export type CarryOver = 'nextSprint' | 'backlog' | 'nextSprintCreate';

export interface GlobalSettings {
  automationEnabled: boolean;
  defaultTimeZone: string;
  defaultCarryOver: CarryOver;
  logRetentionDays: number;
}

export interface BoardSettings {
  automate: boolean;
  autoStart: boolean;
  autoClose: boolean;
  carryOver: CarryOver | null;
  timeZone: string | null;
  startTime: string | null;
  closeTime: string | null;
  workingDays: string[];
  holidays: string[];
  keepAhead: number;
  nameTemplate: string | null;
}

export interface ReadinessProblem {
  code: ReadinessCode;
  keys?: string[];
}

export interface BoardView {
  boardId: number;
  name: string;
  type: 'scrum' | 'simple' | 'kanban';
  hasSprints: boolean;
  configured: boolean;
  settings: BoardSettings;
  changedBy: string | null;
  changedAt: number | null;
  nextAction: {
    kind: string;
    at: unknown;
    sprintId: number | null;
    readiness?: { sprintId: number; closeAt: Instant; checkedAt: Instant; problems: ReadinessProblem[] } | null;
  } | null;
}

export interface LogEntry {
  time: Instant;
  level: 'info' | 'warn' | 'error';
  kind: 'started' | 'closed' | 'moved' | 'created' | 'skipped' | 'failed' | 'deleted' | 'renamed' | 'config_changed' | 'lifecycle';
  reason: LogReason;
  message: string;
  boardId?: number;
  sprintId?: number;
  jira?: { status: number; code: string; message: string };
}

export interface PlanWarning {
  code: PlanWarningCode;
  message: string;
}

export interface PlannedSprint {
  key: string;
  index: number;
  name: string;
  goal: string | null;
  start: Instant;
  end: Instant;
  startLocal: string;
  endLocal: string;
  warnings: PlanWarning[];
}

export interface BulkJobSummary {
  jobId: string;
  state: string;
  planned: number;
  created: number;
  failed: number;
  createdAt: number;
}

export interface BulkJob extends BulkJobSummary {
  projectKey: string;
  deleted: number;
  sprints: {
    key: string; boardId: number; index: number; state: string; sprintId: number | null;
    errorCode: string | null; name: string; startLocal: string; endLocal: string;
  }[];
}

/** The `data` of each resolver's answer. */
export interface ResolverData {
  ping: { pong: true; coreVersion: string; now: Instant; jiraAdmin: boolean };
  getGlobalSettings: { settings: GlobalSettings };
  updateGlobalSettings: { settings: GlobalSettings };
  listBoards: { projectKey: string; siteAutomationEnabled: boolean; boards: BoardView[] };
  getBoardSettings: BoardView;
  updateBoardSettings: BoardView;
  getLogs: { entries: LogEntry[]; cursor: string | null };
  previewBulkPlan: {
    projectKey: string;
    boards: { boardId: number; timeZone: string; existing: unknown; sprints: PlannedSprint[]; warnings: PlanWarning[] }[];
  };
  createBulkSprints: BulkJob;
  getBulkJob: BulkJob;
  listBulkJobs: { projectKey: string; jobs: BulkJobSummary[] };
  cancelBulkJob: BulkJob;
  undoBulkJob: { jobId: string; deleted: number[]; skipped: { sprintId: number; reason: UndoSkip }[] };
  renameFutureSprints: { boardId: number; dryRun: boolean; renames: { sprintId: number; from: string; to: string }[] };
  getSiteOverview: {
    automationEnabled: boolean;
    jiraQuota: { wallUntil: Instant | null; shortUntil: Instant | null };
    boards: {
      boardId: number;
      projectKey: string;
      timeZone: string;
      status: 'siteOff' | 'waitingForJiraQuota' | 'blocked' | 'late' | 'attention' | 'ok';
      problem: LogReason | null;
      readiness: ReadinessCode[];
      lateMinutes: number | null;
      nextAction: { kind: string; at: Instant; local: string; sprintId: number | null } | null;
      dailyLook: Instant | null;
      lastRollover: { sprintId: number; phase: string; at: Instant; local: string } | null;
    }[];
    next: number | null;
  };
}

/** Fails to compile when a resolver key has no answer above, or an answer no key. */
type Never<T extends never> = T;
export type EveryKeyAnswered = Never<Exclude<ResolverKey, keyof ResolverData>>;
export type NoAnswerWithoutKey = Never<Exclude<keyof ResolverData, ResolverKey>>;
