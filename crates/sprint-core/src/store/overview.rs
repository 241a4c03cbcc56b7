//! The site overview's read: automated boards with their schedule and latest rollovers.

use serde_json::Value;

use super::settings::{board_from_row, StoredBoard, BOARD_COLUMNS};
use super::{int, marks, opt_string, param, read};
use crate::step::{Ctx, JobResult};

/// One automated board as the site overview shows it: its settings and schedule, the problem
/// that holds its next sprint (if any) and its last rollover record.
#[derive(Debug, Clone)]
pub struct OverviewRow {
    /// The board's settings row.
    pub board: StoredBoard,
    /// When its next action is due (epoch ms), what it is, and on which sprint.
    pub next_due_at: Option<i64>,
    /// `start`, `close`, `retry` or `check`.
    pub next_action: Option<String>,
    /// The sprint of the next action.
    pub next_sprint_id: Option<u64>,
    /// The next daily look (epoch ms).
    pub daily_look_at: Option<i64>,
    /// What the last close-readiness look found (JSON).
    pub readiness: Option<Value>,
    /// Why the next sprint's last attempt was refused (`OPEN_SUBTASKS`, ...).
    pub problem: Option<String>,
    /// The board's latest rollover record: sprint, phase, when.
    pub last: Option<(u64, String, i64)>,
}

/// Automated boards after `after` (by id), at most `limit`, for the site overview: three
/// statements, however many boards; rollover records since `since` (epoch ms) only.
pub async fn overview_rows(
    ctx: &mut Ctx,
    after: u64,
    limit: usize,
    since: i64,
) -> JobResult<Vec<OverviewRow>> {
    let boards = read(
        ctx,
        "boardSettings.automatedPage",
        format!(
            "SELECT {BOARD_COLUMNS} FROM board_settings WHERE automate = TRUE AND board_id > ? \
             ORDER BY board_id LIMIT ?"
        ),
        vec![param(&after), param(&limit)],
    )
    .await?;
    let boards: Vec<StoredBoard> = boards.iter().filter_map(board_from_row).collect();
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = boards.iter().map(|b| param(&b.board_id)).collect();
    let marks = marks(ids.len());
    let schedule = read(
        ctx,
        "boardSchedule.getMany",
        format!(
            "SELECT board_id, next_due_at, next_action, next_sprint_id, reconcile_at, readiness \
             FROM board_schedule WHERE board_id IN ({marks})"
        ),
        ids.clone(),
    )
    .await?;
    let rollovers = read(
        ctx,
        "rollovers.recentOfBoards",
        format!(
            "SELECT board_id, sprint_id, phase, last_problem, updated_at FROM rollovers \
             WHERE board_id IN ({marks}) AND updated_at >= ? ORDER BY updated_at"
        ),
        ids.into_iter().chain([param(&since)]).collect(),
    )
    .await?;
    Ok(boards
        .into_iter()
        .map(|board| {
            let id = board.board_id as i64;
            let sched = schedule.iter().find(|r| int(&r["board_id"]) == Some(id));
            let next_sprint_id = sched
                .and_then(|r| int(&r["next_sprint_id"]))
                .filter(|&s| s > 0)
                .map(|s| s as u64);
            let mine: Vec<&Value> = rollovers
                .iter()
                .filter(|r| int(&r["board_id"]) == Some(id))
                .collect();
            let problem = next_sprint_id.and_then(|sid| {
                mine.iter()
                    .find(|r| int(&r["sprint_id"]) == Some(sid as i64))
                    .and_then(|r| opt_string(&r["last_problem"]))
            });
            let last = mine.last().and_then(|r| {
                Some((
                    int(&r["sprint_id"])? as u64,
                    opt_string(&r["phase"])?,
                    int(&r["updated_at"])?,
                ))
            });
            OverviewRow {
                next_due_at: sched.and_then(|r| int(&r["next_due_at"])),
                next_action: sched.and_then(|r| opt_string(&r["next_action"])),
                next_sprint_id,
                daily_look_at: sched.and_then(|r| int(&r["reconcile_at"])),
                readiness: sched.and_then(|r| {
                    r["readiness"]
                        .as_str()
                        .and_then(|t| serde_json::from_str(t).ok())
                }),
                problem,
                last,
                board,
            }
        })
        .collect())
}
