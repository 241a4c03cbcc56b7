//! A stored bulk job: its row, its sprint rows, its status, its state changes and its queue pushes.

use serde_json::{json, Value};

use crate::effect::Effect;
use crate::error::{CoreError, ErrorCode};
use crate::step::{Ctx, JobResult};
use crate::store::{
    self,
    bulk_jobs::{JobSprint, StoredJob},
};

/// The queue delivery that wakes a worker for the job after `delay_seconds`.
pub(super) fn worker_delivery(job_id: &str, delay_seconds: u32) -> Effect {
    Effect::Enqueue {
        queue: crate::jobs::tick::QUEUE.to_string(),
        body: crate::jobs::QueuedWork::bulk(job_id).body(),
        delay_seconds,
    }
}

pub(super) async fn enqueue_worker(ctx: &mut Ctx, job_id: &str) -> JobResult<()> {
    let r = ctx.perform(worker_delivery(job_id, 0)).await?;
    if let Some(e) = r.error {
        return Err(CoreError::new(
            ErrorCode::StorageError,
            format!("the job could not be queued: {}", e.code),
        )
        .into());
    }
    Ok(())
}

/// One job (`None`: no such job).
pub(super) async fn load_job(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<StoredJob>> {
    store::bulk_jobs::get(ctx, job_id).await
}

/// The job's sprint rows, by board and position.
pub(super) async fn load_rows(ctx: &mut Ctx, job_id: &str) -> JobResult<Vec<JobSprint>> {
    store::bulk_jobs::sprints(ctx, job_id).await
}

pub(super) fn planned_sprint<'a>(job: &'a StoredJob, key: &str) -> Option<&'a Value> {
    job.plans
        .iter()
        .filter_map(|p| p["sprints"].as_array())
        .flatten()
        .find(|s| s["key"] == key)
}

pub(super) async fn status_of(ctx: &mut Ctx, job: &StoredJob) -> JobResult<Value> {
    let rows = load_rows(ctx, &job.job_id).await?;
    let count = |state: &str| rows.iter().filter(|r| r.state == state).count();
    let sprints: Vec<Value> = rows
        .iter()
        .map(|r| {
            let p = planned_sprint(job, &r.key).unwrap_or(&Value::Null);
            json!({
                "key": r.key, "boardId": r.board_id, "index": r.position, "state": r.state,
                "sprintId": r.sprint_id, "errorCode": r.error_code,
                "name": p["name"], "startLocal": p["startLocal"], "endLocal": p["endLocal"],
            })
        })
        .collect();
    Ok(json!({
        "jobId": job.job_id,
        "projectKey": job.project_key,
        "state": job.state,
        "planned": job.planned,
        "created": count("created"),
        "failed": count("failed"),
        "deleted": count("deleted"),
        "createdAt": job.created_at,
        "sprints": sprints,
    }))
}

pub(super) async fn set_job_state(ctx: &mut Ctx, job_id: &str, state: &str) -> JobResult<()> {
    store::bulk_jobs::set_state(ctx, job_id, state).await
}

/// Cancel a job. With no worker holding it, it is `cancelled` at once: a later worker cannot take
/// it. While a worker holds it, it is `cancelling`: the worker, which looks before every create,
/// ends it as `cancelled` with its counts, so what the page shows last is what Jira holds.
pub(super) async fn request_cancel(ctx: &mut Ctx, job_id: &str) -> JobResult<&'static str> {
    let now = ctx.now().timestamp_millis();
    if store::bulk_jobs::cancel_unheld(ctx, job_id, now).await? {
        return Ok("cancelled");
    }
    store::bulk_jobs::mark_cancelling(ctx, job_id, now).await?;
    Ok("cancelling")
}

/// End a cancelled job for its worker (who holds the lease, or whose lease lapsed): `cancelled`,
/// with the counts of what was made.
pub(super) async fn finish_cancel(ctx: &mut Ctx, job_id: &str, owner: &str) -> JobResult<Value> {
    let rows = load_rows(ctx, job_id).await?;
    let created = rows.iter().filter(|r| r.state == "created").count();
    let failed = rows.iter().filter(|r| r.state == "failed").count();
    let now = ctx.now().timestamp_millis();
    store::bulk_jobs::finish_cancel(ctx, job_id, owner, created, failed, now).await?;
    Ok(json!({ "jobId": job_id, "result": "cancelled", "created": created, "failed": failed }))
}
