//! Reading and writing the app's own rows through `Sql` effects. Parameterised statements only.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::effect::Effect;
use crate::error::{CoreError, ErrorCode};
use crate::settings::{BoardSettings, CarryOver, GlobalSettings};
use crate::step::{Ctx, JobResult};

/// Run one statement; a missing table becomes `SCHEMA_MISSING` (the handler must not migrate).
pub async fn sql(ctx: &mut Ctx, sql: &str, params: Vec<Value>) -> JobResult<crate::EffectResult> {
    let r = ctx
        .perform(Effect::Sql {
            sql: sql.to_string(),
            params,
        })
        .await?;
    if let Some(e) = &r.error {
        let missing = e.message.contains("doesn't exist") || e.message.contains("does not exist");
        return Err(if missing {
            CoreError::new(
                ErrorCode::SchemaMissing,
                "the app's tables are missing: reinstall or upgrade the app so its lifecycle handler migrates them",
            )
        } else {
            CoreError::new(ErrorCode::StorageError, format!("SQL failed: {}", e.code))
        }
        .into());
    }
    Ok(r)
}

/// Rows of a read.
pub async fn rows(ctx: &mut Ctx, statement: &str, params: Vec<Value>) -> JobResult<Vec<Value>> {
    Ok(sql(ctx, statement, params).await?.rows.unwrap_or_default())
}

/// A column as an integer: drivers return BIGINT as a number or a string.
pub fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A column as a boolean: MySQL BOOLEAN is TINYINT(1).
pub fn boolean(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| int(v).unwrap_or(0) != 0)
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Global settings (defaults when the row is absent).
pub async fn load_global(ctx: &mut Ctx) -> JobResult<GlobalSettings> {
    let r = rows(ctx, GLOBAL_SELECT, vec![json!(1)]).await?;
    let Some(row) = r.first() else {
        ctx.note_global_read();
        return Ok(GlobalSettings::default());
    };
    let settings = global_of(ctx, row);
    Ok(settings)
}

/// The read of the global settings row as a bare effect (for the Jira gateway, which learns the
/// quota state before its first call as the app in a run that has not read it yet).
pub fn load_global_effect() -> Effect {
    Effect::Sql {
        sql: GLOBAL_SELECT.to_string(),
        params: vec![json!(1)],
    }
}

/// Take the quota state and the log retention from a global settings read.
pub fn note_global(ctx: &mut Ctx, r: &crate::effect::EffectResult) {
    // A failed read is not retried on every call: the run goes on as if no wall was known.
    ctx.note_global_read();
    if let Some(row) = r.rows.as_ref().and_then(|rows| rows.first()) {
        global_of(ctx, row);
    }
}

const GLOBAL_SELECT: &str =
    "SELECT automation_enabled, default_time_zone, default_carry_over, log_retention_days, \
     jira_wall_until, jira_short_until FROM global_settings WHERE id = ?";

/// The settings of a row, noting on the run what travels with them: Jira's points quota state
/// and how long log entries are kept (so no job can log with another retention).
fn global_of(ctx: &mut Ctx, row: &Value) -> GlobalSettings {
    ctx.note_global_read();
    ctx.set_jira_wall_until(int(&row["jira_wall_until"]));
    ctx.set_jira_short_until(int(&row["jira_short_until"]));
    let d = GlobalSettings::default();
    let settings = GlobalSettings {
        automation_enabled: boolean(&row["automation_enabled"]),
        default_time_zone: opt_string(&row["default_time_zone"]).unwrap_or(d.default_time_zone),
        default_carry_over: row["default_carry_over"]
            .as_str()
            .and_then(CarryOver::parse)
            .unwrap_or(d.default_carry_over),
        log_retention_days: int(&row["log_retention_days"])
            .map(|n| n as u32)
            .unwrap_or(d.log_retention_days),
    };
    ctx.set_log_retention(settings.log_retention_days);
    settings
}

/// The statement that records Jira's points quota wall (`until`, epoch ms) unless a later one is
/// recorded: one changed row means this is news, and the caller logs it (once per wall). The hour
/// after the reset counts as short (`short_until`).
pub fn record_jira_wall_effect(until: i64, short_until: i64) -> Effect {
    Effect::Sql {
        sql: "UPDATE global_settings SET jira_wall_until = ?, \
              jira_short_until = GREATEST(COALESCE(jira_short_until, 0), ?) WHERE id = ? \
              AND (jira_wall_until IS NULL OR jira_wall_until < ?)"
            .to_string(),
        params: vec![json!(until), json!(short_until), json!(1), json!(until)],
    }
}

