//! What a bulk job plans: the caller's payload, the boards it may plan for, each board's
//! planning context, the plans, and the preview.

use serde_json::{json, Value};

use super::MAX_BOARDS;
use crate::auth;
use crate::engine::{Sprint, SprintState};
use crate::error::{CoreError, ErrorCode};
use crate::jira::{self, Request};
use crate::jobs::board::{list_board_sprints, SprintStates};
use crate::plan::{self, BoardContext, BoardPlan, ExistingSprint};
use crate::settings::{parse_time_zone, BoardSettings, GlobalSettings, WEEKDAYS};
use crate::step::{Ctx, JobResult};
use crate::store;
use crate::validate::Fields;

/// Parse `projectKey` and `boardIds`.
pub(super) fn project_and_boards(f: &mut Fields<'_>) -> Result<(String, Vec<u64>), CoreError> {
    let project = f.project_key("projectKey")?;
    let ids = f.array("boardIds", MAX_BOARDS)?;
    let mut boards = Vec::new();
    for v in ids {
        let id = v
            .as_u64()
            .filter(|n| (1..=crate::validate::MAX_ID).contains(n))
            .ok_or_else(|| {
                f.fault(
                    "boardIds",
                    ErrorCode::InvalidType,
                    "board ids are positive integers",
                )
            })?;
        if !boards.contains(&id) {
            boards.push(id);
        }
    }
    if boards.is_empty() {
        return Err(f.fault("boardIds", ErrorCode::OutOfRange, "at least one board"));
    }
    Ok((project, boards))
}

/// Check the caller administers `project` and that every board is a scrum board of it; returns
/// the boards' names.
pub(super) async fn authorise_boards(
    ctx: &mut Ctx,
    project: &str,
    boards: &[u64],
    account: Option<&str>,
) -> JobResult<Vec<String>> {
    let rights = auth::ProjectRights::fetch(ctx, account, project).await?;
    let mut names = Vec::new();
    for id in boards {
        let r = jira::send(ctx, &Request::get(format!("/rest/agile/1.0/board/{id}"))).await?;
        match r.status {
            200 => {}
            404 => {
                return Err(
                    CoreError::new(ErrorCode::BoardNotFound, format!("no board {id}"))
                        .with_details(json!({ "field": "boardIds" }))
                        .into(),
                )
            }
            _ => return Err(r.to_error(&format!("reading board {id}")).into()),
        }
        let body = r.body;
        rights.check(Some(body["location"]["projectKey"].as_str().unwrap_or("")))?;
        if !crate::settings::board_has_sprints(body["type"].as_str().unwrap_or_default()) {
            return Err(
                CoreError::new(
                    ErrorCode::OutOfRange,
                    "boardIds: a kanban board has no sprints; scrum and team-managed boards with sprints can be planned",
                )
                    .with_details(json!({ "field": "boardIds" }))
                    .into(),
            );
        }
        names.push(body["name"].as_str().unwrap_or_default().to_string());
    }
    Ok(names)
}

/// Build each board's planning context from Jira (its sprints) and SQL (its settings).
pub(super) async fn board_contexts(
    ctx: &mut Ctx,
    project: &str,
    boards: &[u64],
    names: &[String],
) -> JobResult<Vec<BoardContext>> {
    let global = store::settings::load_global(ctx).await?;
    let stored = store::settings::load_boards(ctx, boards).await?;
    let mut out = Vec::new();
    for (id, name) in boards.iter().zip(names) {
        let sprints = match list_board_sprints(ctx, *id, SprintStates::All).await? {
            Ok(s) => s,
            Err(r) => return Err(r.to_error(&format!("reading sprints of board {id}")).into()),
        };
        let settings = stored
            .iter()
            .find(|s| s.board_id == *id)
            .map(|s| s.settings.clone())
            .unwrap_or_default();
        out.push(context_of(*id, name, project, &sprints, &settings, &global));
    }
    Ok(out)
}

/// The planner's view of a board.
pub(crate) fn context_of(
    board_id: u64,
    name: &str,
    project: &str,
    sprints: &[Sprint],
    settings: &BoardSettings,
    global: &GlobalSettings,
) -> BoardContext {
    let tz = settings
        .time_zone
        .as_deref()
        .and_then(parse_time_zone)
        .or_else(|| parse_time_zone(&global.default_time_zone))
        .unwrap_or(chrono_tz::Tz::UTC);
    BoardContext {
        board_id,
        board_name: name.to_string(),
        project_key: project.to_string(),
        existing: sprints
            .iter()
            .map(|s| ExistingSprint {
                id: s.id,
                name: s.name.clone(),
                state: s.state,
                start: s.start,
                end: s.end,
            })
            .collect(),
        default_tz: tz,
        working_days: settings
            .working_days
            .iter()
            .filter_map(|d| WEEKDAYS.iter().position(|w| w == d))
            .filter_map(|i| chrono::Weekday::try_from(i as u8).ok())
            .collect(),
        holidays: settings
            .holidays
            .iter()
            .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect(),
    }
}

pub(super) fn read_plan_payload(
    payload: &Value,
) -> Result<(String, Vec<u64>, plan::PlanInput), CoreError> {
    let mut f = Fields::of(payload, "")?;
    let (project, boards) = project_and_boards(&mut f)?;
    let input = plan::parse_plan(f.required("plan")?, "plan.")?;
    f.finish()?;
    Ok((project, boards, input))
}

pub(super) fn make_plans(
    inputs: &plan::PlanInput,
    contexts: &[BoardContext],
) -> Result<Vec<BoardPlan>, CoreError> {
    contexts
        .iter()
        .map(|c| plan::plan_board(inputs, c))
        .collect()
}

pub(crate) async fn preview(
    ctx: &mut Ctx,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let (project, boards, input) = read_plan_payload(payload)?;
    let names = authorise_boards(ctx, &project, &boards, account).await?;
    let contexts = board_contexts(ctx, &project, &boards, &names).await?;
    let mut plans = make_plans(&input, &contexts)?;
    plan::warn_names_across_boards(&mut plans);
    // Each board's plan with its existing sprints, for the page's timeline.
    let boards: Vec<Value> = plans
        .iter()
        .zip(&contexts)
        .map(|(p, c)| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            // The zone the plan's local times are in (the plan's, or the board's own).
            v["timeZone"] = json!(input.time_zone.unwrap_or(c.default_tz).name());
            v["existing"] = c
                .existing
                .iter()
                .filter(|s| s.state != SprintState::Closed)
                .map(|s| json!({ "id": s.id, "name": s.name, "state": if s.state == SprintState::Active { "active" } else { "future" }, "start": s.start, "end": s.end }))
                .collect();
            v
        })
        .collect();
    Ok(json!({ "projectKey": project, "boards": boards }))
}

/// A stable id for a payload: FNV-1a over its canonical JSON (a double click gives the same id).
pub(super) fn job_id_of(payload: &Value) -> String {
    let text = serde_json::to_string(payload).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("bulk-{h:016x}")
}
