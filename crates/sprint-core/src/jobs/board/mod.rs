//! One board's check: take the board's lease, read its sprints from Jira, close and start what is
//! due (carrying unfinished work over), write when to look next, release the lease.
//!
//! Safe to repeat at any point: every action re-reads Jira first (a moved issue is no longer in
//! the sprint, a closed sprint is no longer active), the carry-over destination is recorded in
//! `rollovers` before the first move, and the lease keeps two ticks off the same board.

use chrono::Duration;
use serde_json::{json, Value};

use crate::effect::Effect;
use crate::engine::{self, Action, Handled, Policy, Run, Sprint, SprintState};
use crate::jira::{self, sprints::SprintStates};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;
use closing::close;
use keep_ahead::top_up;
use readiness::{access_missing, look_ahead};
use recovery::{missed_sprints, settle_interrupted};
use rollover::record;
use start::start_sprint;

/// How one board's check ended: the `result` of the board job's answer, which the tick reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum BoardResult {
    /// Too little time was left in the invocation: the tick's continuation checks it.
    Deferred,
    /// Another tick holds the board's lease (it does the work).
    Leased,
    /// The board has no settings.
    Unconfigured,
    /// The board's or the site's automation is off.
    Off,
    /// The board's sprints could not be read; it is looked at again later.
    Failed,
    /// The board was checked.
    Checked,
}

mod closing;
mod issues;
mod keep_ahead;
mod readiness;
mod recovery;
mod rollover;
mod start;

/// A board job does not start with less time than this left in the invocation.
pub const MIN_REMAINING_MS: u64 = 60_000;

