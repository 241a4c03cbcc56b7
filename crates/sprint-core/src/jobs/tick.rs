//! The scheduled check. With nothing due it reads two rows and makes no Jira call at all.

use serde_json::{json, Value};

use super::Job;
use crate::effect::Effect;
use crate::log::{Level, LogEntry, LogKind};
use crate::step::{Ctx, JobResult};
use crate::store::{self, int};

/// Boards checked per invocation; the rest continue through the queue.
pub const BOARDS_PER_RUN: usize = 200;
/// Boards checked at once (the driver runs their effects concurrently).
pub const CONCURRENCY: u32 = 8;
/// The queue that continues work past one invocation.
pub const QUEUE: &str = "sprint-work";

pub(crate) fn run(ctx: &mut Ctx) -> JobResult<Value> {
    let global = store::load_global(ctx)?;
    if !global.automation_enabled {
        return Ok(json!({ "result": "disabled" }));
    }
    let now = ctx.now().timestamp_millis();
    // Behind Jira's points quota wall no board is looked at: the postponed work is due when the
    // quota resets and runs at the first check after it (the wall was logged once, when hit).
    if let Some(until) = ctx.jira_wall_until().filter(|&w| w > now) {
        return Ok(json!({ "result": "waitingForJiraQuota", "until": until }));
    }
    let due = store::rows(
        ctx,
        "SELECT board_id FROM board_schedule WHERE (next_due_at <= ? OR reconcile_at <= ? OR readiness_at <= ?) \
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY COALESCE(next_due_at, reconcile_at) LIMIT ?",
        vec![json!(now), json!(now), json!(now), json!(now), json!(BOARDS_PER_RUN + 1)],
    )?;
    let boards: Vec<u64> = due
        .iter()
        .filter_map(|r| int(&r["board_id"]))
        .map(|n| n as u64)
        .collect();
    if boards.is_empty() {
        return Ok(json!({ "result": "idle" }));
    }
    let remaining = ctx
        .perform(Effect::RemainingTime {})?
        .remaining_ms
        .unwrap_or(0);
    // The lease lasts as long as this invocation can: a crashed run's boards free up by then.
    let lease_ms = remaining + 5_000;
    let owner = ctx.run_id();
    let jobs: Vec<Job> = boards
        .iter()
        .take(BOARDS_PER_RUN)
        .map(|&board_id| Job::Board {
            board_id,
            owner: owner.clone(),
            lease_ms,
        })
        .collect();
    let r = ctx.perform(Effect::RunJobs {
        jobs,
        concurrency: CONCURRENCY,
    })?;
    let outcomes = r
        .body
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut deferred = 0;
    let mut failed = 0;
    for (i, o) in outcomes.iter().enumerate() {
        match o["ok"]["result"].as_str() {
            Some("deferred") => deferred += 1,
            Some(_) => {}
            None => {
                failed += 1;
                let board = boards.get(i).copied().unwrap_or_default();
                let code = o["err"]["code"].as_str().unwrap_or("UNKNOWN").to_string();
                ctx.set_log_retention(global.log_retention_days);
                ctx.log(
                    LogEntry::new(
                        ctx.now(),
                        Level::Error,
                        LogKind::Failed,
                        "BOARD_CHECK_FAILED",
                        format!("board {board}: check failed ({code})"),
                    )
                    .board(board),
                );
            }
        }
    }
    let more = boards.len() > BOARDS_PER_RUN || deferred > 0;
    if more {
        let r = ctx.perform(Effect::Enqueue {
            queue: QUEUE.to_string(),
            body: json!({ "job": "tick" }),
            delay_seconds: 0,
        })?;
        if r.error.is_some() {
            // The next scheduled tick picks the rest up anyway.
            ctx.log(LogEntry::new(
                ctx.now(),
                Level::Warn,
                LogKind::Skipped,
                "CONTINUATION_NOT_QUEUED",
                "remaining boards wait for the next scheduled check",
            ));
        }
    }
    Ok(json!({
        "result": "checked",
        "boards": boards.len().min(BOARDS_PER_RUN),
        "deferred": deferred,
        "failed": failed,
        "continued": more,
        "outcomes": outcomes,
    }))
}
