//! Errors with stable codes. Tests and the UI match on [`ErrorCode`], never on the prose.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stable error codes. Serialised as SCREAMING_SNAKE_CASE strings; never renamed once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The input is not valid JSON or not the expected shape.
    InvalidInput,
    /// The job name is unknown to this core.
    UnknownJob,
    /// A field has the wrong type.
    InvalidType,
    /// A required field is missing.
    MissingField,
    /// A field the operation does not know was sent.
    UnknownField,
    /// A number or length is out of its allowed range.
    OutOfRange,
    /// Not an IANA time zone name.
    UnknownTimeZone,
    /// Not a `HH:MM` time of day.
    InvalidTimeOfDay,
    /// A name or goal template uses a token the app does not know (or unbalanced braces).
    TemplateTokenUnknown,
    /// A rendered sprint name is longer than Jira's 30 characters.
    SprintNameTooLong,
    /// A rendered sprint name is empty once trimmed (Jira trims names and needs one).
    SprintNameEmpty,
    /// The plan makes more than 100 sprints for a board.
    PlanTooLarge,
    /// The plan's end comes before its start.
    PlanEndsBeforeStart,
    /// The bulk job does not exist (or belongs to another project).
    JobNotFound,
    /// The caller has no account (anonymous invocation).
    NotAuthenticated,
    /// The caller is not a Jira administrator.
    NotJiraAdmin,
    /// The caller does not administer the board's project.
    NotProjectAdmin,
    /// The board does not belong to the project the caller named.
    BoardNotInProject,
    /// The board does not exist (or the app cannot see it).
    BoardNotFound,
    /// The app's tables are missing: the install/upgrade lifecycle handler has not run.
    SchemaMissing,
    /// Jira answered with an error the core could not recover from.
    JiraError,
    /// Jira's points quota for the app is used up until its reset (`details.retryAt`).
    JiraQuotaWall,
    /// The change would make the app act at once (`details.actions`); send it again with
    /// `confirmActNow: true` to go ahead.
    ConfirmationNeeded,
    /// An undo while the job's worker may still be creating a sprint: the job is now cancelling;
    /// undo once it is cancelled.
    JobStillRunning,
    /// Storage (SQL or KVS) failed.
    StorageError,
    /// A schema migration failed (the lifecycle handler can simply run again).
    MigrationFailed,
    /// The driver broke the contract (a missing or malformed effect result).
    DriverContract,
}

impl ErrorCode {
    /// The stable name (`SCHEMA_MISSING`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// An error with a stable code, an HTTP-like status and a short message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
#[serde(rename_all = "camelCase")]
pub struct CoreError {
    /// The stable code.
    pub code: ErrorCode,
    /// 400 for bad input, 403 for a denied permission, 404, 409, 500, 502 for Jira failures.
    pub status: u16,
    /// Human-readable; never contains Jira payloads or personal data.
    pub message: String,
    /// Optional structured detail (for example the field path of a validation fault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl CoreError {
    /// A new error with its default status for the code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = match code {
            ErrorCode::NotAuthenticated
            | ErrorCode::NotJiraAdmin
            | ErrorCode::NotProjectAdmin
            | ErrorCode::BoardNotInProject => 403,
            ErrorCode::BoardNotFound | ErrorCode::JobNotFound => 404,
            ErrorCode::ConfirmationNeeded | ErrorCode::JobStillRunning => 409,
            ErrorCode::SchemaMissing
            | ErrorCode::StorageError
            | ErrorCode::MigrationFailed
            | ErrorCode::DriverContract => 500,
            ErrorCode::JiraError => 502,
            ErrorCode::JiraQuotaWall => 503,
            _ => 400,
        };
        CoreError {
            code,
            status,
            message: message.into(),
            details: None,
        }
    }

    /// Attach structured detail.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}
