//! Start a sprint.

use chrono::{DateTime, Utc};

use super::rollover::{fail, note_problem, record, timeliness};
use crate::engine::{Handled, Policy, Sprint, SprintState};
use crate::jira;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::timecalc;

#[allow(clippy::too_many_arguments)]
pub(super) async fn start_sprint(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    sprints: &[Sprint],
    settings_changed_at: i64,
) -> JobResult<Handled> {
    let now = ctx.now();
    // Noted before the call: if the run dies after Jira started it, the next run can still log it.
    record(ctx, s.id, board_id, "starting", None).await?;
    let (from, to) = (
        timecalc::iso_in(policy.tz, start),
        timecalc::iso_in(policy.tz, end),
    );
    let r = jira::sprints::start(ctx, s.id, &from, &to).await?;
    if !r.is_success() {
        // A lost answer may hide a start that happened: re-read before calling it a failure.
        let again = jira::sprints::get(ctx, s.id).await?;
        if again.body["state"] != "active" {
            let busy = sprints
                .iter()
                .any(|x| x.id != s.id && x.state == SprintState::Active);
            if r.status == 400 && busy {
                ctx.log(
                    LogEntry::new(now, Level::Warn, LogKind::Skipped, Reason::ActiveSprintExists, format!("sprint {} not started: the board already has an active sprint and Jira allows only one", s.id))
                        .board(board_id)
                        .sprint(s.id)
                        .jira(r.error_summary()),
                );
                note_problem(ctx, s.id, board_id, Reason::ActiveSprintExists).await?;
                return Ok(Handled::Waiting);
            }
            return fail(
                ctx,
                board_id,
                s.id,
                Reason::StartFailed,
                "Jira refused to start it",
                &r,
            )
            .await;
        }
    }
    let when = timeliness(ctx, policy, s.id, start, settings_changed_at).await?;
    record(ctx, s.id, board_id, "started", None).await?;
    ctx.log(
        LogEntry::new(
            now,
            Level::Info,
            LogKind::Started,
            Reason::SprintStarted,
            format!(
                "sprint {} started{when}, ends {}",
                s.id,
                timecalc::iso_in(policy.tz, end)
            ),
        )
        .board(board_id)
        .sprint(s.id),
    );
    Ok(Handled::Started)
}
