//! `board_schedule`: when each automated board is due, its lease, its daily look and its close
//! readiness.

use serde_json::{json, Value};

use super::{int, marks, param, read, write};
use crate::step::{Ctx, JobResult};

/// Keep the board in the schedule while automation is on: due now, so the next tick reconciles it
/// with Jira and computes its instants. Off: the row goes, and the board costs nothing.
pub async fn schedule_board(ctx: &mut Ctx, board_id: u64, automate: bool) -> JobResult<()> {
    if automate {
        let now = ctx.now().timestamp_millis();
        write(
        ctx,
        "boardSchedule.add",
        "INSERT INTO board_schedule (board_id, next_due_at, next_action, reconcile_at) VALUES (?, ?, 'check', ?) \
             ON DUPLICATE KEY UPDATE next_due_at = VALUES(next_due_at), next_action = VALUES(next_action), \
             reconcile_at = VALUES(reconcile_at)",
            vec![param(&board_id), param(&now), param(&now)],
        ).await?;
    } else {
        write(
            ctx,
            "boardSchedule.remove",
            "DELETE FROM board_schedule WHERE board_id = ?",
            vec![param(&board_id)],
        )
        .await?;
    }
    Ok(())
}

/// The board's close readiness: when to look next, and what the last look found (JSON).
pub async fn load_readiness(
    ctx: &mut Ctx,
    board_id: u64,
) -> JobResult<(Option<i64>, Option<Value>)> {
    let r = read(
        ctx,
        "boardSchedule.readiness",
        "SELECT readiness_at, readiness FROM board_schedule WHERE board_id = ?",
        vec![param(&board_id)],
    )
    .await?;
    Ok(r.first().map_or((None, None), |row| {
        (
            int(&row["readiness_at"]),
            row["readiness"]
                .as_str()
                .and_then(|t| serde_json::from_str(t).ok()),
        )
    }))
}

/// Record what a readiness look found (or `None` to clear it) and when to look next.
pub async fn save_readiness(
    ctx: &mut Ctx,
    board_id: u64,
    found: Option<&Value>,
    next_look: Option<i64>,
) -> JobResult<()> {
    write(
        ctx,
        "boardSchedule.saveReadiness",
        "UPDATE board_schedule SET readiness = ?, readiness_at = ? WHERE board_id = ?",
        vec![
            json!(found.map(|v| v.to_string())),
            param(&next_look),
            param(&board_id),
        ],
    )
    .await?;
    Ok(())
}

/// Jira's points are short until `until`: the daily looks due now move past it, each to a quiet
/// minute of the hour after (see [`crate::spend::QUIET_MINUTES`], spread by board id), so they
/// neither run now nor all at once at the reset. One statement for every board.
pub async fn postpone_daily_looks(ctx: &mut Ctx, now: i64, until: i64) -> JobResult<()> {
    let quiet = crate::spend::QUIET_MINUTES;
    write(
        ctx,
        "boardSchedule.postponeDailyLooks",
        "UPDATE board_schedule SET reconcile_at = ? + (? + MOD(board_id * 7919, ?)) * 60000 \
         WHERE reconcile_at <= ? AND (next_due_at IS NULL OR next_due_at > ?)",
        vec![
            param(&until),
            param(&quiet.start),
            param(&(quiet.end - quiet.start)),
            param(&now),
            param(&now),
        ],
    )
    .await?;
    Ok(())
}

/// Make an automated board due now for a look at Jira (an event the app could not read): the
/// next check reads the board and recomputes its instants.
pub async fn reconcile_now(ctx: &mut Ctx, board_id: u64) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    write(
        ctx,
        "boardSchedule.reconcileNow",
        "UPDATE board_schedule SET reconcile_at = LEAST(COALESCE(reconcile_at, ?), ?) WHERE board_id = ?",
        vec![param(&now), param(&now), param(&board_id)],
    ).await?;
    Ok(())
}

/// The boards' next scheduled actions: `{boardId, kind, at, sprintId}` (kind `start`, `close`,
/// `retry`, or `check` when the board is due for a look at Jira).
pub async fn load_schedule(ctx: &mut Ctx, board_ids: &[u64]) -> JobResult<Vec<Value>> {
    if board_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = marks(board_ids.len());
    let r = read(
        ctx,
        "boardSchedule.nextActions",
        format!(
            "SELECT board_id, next_due_at, next_action, next_sprint_id, reconcile_at, readiness FROM board_schedule \
             WHERE board_id IN ({marks})"
        ),
        board_ids.iter().map(|id| param(&id)).collect(),
    ).await?;
    Ok(r.iter()
        .filter_map(|row| {
            let board_id = int(&row["board_id"])?;
            let (at, kind) = match int(&row["next_due_at"]) {
                Some(t) => (
                    t,
                    row["next_action"].as_str().unwrap_or("check").to_string(),
                ),
                None => (int(&row["reconcile_at"])?, "check".to_string()),
            };
            let at = chrono::DateTime::from_timestamp_millis(at)?;
            let readiness: Option<Value> = row["readiness"]
                .as_str()
                .and_then(|t| serde_json::from_str(t).ok());
            Some(json!({
                "boardId": board_id,
                "kind": kind,
                "at": at,
                "sprintId": int(&row["next_sprint_id"]).filter(|&id| id > 0),
                "readiness": readiness,
            }))
        })
        .collect())
}

