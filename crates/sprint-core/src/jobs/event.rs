//! Sprint events keep the schedule current without a Jira call: the event carries the sprint.
//! The app's own starts and closes fire events too; those change nothing.
//!
//! Forge's payloads come in more than one form (ids as numbers or strings, offsets as `Z`,
//! `+00:00` or `+0000`: see `jira_time`). An event the app still cannot read is never dropped
//! silently: it is logged with a reason code and its board is reconciled with Jira at the next
//! check (the board's own bounded read), so a re-dated sprint is acted on within one tick.

use serde_json::{json, Value};

use crate::engine::{Policy, Sprint, SprintState};
use crate::jira;
use crate::jira_time;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

pub(crate) async fn run(ctx: &mut Ctx, event_type: &str, event: &Value) -> JobResult<Value> {
    let raw = &event["sprint"];
    let Some(sprint) = Sprint::from_jira(raw) else {
        return unreadable(ctx, event_type, event).await;
    };
    let Some(board_id) = sprint.origin_board_id.or_else(|| board_of(event)) else {
        return unreadable(ctx, event_type, event).await;
    };
    let Some(stored) = store::settings::load_board(ctx, board_id).await? else {
        return Ok(json!({ "result": "ignored" }));
    };
    if !stored.settings.automate {
        return Ok(json!({ "result": "ignored" }));
    }
    let global = store::settings::load_global(ctx).await?;
    let policy = Policy::of(&stored.settings, &global);
    let candidate = match sprint.state {
        SprintState::Future if policy.auto_start => policy.start_instant(&sprint),
        SprintState::Active if policy.auto_close => policy.close_instant(&sprint),
        // Someone else closed or deleted a sprint: a sprint waiting for the board may start now.
        SprintState::Closed if event_type.ends_with(":closed:sprint") => {
            let ours = store::rollovers::closed_by_app(ctx, sprint.id).await?;
            if !ours {
                Some(ctx.now())
            } else {
                None
            }
        }
        _ => None,
    };
    let Some(at) = candidate else {
        return Ok(json!({ "result": "unchanged" }));
    };
    let at = at.max(ctx.now()).timestamp_millis();
    let moved = store::schedule::bring_forward(ctx, board_id, at).await?;
    Ok(json!({ "result": if moved { "rescheduled" } else { "unchanged" }, "boardId": board_id }))
}

/// A board id the event names outside its sprint (`board.id`, as Forge's board events carry it).
fn board_of(event: &Value) -> Option<u64> {
    jira_time::id(&event["board"]["id"])
}

/// Which part of the sprint could not be read: the log names it (never its value).
fn fault_of(raw: &Value) -> &'static str {
    if !raw.is_object() {
        "sprint"
    } else if jira_time::id(&raw["id"]).is_none() {
        "sprint.id"
    } else if Sprint::from_jira(raw).is_none() {
        "sprint.state"
    } else {
        "sprint.originBoardId"
    }
}

/// Log the event with a reason, then mark its board due now so the next check reads the board
/// from Jira. Without a board id in the event, one read of the sprint (if its id is known) names
/// the board; with neither, the daily reconcile is what remains, and the log says so.
async fn unreadable(ctx: &mut Ctx, event_type: &str, event: &Value) -> JobResult<Value> {
    let raw = &event["sprint"];
    let field = fault_of(raw);
    let kind = event_type
        .rsplit(':')
        .nth(1)
        .unwrap_or("unknown")
        .to_string();
    let sprint_id = jira_time::id(&raw["id"]);
    let mut board_id = jira_time::id(&raw["originBoardId"]).or_else(|| board_of(event));
    // The quota state and the log retention come with the global settings.
    store::settings::load_global(ctx).await?;
    if board_id.is_none() {
        if let Some(id) = sprint_id {
            let r = jira::sprints::get(ctx, id).await?;
            if r.status == 200 {
                board_id = jira_time::id(&r.body["originBoardId"]);
            }
        }
    }
    let tracked = match board_id {
        Some(b) => store::settings::load_board(ctx, b)
            .await?
            .is_some_and(|s| s.settings.automate),
        None => false,
    };
    if tracked {
        let b = board_id.unwrap_or_default();
        store::schedule::reconcile_now(ctx, b).await?;
    }
    let what = match (board_id, tracked) {
        (Some(b), true) => format!("board {b} will be read from Jira at the next check"),
        (Some(b), false) => format!("board {b} is not automated; nothing to do"),
        (None, _) => "no board could be found; the daily reconcile covers it".to_string(),
    };
    let mut entry = LogEntry::new(
        ctx.now(),
        Level::Warn,
        LogKind::Skipped,
        Reason::EventUnreadable,
        format!("a sprint {kind} event could not be read ({field}); {what}"),
    );
    if let Some(b) = board_id {
        entry = entry.board(b);
    }
    if let Some(s) = sprint_id {
        entry = entry.sprint(s);
    }
    ctx.log(entry);
    Ok(
        json!({ "result": if tracked { "reconcile" } else { "unreadable" }, "boardId": board_id, "field": field }),
    )
}
