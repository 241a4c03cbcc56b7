//! Bulk sprint creation: preview, create (as a resumable job), status, cancel, undo, rename.
//!
//! The same planner gives the preview and the plan that is executed. A job is stored with its
//! whole plan and one row per planned sprint (deterministic key); the worker creates sprints one by
//! one in date order, and before each create it looks for the sprint on the board (same name and
//! start), so a retry, a double click or a crash never creates a sprint twice nor skips one.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::board::{create_sprint, list_board_sprints, SprintStates};
use crate::auth;
use crate::effect::Effect;
use crate::engine::{Sprint, SprintState};
use crate::error::{CoreError, ErrorCode};
use crate::jira::{self, Request};
use crate::log::{Level, LogEntry, LogKind};
use crate::plan::{self, BoardContext, BoardPlan, ExistingSprint, PlannedSprint};
use crate::settings::{parse_time_zone, BoardSettings, GlobalSettings, WEEKDAYS};
use crate::sprint_name::{self, NameFault};
use crate::step::{Ctx, JobResult};
use crate::store::{self, int};
use crate::validate::Fields;

/// Boards one job may plan for.
pub const MAX_BOARDS: usize = 10;
/// Sprints created between two looks at the remaining time (the job's state is read before each).
const CHECK_EVERY: usize = 5;
/// Time a worker keeps in hand before it hands the rest to the queue.
const MIN_REMAINING_MS: u64 = 30_000;
/// Sprints one worker run creates before it hands the rest to a new run through the queue: a run
/// replays its steps, so bounding its length bounds the core's work per step.
const SPRINTS_PER_RUN: usize = 100;
/// How long a worker's hold on a job lasts without news from it (it renews it as it goes).
const JOB_LEASE_MS: i64 = 120_000;

/// Parse `projectKey` and `boardIds`.
fn project_and_boards(f: &mut Fields<'_>) -> Result<(String, Vec<u64>), CoreError> {
    let project = f.project_key("projectKey")?;
    let ids = f.array("boardIds", MAX_BOARDS)?;
    let mut boards = Vec::new();
    for v in ids {
        let id = v
            .as_u64()
            .filter(|n| (1..=crate::validate::MAX_ID).contains(n))
            .ok_or_else(|| {
                f.fault(
                    "boardIds",
                    ErrorCode::InvalidType,
                    "board ids are positive integers",
                )
            })?;
        if !boards.contains(&id) {
            boards.push(id);
        }
    }
    if boards.is_empty() {
        return Err(f.fault("boardIds", ErrorCode::OutOfRange, "at least one board"));
    }
    Ok((project, boards))
}

/// Check the caller administers `project` and that every board is a scrum board of it; returns
/// the boards' names.
async fn authorise_boards(
    ctx: &mut Ctx,
    project: &str,
    boards: &[u64],
    account: Option<&str>,
) -> JobResult<Vec<String>> {
    let rights = auth::ProjectRights::fetch(ctx, account, project).await?;
    let mut names = Vec::new();
    for id in boards {
        let r = jira::send(ctx, &Request::get(format!("/rest/agile/1.0/board/{id}"))).await?;
        match r.status {
            200 => {}
            404 => {
                return Err(
                    CoreError::new(ErrorCode::BoardNotFound, format!("no board {id}"))
                        .with_details(json!({ "field": "boardIds" }))
                        .into(),
                )
            }
            _ => return Err(r.to_error(&format!("reading board {id}")).into()),
        }
        let body = r.body;
        rights.check(Some(body["location"]["projectKey"].as_str().unwrap_or("")))?;
        if !crate::settings::board_has_sprints(body["type"].as_str().unwrap_or_default()) {
            return Err(
                CoreError::new(
                    ErrorCode::OutOfRange,
                    "boardIds: a kanban board has no sprints; scrum and team-managed boards with sprints can be planned",
                )
                    .with_details(json!({ "field": "boardIds" }))
                    .into(),
            );
        }
        names.push(body["name"].as_str().unwrap_or_default().to_string());
    }
    Ok(names)
}

