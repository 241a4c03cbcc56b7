//! Application log entries: what the app did or skipped, and why, with no personal data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    pub reason: String,
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
        reason: &str,
        message: impl Into<String>,
    ) -> Self {
        LogEntry {
            time,
            level,
            kind,
            reason: reason.to_string(),
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
