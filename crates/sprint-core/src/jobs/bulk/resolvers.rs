//! The bulk resolvers the pages call: create, get, list, cancel, rename.

use serde_json::{json, Value};

use super::planner::{authorise_boards, board_contexts, job_id_of, make_plans, read_plan_payload};
use super::stored::{enqueue_worker, load_job, request_cancel, set_job_state, status_of};
use super::JOB_LEASE_MS;
use crate::auth;
use crate::error::{CoreError, ErrorCode};
use crate::jira;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::plan::{self, PlannedSprint};
use crate::sprint_name::{self, NameFault};
use crate::step::{Ctx, JobResult};
use crate::store::bulk_jobs::StoredJob;
use crate::store::{self};
use crate::validate::Fields;

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
                store::bulk_jobs::replan_failed_sprints(ctx, &existing.job_id).await?;
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
    let rows: Vec<(&str, u64, u32)> = sprints
        .iter()
        .map(|s| (s.key.as_str(), s.board_id, s.index))
        .collect();
    let new = store::bulk_jobs::NewJob {
        job_id: &job_id,
        project_key: &project,
        created_by: account.unwrap_or_default(),
        plan_json: &plan_json,
        planned: sprints.len(),
        now,
    };
    store::bulk_jobs::insert(ctx, new, &rows).await?;
    enqueue_worker(ctx, &job_id).await?;
    let job = load_job(ctx, &job_id)
        .await?
        .ok_or_else(|| CoreError::new(ErrorCode::StorageError, "the job was not stored"))?;
    status_of(ctx, &job).await
}

pub(super) fn job_payload(payload: &Value) -> Result<(String, String), CoreError> {
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
pub(super) async fn authorised_job(
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
    let jobs: Vec<Value> = store::bulk_jobs::recent(ctx, &project)
        .await?
        .iter()
        .map(|j| {
            json!({
                "jobId": j.job_id, "state": j.state, "planned": j.planned,
                "created": j.created, "failed": j.failed, "createdAt": j.created_at,
            })
        })
        .collect();
    Ok(json!({ "projectKey": project, "jobs": jobs }))
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
            // A partial update: only the name changes (the goal and dates stay).
            let a = jira::sprints::rename(ctx, id, to).await?;
            if !a.is_success() {
                return Err(a.to_error(&format!("renaming sprint {id}")).into());
            }
            ctx.log(
                LogEntry::new(
                    ctx.now(),
                    Level::Info,
                    LogKind::Renamed,
                    Reason::SprintRenamed,
                    format!("sprint {id} renamed by template"),
                )
                .board(board_id)
                .sprint(id),
            );
        }
    }
    Ok(json!({ "boardId": board_id, "dryRun": dry_run, "renames": renames }))
}
