//! Close readiness: the look a day and an hour before an automated close.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::issues::{done_statuses, list_unfinished, Unread};
use crate::engine::{self, Policy, Sprint};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

/// Close readiness: a day and an hour before the board's next automated close, look at what
/// would block or surprise it (done parents with open sub-tasks, no next sprint to carry work to,
/// a next sprint that will have ended, the app's access to the board). Logged once when the
/// findings change (`CLOSE_NOT_READY`, then `CLOSE_READY` when fixed), kept for the settings page.
pub(super) async fn look_ahead(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprints: &[Sprint],
) -> JobResult<()> {
    let now = ctx.now();
    let (look_at, previous) = store::schedule::load_readiness(ctx, board_id).await?;
    let Some((closing, close_at)) = engine::next_close(policy, sprints) else {
        if look_at.is_some() || previous.is_some() {
            store::schedule::save_readiness(ctx, board_id, None, None).await?;
        }
        return Ok(());
    };
    let next_look = engine::next_readiness_look(close_at, now).map(|t| t.timestamp_millis());
    let same_sprint = previous
        .as_ref()
        .is_some_and(|p| p["sprintId"] == json!(closing.id));
    // Only inside the window before THIS close: a look scheduled for a sprint that has since
    // closed is not spent on the next one.
    let window = engine::READINESS_LOOKS[0];
    let due = look_at.is_some_and(|t| t <= now.timestamp_millis())
        && close_at > now
        && now >= close_at - window;
    if !due {
        // A readiness of a sprint that is no longer the next to close is stale: drop it.
        let keep = if same_sprint { previous.as_ref() } else { None };
        if look_at != next_look || (!same_sprint && previous.is_some()) {
            store::schedule::save_readiness(ctx, board_id, keep, next_look).await?;
        }
        return Ok(());
    }
    let mut problems = engine::sprint_problems(policy, sprints, closing, close_at);
    match done_statuses(ctx, board_id).await? {
        Ok(done) => match list_unfinished(ctx, closing.id, &done, Unread::OpenSubtasks).await? {
            Ok(open) => {
                let mut seen = HashSet::new();
                let mut keys: Vec<String> = (open.into_iter())
                    .filter_map(|i| i.parent_done)
                    .filter(|k| seen.insert(k.clone()))
                    .collect();
                keys.truncate(20);
                if !keys.is_empty() {
                    problems.insert(
                        0,
                        engine::ReadinessProblem {
                            code: engine::Readiness::OpenSubtasks,
                            keys,
                        },
                    );
                }
            }
            Err(r) if matches!(r.status, 401 | 403) => problems.push(access_missing()),
            Err(_) => {
                return look_again_later(ctx, board_id, previous.as_ref(), same_sprint, close_at)
                    .await
            }
        },
        Err(r) if matches!(r.status, 401 | 403) => problems.push(access_missing()),
        // Jira could not answer now: nothing is claimed, and the look is tried again.
        Err(_) => {
            return look_again_later(ctx, board_id, previous.as_ref(), same_sprint, close_at).await
        }
    }
    let before: Vec<engine::ReadinessProblem> = previous
        .as_ref()
        .filter(|_| same_sprint)
        .and_then(|p| serde_json::from_value(p["problems"].clone()).ok())
        .unwrap_or_default();
    if problems != before {
        let when = format!(
            "{} {}",
            crate::time_format::format(
                &close_at.with_timezone(&policy.tz),
                crate::time_format::DATE_HOUR_MINUTE
            ),
            policy.tz.name()
        );
        let entry = if problems.is_empty() {
            LogEntry::new(
                now,
                Level::Info,
                LogKind::Skipped,
                Reason::CloseReady,
                format!(
                    "sprint {}: what would have blocked its close at {when} is fixed",
                    closing.id
                ),
            )
        } else {
            let what: Vec<String> = problems
                .iter()
                .map(|p| {
                    if p.keys.is_empty() {
                        p.code.to_string()
                    } else {
                        format!("{} ({})", p.code, p.keys.join(", "))
                    }
                })
                .collect();
            LogEntry::new(
                now,
                Level::Warn,
                LogKind::Skipped,
                Reason::CloseNotReady,
                format!(
                    "sprint {} closes at {when}; found ahead: {}",
                    closing.id,
                    what.join("; ")
                ),
            )
        };
        ctx.log(entry.board(board_id).sprint(closing.id));
    }
    let found = json!({
        "sprintId": closing.id,
        "closeAt": close_at,
        "checkedAt": now,
        "problems": problems,
    });
    store::schedule::save_readiness(ctx, board_id, Some(&found), next_look).await?;
    Ok(())
}

/// Jira could not answer the look: the last findings stay as they were, and the board is looked at
/// again after [`engine::RETRY_AFTER`] while the close is still ahead.
pub(super) async fn look_again_later(
    ctx: &mut Ctx,
    board_id: u64,
    previous: Option<&Value>,
    same_sprint: bool,
    close_at: DateTime<Utc>,
) -> JobResult<()> {
    let again = ctx.now() + engine::RETRY_AFTER;
    let next = (again < close_at).then(|| again.timestamp_millis());
    store::schedule::save_readiness(ctx, board_id, previous.filter(|_| same_sprint), next).await?;
    Ok(())
}

pub(super) fn access_missing() -> engine::ReadinessProblem {
    engine::ReadinessProblem {
        code: engine::Readiness::AppAccessMissing,
        keys: Vec::new(),
    }
}
