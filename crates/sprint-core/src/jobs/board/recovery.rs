//! What an interrupted run left: rollovers to settle, sprints reported as missed.

use super::closing::finish_carry_over;
use super::rollover::record;
use crate::engine::{Policy, Sprint, SprintState};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store::{self};

/// Finish what an earlier run left half-done when it died: a sprint it was starting that is now
/// active was started by it; a sprint it was closing that is no longer open was closed by it, and
/// its carry-over is finished from Jira's own record ([`finish_carry_over`]). Logged once (the
/// record moves on), so the audit trail has every action.
pub(super) async fn settle_interrupted(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprints: &mut Vec<Sprint>,
    carry_pending: &mut bool,
) -> JobResult<()> {
    for (id, phase) in store::rollovers::unsettled(ctx, board_id).await? {
        let open = sprints.iter().find(|s| s.id == id).map(|s| s.state);
        let gone = matches!(open, None | Some(SprintState::Closed));
        let confirm = |ctx: &mut Ctx, kind, reason, what: &str| {
            ctx.log(
                LogEntry::new(
                    ctx.now(),
                    Level::Info,
                    kind,
                    reason,
                    format!("sprint {id} {what} (confirmed after an interrupted run)"),
                )
                .board(board_id)
                .sprint(id),
            );
        };
        match phase.as_str() {
            "starting" if open == Some(SprintState::Active) => {
                record(ctx, id, board_id, "started", None).await?;
                confirm(ctx, LogKind::Started, Reason::SprintStarted, "started");
            }
            // Before 0.1.0's close-first carry-over: moves were done before the close.
            "moving" if gone => {
                record(ctx, id, board_id, "closed", None).await?;
                confirm(ctx, LogKind::Closed, Reason::SprintClosed, "closed");
            }
            "closing" if gone => {
                record(ctx, id, board_id, "carrying", None).await?;
                confirm(ctx, LogKind::Closed, Reason::SprintClosed, "closed");
                *carry_pending |= !finish_carry_over(ctx, policy, board_id, id, sprints).await?;
            }
            "carrying" if gone => {
                *carry_pending |= !finish_carry_over(ctx, policy, board_id, id, sprints).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sprints reported as missed earlier (never reported twice).
pub(super) async fn missed_sprints(ctx: &mut Ctx, sprints: &[Sprint]) -> JobResult<Vec<u64>> {
    let future: Vec<u64> = sprints
        .iter()
        .filter(|s| s.state == SprintState::Future)
        .map(|s| s.id)
        .collect();
    if future.is_empty() {
        return Ok(Vec::new());
    }
    store::rollovers::missed_among(ctx, &future).await
}
