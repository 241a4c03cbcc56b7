//! Application log entries: what the app did or skipped, and why, with no personal data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// Severity of a log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Routine: an action taken.
    Info,
    /// Something was skipped or needs an admin's attention.
    Warn,
    /// An action failed.
    Error,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// A sprint was started.
    Started,
    /// A sprint was closed.
    Closed,
    /// Unfinished issues were moved.
    Moved,
    /// A sprint was created.
    Created,
    /// A due action was not taken (the reason says why).
    Skipped,
    /// An action failed.
    Failed,
    /// A sprint was deleted (undo of a bulk job).
    Deleted,
    /// A sprint was renamed.
    Renamed,
    /// Settings were changed.
    ConfigChanged,
    /// The app was installed or upgraded.
    Lifecycle,
}

codes! {
    /// Why a log entry was written: a stable code the pages explain in words
    /// (`ui/src/shared/messages.js`). Serialised as the code; never renamed once released.
    pub enum Reason {
        /// A sprint was started.
        SprintStarted = "SPRINT_STARTED",
        /// A sprint was closed.
        SprintClosed = "SPRINT_CLOSED",
        /// A closed sprint's unfinished issues were carried over.
        UnfinishedMoved = "UNFINISHED_MOVED",
        /// A next sprint was created to receive unfinished issues.
        FollowOnSprintCreated = "FOLLOW_ON_SPRINT_CREATED",
        /// A future sprint was created to keep the board planned ahead.
        KeepAheadSprintCreated = "KEEP_AHEAD_SPRINT_CREATED",
        /// Creating a keep-ahead sprint failed.
        KeepAheadCreateFailed = "KEEP_AHEAD_CREATE_FAILED",
        /// A sprint was not started: its start and end both passed first.
        StartAndEndPassed = "START_AND_END_PASSED",
        /// A sprint was not started: the board has an active sprint.
        ActiveSprintExists = "ACTIVE_SPRINT_EXISTS",
        /// A sprint was not closed: a done issue has open sub-tasks.
        OpenSubtasks = "OPEN_SUBTASKS",
        /// The board's sprints could not be read.
        SprintsUnreadable = "SPRINTS_UNREADABLE",
        /// The board's configuration could not be read.
        BoardConfigurationUnreadable = "BOARD_CONFIGURATION_UNREADABLE",
        /// A sprint's issues could not be read.
        IssuesUnreadable = "ISSUES_UNREADABLE",
        /// No sprint to carry unfinished issues to.
        DestinationUnavailable = "DESTINATION_UNAVAILABLE",
        /// Moving unfinished issues failed.
        MoveFailed = "MOVE_FAILED",
        /// Closing a sprint failed.
        CloseFailed = "CLOSE_FAILED",
        /// Starting a sprint failed.
        StartFailed = "START_FAILED",
        /// A board's check failed.
        BoardCheckFailed = "BOARD_CHECK_FAILED",
        /// The rest of a check could not be queued.
        ContinuationNotQueued = "CONTINUATION_NOT_QUEUED",
        /// The global settings were changed.
        GlobalSettingsChanged = "GLOBAL_SETTINGS_CHANGED",
        /// A board's settings were changed.
        BoardSettingsChanged = "BOARD_SETTINGS_CHANGED",
        /// The app was installed.
        AppInstalled = "APP_INSTALLED",
        /// The app was upgraded.
        AppUpgraded = "APP_UPGRADED",
        /// A bulk job created a sprint.
        BulkSprintCreated = "BULK_SPRINT_CREATED",
        /// A bulk job could not create a sprint.
        BulkCreateFailed = "BULK_CREATE_FAILED",
        /// An undo deleted a sprint a bulk job created.
        BulkSprintDeleted = "BULK_SPRINT_DELETED",
        /// New sprints could not be put in date order.
        SprintOrderNotFixed = "SPRINT_ORDER_NOT_FIXED",
        /// A future sprint was renamed by a template.
        SprintRenamed = "SPRINT_RENAMED",
        /// Keep-ahead sprints not created: the template gives too long a name.
        NameTooLong = "NAME_TOO_LONG",
        /// Keep-ahead sprints not created: the template gives an empty name.
        NameEmpty = "NAME_EMPTY",
        /// A readiness look found something that would block or surprise a close.
        CloseNotReady = "CLOSE_NOT_READY",
        /// What would have blocked a close is fixed.
        CloseReady = "CLOSE_READY",
        /// Jira's points quota for the app ran short.
        JiraPointsShort = "JIRA_POINTS_SHORT",
        /// Jira's points quota for the app was used up.
        JiraQuotaWall = "JIRA_QUOTA_WALL",
        /// A sprint event could not be read.
        EventUnreadable = "EVENT_UNREADABLE",
    }
    untagged {
        /// A fault of the app or its platform, logged with its error code's name.
        Error(ErrorCode)
    }
}

impl From<ErrorCode> for Reason {
    fn from(code: ErrorCode) -> Self {
        Reason::Error(code)
    }
}

/// A Jira error as the log keeps it: status, code and message, never the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JiraErrorSummary {
    /// HTTP status (0 for a transport failure).
    pub status: u16,
    /// Short code (`HTTP_400`, `NETWORK`).
    pub code: String,
    /// First error message Jira gave, cut to 200 characters.
    pub message: String,
}

/// One application log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// When it happened (the run's `now`).
    pub time: DateTime<Utc>,
    /// Severity.
    pub level: Level,
    /// What happened.
    pub kind: LogKind,
    /// Stable reason code (`SPRINT_STARTED`, `ACTIVE_SPRINT_EXISTS`, ...).
    pub reason: Reason,
    /// Board concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board_id: Option<u64>,
    /// Sprint concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint_id: Option<u64>,
    /// Short message with ids and counts only: no names of people, no issue summaries.
    pub message: String,
    /// The Jira error behind a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira: Option<JiraErrorSummary>,
}

impl LogEntry {
    /// A new entry with no board, sprint or Jira error.
    pub fn new(
        time: DateTime<Utc>,
        level: Level,
        kind: LogKind,
        reason: impl Into<Reason>,
        message: impl Into<String>,
    ) -> Self {
        LogEntry {
            time,
            level,
            kind,
            reason: reason.into(),
            board_id: None,
            sprint_id: None,
            message: message.into(),
            jira: None,
        }
    }

    /// About this board.
    pub fn board(mut self, board_id: u64) -> Self {
        self.board_id = Some(board_id);
        self
    }

    /// About this sprint.
    pub fn sprint(mut self, sprint_id: u64) -> Self {
        self.sprint_id = Some(sprint_id);
        self
    }

    /// With the Jira error behind it.
    pub fn jira(mut self, summary: JiraErrorSummary) -> Self {
        self.jira = Some(summary);
        self
    }
}

/// Kinds as the log API names them (`started`, `config_changed`, ...).
pub const KIND_NAMES: &[&str] = &[
    "started",
    "closed",
    "moved",
    "created",
    "skipped",
    "failed",
    "deleted",
    "renamed",
    "config_changed",
    "lifecycle",
];

/// Levels as the log API names them.
pub const LEVEL_NAMES: &[&str] = &["info", "warn", "error"];
