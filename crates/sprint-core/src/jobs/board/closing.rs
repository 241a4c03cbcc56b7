//! Close a sprint and carry its unfinished work over.

use std::collections::HashSet;

use serde_json::json;

use super::issues::{done_statuses, list_unfinished, parents_of, Unfinished, Unread};
use super::rollover::{fail, note_problem, record, timeliness};
use crate::engine::{self, Handled, Policy, Sprint, SprintState};
use crate::jira::sprints::MOVE_BATCH;
use crate::jira::{self, Response};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::settings::CarryOver;
use crate::step::{Ctx, JobResult};
use crate::store::{self};
use crate::timecalc;

/// Close the sprint the way Jira's own "Complete sprint" dialog does, then carry its unfinished
/// work over. Closing first lets Jira record the unfinished issues as "not completed" on the
/// sprint (its Sprint Report, and their Sprint field keeps the closed sprint); Jira puts them in
/// the backlog, and from there they move to the destination in rank order. Between the two steps
/// everything is recoverable from Jira alone (see [`finish_carry_over`]). Blocked, and left exactly
/// as it is, by a done issue with open sub-tasks: Jira refuses to complete such a sprint.
pub(super) async fn close(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
    settings_changed_at: i64,
    carry_pending: &mut bool,
) -> JobResult<Handled> {
    let unfinished = match read_unfinished(ctx, board_id, s.id).await? {
        Ok(i) => i,
        Err(h) => return Ok(h),
    };
    if blocked_by_open_subtasks(ctx, board_id, s.id, &unfinished).await? {
        return Ok(Handled::Blocked);
    }
    let carry = parents_of(&unfinished);
    let destination = match destination_for(ctx, policy, board_id, s, sprints, &carry).await? {
        Ok(d) => d,
        Err(h) => return Ok(h),
    };
    // Noted before the call: a run that dies after Jira closed the sprint leaves what the next
    // run needs to finish the carry-over (the destination) and to log the close.
    record(ctx, s.id, board_id, "closing", destination).await?;
    if let Some(h) = close_in_jira(ctx, board_id, s.id).await? {
        return Ok(h);
    }
    record_closed(ctx, policy, board_id, s, carry.len(), settings_changed_at).await?;
    if carry_over(ctx, board_id, s.id, destination, &carry).await? {
        record(ctx, s.id, board_id, "closed", None).await?;
    } else {
        *carry_pending = true;
    }
    Ok(Handled::Closed)
}

/// Step 1 of a close: the sprint's unfinished issues by the board's done rule, or the attempt
/// ends (logged, `Blocked`) when Jira could not tell.
async fn read_unfinished(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
) -> JobResult<Result<Vec<Unfinished>, Handled>> {
    let done = match done_statuses(ctx, board_id).await? {
        Ok(d) => d,
        Err(r) => {
            let what = "board configuration could not be read";
            let reason = Reason::BoardConfigurationUnreadable;
            return Ok(Err(fail(ctx, board_id, sprint_id, reason, what, &r).await?));
        }
    };
    match list_unfinished(ctx, sprint_id, &done, Unread::All).await? {
        Ok(i) => Ok(Ok(i)),
        Err(r) => {
            let what = "its issues could not be read";
            let reason = Reason::IssuesUnreadable;
            Ok(Err(fail(ctx, board_id, sprint_id, reason, what, &r).await?))
        }
    }
}

/// Step 2: a done issue with open sub-tasks blocks the close (Jira refuses to complete such a
/// sprint); logged with the first 20 parents, and noted as the sprint's problem.
async fn blocked_by_open_subtasks(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
    unfinished: &[Unfinished],
) -> JobResult<bool> {
    let mut seen = HashSet::new();
    let blockers: Vec<&str> = unfinished
        .iter()
        .filter_map(|i| i.parent_done.as_deref())
        .filter(|k| seen.insert(*k))
        .collect();
    if blockers.is_empty() {
        return Ok(false);
    }
    let shown: Vec<&str> = blockers.iter().take(20).copied().collect();
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Warn,
            LogKind::Skipped,
            Reason::OpenSubtasks,
            format!(
                "sprint {sprint_id} not closed: done issues with open sub-tasks: {}{}",
                shown.join(", "),
                if blockers.len() > shown.len() {
                    " …"
                } else {
                    ""
                }
            ),
        )
        .board(board_id)
        .sprint(sprint_id),
    );
    note_problem(ctx, sprint_id, board_id, Reason::OpenSubtasks).await?;
    Ok(true)
}

