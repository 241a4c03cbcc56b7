//! `bulk_jobs` (one row per bulk creation job: its plan, state, counts and worker lease) and
//! `bulk_job_sprints` (one row per planned sprint: what became of it).
//!
//! Job states: `planned` -> `running` -> `done` | `failed`; `cancelling` -> `cancelled`; `undone`.
//! Sprint row states: `planned` -> `created` | `failed`; `created` -> `deleted` (undo).

use serde_json::Value;

use super::{int, param, read, write};
use crate::step::{Ctx, JobResult};

/// Planned sprints written per statement.
const SPRINT_ROWS_PER_INSERT: usize = 50;

/// A stored job.
#[derive(Debug, Clone)]
pub struct StoredJob {
    /// `bulk-…`.
    pub job_id: String,
    /// The project it plans for.
    pub project_key: String,
    /// See the module docs.
    pub state: String,
    /// The plan of each board, as planned (JSON).
    pub plans: Vec<Value>,
    /// Sprints planned.
    pub planned: i64,
    /// When it was created (epoch ms).
    pub created_at: i64,
    /// Last change (epoch ms).
    pub updated_at: i64,
}

/// A row of a job: one planned sprint and what became of it.
#[derive(Debug, Clone)]
pub struct JobSprint {
    /// The planned sprint's key in the plan.
    pub key: String,
    /// Its board.
    pub board_id: u64,
    /// Its place in the board's plan (0-based).
    pub position: i64,
    /// The sprint created for it.
    pub sprint_id: Option<u64>,
    /// See the module docs.
    pub state: String,
    /// Why it failed (Jira's error code).
    pub error_code: Option<String>,
}

/// A job as the job list shows it.
#[derive(Debug, Clone)]
pub struct JobSummary {
    /// `bulk-…`.
    pub job_id: String,
    /// See the module docs.
    pub state: String,
    /// Sprints planned, created, failed.
    pub planned: Option<i64>,
    /// Sprints created (as of the job's last count).
    pub created: Option<i64>,
    /// Sprints failed (as of the job's last count).
    pub failed: Option<i64>,
    /// When it was created (epoch ms).
    pub created_at: Option<i64>,
}

/// A new job's row.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    /// `bulk-…`.
    pub job_id: &'a str,
    /// The project it plans for.
    pub project_key: &'a str,
    /// Account id of the caller.
    pub created_by: &'a str,
    /// The plans (JSON text).
    pub plan_json: &'a str,
    /// Sprints planned.
    pub planned: usize,
    /// Now (epoch ms).
    pub now: i64,
}

