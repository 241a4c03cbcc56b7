//! Errors with stable codes. Tests and the UI match on [`ErrorCode`], never on the prose.

use serde::{Deserialize, Serialize};
use serde_json::Value;

codes! {
    /// Stable error codes. Serialised as SCREAMING_SNAKE_CASE strings; never renamed once released.
    pub enum ErrorCode {
        /// The input is not valid JSON or not the expected shape.
        InvalidInput = "INVALID_INPUT",
        /// The job name is unknown to this core.
        UnknownJob = "UNKNOWN_JOB",
        /// A field has the wrong type.
        InvalidType = "INVALID_TYPE",
        /// A required field is missing.
        MissingField = "MISSING_FIELD",
        /// A field the operation does not know was sent.
        UnknownField = "UNKNOWN_FIELD",
        /// A number or length is out of its allowed range.
        OutOfRange = "OUT_OF_RANGE",
        /// Not an IANA time zone name.
        UnknownTimeZone = "UNKNOWN_TIME_ZONE",
        /// Not a `HH:MM` time of day.
        InvalidTimeOfDay = "INVALID_TIME_OF_DAY",
        /// A name or goal template uses a token the app does not know (or unbalanced braces).
        TemplateTokenUnknown = "TEMPLATE_TOKEN_UNKNOWN",
        /// A rendered sprint name is longer than Jira's 30 characters.
        SprintNameTooLong = "SPRINT_NAME_TOO_LONG",
        /// A rendered sprint name is empty once trimmed (Jira trims names and needs one).
        SprintNameEmpty = "SPRINT_NAME_EMPTY",
        /// The plan makes more than 100 sprints for a board.
        PlanTooLarge = "PLAN_TOO_LARGE",
        /// The plan's end comes before its start.
        PlanEndsBeforeStart = "PLAN_ENDS_BEFORE_START",
        /// The bulk job does not exist (or belongs to another project).
        JobNotFound = "JOB_NOT_FOUND",
        /// The caller has no account (anonymous invocation).
        NotAuthenticated = "NOT_AUTHENTICATED",
        /// The caller is not a Jira administrator.
        NotJiraAdmin = "NOT_JIRA_ADMIN",
        /// The caller does not administer the board's project.
        NotProjectAdmin = "NOT_PROJECT_ADMIN",
        /// The board does not belong to the project the caller named.
        BoardNotInProject = "BOARD_NOT_IN_PROJECT",
        /// The board does not exist (or the app cannot see it).
        BoardNotFound = "BOARD_NOT_FOUND",
        /// The app's tables are missing: the install/upgrade lifecycle handler has not run.
        SchemaMissing = "SCHEMA_MISSING",
        /// Jira answered with an error the core could not recover from.
        JiraError = "JIRA_ERROR",
        /// Jira's points quota for the app is used up until its reset (`details.retryAt`).
        JiraQuotaWall = "JIRA_QUOTA_WALL",
        /// The change would make the app act at once (`details.actions`); send it again with
        /// `confirmActNow: true` to go ahead.
        ConfirmationNeeded = "CONFIRMATION_NEEDED",
        /// An undo while the job's worker may still be creating a sprint: the job is now cancelling;
        /// undo once it is cancelled.
        JobStillRunning = "JOB_STILL_RUNNING",
        /// Storage (SQL or KVS) failed.
        StorageError = "STORAGE_ERROR",
        /// A schema migration failed (the lifecycle handler can simply run again).
        MigrationFailed = "MIGRATION_FAILED",
        /// The driver broke the contract (a missing or malformed effect result).
        DriverContract = "DRIVER_CONTRACT",
    }
}

impl ErrorCode {
    /// The stable name (`SCHEMA_MISSING`).
    pub fn name(self) -> String {
        self.as_str().to_string()
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