/// The statement that records that Jira's points are short until `until` (epoch ms) unless that
/// is already known: one changed row means this is news, and the caller logs it.
pub fn record_jira_short_effect(until: i64) -> Effect {
    Effect::Sql {
        sql: "UPDATE global_settings SET jira_short_until = ? WHERE id = ? \
              AND (jira_short_until IS NULL OR jira_short_until < ?)"
            .to_string(),
        params: vec![json!(until), json!(1), json!(until)],
    }
}

/// Write the global settings row.
pub async fn save_global(ctx: &mut Ctx, s: &GlobalSettings, now: DateTime<Utc>) -> JobResult<()> {
    sql(
        ctx,
        "INSERT INTO global_settings (id, automation_enabled, default_time_zone, default_carry_over, \
         log_retention_days, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
         automation_enabled = VALUES(automation_enabled), default_time_zone = VALUES(default_time_zone), \
         default_carry_over = VALUES(default_carry_over), log_retention_days = VALUES(log_retention_days), \
         updated_at = VALUES(updated_at)",
        vec![
            json!(1),
            json!(s.automation_enabled),
            json!(s.default_time_zone),
            json!(s.default_carry_over.as_str()),
            json!(s.log_retention_days),
            json!(now.timestamp_millis()),
        ],
    ).await?;
    Ok(())
}

/// A board's stored settings with who changed them last.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBoard {
    /// Board id.
    pub board_id: u64,
    /// Project the board belonged to when saved.
    pub project_key: String,
    /// The settings.
    pub settings: BoardSettings,
    /// Account id of the last change (shown as a name by the page, never logged).
    pub changed_by: String,
    /// When (epoch ms).
    pub changed_at: i64,
}

const BOARD_COLUMNS: &str = "board_id, project_key, automate, auto_start, auto_close, carry_over, \
    time_zone, start_time, close_time, working_days, holidays, keep_ahead, name_template, changed_by, changed_at";