/// Step 3: where the unfinished work goes (`None`: the backlog, or nothing to carry), or the
/// attempt ends when the follow-on sprint could not be created.
async fn destination_for(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
    carry: &[String],
) -> JobResult<Result<Option<u64>, Handled>> {
    if carry.is_empty() {
        return Ok(Ok(None));
    }
    match destination(ctx, policy, board_id, s, sprints).await? {
        Ok(d) => Ok(Ok(d)),
        Err(r) => {
            let what = "the sprint for unfinished work could not be created";
            let reason = Reason::DestinationUnavailable;
            Ok(Err(fail(ctx, board_id, s.id, reason, what, &r).await?))
        }
    }
}

/// Step 4: ask Jira to close the sprint. `Some` when it is not closed, for certain (re-read after
/// a failed answer: a retry after a lost answer finds it closed already).
async fn close_in_jira(ctx: &mut Ctx, board_id: u64, sprint_id: u64) -> JobResult<Option<Handled>> {
    let r = jira::sprints::close(ctx, sprint_id).await?;
    if r.is_success() {
        return Ok(None);
    }
    let again = jira::sprints::get(ctx, sprint_id).await?;
    if again.body["state"] == "closed" {
        return Ok(None);
    }
    // Not closed, for certain: the rollover is no longer "closing" (a person may complete the
    // sprint by hand and choose where its work goes; that close is not ours).
    record(ctx, sprint_id, board_id, "waiting", None).await?;
    let what = "Jira refused to close it";
    Ok(Some(
        fail(ctx, board_id, sprint_id, Reason::CloseFailed, what, &r).await?,
    ))
}

/// Step 5: the sprint is closed: the rollover moves on to `carrying`, and the close is logged
/// with how timely it was.
async fn record_closed(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    carried: usize,
    settings_changed_at: i64,
) -> JobResult<()> {
    let now = ctx.now();
    let due = policy.close_instant(s).unwrap_or(now);
    let when = timeliness(ctx, policy, s.id, due, settings_changed_at).await?;
    record(ctx, s.id, board_id, "carrying", None).await?;
    ctx.log(
        LogEntry::new(
            now,
            Level::Info,
            LogKind::Closed,
            Reason::SprintClosed,
            format!(
                "sprint {} closed{when}, {carried} issues not completed",
                s.id
            ),
        )
        .board(board_id)
        .sprint(s.id),
    );
    Ok(())
}

/// Move a closed sprint's unfinished issues (in rank order) from the backlog, where Jira put them,
/// to the destination sprint. To the backlog there is nothing to move. `false` when a move failed
/// (logged): the rollover stays in `carrying` and a run 15 minutes later finishes it.
pub(super) async fn carry_over(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
    destination: Option<u64>,
    carry: &[String],
) -> JobResult<bool> {
    if carry.is_empty() {
        return Ok(true);
    }
    if let Some(d) = destination {
        for batch in carry.chunks(MOVE_BATCH) {
            let r = jira::sprints::move_issues(ctx, d, batch).await?;
            if !r.is_success() {
                fail(
                    ctx,
                    board_id,
                    sprint_id,
                    Reason::MoveFailed,
                    "unfinished issues could not be moved",
                    &r,
                )
                .await?;
                return Ok(false);
            }
        }
    }
    let to = destination.map_or("the backlog".to_string(), |d| format!("sprint {d}"));
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Info,
            LogKind::Moved,
            Reason::UnfinishedMoved,
            format!(
                "{} unfinished issues of sprint {sprint_id} carried to {to}",
                carry.len()
            ),
        )
        .board(board_id)
        .sprint(sprint_id),
    );
    Ok(true)
}

