//! The bulk worker: creates a job's planned sprints, resumable at any point.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::stored::{finish_cancel, load_job, load_rows, planned_sprint, worker_delivery};
use super::{CHECK_EVERY, JOB_LEASE_MS, MIN_REMAINING_MS, SPRINTS_PER_RUN};
use crate::effect::Effect;
use crate::engine::{Sprint, SprintState};
use crate::jira;
use crate::jira::sprints::SprintStates;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;
use crate::store::bulk_jobs::JobSprint;

/// Jira's points quota refuses the app's calls for a while yet.
pub(super) fn wall_ahead(ctx: &Ctx) -> bool {
    ctx.jira_wall_until()
        .is_some_and(|w| w > ctx.now().timestamp_millis())
}

/// Until when a bulk job waits for Jira's points: behind the quota wall, and while points are
/// short (bulk jobs come last: due starts and closes on every board of every site come first).
pub(super) fn quota_wait_until(ctx: &Ctx) -> Option<i64> {
    let now = ctx.now().timestamp_millis();
    let wall = ctx.jira_wall_until().filter(|&w| w > now);
    let short = ctx.jira_short_until().filter(|&s| s > now);
    wall.max(short)
}

/// While it waits for Jira's points the job makes no call: it comes back through the queue then
/// (at most the queue's 900 s delay at a time), its planned sprints still planned.
pub(super) async fn wait_out_wall(ctx: &mut Ctx, job_id: &str) -> JobResult<Option<Value>> {
    let Some(until) = quota_wait_until(ctx) else {
        return Ok(None);
    };
    let secs = ((until - ctx.now().timestamp_millis()) / 1000 + 1).clamp(1, 900) as u32;
    ctx.perform(worker_delivery(job_id, secs)).await?;
    Ok(Some(
        json!({ "jobId": job_id, "result": "waitingForJiraQuota", "until": until }),
    ))
}

/// The worker: create the job's pending sprints in date order, resumable at any point. One
/// worker holds a job at a time (a lease it renews); queue deliveries may come twice.
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
            .perform(worker_delivery(job_id, (JOB_LEASE_MS / 1000) as u32 + 1))
            .await?;
        let result = if r.error.is_some() {
            "leased"
        } else {
            "leasedRetryLater"
        };
        return Ok(json!({ "jobId": job_id, "result": result }));
    }
    // The quota state and the log retention come with the global settings.
    store::settings::load_global(ctx).await?;
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
        let mut sprints = match jira::sprints::of_board(ctx, board_id, SprintStates::Open).await? {
            Ok(s) => s,
            Err(r) => {
                ctx.log(
                    LogEntry::new(
                        ctx.now(),
                        Level::Error,
                        LogKind::Failed,
                        Reason::SprintsUnreadable,
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
            let existing = find_in(&sprints, p);
            let (state, sprint_id, error) = match existing {
                Some(id) => ("created", Some(id), None),
                None => {
                    match jira::sprints::create_once(ctx, board_id, body).await? {
                        Ok(created) => {
                            sprints.push(created.clone());
                            ctx.log(
                                LogEntry::new(
                                    ctx.now(),
                                    Level::Info,
                                    LogKind::Created,
                                    Reason::BulkSprintCreated,
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
                            LogEntry::new(ctx.now(), Level::Error, LogKind::Failed, Reason::BulkCreateFailed, format!("{job_id}: planned sprint {} of board {board_id} not created", row.position + 1))
                                .board(board_id)
                                .jira(s.clone()),
                        );
                            ("failed", None, Some(s.code))
                        }
                    }
                }
            };
            store::bulk_jobs::set_sprint_outcome(
                ctx,
                job_id,
                &row.key,
                state,
                sprint_id,
                error.as_deref(),
            )
            .await?;
        }
        // Always, also when a crash came after the last create: order is checked afresh.
        order_by_dates(ctx, board_id).await?;
    }
    let rows = load_rows(ctx, job_id).await?;
    let created = rows.iter().filter(|r| r.state == "created").count();
    let failed = rows.iter().filter(|r| r.state == "failed").count();
    let final_state = if failed > 0 { "failed" } else { "done" };
    store::bulk_jobs::finish(ctx, job_id, &owner, final_state, created, failed).await?;
    if cancel_requested(ctx, job_id).await? {
        // Cancelled after its last create: it ends as cancelled, with everything made.
        return finish_cancel(ctx, job_id, &owner).await;
    }
    Ok(json!({ "jobId": job_id, "result": final_state, "created": created, "failed": failed }))
}

/// Take or renew the job's lease. `budget` is the invocation's time at the start, `remaining` now:
/// their difference is how far into the run we are (the core reads no clock).
pub(super) async fn hold(
    ctx: &mut Ctx,
    job_id: &str,
    owner: &str,
    budget: u64,
    remaining: u64,
) -> JobResult<bool> {
    let elapsed = budget.saturating_sub(remaining) as i64;
    let current = ctx.now().timestamp_millis() + elapsed;
    store::bulk_jobs::take_lease(ctx, job_id, owner, current, JOB_LEASE_MS).await
}

/// The sprint of a planned row, if it is on the board already (same name and start).
pub(super) fn find_in(sprints: &[Sprint], planned: &Value) -> Option<u64> {
    let name = planned["name"].as_str().unwrap_or_default();
    let start = planned["start"].as_str().and_then(parse_instant);
    sprints
        .iter()
        .find(|s| s.name == name && s.start.is_some() && s.start == start)
        .map(|s| s.id)
}

/// Whether someone asked to cancel the job (one SQL read, before every create).
pub(super) async fn cancel_requested(ctx: &mut Ctx, job_id: &str) -> JobResult<bool> {
    let state = store::bulk_jobs::state(ctx, job_id).await?;
    Ok(matches!(state.as_deref(), Some("cancelling" | "cancelled")))
}

/// Stop early when the lease was lost, time runs short or this run has
/// done its share (`fresh_run`): the rest continues from the queue. Otherwise renew the lease.
pub(super) async fn should_stop(
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
        store::bulk_jobs::release_lease(ctx, job_id, owner).await?;
        let r = ctx.perform(worker_delivery(job_id, 0)).await?;
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

pub(super) fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    crate::jira_time::parse(s)
}

/// Rounds of swapping before the order is left as it is (and logged).
pub(super) const ORDER_ROUNDS: usize = 3;

/// Swap future sprints until the board's order follows their start dates (new sprints land at
/// the bottom; an existing later sprint must move below them). A swap is not idempotent: after a
/// refused or lost one, the board is read again and the swaps are worked out afresh.
pub(super) async fn order_by_dates(ctx: &mut Ctx, board_id: u64) -> JobResult<()> {
    for _ in 0..ORDER_ROUNDS {
        let Ok(sprints) = jira::sprints::of_board(ctx, board_id, SprintStates::Open).await? else {
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
            let r = jira::sprints::swap(ctx, order[i].id, order[j].id).await?;
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
            Reason::SprintOrderNotFixed,
            format!("board {board_id}: future sprints could not be put in date order"),
        )
        .board(board_id),
    );
    Ok(())
}