fn board_from_row(row: &Value) -> Option<StoredBoard> {
    let list = |s: Option<&str>| -> Vec<String> {
        s.map(|s| {
            s.split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
    };
    Some(StoredBoard {
        board_id: int(&row["board_id"])? as u64,
        project_key: opt_string(&row["project_key"])?,
        settings: BoardSettings {
            automate: boolean(&row["automate"]),
            auto_start: boolean(&row["auto_start"]),
            auto_close: boolean(&row["auto_close"]),
            carry_over: row["carry_over"].as_str().and_then(CarryOver::parse),
            time_zone: opt_string(&row["time_zone"]),
            start_time: opt_string(&row["start_time"]),
            close_time: opt_string(&row["close_time"]),
            working_days: list(row["working_days"].as_str()),
            holidays: row["holidays"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            keep_ahead: int(&row["keep_ahead"]).unwrap_or(0) as u32,
            name_template: opt_string(&row["name_template"]),
        },
        changed_by: opt_string(&row["changed_by"]).unwrap_or_default(),
        changed_at: int(&row["changed_at"]).unwrap_or(0),
    })
}

/// One board's stored settings.
pub async fn load_board(ctx: &mut Ctx, board_id: u64) -> JobResult<Option<StoredBoard>> {
    let r = rows(
        ctx,
        &format!("SELECT {BOARD_COLUMNS} FROM board_settings WHERE board_id = ?"),
        vec![json!(board_id)],
    )
    .await?;
    Ok(r.first().and_then(board_from_row))
}

/// Stored settings of several boards.
pub async fn load_boards(ctx: &mut Ctx, board_ids: &[u64]) -> JobResult<Vec<StoredBoard>> {
    if board_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; board_ids.len()].join(", ");
    let r = rows(
        ctx,
        &format!("SELECT {BOARD_COLUMNS} FROM board_settings WHERE board_id IN ({marks})"),
        board_ids.iter().map(|id| json!(id)).collect(),
    )
    .await?;
    Ok(r.iter().filter_map(board_from_row).collect())
}

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
    let boards = rows(
        ctx,
        &format!(
            "SELECT {BOARD_COLUMNS} FROM board_settings WHERE automate = TRUE AND board_id > ? \
             ORDER BY board_id LIMIT ?"
        ),
        vec![json!(after), json!(limit)],
    )
    .await?;
    let boards: Vec<StoredBoard> = boards.iter().filter_map(board_from_row).collect();
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = boards.iter().map(|b| json!(b.board_id)).collect();
    let marks = vec!["?"; ids.len()].join(", ");
    let schedule = rows(
        ctx,
        &format!(
            "SELECT board_id, next_due_at, next_action, next_sprint_id, reconcile_at, readiness \
             FROM board_schedule WHERE board_id IN ({marks})"
        ),
        ids.clone(),
    )
    .await?;
    let rollovers = rows(
        ctx,
        &format!(
            "SELECT board_id, sprint_id, phase, last_problem, updated_at FROM rollovers \
             WHERE board_id IN ({marks}) AND updated_at >= ? ORDER BY updated_at"
        ),
        ids.into_iter().chain([json!(since)]).collect(),
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

/// Write a board's settings row.
pub async fn save_board(
    ctx: &mut Ctx,
    board_id: u64,
    project_key: &str,
    s: &BoardSettings,
    changed_by: &str,
    now: DateTime<Utc>,
) -> JobResult<()> {
    sql(
        ctx,
        &format!(
            "INSERT INTO board_settings ({BOARD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE project_key = VALUES(project_key), automate = VALUES(automate), \
             auto_start = VALUES(auto_start), auto_close = VALUES(auto_close), carry_over = VALUES(carry_over), \
             time_zone = VALUES(time_zone), start_time = VALUES(start_time), close_time = VALUES(close_time), \
             working_days = VALUES(working_days), holidays = VALUES(holidays), keep_ahead = VALUES(keep_ahead), name_template = VALUES(name_template), \
             changed_by = VALUES(changed_by), changed_at = VALUES(changed_at)"
        ),
        vec![
            json!(board_id),
            json!(project_key),
            json!(s.automate),
            json!(s.auto_start),
            json!(s.auto_close),
            json!(s.carry_over.map(CarryOver::as_str)),
            json!(s.time_zone),
            json!(s.start_time),
            json!(s.close_time),
            json!(s.working_days.join(",")),
            json!(serde_json::to_string(&s.holidays).unwrap_or_else(|_| "[]".into())),
            json!(s.keep_ahead),
            json!(s.name_template),
            json!(changed_by),
            json!(now.timestamp_millis()),
        ],
    ).await?;
    Ok(())
}

/// Keep the board in the schedule while automation is on: due now, so the next tick reconciles it
/// with Jira and computes its instants. Off: the row goes, and the board costs nothing.
pub async fn schedule_board(ctx: &mut Ctx, board_id: u64, automate: bool) -> JobResult<()> {
    if automate {
        let now = ctx.now().timestamp_millis();
        sql(
            ctx,
            "INSERT INTO board_schedule (board_id, next_due_at, next_action, reconcile_at) VALUES (?, ?, 'check', ?) \
             ON DUPLICATE KEY UPDATE next_due_at = VALUES(next_due_at), next_action = VALUES(next_action), \
             reconcile_at = VALUES(reconcile_at)",
            vec![json!(board_id), json!(now), json!(now)],
        ).await?;
    } else {
        sql(
            ctx,
            "DELETE FROM board_schedule WHERE board_id = ?",
            vec![json!(board_id)],
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
    let r = rows(
        ctx,
        "SELECT readiness_at, readiness FROM board_schedule WHERE board_id = ?",
        vec![json!(board_id)],
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
    sql(
        ctx,
        "UPDATE board_schedule SET readiness = ?, readiness_at = ? WHERE board_id = ?",
        vec![
            json!(found.map(|v| v.to_string())),
            json!(next_look),
            json!(board_id),
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
    sql(
        ctx,
        "UPDATE board_schedule SET reconcile_at = ? + (? + MOD(board_id * 7919, ?)) * 60000 \
         WHERE reconcile_at <= ? AND (next_due_at IS NULL OR next_due_at > ?)",
        vec![
            json!(until),
            json!(quiet.start),
            json!(quiet.end - quiet.start),
            json!(now),
            json!(now),
        ],
    )
    .await?;
    Ok(())
}

/// Make an automated board due now for a look at Jira (an event the app could not read): the
/// next check reads the board and recomputes its instants.
pub async fn reconcile_now(ctx: &mut Ctx, board_id: u64) -> JobResult<()> {
    let now = ctx.now().timestamp_millis();
    sql(
        ctx,
        "UPDATE board_schedule SET reconcile_at = LEAST(COALESCE(reconcile_at, ?), ?) WHERE board_id = ?",
        vec![json!(now), json!(now), json!(board_id)],
    ).await?;
    Ok(())
}

/// The boards' next scheduled actions: `{boardId, kind, at, sprintId}` (kind `start`, `close`,
/// `retry`, or `check` when the board is due for a look at Jira).
pub async fn load_schedule(ctx: &mut Ctx, board_ids: &[u64]) -> JobResult<Vec<Value>> {
    if board_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; board_ids.len()].join(", ");
    let r = rows(
        ctx,
        &format!(
            "SELECT board_id, next_due_at, next_action, next_sprint_id, reconcile_at, readiness FROM board_schedule \
             WHERE board_id IN ({marks})"
        ),
        board_ids.iter().map(|id| json!(id)).collect(),
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
