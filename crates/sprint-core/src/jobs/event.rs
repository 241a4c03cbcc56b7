//! Sprint events keep the schedule current without a Jira call: the event carries the sprint.
//! The app's own starts and closes fire events too; those change nothing.

use serde_json::{json, Value};

use crate::engine::{Policy, Sprint, SprintState};
use crate::step::{Ctx, JobResult};
use crate::store;

pub(crate) fn run(ctx: &mut Ctx, event_type: &str, event: &Value) -> JobResult<Value> {
    let Some(sprint) = Sprint::from_jira(&event["sprint"]) else {
        return Ok(json!({ "result": "ignored" }));
    };
    let Some(board_id) = sprint.origin_board_id else {
        return Ok(json!({ "result": "ignored" }));
    };
    let Some(stored) = store::load_board(ctx, board_id)? else {
        return Ok(json!({ "result": "ignored" }));
    };
    if !stored.settings.automate {
        return Ok(json!({ "result": "ignored" }));
    }
    let global = store::load_global(ctx)?;
    let policy = Policy::of(&stored.settings, &global);
    let candidate = match sprint.state {
        SprintState::Future if policy.auto_start => policy.start_instant(&sprint),
        SprintState::Active if policy.auto_close => policy.close_instant(&sprint),
        // Someone else closed or deleted a sprint: a sprint waiting for the board may start now.
        SprintState::Closed if event_type.ends_with(":closed:sprint") => {
            let ours = store::rows(
                ctx,
                "SELECT phase FROM rollovers WHERE sprint_id = ? AND phase = 'closed'",
                vec![json!(sprint.id)],
            )?;
            if ours.is_empty() {
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
    let r = store::sql(
        ctx,
        "UPDATE board_schedule SET next_action = IF(next_due_at IS NULL OR next_due_at > ?, 'check', next_action), \
         next_due_at = LEAST(COALESCE(next_due_at, ?), ?) WHERE board_id = ?",
        vec![json!(at), json!(at), json!(at), json!(board_id)],
    )?;
    Ok(
        json!({ "result": if r.affected_rows.unwrap_or(0) > 0 { "rescheduled" } else { "unchanged" }, "boardId": board_id }),
    )
}