/// Build each board's planning context from Jira (its sprints) and SQL (its settings).
async fn board_contexts(
    ctx: &mut Ctx,
    project: &str,
    boards: &[u64],
    names: &[String],
) -> JobResult<Vec<BoardContext>> {
    let global = store::load_global(ctx).await?;
    let stored = store::load_boards(ctx, boards).await?;
    let mut out = Vec::new();
    for (id, name) in boards.iter().zip(names) {
        let sprints = match list_board_sprints(ctx, *id, SprintStates::All).await? {
            Ok(s) => s,
            Err(r) => return Err(r.to_error(&format!("reading sprints of board {id}")).into()),
        };
        let settings = stored
            .iter()
            .find(|s| s.board_id == *id)
            .map(|s| s.settings.clone())
            .unwrap_or_default();
        out.push(context_of(*id, name, project, &sprints, &settings, &global));
    }
    Ok(out)
}

/// The planner's view of a board.
pub(crate) fn context_of(
    board_id: u64,
    name: &str,
    project: &str,
    sprints: &[Sprint],
    settings: &BoardSettings,
    global: &GlobalSettings,
) -> BoardContext {
    let tz = settings
        .time_zone
        .as_deref()
        .and_then(parse_time_zone)
        .or_else(|| parse_time_zone(&global.default_time_zone))
        .unwrap_or(crate::tz::Zone::UTC);
    BoardContext {
        board_id,
        board_name: name.to_string(),
        project_key: project.to_string(),
        existing: sprints
            .iter()
            .map(|s| ExistingSprint {
                id: s.id,
                name: s.name.clone(),
                state: s.state,
                start: s.start,
                end: s.end,
            })
            .collect(),
        default_tz: tz,
        working_days: settings
            .working_days
            .iter()
            .filter_map(|d| WEEKDAYS.iter().position(|w| w == d))
            .filter_map(|i| chrono::Weekday::try_from(i as u8).ok())
            .collect(),
        holidays: settings
            .holidays
            .iter()
            .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect(),
    }
}

fn read_plan_payload(payload: &Value) -> Result<(String, Vec<u64>, plan::PlanInput), CoreError> {
    let mut f = Fields::of(payload, "")?;
    let (project, boards) = project_and_boards(&mut f)?;
    let input = plan::parse_plan(f.required("plan")?, "plan.")?;
    f.finish()?;
    Ok((project, boards, input))
}

fn make_plans(
    inputs: &plan::PlanInput,
    contexts: &[BoardContext],
) -> Result<Vec<BoardPlan>, CoreError> {
    contexts
        .iter()
        .map(|c| plan::plan_board(inputs, c))
        .collect()
}

pub(crate) async fn preview(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let (project, boards, input) = read_plan_payload(payload)?;
    let names = authorise_boards(ctx, &project, &boards, account).await?;
    let contexts = board_contexts(ctx, &project, &boards, &names).await?;
    let mut plans = make_plans(&input, &contexts)?;
    plan::warn_names_across_boards(&mut plans);
    // Each board's plan with its existing sprints, for the page's timeline.
    let boards: Vec<Value> = plans
        .iter()
        .zip(&contexts)
        .map(|(p, c)| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            // The zone the plan's local times are in (the plan's, or the board's own).
            v["timeZone"] = json!(input.time_zone.unwrap_or(c.default_tz).name());
            v["existing"] = c
                .existing
                .iter()
                .filter(|s| s.state != SprintState::Closed)
                .map(|s| json!({ "id": s.id, "name": s.name, "state": if s.state == SprintState::Active { "active" } else { "future" }, "start": s.start, "end": s.end }))
                .collect();
            v
        })
        .collect();
    Ok(json!({ "projectKey": project, "boards": boards }))
}

/// A stable id for a payload: FNV-1a over its canonical JSON (a double click gives the same id).
fn job_id_of(payload: &Value) -> String {
    let text = serde_json::to_string(payload).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("bulk-{h:016x}")
}

