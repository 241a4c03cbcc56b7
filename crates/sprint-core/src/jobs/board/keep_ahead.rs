//! Keep-ahead: top a board up to the future sprints its settings ask for.

use serde_json::json;

use crate::engine::Sprint;
use crate::jira;
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::step::{Ctx, JobResult};
use crate::store;

/// Keep-ahead: create sprints until the board has the future sprints it asks for, continuing its
/// last sprint's length, its naming template and calendar. Re-runs find what an interrupted run
/// created (same name and start) and create nothing twice.
pub(super) async fn top_up(
    ctx: &mut Ctx,
    board_id: u64,
    stored: &store::settings::StoredBoard,
    global: &crate::settings::GlobalSettings,
    sprints: &mut Vec<Sprint>,
    missing: usize,
) -> JobResult<Vec<u64>> {
    let now = ctx.now();
    let b = jira::boards::get(ctx, board_id).await?;
    if b.status != 200 {
        return Ok(Vec::new());
    }
    let name = b.body["name"].as_str().unwrap_or_default();
    let board = crate::plan::context_of(
        board_id,
        name,
        &stored.project_key,
        sprints,
        &stored.settings,
        global,
    );
    let template = stored
        .settings
        .name_template
        .as_deref()
        .and_then(|t| crate::plan::parse_template(t, "nameTemplate").ok());
    let plan = crate::plan::plan_top_up(&board, template.as_ref(), missing as u32)?;
    if let Some((sprint, fault)) = crate::plan::names_refused(&plan).first() {
        let reason = match fault {
            crate::sprint_name::NameFault::Empty => Reason::NameEmpty,
            crate::sprint_name::NameFault::TooLong { .. } => Reason::NameTooLong,
        };
        let units = crate::sprint_name::units(&sprint.name);
        ctx.log(
            LogEntry::new(now, Level::Warn, LogKind::Skipped, reason, format!("board {board_id}: keep-ahead sprints not created: the name template gives a name of {units} characters (Jira allows 1 to 30)"))
                .board(board_id),
        );
        return Ok(Vec::new());
    }
    let mut created = Vec::new();
    for p in &plan.sprints {
        if sprints
            .iter()
            .any(|s| s.name == p.name && s.start == Some(p.start))
        {
            continue;
        }
        let body = json!({ "name": p.name, "originBoardId": board_id, "startDate": p.start_local, "endDate": p.end_local });
        match jira::sprints::create_once(ctx, board_id, body).await? {
            Ok(s) => {
                ctx.log(
                    LogEntry::new(
                        now,
                        Level::Info,
                        LogKind::Created,
                        Reason::KeepAheadSprintCreated,
                        format!(
                            "sprint {} created to keep {} future sprints",
                            s.id, stored.settings.keep_ahead
                        ),
                    )
                    .board(board_id)
                    .sprint(s.id),
                );
                created.push(s.id);
                sprints.push(s);
            }
            Err(r) => {
                ctx.log(
                    LogEntry::new(
                        now,
                        Level::Error,
                        LogKind::Failed,
                        Reason::KeepAheadCreateFailed,
                        format!("board {board_id}: a keep-ahead sprint could not be created"),
                    )
                    .board(board_id)
                    .jira(r.error_summary()),
                );
                break;
            }
        }
    }
    Ok(created)
}