/// A rollover an earlier run left between its close and its carry-over: the sprint is closed (it
/// is no longer among the board's open sprints) and some of its unfinished issues may still sit
/// in the backlog. Read those from Jira (the closed sprint's unfinished issues that are in no open
/// sprint), move them to the recorded destination (or a new choice if that sprint has closed
/// too), and log what the interrupted run could not.
pub(super) async fn finish_carry_over(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprint_id: u64,
    sprints: &mut Vec<Sprint>,
) -> JobResult<bool> {
    let done = match done_statuses(ctx, board_id).await? {
        Ok(d) => d,
        Err(r) => {
            let what = "board configuration could not be read";
            fail(
                ctx,
                board_id,
                sprint_id,
                Reason::BoardConfigurationUnreadable,
                what,
                &r,
            )
            .await?;
            return Ok(false);
        }
    };
    let left = match list_unfinished(ctx, sprint_id, &done, Unread::InBacklog).await? {
        Ok(i) => i,
        // The sprint is gone (deleted): nothing of it can be carried any more.
        Err(r) if r.status == 404 => Vec::new(),
        Err(r) => {
            let what = "its issues could not be read";
            fail(ctx, board_id, sprint_id, Reason::IssuesUnreadable, what, &r).await?;
            return Ok(false);
        }
    };
    let carry = parents_of(&left);
    let chosen = if carry.is_empty() {
        Destination::Known(None)
    } else {
        choose_destination(ctx, policy, sprint_id, sprints).await?
    };
    let destination = match chosen {
        Destination::Known(d) => d,
        Destination::Create => {
            // Only now is the closed sprint read: its name and dates name and date the new one.
            let read = jira::sprints::get(ctx, sprint_id).await?;
            let Some(closed) = Sprint::from_jira(&read.body) else {
                let what = "the closed sprint could not be read";
                fail(
                    ctx,
                    board_id,
                    sprint_id,
                    Reason::SprintsUnreadable,
                    what,
                    &read,
                )
                .await?;
                return Ok(false);
            };
            match create_follow_on(ctx, policy, board_id, &closed, sprints).await? {
                Ok(d) => d,
                Err(r) => {
                    let what = "the sprint for unfinished work could not be created";
                    fail(
                        ctx,
                        board_id,
                        sprint_id,
                        Reason::DestinationUnavailable,
                        what,
                        &r,
                    )
                    .await?;
                    return Ok(false);
                }
            }
        }
    };
    let moved = carry_over(ctx, board_id, sprint_id, destination, &carry).await?;
    if moved {
        record(ctx, sprint_id, board_id, "closed", None).await?;
    }
    Ok(moved)
}

/// Where unfinished work goes, when an existing place will do.
pub(super) enum Destination {
    /// This sprint, or the backlog (`None`).
    Known(Option<u64>),
    /// A follow-on sprint must be created (carry-over `nextSprintCreate` with no next sprint).
    Create,
}

/// Choose where the closing sprint's unfinished work goes, without any Jira call.
pub(super) async fn choose_destination(
    ctx: &mut Ctx,
    policy: &Policy,
    closing: u64,
    sprints: &[Sprint],
) -> JobResult<Destination> {
    // An earlier attempt chose already: keep to it while that sprint can still take issues.
    if let Some(d) = store::rollovers::destination(ctx, closing).await? {
        if sprints
            .iter()
            .any(|x| x.id == d && x.state != SprintState::Closed)
        {
            return Ok(Destination::Known(Some(d)));
        }
    }
    if policy.carry_over == CarryOver::Backlog {
        return Ok(Destination::Known(None));
    }
    if let Some(next) = engine::next_future_sprint(policy, sprints, closing, ctx.now()) {
        return Ok(Destination::Known(Some(next.id)));
    }
    if policy.carry_over == CarryOver::NextSprint {
        return Ok(Destination::Known(None));
    }
    Ok(Destination::Create)
}

/// Where unfinished work goes (`Ok(None)` is the backlog): an existing place, or a follow-on
/// sprint created after `s` (its name and dates continue `s`'s).
pub(super) async fn destination(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
) -> JobResult<Result<Option<u64>, Response>> {
    match choose_destination(ctx, policy, s.id, sprints).await? {
        Destination::Known(d) => Ok(Ok(d)),
        Destination::Create => create_follow_on(ctx, policy, board_id, s, sprints).await,
    }
}

/// Create the follow-on sprint. A crash after the create is safe: the retry finds it as the next
/// future sprint.
pub(super) async fn create_follow_on(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
) -> JobResult<Result<Option<u64>, Response>> {
    let name = engine::follow_on_name(&s.name);
    let mut body = json!({ "name": name, "originBoardId": board_id });
    if let (Some(start), Some(end)) = (policy.start_instant(s), policy.close_instant(s)) {
        let length = end - start;
        body["startDate"] = json!(timecalc::iso_in(policy.tz, end));
        body["endDate"] = json!(timecalc::iso_in(policy.tz, end + length));
    }
    let created = match jira::sprints::create_once(ctx, board_id, body).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Info,
            LogKind::Created,
            Reason::FollowOnSprintCreated,
            format!(
                "sprint {} created for the unfinished work of sprint {}",
                created.id, s.id
            ),
        )
        .board(board_id)
        .sprint(created.id),
    );
    let id = created.id;
    sprints.push(created);
    Ok(Ok(Some(id)))
}
