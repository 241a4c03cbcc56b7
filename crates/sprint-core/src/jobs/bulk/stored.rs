//! A stored bulk job: its row, its sprint rows, its status, its state changes and its queue pushes.

use serde_json::{json, Value};

use crate::effect::Effect;
use crate::error::{CoreError, ErrorCode};
use crate::step::{Ctx, JobResult};
use crate::store::{self, int};

pub(super) async fn enqueue_worker(ctx: &mut Ctx, job_id: &str) -> JobResult<()> {
    let r = ctx
        .perform(Effect::Enqueue {
            queue: crate::jobs::tick::QUEUE.to_string(),
            body: json!({ "job": "bulk", "jobId": job_id }),
            delay_seconds: 0,
        })
        .await?;
    if let Some(e) = r.error {
        return Err(CoreError::new(
            ErrorCode::StorageError,
            format!("the job could not be queued: {}", e.code),
        )
        .into());
    }
    Ok(())
}

/// A stored job.
pub(super) struct StoredJob {
    pub(super) job_id: String,
    pub(super) project_key: String,
    pub(super) state: String,
    pub(super) plans: Vec<Value>,
    pub(super) planned: i64,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
}

pub(super) async fn load_job(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<StoredJob>> {
    let rows = store::rows(
        ctx,
        "SELECT job_id, project_key, state, plan_json, planned, created_at, updated_at FROM bulk_jobs WHERE job_id = ?",
        vec![json!(job_id)],
    ).await?;
    Ok(rows.first().map(|r| StoredJob {
        job_id: r["job_id"].as_str().unwrap_or_default().to_string(),
        project_key: r["project_key"].as_str().unwrap_or_default().to_string(),
        state: r["state"].as_str().unwrap_or_default().to_string(),
        plans: r["plan_json"]
            .as_str()
            .and_then(|s| serde_json::from_str::<Vec<Value>>(s).ok())
            .unwrap_or_default(),
        planned: int(&r["planned"]).unwrap_or(0),
        created_at: int(&r["created_at"]).unwrap_or(0),
        updated_at: int(&r["updated_at"]).unwrap_or(0),
    }))
}

/// A row of a job: one planned sprint and what became of it.
pub(super) struct JobSprint {
    pub(super) key: String,
    pub(super) board_id: u64,
    pub(super) position: i64,
    pub(super) sprint_id: Option<u64>,
    pub(super) state: String,
    pub(super) error_code: Option<String>,
}

pub(super) async fn load_rows(ctx: &mut Ctx, job_id: &str) -> JobResult<Vec<JobSprint>> {
    let rows = store::rows(
        ctx,
        "SELECT sprint_key, board_id, position, sprint_id, state, error_code FROM bulk_job_sprints \
         WHERE job_id = ? ORDER BY board_id, position",
        vec![json!(job_id)],
    ).await?;
    Ok(rows
        .iter()
        .map(|r| JobSprint {
            key: r["sprint_key"].as_str().unwrap_or_default().to_string(),
            board_id: int(&r["board_id"]).unwrap_or(0) as u64,
            position: int(&r["position"]).unwrap_or(0),
            sprint_id: int(&r["sprint_id"]).map(|n| n as u64),
            state: r["state"].as_str().unwrap_or_default().to_string(),
            error_code: r["error_code"].as_str().map(str::to_string),
        })
        .collect())
}

pub(super) fn planned_sprint(job: &StoredJob, key: &str) -> Option<Value> {
    job.plans
        .iter()
        .flat_map(|p| p["sprints"].as_array().cloned().unwrap_or_default())
        .find(|s| s["key"] == key)
}

pub(super) async fn status_of(ctx: &mut Ctx, job: &StoredJob) -> JobResult<Value> {
    let rows = load_rows(ctx, &job.job_id).await?;
    let count = |state: &str| rows.iter().filter(|r| r.state == state).count();
    let sprints: Vec<Value> = rows
        .iter()
        .map(|r| {
            let p = planned_sprint(job, &r.key).unwrap_or(Value::Null);
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
    store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = ?, updated_at = ? WHERE job_id = ?",
        vec![
            json!(state),
            json!(ctx.now().timestamp_millis()),
            json!(job_id),
        ],
    )
    .await?;
    Ok(())
}

/// Cancel a job. With no worker holding it, it is `cancelled` at once: a later worker cannot take
/// it. While a worker holds it, it is `cancelling`: the worker, which looks before every create,
/// ends it as `cancelled` with its counts, so what the page shows last is what Jira holds.
pub(super) async fn request_cancel(ctx: &mut Ctx, job_id: &str) -> JobResult<&'static str> {
    let now = ctx.now().timestamp_millis();
    let r = store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = 'cancelled', updated_at = ? WHERE job_id = ? \
         AND state IN ('planned', 'running') AND (lease_owner IS NULL OR lease_until < ?)",
        vec![json!(now), json!(job_id), json!(now)],
    )
    .await?;
    if r.affected_rows.unwrap_or(0) > 0 {
        return Ok("cancelled");
    }
    store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = 'cancelling', updated_at = ? WHERE job_id = ? AND state = 'running'",
        vec![json!(now), json!(job_id)],
    )
    .await?;
    Ok("cancelling")
}

/// End a cancelled job for its worker (who holds the lease, or whose lease lapsed): `cancelled`,
/// with the counts of what was made.
pub(super) async fn finish_cancel(ctx: &mut Ctx, job_id: &str, owner: &str) -> JobResult<Value> {
    let rows = load_rows(ctx, job_id).await?;
    let created = rows.iter().filter(|r| r.state == "created").count();
    let failed = rows.iter().filter(|r| r.state == "failed").count();
    let now = ctx.now().timestamp_millis();
    store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = 'cancelled', created = ?, failed = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL \
         WHERE job_id = ? AND state = 'cancelling' AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
        vec![json!(created), json!(failed), json!(now), json!(job_id), json!(owner), json!(now)],
    )
    .await?;
    Ok(json!({ "jobId": job_id, "result": "cancelled", "created": created, "failed": failed }))
}
