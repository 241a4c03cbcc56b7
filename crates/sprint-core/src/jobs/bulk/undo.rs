//! Undo a bulk job: delete the sprints it created that are still future.

use serde_json::{json, Value};

use super::resolvers::authorised_job;
use super::stored::{load_rows, request_cancel, set_job_state};
use crate::error::{CoreError, ErrorCode};
use crate::jira::{self, Request};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

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
        let r = jira::send(ctx, &Request::get(format!("/rest/agile/1.0/sprint/{id}"))).await?;
        let reason = match (r.status, r.body["state"].as_str()) {
            (200, Some("future")) => None,
            (200, Some(state)) => Some(format!("SPRINT_{}", state.to_uppercase())),
            (404, _) => Some("SPRINT_GONE".to_string()),
            _ => Some(r.error_summary().code),
        };
        if let Some(reason) = reason {
            skipped.push(json!({ "sprintId": id, "reason": reason }));
            continue;
        }
        let d = jira::send(
            ctx,
            &Request {
                method: crate::effect::Method::Delete,
                ..Request::get(format!("/rest/agile/1.0/sprint/{id}"))
            },
        )
        .await?;
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
            skipped.push(json!({ "sprintId": id, "reason": d.error_summary().code }));
        }
    }
    set_job_state(ctx, &job.job_id, "undone").await?;
    Ok(json!({ "jobId": job.job_id, "deleted": deleted, "skipped": skipped }))
}
