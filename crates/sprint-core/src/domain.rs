//! The domain's own types, below every rule that uses them: a sprint as the app knows it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::jira_time;

/// A sprint's state in Jira.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SprintState {
    /// Not started.
    Future,
    /// Running.
    Active,
    /// Completed.
    Closed,
}

/// A sprint as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sprint {
    /// Jira id.
    pub id: u64,
    /// Name (shown in logs only as the id; names can be anything people typed).
    pub name: String,
    /// State.
    pub state: SprintState,
    /// Planned start.
    pub start: Option<DateTime<Utc>>,
    /// Planned end.
    pub end: Option<DateTime<Utc>>,
    /// Board the sprint belongs to.
    pub origin_board_id: Option<u64>,
}

impl Sprint {
    /// Read a sprint from a Jira sprint object.
    pub fn from_jira(v: &Value) -> Option<Sprint> {
        Some(Sprint {
            id: jira_time::id(&v["id"])?,
            name: v["name"].as_str().unwrap_or_default().to_string(),
            state: match v["state"].as_str()?.to_ascii_lowercase().as_str() {
                "future" => SprintState::Future,
                "active" => SprintState::Active,
                "closed" => SprintState::Closed,
                _ => return None,
            },
            start: jira_time::field(v, "startDate"),
            end: jira_time::field(v, "endDate"),
            origin_board_id: jira_time::id(&v["originBoardId"]),
        })
    }
}
