//! Undo a bulk job: delete the sprints it created that are still future.

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::resolvers::authorised_job;
use super::stored::{load_rows, request_cancel, set_job_state};
use crate::error::{CoreError, ErrorCode};
use crate::jira::{self, Response};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

/// Why an undo left a sprint alone: the `reason` of each `skipped` entry of its answer, a code the
/// pages explain in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoSkip {
    /// `SPRINT_ACTIVE`: the sprint has been started, so it is kept.
    SprintActive,
    /// `SPRINT_CLOSED`: the sprint is closed, so it is kept.
    SprintClosed,
    /// `SPRINT_GONE`: the sprint had already been deleted.
    SprintGone,
    /// `NETWORK`: Jira could not be reached.
    Network,
    /// `ROUTE_NOT_ALLOWED`: the shim refused the request (not in its route catalogue).
    RouteNotAllowed,
    /// `HTTP_<status>`: Jira refused with this status.
    Http(u16),
}

impl UndoSkip {
    /// The codes with a fixed name (`HTTP_<status>` is the one family).
    pub const ALL: &'static [UndoSkip] = &[
        UndoSkip::SprintActive,
        UndoSkip::SprintClosed,
        UndoSkip::SprintGone,
        UndoSkip::Network,
        UndoSkip::RouteNotAllowed,
    ];

    /// The stable code.
    pub fn code(self) -> String {
        match self {
            UndoSkip::SprintActive => "SPRINT_ACTIVE".into(),
            UndoSkip::SprintClosed => "SPRINT_CLOSED".into(),
            UndoSkip::SprintGone => "SPRINT_GONE".into(),
            UndoSkip::Network => "NETWORK".into(),
            UndoSkip::RouteNotAllowed => "ROUTE_NOT_ALLOWED".into(),
            UndoSkip::Http(status) => format!("HTTP_{status}"),
        }
    }

    /// A failed Jira call, by its status (0: the request never got an answer).
    fn of_failure(r: &Response) -> UndoSkip {
        match r.status {
            0 if r
                .failure
                .as_ref()
                .is_some_and(|f| f.code == "ROUTE_NOT_ALLOWED") =>
            {
                UndoSkip::RouteNotAllowed
            }
            0 => UndoSkip::Network,
            status => UndoSkip::Http(status),
        }
    }
}

impl Serialize for UndoSkip {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// Delete the sprints a job created that are still future; say what was skipped and why.
pub(crate) async fn undo(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let job = authorised_job(ctx, payload, account).await?;
    if matches!(job.state.as_str(), "planned" | "running" | "cancelling")
        && request_cancel(ctx, &job.job_id).await? == "cancelling"
    {
        // A worker may be creating a sprint right now: deleting first could leave that one behind.
        return Err(CoreError::new(
            ErrorCode::JobStillRunning,
            "the job is still creating sprints: it is now cancelling; undo once it says cancelled",
        )
        .into());
    }
    let rows = load_rows(ctx, &job.job_id).await?;
    let mut deleted = Vec::new();
    let mut skipped = Vec::new();
    for row in rows.iter().filter(|r| r.state == "created") {
        let Some(id) = row.sprint_id else { continue };
        let r = jira::sprints::get(ctx, id).await?;
        let reason = match (r.status, r.body["state"].as_str()) {
            (200, Some("future")) => None,
            (200, Some("active")) => Some(UndoSkip::SprintActive),
            // Jira's sprint states are future, active and closed.
            (200, Some(_)) => Some(UndoSkip::SprintClosed),
            (404, _) => Some(UndoSkip::SprintGone),
            _ => Some(UndoSkip::of_failure(&r)),
        };
        if let Some(reason) = reason {
            skipped.push(json!({ "sprintId": id, "reason": reason }));
            continue;
        }
        let d = jira::sprints::delete(ctx, id).await?;
        if d.is_success() || d.status == 404 {
            store::bulk_jobs::mark_sprint_deleted(ctx, &job.job_id, &row.key).await?;
            deleted.push(id);
            let now = ctx.now();
            ctx.log(
                LogEntry::new(
                    now,
                    Level::Info,
                    LogKind::Deleted,
                    Reason::BulkSprintDeleted,
                    format!("sprint {id} created by {} deleted (undo)", job.job_id),
                )
                .board(row.board_id)
                .sprint(id),
            );
        } else {
            skipped.push(json!({ "sprintId": id, "reason": UndoSkip::of_failure(&d) }));
        }
    }
    set_job_state(ctx, &job.job_id, "undone").await?;
    Ok(json!({ "jobId": job.job_id, "deleted": deleted, "skipped": skipped }))
}

#[cfg(test)]
mod tests {
    use super::UndoSkip;

    #[test]
    fn every_fixed_undo_skip_is_listed_once_and_serialised_as_its_code() {
        // A new variant must be placed here: in `ALL` (a fixed code) or not (a family).
        let fixed = |s: UndoSkip| match s {
            UndoSkip::SprintActive
            | UndoSkip::SprintClosed
            | UndoSkip::SprintGone
            | UndoSkip::Network
            | UndoSkip::RouteNotAllowed => true,
            UndoSkip::Http(_) => false,
        };
        assert!(UndoSkip::ALL.iter().all(|s| fixed(*s)));
        assert_eq!(UndoSkip::ALL.len(), 5);
        let codes: Vec<String> = UndoSkip::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                "SPRINT_ACTIVE",
                "SPRINT_CLOSED",
                "SPRINT_GONE",
                "NETWORK",
                "ROUTE_NOT_ALLOWED"
            ]
        );
        assert_eq!(
            serde_json::to_value(UndoSkip::Http(403)).unwrap(),
            serde_json::json!("HTTP_403")
        );
        assert_eq!(
            serde_json::to_value(UndoSkip::SprintGone).unwrap(),
            serde_json::json!("SPRINT_GONE")
        );
    }
}