/// One job.
pub async fn get(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<StoredJob>> {
    let rows = read(
        ctx,
        "bulkJobs.get",
        "SELECT job_id, project_key, state, plan_json, planned, created_at, updated_at FROM bulk_jobs WHERE job_id = ?",
        vec![param(&job_id)],
    )
    .await?;
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

/// A job's state alone (`None`: no such job).
pub async fn state(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<String>> {
    let rows = read(
        ctx,
        "bulkJobs.state",
        "SELECT state FROM bulk_jobs WHERE job_id = ?",
        vec![param(&job_id)],
    )
    .await?;
    Ok(rows
        .first()
        .and_then(|r| r["state"].as_str())
        .map(str::to_string))
}

/// The project's 20 newest jobs.
pub async fn recent(ctx: &mut Ctx, project_key: &str) -> JobResult<Vec<JobSummary>> {
    let rows = read(
        ctx,
        "bulkJobs.recent",
        "SELECT job_id, state, planned, created, failed, created_at FROM bulk_jobs WHERE project_key = ? \
         ORDER BY created_at DESC LIMIT 20",
        vec![param(&project_key)],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| JobSummary {
            job_id: r["job_id"].as_str().unwrap_or_default().to_string(),
            state: r["state"].as_str().unwrap_or_default().to_string(),
            planned: int(&r["planned"]),
            created: int(&r["created"]),
            failed: int(&r["failed"]),
            created_at: int(&r["created_at"]),
        })
        .collect())
}

/// Store a new job, `planned`, with a row per planned sprint (`(key, board, position)`). Both
/// writes ignore rows that exist: a repeated create stores nothing twice.
pub async fn insert(ctx: &mut Ctx, job: NewJob<'_>, sprints: &[(&str, u64, u32)]) -> JobResult<()> {
    write(
        ctx,
        "bulkJobs.insert",
        "INSERT IGNORE INTO bulk_jobs (job_id, project_key, created_by, state, plan_json, planned, created, failed, \
         created_at, updated_at) VALUES (?, ?, ?, 'planned', ?, ?, 0, 0, ?, ?)",
        vec![
            param(&job.job_id),
            param(&job.project_key),
            param(&job.created_by),
            param(&job.plan_json),
            param(&job.planned),
            param(&job.now),
            param(&job.now),
        ],
    )
    .await?;
    for chunk in sprints.chunks(SPRINT_ROWS_PER_INSERT) {
        let rows = vec!["(?, ?, ?, ?, NULL, 'planned', NULL)"; chunk.len()].join(", ");
        let mut params = Vec::new();
        for (key, board_id, position) in chunk {
            params.extend([
                param(&job.job_id),
                param(&key),
                param(&board_id),
                param(&position),
            ]);
        }
        write(
            ctx,
            "bulkJobSprints.insert",
            format!(
                "INSERT IGNORE INTO bulk_job_sprints (job_id, sprint_key, board_id, position, sprint_id, state, error_code) VALUES {rows}"
            ),
            params,
        )
        .await?;
    }
    Ok(())
}

/// A job's sprint rows, by board and position.
pub async fn sprints(ctx: &mut Ctx, job_id: &str) -> JobResult<Vec<JobSprint>> {
    let rows = read(
        ctx,
        "bulkJobSprints.ofJob",
        "SELECT sprint_key, board_id, position, sprint_id, state, error_code FROM bulk_job_sprints \
         WHERE job_id = ? ORDER BY board_id, position",
        vec![param(&job_id)],
    )
    .await?;
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

/// Set a job's state.
pub async fn set_state(ctx: &mut Ctx, job_id: &str, state: &str) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    write(
        ctx,
        "bulkJobs.setState",
        "UPDATE bulk_jobs SET state = ?, updated_at = ? WHERE job_id = ?",
        vec![param(&state), param(&now), param(&job_id)],
    )
    .await?;
    Ok(())
}

/// A failed job is tried again: its failed sprint rows go back to `planned`.
pub async fn replan_failed_sprints(ctx: &mut Ctx, job_id: &str) -> JobResult<()> {
    write(
        ctx,
        "bulkJobSprints.replanFailed",
        "UPDATE bulk_job_sprints SET state = 'planned', error_code = NULL WHERE job_id = ? AND state = 'failed'",
        vec![param(&job_id)],
    )
    .await?;
    Ok(())
}

/// What became of one planned sprint: `created` (with its sprint) or `failed` (with the code).
pub async fn set_sprint_outcome(
    ctx: &mut Ctx,
    job_id: &str,
    key: &str,
    state: &str,
    sprint_id: Option<u64>,
    error_code: Option<&str>,
) -> JobResult<()> {
    write(
        ctx,
        "bulkJobSprints.setOutcome",
        "UPDATE bulk_job_sprints SET state = ?, sprint_id = ?, error_code = ? WHERE job_id = ? AND sprint_key = ?",
        vec![
            param(&state),
            param(&sprint_id),
            param(&error_code),
            param(&job_id),
            param(&key),
        ],
    )
    .await?;
    Ok(())
}

/// Undo deleted the sprint of this row.
pub async fn mark_sprint_deleted(ctx: &mut Ctx, job_id: &str, key: &str) -> JobResult<()> {
    write(
        ctx,
        "bulkJobSprints.markDeleted",
        "UPDATE bulk_job_sprints SET state = 'deleted' WHERE job_id = ? AND sprint_key = ?",
        vec![param(&job_id), param(&key)],
    )
    .await?;
    Ok(())
}

/// Take or renew a worker's lease on a `planned` or `running` job (it becomes `running`), at
/// `current` (epoch ms), for `lease_ms`. `false`: another worker holds it, or the job is over.
pub async fn take_lease(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    current: i64,
    lease_ms: i64,
) -> JobResult<bool> {
    let got = write(
        ctx,
        "bulkJobs.takeLease",
        "UPDATE bulk_jobs SET state = 'running', lease_owner = ?, lease_until = ?, updated_at = ? \
         WHERE job_id = ? AND state IN ('planned', 'running') \
         AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
        vec![
            param(&owner),
            param(&(current + lease_ms)),
            param(&current),
            param(&job_id),
            param(&current),
            param(&owner),
        ],
    )
    .await?;
    Ok(got > 0)
}

/// Give up the worker's lease (if `owner` holds it) so the next worker may take the job at once.
pub async fn release_lease(ctx: &mut Ctx, job_id: &str, owner: &str) -> JobResult<()> {
    write(
        ctx,
        "bulkJobs.releaseLease",
        "UPDATE bulk_jobs SET lease_owner = NULL, lease_until = NULL WHERE job_id = ? AND lease_owner = ?",
        vec![param(&job_id), param(&owner)],
    )
    .await?;
    Ok(())
}

/// The worker ends its `running` job as `done` or `failed` with its counts, and gives up the
/// lease (only if `owner` holds it).
pub async fn finish(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    state: &str,
    created: usize,
    failed: usize,
) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    write(
        ctx,
        "bulkJobs.finish",
        "UPDATE bulk_jobs SET state = ?, created = ?, failed = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL \
         WHERE job_id = ? AND state = 'running' AND lease_owner = ?",
        vec![
            param(&state),
            param(&created),
            param(&failed),
            param(&now),
            param(&job_id),
            param(&owner),
        ],
    )
    .await?;
    Ok(())
}

/// Cancel a `planned` or `running` job no worker holds (or whose lease lapsed at `now`).
/// `false`: a worker holds it, or it is over.
pub async fn cancel_unheld(ctx: &mut Ctx, job_id: &str, now: i64) -> JobResult<bool> {
    let changed = write(
        ctx,
        "bulkJobs.cancelUnheld",
        "UPDATE bulk_jobs SET state = 'cancelled', updated_at = ? WHERE job_id = ? \
         AND state IN ('planned', 'running') AND (lease_owner IS NULL OR lease_until < ?)",
        vec![param(&now), param(&job_id), param(&now)],
    )
    .await?;
    Ok(changed > 0)
}

/// Ask the worker of a `running` job to cancel it (`cancelling`).
pub async fn mark_cancelling(ctx: &mut Ctx, job_id: &str, now: i64) -> JobResult<()> {
    write(
        ctx,
        "bulkJobs.markCancelling",
        "UPDATE bulk_jobs SET state = 'cancelling', updated_at = ? WHERE job_id = ? AND state = 'running'",
        vec![param(&now), param(&job_id)],
    )
    .await?;
    Ok(())
}

/// End a `cancelling` job as `cancelled` with its counts, for its worker (`owner`, or any worker
/// once the lease lapsed at `now`).
pub async fn finish_cancel(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    created: usize,
    failed: usize,
    now: i64,
) -> JobResult<()> {
    write(
        ctx,
        "bulkJobs.finishCancel",
        "UPDATE bulk_jobs SET state = 'cancelled', created = ?, failed = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL \
         WHERE job_id = ? AND state = 'cancelling' AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
        vec![
            param(&created),
            param(&failed),
            param(&now),
            param(&job_id),
            param(&owner),
            param(&now),
        ],
    )
    .await?;
    Ok(())
}
