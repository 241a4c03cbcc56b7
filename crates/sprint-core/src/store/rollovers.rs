//! `rollovers`: one row per sprint the app acts on: the phase its start or close has reached, the
//! carry-over destination, and why the last attempt did not go through.
//!
//! Phases: `starting` -> `started`; `closing` -> `carrying` -> `closed` (`moving` before 0.1.0);
//! `waiting` after a refused attempt; `missed` for a sprint whose start and end both passed.

use super::{int, marks, param, read, write};
use crate::step::{Ctx, JobResult};

/// Record the phase a sprint's rollover has reached (and its carry-over destination, when given;
/// a recorded one is kept otherwise). `started` and `closed` stamp when; `started` and `carrying`
/// clear the last problem.
pub async fn record_phase(
    ctx: &mut Ctx,
    sprint_id: u64,
    board_id: u64,
    phase: &str,
    destination: Option<u64>,
) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    let (started, closed) = match phase {
        "started" => (Some(now), None),
        "closed" => (None, Some(now)),
        _ => (None, None),
    };
    write(
        ctx,
        "rollovers.recordPhase",
        "INSERT INTO rollovers (sprint_id, board_id, phase, destination_sprint_id, started_at, closed_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE phase = VALUES(phase), \
         last_problem = IF(VALUES(phase) IN ('started', 'carrying'), NULL, last_problem), \
         destination_sprint_id = COALESCE(VALUES(destination_sprint_id), destination_sprint_id), \
         started_at = COALESCE(VALUES(started_at), started_at), closed_at = COALESCE(VALUES(closed_at), closed_at), \
         updated_at = VALUES(updated_at)",
        vec![
            param(&sprint_id),
            param(&board_id),
            param(&phase),
            param(&destination),
            param(&started),
            param(&closed),
            param(&now),
        ],
    )
    .await?;
    Ok(())
}

/// Remember why the last attempt at a sprint did not go through (keeps the rollover's phase; a
/// new row is `waiting`).
pub async fn note_problem(
    ctx: &mut Ctx,
    sprint_id: u64,
    board_id: u64,
    reason: &str,
) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    write(
        ctx,
        "rollovers.noteProblem",
        "INSERT INTO rollovers (sprint_id, board_id, phase, updated_at, last_problem) VALUES (?, ?, 'waiting', ?, ?) \
         ON DUPLICATE KEY UPDATE last_problem = VALUES(last_problem), updated_at = VALUES(updated_at)",
        vec![param(&sprint_id), param(&board_id), param(&now), param(&reason)],
    )
    .await?;
    Ok(())
}

/// Why the last attempt at a sprint did not go through, if it did not.
pub async fn last_problem(ctx: &mut Ctx, sprint_id: u64) -> JobResult<Option<String>> {
    let rows = read(
        ctx,
        "rollovers.lastProblem",
        "SELECT last_problem FROM rollovers WHERE sprint_id = ?",
        vec![param(&sprint_id)],
    )
    .await?;
    Ok(rows
        .first()
        .and_then(|r| r["last_problem"].as_str())
        .map(str::to_string))
}

/// The carry-over destination an earlier attempt at closing the sprint chose, if any.
pub async fn destination(ctx: &mut Ctx, sprint_id: u64) -> JobResult<Option<u64>> {
    let rows = read(
        ctx,
        "rollovers.destination",
        "SELECT destination_sprint_id FROM rollovers WHERE sprint_id = ?",
        vec![param(&sprint_id)],
    )
    .await?;
    Ok(rows
        .first()
        .and_then(|r| int(&r["destination_sprint_id"]))
        .map(|n| n as u64))
}

/// The board's rollovers an earlier run left half-done (`starting`, `moving`, `closing`,
/// `carrying`): sprint and phase.
pub async fn unsettled(ctx: &mut Ctx, board_id: u64) -> JobResult<Vec<(u64, String)>> {
    let rows = read(
        ctx,
        "rollovers.unsettled",
        "SELECT sprint_id, phase FROM rollovers WHERE board_id = ? \
         AND phase IN ('starting', 'moving', 'closing', 'carrying')",
        vec![param(&board_id)],
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = int(&r["sprint_id"])? as u64;
            Some((id, r["phase"].as_str().unwrap_or_default().to_string()))
        })
        .collect())
}

/// Which of these sprints were reported as missed already.
pub async fn missed_among(ctx: &mut Ctx, sprint_ids: &[u64]) -> JobResult<Vec<u64>> {
    if sprint_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = read(
        ctx,
        "rollovers.missedAmong",
        format!(
            "SELECT sprint_id FROM rollovers WHERE phase = 'missed' AND sprint_id IN ({})",
            marks(sprint_ids.len())
        ),
        sprint_ids.iter().map(|id| param(&id)).collect(),
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| int(&r["sprint_id"]).map(|n| n as u64))
        .collect())
}

/// Whether the app itself closed the sprint (its rollover is `carrying` or `closed`).
pub async fn closed_by_app(ctx: &mut Ctx, sprint_id: u64) -> JobResult<bool> {
    let rows = read(
        ctx,
        "rollovers.closedByApp",
        "SELECT phase FROM rollovers WHERE sprint_id = ? AND phase IN ('carrying', 'closed')",
        vec![param(&sprint_id)],
    )
    .await?;
    Ok(!rows.is_empty())
}