pub(crate) async fn create(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let (project, boards, input) = read_plan_payload(payload)?;
    let names = authorise_boards(ctx, &project, &boards, account).await?;
    let base_id = job_id_of(payload);
    // A double click, or a retry after a lost answer: the same job, reported as it stands.
    if let Some(existing) = load_job(ctx, &base_id).await? {
        if existing.project_key == project
            && !matches!(existing.state.as_str(), "cancelled" | "undone")
        {
            // Unfinished and quiet for longer than a lease: its worker died. Send another (one
            // holds the lease, so even two are harmless); a fresh double click sends none.
            // A failed job is tried again: its failed sprints go back to planned.
            if existing.state == "failed" {
                store::sql(
                    ctx,
                    "UPDATE bulk_job_sprints SET state = 'planned', error_code = NULL WHERE job_id = ? AND state = 'failed'",
                    vec![json!(existing.job_id)],
                ).await?;
                set_job_state(ctx, &existing.job_id, "planned").await?;
                enqueue_worker(ctx, &existing.job_id).await?;
                let job = load_job(ctx, &existing.job_id).await?.unwrap_or(existing);
                return status_of(ctx, &job).await;
            }
            let quiet = existing.updated_at + JOB_LEASE_MS < ctx.now().timestamp_millis();
            if quiet && matches!(existing.state.as_str(), "planned" | "running") {
                enqueue_worker(ctx, &existing.job_id).await?;
            }
            return status_of(ctx, &existing).await;
        }
    }
    let contexts = board_contexts(ctx, &project, &boards, &names).await?;
    let plans = make_plans(&input, &contexts)?;
    let refused: Vec<(&PlannedSprint, NameFault)> =
        plans.iter().flat_map(plan::names_refused).collect();
    if let Some(fault) = sprint_name::worst(refused.iter().map(|(_, f)| *f)) {
        let offenders: Vec<Value> = refused
            .iter()
            .map(|(s, _)| json!({ "boardId": s.board_id, "index": s.index, "name": s.name, "length": sprint_name::units(&s.name) }))
            .collect();
        return Err(CoreError::new(
            fault.code(),
            format!(
                "plan.nameTemplate: {} sprint names would be refused by Jira (1 to 30 characters)",
                offenders.len()
            ),
        )
        .with_details(json!({ "field": "plan.nameTemplate", "offenders": offenders }))
        .into());
    }
    let job_id = match load_job(ctx, &base_id).await? {
        None => base_id,
        Some(_) => format!("{base_id}-{}", ctx.now().timestamp_millis()),
    };
    let sprints: Vec<&PlannedSprint> = plans.iter().flat_map(|p| p.sprints.iter()).collect();
    let now = ctx.now().timestamp_millis();
    let plan_json = serde_json::to_string(&plans).unwrap_or_else(|_| "[]".into());
    store::sql(
        ctx,
        "INSERT IGNORE INTO bulk_jobs (job_id, project_key, created_by, state, plan_json, planned, created, failed, \
         created_at, updated_at) VALUES (?, ?, ?, 'planned', ?, ?, 0, 0, ?, ?)",
        vec![
            json!(job_id),
            json!(project),
            json!(account.unwrap_or_default()),
            json!(plan_json),
            json!(sprints.len()),
            json!(now),
            json!(now),
        ],
    ).await?;
    for chunk in sprints.chunks(50) {
        let marks = vec!["(?, ?, ?, ?, NULL, 'planned', NULL)"; chunk.len()].join(", ");
        let mut params = Vec::new();
        for s in chunk {
            params.extend([
                json!(job_id),
                json!(s.key),
                json!(s.board_id),
                json!(s.index),
            ]);
        }
        store::sql(
            ctx,
            &format!(
                "INSERT IGNORE INTO bulk_job_sprints (job_id, sprint_key, board_id, position, sprint_id, state, error_code) VALUES {marks}"
            ),
            params,
        ).await?;
    }
    enqueue_worker(ctx, &job_id).await?;
    let job = load_job(ctx, &job_id)
        .await?
        .ok_or_else(|| CoreError::new(ErrorCode::StorageError, "the job was not stored"))?;
    status_of(ctx, &job).await
}