/// Take (or renew) the board's lease for `owner` until `until` (epoch ms), unless another owner
/// holds one that has not lapsed at `now`. `false`: another check holds it, or the row is gone.
pub async fn take_lease(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    until: i64,
    now: i64,
) -> JobResult<bool> {
    let got = write(
        ctx,
        "boardSchedule.takeLease",
        "UPDATE board_schedule SET lease_owner = ?, lease_until = ? WHERE board_id = ? \
         AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
        vec![
            param(&owner),
            param(&until),
            param(&board_id),
            param(&now),
            param(&owner),
        ],
    )
    .await?;
    Ok(got > 0)
}

/// A board's next scheduled action, as the schedule keeps it.
#[derive(Debug, Clone, Copy)]
pub struct NextAction<'a> {
    /// When it is due (epoch ms).
    pub at: i64,
    /// `start`, `close`, `retry` or `check`.
    pub kind: &'a str,
    /// The sprint it is about (0: none).
    pub sprint_id: u64,
}

/// Write the board's next action and its next daily look (epoch ms), and give up the lease (only
/// if `owner` still holds it).
pub async fn release(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    next: Option<NextAction<'_>>,
    daily_look_at: i64,
) -> JobResult<()> {
    write(
        ctx,
        "boardSchedule.release",
        "UPDATE board_schedule SET next_due_at = ?, next_action = ?, next_sprint_id = ?, reconcile_at = ?, \
         lease_owner = NULL, lease_until = NULL WHERE board_id = ? AND lease_owner = ?",
        vec![
            json!(next.map(|u| u.at)),
            json!(next.map(|u| u.kind)),
            json!(next.map(|u| u.sprint_id)),
            param(&daily_look_at),
            param(&board_id),
            param(&owner),
        ],
    )
    .await?;
    Ok(())
}

/// A board whose check is due, as the schedule says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueBoard {
    /// The board.
    pub board_id: u64,
    /// Its next daily look (epoch ms).
    pub reconcile_at: Option<i64>,
    /// A start, close or readiness look is due (not only the daily look).
    pub deadline: bool,
}

/// Boards due at `now` and not leased, at most `limit`: those with a due start or close first,
/// then those due for a readiness look, then the daily looks; each group by how long it is due.
pub async fn due_boards(ctx: &mut Ctx, now: i64, limit: usize) -> JobResult<Vec<DueBoard>> {
    let rows = read(
        ctx,
        "boardSchedule.due",
        "SELECT board_id, reconcile_at, CASE WHEN next_due_at <= ? OR readiness_at <= ? THEN 1 ELSE 0 END AS deadline \
         FROM board_schedule WHERE (next_due_at <= ? OR readiness_at <= ? OR reconcile_at <= ?) \
         AND (lease_until IS NULL OR lease_until < ?) \
         ORDER BY CASE WHEN next_due_at <= ? THEN 0 WHEN readiness_at <= ? THEN 1 ELSE 2 END, \
         CASE WHEN next_due_at <= ? THEN next_due_at WHEN readiness_at <= ? THEN readiness_at \
         ELSE reconcile_at END LIMIT ?",
        [vec![param(&now); 10], vec![param(&limit)]].concat(),
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(DueBoard {
                board_id: int(&r["board_id"])? as u64,
                reconcile_at: int(&r["reconcile_at"]),
                deadline: int(&r["deadline"]) == Some(1),
            })
        })
        .collect())
}

/// A sprint event moved the board's next action to `at` (epoch ms) at the latest: due then as a
/// `check` unless an earlier action is due. `false` when the board is not in the schedule.
pub async fn bring_forward(ctx: &mut Ctx, board_id: u64, at: i64) -> JobResult<bool> {
    let changed = write(
        ctx,
        "boardSchedule.bringForward",
        "UPDATE board_schedule SET next_action = IF(next_due_at IS NULL OR next_due_at > ?, 'check', next_action), \
         next_due_at = LEAST(COALESCE(next_due_at, ?), ?) WHERE board_id = ?",
        vec![param(&at), param(&at), param(&at), param(&board_id)],
    )
    .await?;
    Ok(changed > 0)
}
