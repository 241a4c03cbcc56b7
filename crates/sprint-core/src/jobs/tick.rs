//! The scheduled check. With nothing due it reads two rows and makes no Jira call at all.

use serde_json::{json, Value};

use serde::Deserialize;

use super::board::BoardResult;
use super::{Job, QueuedWork};
use crate::effect::Effect;
use crate::error::ErrorCode;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store::{self};

/// Boards checked per invocation; the rest continue through the queue.
pub const BOARDS_PER_RUN: usize = 200;
/// Boards checked at once (the driver runs their effects concurrently).
pub const CONCURRENCY: u32 = 8;
/// The queue that continues work past one invocation.
pub const QUEUE: &str = "sprint-work";

/// A board job's outcome as the tick reads it (`RunJobs` answers each job's [`crate::Outcome`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum BoardOutcome {
    /// The board job's answer.
    Ok {
        /// How its check ended.
        result: BoardResult,
    },
    /// The board job failed with this code.
    Err {
        /// Its error code.
        code: ErrorCode,
    },
}

/// A board the check picked, and why.
struct DueBoard {
    id: u64,
    /// Its daily look is due (and points were not known to be short).
    daily_look: bool,
    /// A start, close or readiness look is due.
    deadline: bool,
}

pub(crate) async fn run(ctx: &mut Ctx) -> JobResult<Value> {
    let global = store::settings::load_global(ctx).await?;
    if !global.automation_enabled {
        return Ok(json!({ "result": "disabled" }));
    }
    let now = ctx.now().timestamp_millis();
    // Behind Jira's points quota wall no board is looked at: the postponed work is due when the
    // quota resets and runs at the first check after it (the wall was logged once, when hit).
    if let Some(until) = ctx.jira_wall_until().filter(|&w| w > now) {
        return Ok(json!({ "result": "waitingForJiraQuota", "until": until }));
    }
    // Clock-bound work first: boards with a due start or close, then those due for a readiness
    // look, then the daily looks. When Jira's points are short the daily looks wait: they move
    // past the reset, spread over its quiet minutes (see `spend`), instead of all coming at once.
    let short_until = ctx.jira_short_until().filter(|&t| t > now);
    if let Some(until) = short_until {
        store::schedule::postpone_daily_looks(ctx, now, until).await?;
    }
    let due = store::schedule::due_boards(ctx, now, BOARDS_PER_RUN + 1).await?;
    let boards: Vec<DueBoard> = due
        .iter()
        .map(|d| DueBoard {
            id: d.board_id,
            daily_look: short_until.is_none() && d.reconcile_at.is_some_and(|t| t <= now),
            deadline: d.deadline,
        })
        .collect();
    if boards.is_empty() {
        return Ok(json!({ "result": "idle" }));
    }
    let remaining = ctx
        .perform(Effect::RemainingTime {})
        .await?
        .remaining_ms
        .unwrap_or(0);
    // The lease lasts as long as this invocation can: a crashed run's boards free up by then.
    let lease_ms = remaining + 5_000;
    let owner = ctx.run_id();
    let this_run = &boards[..boards.len().min(BOARDS_PER_RUN)];
    // Two waves: the boards with a deadline, then (unless they learned that points are short)
    // the daily looks.
    let (deadline, daily): (Vec<&DueBoard>, Vec<&DueBoard>) =
        this_run.iter().partition(|b| b.deadline);
    let mut checked: Vec<u64> = Vec::new();
    let mut outcomes: Vec<Value> = Vec::new();
    let mut postponed = 0;
    for wave in [deadline, daily] {
        if wave.is_empty() {
            continue;
        }
        if !wave[0].deadline && !outcomes.is_empty() {
            store::settings::load_global(ctx).await?;
            if ctx.jira_wall_until().is_some_and(|w| w > now) {
                // The first wave met the wall: the daily looks stay due for after it.
                postponed = wave.len();
                continue;
            }
            if let Some(until) = ctx.jira_short_until().filter(|&t| t > now) {
                store::schedule::postpone_daily_looks(ctx, now, until).await?;
                postponed = wave.len();
                continue;
            }
        }
        let jobs: Vec<Job> = wave
            .iter()
            .map(|b| Job::Board {
                board_id: b.id,
                owner: owner.clone(),
                lease_ms,
                daily_look: b.daily_look,
            })
            .collect();
        let r = ctx
            .perform(Effect::RunJobs {
                jobs,
                concurrency: CONCURRENCY,
            })
            .await?;
        checked.extend(wave.iter().map(|b| b.id));
        outcomes.extend(
            r.body
                .as_ref()
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
    }
    let mut deferred = 0;
    let mut failed = 0;
    for (i, o) in outcomes.iter().enumerate() {
        let code = match BoardOutcome::deserialize(o) {
            Ok(BoardOutcome::Ok {
                result: BoardResult::Deferred,
            }) => {
                deferred += 1;
                continue;
            }
            Ok(BoardOutcome::Ok { .. }) => continue,
            Ok(BoardOutcome::Err { code }) => code.as_str(),
            // Not an outcome of a board job: the driver broke the contract.
            Err(_) => "UNKNOWN",
        };
        failed += 1;
        let board = checked.get(i).copied().unwrap_or_default();
        ctx.log(
            LogEntry::new(
                ctx.now(),
                Level::Error,
                LogKind::Failed,
                Reason::BoardCheckFailed,
                format!("board {board}: check failed ({code})"),
            )
            .board(board),
        );
    }
    let more = boards.len() > BOARDS_PER_RUN || deferred > 0;
    if more {
        let r = ctx
            .perform(Effect::Enqueue {
                queue: QUEUE.to_string(),
                body: QueuedWork::Tick {}.body(),
                delay_seconds: 0,
            })
            .await?;
        if r.error.is_some() {
            // The next scheduled tick picks the rest up anyway.
            ctx.log(LogEntry::new(
                ctx.now(),
                Level::Warn,
                LogKind::Skipped,
                Reason::ContinuationNotQueued,
                "remaining boards wait for the next scheduled check",
            ));
        }
    }
    Ok(json!({
        "result": "checked",
        "boards": checked.len(),
        "postponed": postponed,
        "deferred": deferred,
        "failed": failed,
        "continued": more,
        "outcomes": outcomes,
    }))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::{BoardOutcome, BoardResult, QueuedWork};

    #[test]
    fn queued_work_keeps_its_json() {
        assert_eq!(QueuedWork::Tick {}.body(), json!({ "job": "tick" }));
        assert_eq!(
            QueuedWork::bulk("b-1").body(),
            json!({ "job": "bulk", "jobId": "b-1" })
        );
        let back = QueuedWork::deserialize(&json!({ "job": "bulk" })).unwrap();
        assert_eq!(back, QueuedWork::Bulk { job_id: None });
        assert!(QueuedWork::deserialize(&json!({ "job": "other" })).is_err());
    }

    #[test]
    fn a_board_outcome_is_read_once_into_its_type() {
        let ok = json!({ "ok": { "boardId": 7, "result": "deferred" } });
        assert!(matches!(
            BoardOutcome::deserialize(&ok),
            Ok(BoardOutcome::Ok {
                result: BoardResult::Deferred
            })
        ));
        let err = json!({ "err": { "code": "DRIVER_CONTRACT", "status": 500, "message": "x" } });
        assert!(matches!(
            BoardOutcome::deserialize(&err),
            Ok(BoardOutcome::Err {
                code: crate::ErrorCode::DriverContract
            })
        ));
        assert_eq!(
            serde_json::to_value(BoardResult::Unconfigured).unwrap(),
            json!("unconfigured")
        );
    }
}