async fn enqueue_worker(ctx: &mut Ctx, job_id: &str) -> JobResult<()> {
    let r = ctx
        .perform(Effect::Enqueue {
            queue: super::tick::QUEUE.to_string(),
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
pub(crate) struct StoredJob {
    job_id: String,
    project_key: String,
    state: String,
    plans: Vec<Value>,
    planned: i64,
    created_at: i64,
    updated_at: i64,
}

async fn load_job(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<StoredJob>> {
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
struct JobSprint {
    key: String,
    board_id: u64,
    position: i64,
    sprint_id: Option<u64>,
    state: String,
    error_code: Option<String>,
}

async fn load_rows(ctx: &mut Ctx, job_id: &str) -> JobResult<Vec<JobSprint>> {
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

fn planned_sprint(job: &StoredJob, key: &str) -> Option<Value> {
    job.plans
        .iter()
        .flat_map(|p| p["sprints"].as_array().cloned().unwrap_or_default())
        .find(|s| s["key"] == key)
}

async fn status_of(ctx: &mut Ctx, job: &StoredJob) -> JobResult<Value> {
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

fn job_payload(payload: &Value) -> Result<(String, String), CoreError> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    let job_id = f.string("jobId", 64)?;
    if !job_id.starts_with("bulk-")
        || !job_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(f.fault("jobId", ErrorCode::InvalidType, "not a job id"));
    }
    f.finish()?;
    Ok((project.to_string(), job_id.to_string()))
}

/// The job, if it exists in the caller's project (after the caller's rights are checked).
async fn authorised_job(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<StoredJob> {
    let (project, job_id) = job_payload(payload)?;
    auth::ProjectRights::fetch(ctx, account, &project).await?;
    match load_job(ctx, &job_id).await? {
        Some(job) if job.project_key == project => Ok(job),
        _ => Err(
            CoreError::new(ErrorCode::JobNotFound, "no such job in this project")
                .with_details(json!({ "field": "jobId" }))
                .into(),
        ),
    }
}

pub(crate) async fn get(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let job = authorised_job(ctx, payload, account).await?;
    status_of(ctx, &job).await
}

pub(crate) async fn list(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    f.finish()?;
    auth::ProjectRights::fetch(ctx, account, &project).await?;
    let rows = store::rows(
        ctx,
        "SELECT job_id, state, planned, created, failed, created_at FROM bulk_jobs WHERE project_key = ? \
         ORDER BY created_at DESC LIMIT 20",
        vec![json!(project)],
    ).await?;
    let jobs: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "jobId": r["job_id"], "state": r["state"], "planned": int(&r["planned"]),
                "created": int(&r["created"]), "failed": int(&r["failed"]), "createdAt": int(&r["created_at"]),
            })
        })
        .collect();
    Ok(json!({ "projectKey": project, "jobs": jobs }))
}

async fn set_job_state(ctx: &mut Ctx, job_id: &str, state: &str) -> JobResult<()> {
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

pub(crate) async fn cancel(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let job = authorised_job(ctx, payload, account).await?;
    if matches!(job.state.as_str(), "planned" | "running") {
        request_cancel(ctx, &job.job_id).await?;
    }
    let job = load_job(ctx, &job.job_id).await?.unwrap_or(job);
    status_of(ctx, &job).await
}

/// Cancel a job. With no worker holding it, it is `cancelled` at once: a later worker cannot take
/// it. While a worker holds it, it is `cancelling`: the worker, which looks before every create,
/// ends it as `cancelled` with its counts, so what the page shows last is what Jira holds.
async fn request_cancel(ctx: &mut Ctx, job_id: &str) -> JobResult<&'static str> {
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
async fn finish_cancel(ctx: &mut Ctx, job_id: &str, owner: &str) -> JobResult<Value> {
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
            (200, Some(state)) => Some(format!("SPRINT_{}", state.to_ascii_uppercase())),
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
            store::sql(
                ctx,
                "UPDATE bulk_job_sprints SET state = 'deleted' WHERE job_id = ? AND sprint_key = ?",
                vec![json!(job.job_id), json!(row.key)],
            )
            .await?;
            deleted.push(id);
            let now = ctx.now();
            ctx.log(
                LogEntry::new(
                    now,
                    Level::Info,
                    LogKind::Deleted,
                    "BULK_SPRINT_DELETED",
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

/// The worker: create the job's pending sprints in date order, resumable at any point. One
/// worker holds a job at a time (a lease it renews); queue deliveries may come twice.
/// Jira's points quota refuses the app's calls for a while yet.
fn wall_ahead(ctx: &Ctx) -> bool {
    ctx.jira_wall_until()
        .is_some_and(|w| w > ctx.now().timestamp_millis())
}

/// Until when a bulk job waits for Jira's points: behind the quota wall, and while points are
/// short (bulk jobs come last: due starts and closes on every board of every site come first).
fn quota_wait_until(ctx: &Ctx) -> Option<i64> {
    let now = ctx.now().timestamp_millis();
    let wall = ctx.jira_wall_until().filter(|&w| w > now);
    let short = ctx.jira_short_until().filter(|&s| s > now);
    wall.max(short)
}

/// While it waits for Jira's points the job makes no call: it comes back through the queue then
/// (at most the queue's 900 s delay at a time), its planned sprints still planned.
async fn wait_out_wall(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<Value>> {
    let Some(until) = quota_wait_until(ctx) else {
        return Ok(None);
    };
    let secs = ((until - ctx.now().timestamp_millis()) / 1000 + 1).clamp(1, 900) as u32;
    ctx.perform(Effect::Enqueue {
        queue: super::tick::QUEUE.to_string(),
        body: json!({ "job": "bulk", "jobId": job_id }),
        delay_seconds: secs,
    })
    .await?;
    Ok(Some(
        json!({ "jobId": job_id, "result": "waitingForJiraQuota", "until": until }),
    ))
}

pub(crate) async fn work(ctx: &mut Ctx, job_id: &str) -> JobResult<Value> {
    let Some(job) = load_job(ctx, job_id).await? else {
        return Ok(json!({ "jobId": job_id, "result": "missing" }));
    };
    let owner = ctx.run_id();
    if job.state == "cancelling" {
        // Its worker stopped before it saw the cancel (a crash): end it here.
        return finish_cancel(ctx, job_id, &owner).await;
    }
    if !matches!(job.state.as_str(), "planned" | "running") {
        return Ok(json!({ "jobId": job_id, "result": job.state }));
    }
    let budget = ctx
        .perform(Effect::RemainingTime {})
        .await?
        .remaining_ms
        .unwrap_or(0);
    if !hold(ctx, job_id, &owner, budget, budget).await? {
        // Another worker holds it, or held it and died: come back when its lease has lapsed, so
        // a dead worker never leaves the job stuck (a finished job sends the visitor away).
        let r = ctx
            .perform(Effect::Enqueue {
                queue: super::tick::QUEUE.to_string(),
                body: json!({ "job": "bulk", "jobId": job_id }),
                delay_seconds: (JOB_LEASE_MS / 1000) as u32 + 1,
            })
            .await?;
        let result = if r.error.is_some() {
            "leased"
        } else {
            "leasedRetryLater"
        };
        return Ok(json!({ "jobId": job_id, "result": result }));
    }
    // The quota state and the log retention come with the global settings.
    store::load_global(ctx).await?;
    if let Some(back) = wait_out_wall(ctx, job_id).await? {
        return Ok(back);
    }
    let rows = load_rows(ctx, job_id).await?;
    let mut boards: Vec<u64> = rows.iter().map(|r| r.board_id).collect();
    boards.dedup();
    let mut since_check = 0;
    let mut done_here = 0;
    for board_id in boards {
        let pending: Vec<&JobSprint> = rows
            .iter()
            .filter(|r| r.board_id == board_id && r.state == "planned")
            .collect();
        if pending.is_empty() {
            order_by_dates(ctx, board_id).await?;
            continue;
        }
        // Read once per board and run: anything an earlier, interrupted run created is here, and
        // the lease keeps other workers away meanwhile.
        let mut sprints = match list_board_sprints(ctx, board_id, SprintStates::Open).await? {
            Ok(s) => s,
            Err(r) => {
                ctx.log(
                    LogEntry::new(
                        ctx.now(),
                        Level::Error,
                        LogKind::Failed,
                        "SPRINTS_UNREADABLE",
                        format!("{job_id}: sprints of board {board_id} could not be read"),
                    )
                    .board(board_id)
                    .jira(r.error_summary()),
                );
                continue;
            }
        };
        for row in pending {
            if ctx.jira_points_short() {
                // A response in this run said points are short: the rest waits (bulk is last).
                return Ok(wait_out_wall(ctx, job_id).await?.unwrap_or_default());
            }
            // A cancel is honoured before the next create, not five creates later.
            if cancel_requested(ctx, job_id).await? {
                return finish_cancel(ctx, job_id, &owner).await;
            }
            if since_check >= CHECK_EVERY {
                since_check = 0;
                let fresh_run = done_here >= SPRINTS_PER_RUN;
                if let Some(stop) = should_stop(ctx, job_id, &owner, budget, fresh_run).await? {
                    return Ok(stop);
                }
            }
            since_check += 1;
            done_here += 1;
            let Some(p) = planned_sprint(&job, &row.key) else {
                continue;
            };
            let mut body = json!({
                "name": p["name"], "originBoardId": board_id,
                "startDate": p["startLocal"], "endDate": p["endLocal"],
            });
            if let Some(goal) = p["goal"].as_str() {
                body["goal"] = json!(goal);
            }
            // A row still `planned` may have been created before a crash: look first.
            let existing = find_in(&sprints, &p);
            let (state, sprint_id, error) = match existing {
                Some(id) => ("created", Some(id), None),
                None => {
                    match create_sprint(ctx, board_id, body).await? {
                        Ok(created) => {
                            sprints.push(created.clone());
                            ctx.log(
                                LogEntry::new(
                                    ctx.now(),
                                    Level::Info,
                                    LogKind::Created,
                                    "BULK_SPRINT_CREATED",
                                    format!(
                                        "sprint {} created by {job_id} ({} of {})",
                                        created.id,
                                        row.position + 1,
                                        job.planned
                                    ),
                                )
                                .board(board_id)
                                .sprint(created.id),
                            );
                            ("created", Some(created.id), None)
                        }
                        Err(_) if wall_ahead(ctx) => {
                            // Jira's points quota: the rest of the job waits for the reset.
                            return Ok(wait_out_wall(ctx, job_id).await?.unwrap_or_default());
                        }
                        Err(r) => {
                            let s = r.error_summary();
                            ctx.log(
                            LogEntry::new(ctx.now(), Level::Error, LogKind::Failed, "BULK_CREATE_FAILED", format!("{job_id}: planned sprint {} of board {board_id} not created", row.position + 1))
                                .board(board_id)
                                .jira(s.clone()),
                        );
                            ("failed", None, Some(s.code))
                        }
                    }
                }
            };
            store::sql(
                ctx,
                "UPDATE bulk_job_sprints SET state = ?, sprint_id = ?, error_code = ? WHERE job_id = ? AND sprint_key = ?",
                vec![json!(state), json!(sprint_id), json!(error), json!(job_id), json!(row.key)],
            ).await?;
        }
        // Always, also when a crash came after the last create: order is checked afresh.
        order_by_dates(ctx, board_id).await?;
    }
    let rows = load_rows(ctx, job_id).await?;
    let created = rows.iter().filter(|r| r.state == "created").count();
    let failed = rows.iter().filter(|r| r.state == "failed").count();
    let final_state = if failed > 0 { "failed" } else { "done" };
    store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = ?, created = ?, failed = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL \
         WHERE job_id = ? AND state = 'running' AND lease_owner = ?",
        vec![json!(final_state), json!(created), json!(failed), json!(ctx.now().timestamp_millis()), json!(job_id), json!(owner)],
    ).await?;
    if cancel_requested(ctx, job_id).await? {
        // Cancelled after its last create: it ends as cancelled, with everything made.
        return finish_cancel(ctx, job_id, &owner).await;
    }
    Ok(json!({ "jobId": job_id, "result": final_state, "created": created, "failed": failed }))
}

/// Take or renew the job's lease. `budget` is the invocation's time at the start, `remaining` now:
/// their difference is how far into the run we are (the core reads no clock).
async fn hold(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    budget: u64,
    remaining: u64,
) -> JobResult<bool> {
    let elapsed = budget.saturating_sub(remaining) as i64;
    let current = ctx.now().timestamp_millis() + elapsed;
    let r = store::sql(
        ctx,
        "UPDATE bulk_jobs SET state = 'running', lease_owner = ?, lease_until = ?, updated_at = ? \
         WHERE job_id = ? AND state IN ('planned', 'running') \
         AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
        vec![
            json!(owner),
            json!(current + JOB_LEASE_MS),
            json!(current),
            json!(job_id),
            json!(current),
            json!(owner),
        ],
    )
    .await?;
    Ok(r.affected_rows.unwrap_or(0) > 0)
}

/// The sprint of a planned row, if it is on the board already (same name and start).
fn find_in(sprints: &[Sprint], planned: &Value) -> Option<u64> {
    let name = planned["name"].as_str().unwrap_or_default();
    let start = planned["start"].as_str().and_then(parse_instant);
    sprints
        .iter()
        .find(|s| s.name == name && s.start.is_some() && s.start == start)
        .map(|s| s.id)
}

/// Whether someone asked to cancel the job (one SQL read, before every create).
async fn cancel_requested(ctx: &mut Ctx, job_id: &str) -> JobResult<bool> {
    let state = store::rows(
        ctx,
        "SELECT state FROM bulk_jobs WHERE job_id = ?",
        vec![json!(job_id)],
    )
    .await?;
    Ok(matches!(
        state.first().and_then(|r| r["state"].as_str()),
        Some("cancelling" | "cancelled")
    ))
}

/// Stop early when the lease was lost, time runs short or this run has
/// done its share (`fresh_run`): the rest continues from the queue. Otherwise renew the lease.
async fn should_stop(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    budget: u64,
    fresh_run: bool,
) -> JobResult<Option<Value>> {
    let remaining = ctx
        .perform(Effect::RemainingTime {})
        .await?
        .remaining_ms
        .unwrap_or(0);
    if remaining < MIN_REMAINING_MS || fresh_run {
        // Let the next worker in at once.
        store::sql(
            ctx,
            "UPDATE bulk_jobs SET lease_owner = NULL, lease_until = NULL WHERE job_id = ? AND lease_owner = ?",
            vec![json!(job_id), json!(owner)],
        ).await?;
        let r = ctx
            .perform(Effect::Enqueue {
                queue: super::tick::QUEUE.to_string(),
                body: json!({ "job": "bulk", "jobId": job_id }),
                delay_seconds: 0,
            })
            .await?;
        let result = if r.error.is_some() {
            "stalled"
        } else {
            "continued"
        };
        return Ok(Some(json!({ "jobId": job_id, "result": result })));
    }
    if !hold(ctx, job_id, owner, budget, remaining).await? {
        return Ok(Some(json!({ "jobId": job_id, "result": "leased" })));
    }
    Ok(None)
}

fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    crate::jira_time::parse(s)
}

/// Rounds of swapping before the order is left as it is (and logged).
const ORDER_ROUNDS: usize = 3;

/// Swap future sprints until the board's order follows their start dates (new sprints land at
/// the bottom; an existing later sprint must move below them). A swap is not idempotent: after a
/// refused or lost one, the board is read again and the swaps are worked out afresh.
async fn order_by_dates(ctx: &mut Ctx, board_id: u64) -> JobResult<()> {
    for _ in 0..ORDER_ROUNDS {
        let Ok(sprints) = list_board_sprints(ctx, board_id, SprintStates::Open).await? else {
            return Ok(());
        };
        let mut order: Vec<&Sprint> = sprints
            .iter()
            .filter(|s| s.state == SprintState::Future)
            .collect();
        let mut want = order.clone();
        // Undated sprints keep their place after the dated ones: sort is stable.
        crate::sort::sort_by_key(&mut want, |s| (s.start.is_none(), s.start));
        let mut clean = true;
        for i in 0..want.len() {
            if order[i].id == want[i].id {
                continue;
            }
            let j = order.iter().position(|s| s.id == want[i].id).unwrap_or(i);
            let r = jira::send_once(
                ctx,
                &Request::post(
                    format!("/rest/agile/1.0/sprint/{}/swap", order[i].id),
                    json!({ "sprintToSwapWith": order[j].id }),
                ),
            )
            .await?;
            if !r.is_success() {
                clean = false;
                break;
            }
            order.swap(i, j);
        }
        if clean {
            return Ok(());
        }
    }
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Warn,
            LogKind::Failed,
            "SPRINT_ORDER_NOT_FIXED",
            format!("board {board_id}: future sprints could not be put in date order"),
        )
        .board(board_id),
    );
    Ok(())
}

/// Rename future sprints of a board by a template.
pub(crate) async fn rename(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    let board_id = f.id("boardId")?;
    let template = plan::parse_template(f.string("nameTemplate", 100)?, "nameTemplate")?;
    if template.uses_pi() {
        return Err(CoreError::new(
            ErrorCode::TemplateTokenUnknown,
            "nameTemplate: {pi} and {sprintInPi} need a PI plan",
        )
        .with_details(json!({ "field": "nameTemplate" }))
        .into());
    }
    let dry_run = match f.optional("dryRun") {
        Some(v) => v
            .as_bool()
            .ok_or_else(|| f.type_fault("dryRun", "a boolean"))?,
        None => false,
    };
    f.finish()?;
    let names = authorise_boards(ctx, &project, &[board_id], account).await?;
    let contexts = board_contexts(ctx, &project, &[board_id], &names).await?;
    let renames = plan::rename_future(&template, &contexts[0]);
    // Every new name is checked against Jira's rules before the first rename is sent.
    let refused: Vec<(&Value, NameFault)> = renames
        .iter()
        .filter_map(|r| {
            sprint_name::for_jira(r["to"].as_str().unwrap_or_default())
                .err()
                .map(|f| (r, f))
        })
        .collect();
    if let Some(fault) = sprint_name::worst(refused.iter().map(|(_, f)| *f)) {
        let offenders: Vec<&Value> = refused.iter().map(|(r, _)| *r).collect();
        return Err(CoreError::new(
            fault.code(),
            format!(
                "nameTemplate: {} new names would be refused by Jira: {}",
                offenders.len(),
                fault.describe()
            ),
        )
        .with_details(json!({ "field": "nameTemplate", "offenders": offenders }))
        .into());
    }
    if !dry_run {
        for r in &renames {
            let (Some(id), Some(to)) = (r["sprintId"].as_u64(), r["to"].as_str()) else {
                continue;
            };
            if r["from"].as_str() == Some(to) {
                continue;
            }
            // POST is a partial update: only the name changes (PUT would drop the goal).
            let a = jira::send(
                ctx,
                &Request::post(
                    format!("/rest/agile/1.0/sprint/{id}"),
                    json!({ "name": to }),
                ),
            )
            .await?;
            if !a.is_success() {
                return Err(a.to_error(&format!("renaming sprint {id}")).into());
            }
            ctx.log(
                LogEntry::new(
                    ctx.now(),
                    Level::Info,
                    LogKind::Renamed,
                    "SPRINT_RENAMED",
                    format!("sprint {id} renamed by template"),
                )
                .board(board_id)
                .sprint(id),
            );
        }
    }
    Ok(json!({ "boardId": board_id, "dryRun": dry_run, "renames": renames }))
}
