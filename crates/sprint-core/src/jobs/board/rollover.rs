//! The rollover record: phases, problems, and why an action came late.

use chrono::{DateTime, Duration, Utc};

use crate::engine::{self, Handled, Policy};
use crate::jira::Response;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

/// Record the phase the sprint's rollover has reached.
pub(super) use crate::store::rollovers::record_phase as record;

/// Log a failed or blocked attempt at a sprint and remember its reason (a late action says why).
pub(super) async fn fail(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
    reason: Reason,
    what: &str,
    r: &Response,
) -> JobResult<Handled> {
    let now = ctx.now();
    ctx.log(
        LogEntry::new(
            now,
            Level::Error,
            LogKind::Failed,
            reason,
            format!("sprint {sprint_id}: {what}"),
        )
        .board(board_id)
        .sprint(sprint_id)
        .jira(r.error_summary()),
    );
    note_problem(ctx, sprint_id, board_id, reason).await?;
    Ok(Handled::Blocked)
}

/// Remember why the last attempt at a sprint did not go through (keeps the rollover's phase).
pub(super) async fn note_problem(
    ctx: &mut Ctx,
    sprint_id: u64,
    board_id: u64,
    reason: Reason,
) -> JobResult<()> {
    store::rollovers::note_problem(ctx, sprint_id, board_id, reason.as_str()).await
}

/// " on time", or " 3 h 12 min late (due …): why", for an action at `due` taken now.
pub(super) async fn timeliness(
    ctx: &mut Ctx,
    policy: &Policy,
    sprint_id: u64,
    due: DateTime<Utc>,
    settings_changed_at: i64,
) -> JobResult<String> {
    let cause = late_cause(ctx, sprint_id, due, settings_changed_at).await?;
    Ok(match engine::late_note(due, ctx.now(), policy.tz, &cause) {
        Some(late) => format!(" {late}"),
        None => " on time".to_string(),
    })
}

/// Why an action at `due` comes now: the last problem noted for the sprint, else a settings
/// change after `due`, else checks that did not run.
pub(super) async fn late_cause(
    ctx: &mut Ctx,
    sprint_id: u64,
    due: DateTime<Utc>,
    settings_changed_at: i64,
) -> JobResult<engine::LateCause> {
    let first = if let Some(code) = store::rollovers::last_problem(ctx, sprint_id).await? {
        engine::LateCause::Blocked(code)
    } else if settings_changed_at > due.timestamp_millis() {
        engine::LateCause::SettingsChanged
    } else {
        engine::LateCause::MissedChecks
    };
    // Jira's quota wall explains the lateness it covered: a wall ends at the top of the hour
    // after it began, so one that ended more than an hour (and the on-time margin) after the due
    // instant came after another cause.
    let wall = ctx
        .jira_wall_until()
        .filter(|&w| w > due.timestamp_millis())
        .and_then(DateTime::from_timestamp_millis);
    Ok(match wall {
        Some(until) if until - due <= Duration::hours(1) + engine::ON_TIME => {
            engine::LateCause::QuotaWall(until)
        }
        Some(until) => engine::LateCause::QuotaWallAfter(Box::new(first), until),
        None => first,
    })
}