pub(crate) async fn run(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    lease_ms: u64,
    daily_look: bool,
) -> JobResult<Value> {
    let now = ctx.now();
    // Too little time left to finish a rollover safely: leave the board for the continuation.
    let remaining = ctx
        .perform(Effect::RemainingTime {})
        .await?
        .remaining_ms
        .unwrap_or(0);
    if remaining < MIN_REMAINING_MS {
        return Ok(json!({ "boardId": board_id, "result": BoardResult::Deferred }));
    }
    let lease_until = now + Duration::milliseconds(lease_ms as i64);
    let got = store::schedule::take_lease(
        ctx,
        board_id,
        owner,
        lease_until.timestamp_millis(),
        now.timestamp_millis(),
    )
    .await?;
    if !got {
        // Another tick holds it (or the row is gone): that tick does the work.
        return Ok(json!({ "boardId": board_id, "result": BoardResult::Leased }));
    }

    let global = store::settings::load_global(ctx).await?;
    let Some(stored) = store::settings::load_board(ctx, board_id).await? else {
        release(ctx, board_id, owner, None).await?;
        return Ok(json!({ "boardId": board_id, "result": BoardResult::Unconfigured }));
    };
    if !stored.settings.automate || !global.automation_enabled {
        release(ctx, board_id, owner, None).await?;
        return Ok(json!({ "boardId": board_id, "result": BoardResult::Off }));
    }
    let policy = Policy::of(&stored.settings, &global);

    let mut sprints = match jira::sprints::of_board(ctx, board_id, SprintStates::Open).await? {
        Ok(s) => s,
        Err(r) => {
            let retry = now + engine::RETRY_AFTER;
            ctx.log(
                LogEntry::new(
                    now,
                    Level::Error,
                    LogKind::Failed,
                    Reason::SprintsUnreadable,
                    format!("board {board_id}: could not read its sprints"),
                )
                .board(board_id)
                .jira(r.error_summary()),
            );
            // A readiness look due now waits for the retry too (else every five-minute check
            // would pick the board again).
            let (look_at, previous) = store::schedule::load_readiness(ctx, board_id).await?;
            if !matches!(r.status, 401 | 403)
                && look_at.is_some_and(|t| t <= now.timestamp_millis())
            {
                store::schedule::save_readiness(
                    ctx,
                    board_id,
                    previous.as_ref(),
                    Some(retry.timestamp_millis()),
                )
                .await?;
            }
            if matches!(r.status, 401 | 403) {
                // The app lost its access to the board (its project role was removed): every
                // start and close will fail until an admin gives it back; say so on the page.
                let found = json!({
                    "sprintId": Value::Null,
                    "checkedAt": now,
                    "problems": [access_missing()],
                });
                let known = previous
                    .as_ref()
                    .is_some_and(|p| p["problems"] == found["problems"]);
                if !known {
                    store::schedule::save_readiness(ctx, board_id, Some(&found), None).await?;
                }
            }
            let retry = engine::Upcoming {
                at: retry,
                kind: engine::UpcomingKind::Retry,
                sprint_id: 0,
            };
            release(ctx, board_id, owner, Some(retry)).await?;
            return Ok(json!({ "boardId": board_id, "result": BoardResult::Failed }));
        }
    };
    let mut run = Run::default();
    for id in missed_sprints(ctx, &sprints).await? {
        run.handled.insert(id, Handled::Missed);
    }
    let mut carry_pending = false;
    settle_interrupted(ctx, &policy, board_id, &mut sprints, &mut carry_pending).await?;

    let mut done = Vec::new();
    while let Some(action) = engine::next_action(&policy, &sprints, &run, now) {
        match action {
            Action::Close(s) => {
                let h = close(
                    ctx,
                    &policy,
                    board_id,
                    &s,
                    &mut sprints,
                    stored.changed_at,
                    &mut carry_pending,
                )
                .await?;
                run.handled.insert(s.id, h);
                if h == Handled::Closed {
                    mark(&mut sprints, s.id, SprintState::Closed);
                    done.push(json!({ "closed": s.id }));
                }
                if carry_pending {
                    // The unfinished work is still in the backlog: the next sprint waits for it
                    // (a start now would record it as added after the start).
                    break;
                }
            }
            Action::Start { sprint, start, end } => {
                let h = start_sprint(
                    ctx,
                    &policy,
                    board_id,
                    &sprint,
                    start,
                    end,
                    &sprints,
                    stored.changed_at,
                )
                .await?;
                run.handled.insert(sprint.id, h);
                if h == Handled::Started {
                    mark(&mut sprints, sprint.id, SprintState::Active);
                    done.push(json!({ "started": sprint.id }));
                }
            }
            Action::ReportMissed(s) => {
                record(ctx, s.id, board_id, "missed", None).await?;
                ctx.log(
                    LogEntry::new(now, Level::Warn, LogKind::Skipped, Reason::StartAndEndPassed, format!("sprint {} was not started: its start and its end both passed before the app could start it", s.id))
                        .board(board_id)
                        .sprint(s.id),
                );
                run.handled.insert(s.id, Handled::Missed);
            }
        }
    }
    // Keep-ahead has no deadline: it tops up at the board's daily look (spread over the day,
    // away from the boundaries), not in the run at a sprint's start or close, and not while
    // Jira's points are short.
    let keep = stored.settings.keep_ahead as usize;
    let future = sprints
        .iter()
        .filter(|s| s.state == SprintState::Future)
        .count();
    if daily_look && keep > future && !ctx.jira_points_short() {
        for id in top_up(ctx, board_id, &stored, &global, &mut sprints, keep - future).await? {
            done.push(json!({ "created": id }));
        }
    }
    look_ahead(ctx, &policy, board_id, &sprints).await?;
    let mut next = engine::upcoming(&policy, &sprints, &run, now);
    if carry_pending {
        // A carry-over that did not finish is tried again soon, not at the daily reconcile.
        let retry = now + engine::RETRY_AFTER;
        if next.is_none_or(|u| u.at > retry) {
            next = Some(engine::Upcoming {
                at: retry,
                kind: engine::UpcomingKind::Retry,
                sprint_id: 0,
            });
        }
    }
    release(ctx, board_id, owner, next).await?;
    let due = next.map(|u| u.at);
    Ok(
        json!({ "boardId": board_id, "result": BoardResult::Checked, "actions": done, "nextDueAt": due }),
    )
}

pub(super) fn mark(sprints: &mut [Sprint], id: u64, state: SprintState) {
    if let Some(s) = sprints.iter_mut().find(|s| s.id == id) {
        s.state = state;
    }
}

/// Write when to look next and give up the lease (only if we still hold it).
pub(super) async fn release(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    next: Option<engine::Upcoming>,
) -> JobResult<()> {
    let daily_look = crate::spend::next_daily_look(board_id, ctx.now(), next.map(|u| u.at));
    let next = next.map(|u| store::schedule::NextAction {
        at: u.at.timestamp_millis(),
        kind: u.kind.as_str(),
        sprint_id: u.sprint_id,
    });
    store::schedule::release(ctx, board_id, owner, next, daily_look.timestamp_millis()).await
}
