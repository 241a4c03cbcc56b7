//! The settings rows: `global_settings` (one row, id 1) and `board_settings` (one per board).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{boolean, int, marks, opt_string, param, read, statement, write};
use crate::effect::{Effect, EffectResult};
use crate::settings::{BoardSettings, CarryOver, GlobalSettings};
use crate::step::{Ctx, JobResult};

/// Global settings (defaults when the row is absent).
pub async fn load_global(ctx: &mut Ctx) -> JobResult<GlobalSettings> {
    let r = read(ctx, "globalSettings.get", GLOBAL_SELECT, vec![param(&1)]).await?;
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
    statement("globalSettings.get", GLOBAL_SELECT, vec![param(&1)])
}

/// Take the quota state and the log retention from a global settings read.
pub fn note_global(ctx: &mut Ctx, r: &EffectResult) {
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
    statement(
        "globalSettings.recordJiraWall",
        "UPDATE global_settings SET jira_wall_until = ?, \
         jira_short_until = GREATEST(COALESCE(jira_short_until, 0), ?) WHERE id = ? \
         AND (jira_wall_until IS NULL OR jira_wall_until < ?)",
        vec![param(&until), param(&short_until), param(&1), param(&until)],
    )
}

/// The statement that records that Jira's points are short until `until` (epoch ms) unless that
/// is already known: one changed row means this is news, and the caller logs it.
pub fn record_jira_short_effect(until: i64) -> Effect {
    statement(
        "globalSettings.recordJiraShort",
        "UPDATE global_settings SET jira_short_until = ? WHERE id = ? \
         AND (jira_short_until IS NULL OR jira_short_until < ?)",
        vec![param(&until), param(&1), param(&until)],
    )
}

/// Write the global settings row.
pub async fn save_global(ctx: &mut Ctx, s: &GlobalSettings, now: DateTime<Utc>) -> JobResult<()> {
    write(
        ctx,
        "globalSettings.save",
        "INSERT INTO global_settings (id, automation_enabled, default_time_zone, default_carry_over, \
         log_retention_days, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
         automation_enabled = VALUES(automation_enabled), default_time_zone = VALUES(default_time_zone), \
         default_carry_over = VALUES(default_carry_over), log_retention_days = VALUES(log_retention_days), \
         updated_at = VALUES(updated_at)",
        vec![
            param(&1),
            param(&s.automation_enabled),
            param(&s.default_time_zone),
            json!(s.default_carry_over.as_str()),
            param(&s.log_retention_days),
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

pub(super) const BOARD_COLUMNS: &str = "board_id, project_key, automate, auto_start, auto_close, carry_over, \
    time_zone, start_time, close_time, working_days, holidays, keep_ahead, name_template, changed_by, changed_at";

pub(super) fn board_from_row(row: &Value) -> Option<StoredBoard> {
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
    let r = read(
        ctx,
        "boardSettings.get",
        format!("SELECT {BOARD_COLUMNS} FROM board_settings WHERE board_id = ?"),
        vec![param(&board_id)],
    )
    .await?;
    Ok(r.first().and_then(board_from_row))
}

/// Stored settings of several boards.
pub async fn load_boards(ctx: &mut Ctx, board_ids: &[u64]) -> JobResult<Vec<StoredBoard>> {
    if board_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = marks(board_ids.len());
    let r = read(
        ctx,
        "boardSettings.getMany",
        format!("SELECT {BOARD_COLUMNS} FROM board_settings WHERE board_id IN ({marks})"),
        board_ids.iter().map(|id| param(&id)).collect(),
    )
    .await?;
    Ok(r.iter().filter_map(board_from_row).collect())
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
    write(
        ctx,
        "boardSettings.save",
        format!(
            "INSERT INTO board_settings ({BOARD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE project_key = VALUES(project_key), automate = VALUES(automate), \
             auto_start = VALUES(auto_start), auto_close = VALUES(auto_close), carry_over = VALUES(carry_over), \
             time_zone = VALUES(time_zone), start_time = VALUES(start_time), close_time = VALUES(close_time), \
             working_days = VALUES(working_days), holidays = VALUES(holidays), keep_ahead = VALUES(keep_ahead), name_template = VALUES(name_template), \
             changed_by = VALUES(changed_by), changed_at = VALUES(changed_at)"
        ),
        vec![
            param(&board_id),
            param(&project_key),
            param(&s.automate),
            param(&s.auto_start),
            param(&s.auto_close),
            json!(s.carry_over.map(CarryOver::as_str)),
            param(&s.time_zone),
            param(&s.start_time),
            param(&s.close_time),
            json!(s.working_days.join(",")),
            json!(serde_json::to_string(&s.holidays).unwrap_or_else(|_| "[]".into())),
            param(&s.keep_ahead),
            param(&s.name_template),
            param(&changed_by),
            json!(now.timestamp_millis()),
        ],
    ).await?;
    Ok(())
}

/// Seed the global settings row with the defaults once; an existing row is left as the admins
/// set it.
pub async fn seed_global(ctx: &mut Ctx) -> JobResult<()> {
    let d = GlobalSettings::default();
    let now = ctx.now().timestamp_millis();
    write(
        ctx,
        "globalSettings.seed",
        "INSERT IGNORE INTO global_settings (id, automation_enabled, default_time_zone, \
         default_carry_over, log_retention_days, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            param(&1),
            param(&d.automation_enabled),
            param(&d.default_time_zone),
            json!(d.default_carry_over.as_str()),
            param(&d.log_retention_days),
            param(&now),
        ],
    )
    .await?;
    Ok(())
}
