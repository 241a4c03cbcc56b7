//! Resolver calls from the app's pages. Each reads its whole payload first, then checks the
//! caller's rights (as the caller, against Jira), then acts. A fault or a denial writes nothing.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::{self, Action};
use crate::effect::Effect;
use crate::engine::{self, Action as Act, Policy, Sprint};
use crate::error::{CoreError, ErrorCode};
use crate::jira;
use crate::log::{Level, LogEntry, LogKind, Reason, KIND_NAMES, LEVEL_NAMES};
use crate::settings::{BoardSettings, GlobalSettings};
use crate::step::{Ctx, JobResult};
use crate::store::{self, settings::StoredBoard};
use crate::validate::Fields;

codes! {
    /// Every resolver key the app defines (the shim defines exactly these).
    pub enum ResolverKey {
        /// Health check (no payload).
        Ping = "ping",
        /// The site-wide settings.
        GetGlobalSettings = "getGlobalSettings",
        /// Change the site-wide settings.
        UpdateGlobalSettings = "updateGlobalSettings",
        /// A project's boards and their settings.
        ListBoards = "listBoards",
        /// One board's settings.
        GetBoardSettings = "getBoardSettings",
        /// Change one board's settings.
        UpdateBoardSettings = "updateBoardSettings",
        /// The app's log entries.
        GetLogs = "getLogs",
        /// Plan a bulk creation without creating anything.
        PreviewBulkPlan = "previewBulkPlan",
        /// Start a bulk creation job.
        CreateBulkSprints = "createBulkSprints",
        /// One bulk job and its sprints.
        GetBulkJob = "getBulkJob",
        /// A project's bulk jobs.
        ListBulkJobs = "listBulkJobs",
        /// Cancel a bulk job.
        CancelBulkJob = "cancelBulkJob",
        /// Delete the sprints a bulk job created that are still future.
        UndoBulkJob = "undoBulkJob",
        /// Rename a board's future sprints by a template.
        RenameFutureSprints = "renameFutureSprints",
        /// Every board of the site at a glance.
        GetSiteOverview = "getSiteOverview",
    }
}

/// Most boards listed for one project.
const MAX_BOARD_PAGES: usize = 20;

pub(crate) async fn run(
    ctx: &mut Ctx,
    key: &str,
    payload: &Value,
    account: Option<&str>,
) -> JobResult<Value> {
    let Some(key) = ResolverKey::parse(key) else {
        return Err(CoreError::new(ErrorCode::UnknownJob, "unknown resolver key").into());
    };
    match key {
        ResolverKey::Ping => {
            Fields::of(payload, "")?.finish()?;
            super::ping::run(ctx, account).await
        }
        ResolverKey::GetGlobalSettings => get_global(ctx, payload, account).await,
        ResolverKey::UpdateGlobalSettings => update_global(ctx, payload, account).await,
        ResolverKey::ListBoards => list_boards(ctx, payload, account).await,
        ResolverKey::GetBoardSettings => get_board(ctx, payload, account).await,
        ResolverKey::UpdateBoardSettings => update_board(ctx, payload, account).await,
        ResolverKey::GetLogs => get_logs(ctx, payload, account).await,
        ResolverKey::PreviewBulkPlan => super::bulk::preview(ctx, payload, account).await,
        ResolverKey::CreateBulkSprints => super::bulk::create(ctx, payload, account).await,
        ResolverKey::GetBulkJob => super::bulk::get(ctx, payload, account).await,
        ResolverKey::ListBulkJobs => super::bulk::list(ctx, payload, account).await,
        ResolverKey::CancelBulkJob => super::bulk::cancel(ctx, payload, account).await,
        ResolverKey::UndoBulkJob => super::bulk::undo(ctx, payload, account).await,
        ResolverKey::RenameFutureSprints => super::bulk::rename(ctx, payload, account).await,
        ResolverKey::GetSiteOverview => super::overview::run(ctx, payload, account).await,
    }
}

async fn get_global(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    Fields::of(payload, "")?.finish()?;
    auth::require(ctx, Action::SiteAdministration, account, None, None).await?;
    let settings = store::settings::load_global(ctx).await?;
    Ok(json!({ "settings": settings }))
}

async fn update_global(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let settings = GlobalSettings::from_payload(f.required("settings")?, "settings.")?;
    f.finish()?;
    auth::require(ctx, Action::SiteAdministration, account, None, None).await?;
    store::settings::save_global(ctx, &settings, ctx.now()).await?;
    ctx.set_log_retention(settings.log_retention_days);
    ctx.log(LogEntry::new(
        ctx.now(),
        Level::Info,
        LogKind::ConfigChanged,
        Reason::GlobalSettingsChanged,
        format!(
            "global settings changed: automation {}, default zone {}, carry-over {}, logs kept {} days",
            if settings.automation_enabled { "on" } else { "off" },
            settings.default_time_zone,
            settings.default_carry_over.as_str(),
            settings.log_retention_days
        ),
    ));
    Ok(json!({ "settings": settings }))
}

/// A board as Jira reports it.
struct JiraBoard {
    id: u64,
    name: String,
    project_key: Option<String>,
    /// `scrum`, `simple` (a team-managed project's board) or `kanban`.
    kind: String,
}

impl JiraBoard {
    /// Scrum boards have sprints, kanban boards none; a team-managed board has them when its
    /// project's Sprints feature is on (Jira answers its sprint list with a 400 otherwise, which
    /// the board's check reports).
    fn has_sprints(&self) -> bool {
        crate::settings::board_has_sprints(&self.kind)
    }
}

fn board_of(v: &Value) -> Option<JiraBoard> {
    Some(JiraBoard {
        id: crate::jira_time::id(&v["id"])?,
        name: v["name"].as_str().unwrap_or_default().to_string(),
        project_key: v["location"]["projectKey"].as_str().map(str::to_string),
        kind: v["type"].as_str().unwrap_or_default().to_string(),
    })
}

fn jira_failure(what: &str, r: &jira::Response) -> CoreError {
    r.to_error(what)
}

/// The board as the app sees it; `BOARD_NOT_FOUND` when Jira does not know it.
async fn fetch_board(ctx: &mut Ctx, board_id: u64) -> JobResult<JiraBoard> {
    let r = jira::boards::get(ctx, board_id).await?;
    match r.status {
        200 => board_of(&r.body).ok_or_else(|| {
            CoreError::new(ErrorCode::JiraError, "board answer without an id").into()
        }),
        404 => Err(CoreError::new(ErrorCode::BoardNotFound, "no such board").into()),
        _ => Err(jira_failure("reading the board", &r).into()),
    }
}

fn settings_view(board: &JiraBoard, stored: Option<&StoredBoard>, next: Option<&Value>) -> Value {
    json!({
        "nextAction": next.cloned(),
        "boardId": board.id,
        "name": board.name,
        "type": board.kind,
        "hasSprints": board.has_sprints(),
        "configured": stored.is_some(),
        "settings": stored.map(|s| s.settings.clone()).unwrap_or_default(),
        "changedBy": stored.map(|s| s.changed_by.clone()),
        "changedAt": stored.map(|s| s.changed_at),
    })
}

async fn list_boards(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    f.finish()?;
    auth::ProjectRights::fetch(ctx, account, &project).await?;
    let mut boards = Vec::new();
    let mut start_at = 0;
    for _ in 0..MAX_BOARD_PAGES {
        let r = jira::boards::of_project_page(ctx, &project, start_at).await?;
        if r.status != 200 {
            return Err(jira_failure("listing boards", &r).into());
        }
        let values = r.body["values"].as_array().map_or(&[][..], Vec::as_slice);
        start_at += values.len();
        // Jira can list boards whose filter merely touches the project: keep the project's own.
        boards.extend(
            values
                .iter()
                .filter_map(board_of)
                // Boards without sprints are listed too: the page explains them.
                .filter(|b| b.project_key.as_deref() == Some(project.as_str())),
        );
        if r.body["isLast"].as_bool().unwrap_or(true) || values.is_empty() {
            break;
        }
    }
    let ids: Vec<u64> = boards.iter().map(|b| b.id).collect();
    let stored = store::settings::load_boards(ctx, &ids).await?;
    let schedule = store::schedule::load_schedule(ctx, &ids).await?;
    let list: Vec<Value> = boards
        .iter()
        .map(|b| {
            settings_view(
                b,
                stored.iter().find(|s| s.board_id == b.id),
                schedule.iter().find(|n| n["boardId"] == json!(b.id)),
            )
        })
        .collect();
    // The page says so when the site has automation off (nothing it announces would happen).
    let global = store::settings::load_global(ctx).await?;
    Ok(json!({
        "projectKey": project,
        "siteAutomationEnabled": global.automation_enabled,
        "boards": list,
    }))
}

/// Read `projectKey` and `boardId`, check the caller administers the project, and that the board
/// is a board of that project with sprints, as Jira says.
async fn authorised_board(
    ctx: &mut Ctx,
    project: &str,
    board_id: u64,
    account: Option<&str>,
) -> JobResult<JiraBoard> {
    let rights = auth::ProjectRights::fetch(ctx, account, project).await?;
    let board = fetch_board(ctx, board_id).await?;
    rights.check(Some(board.project_key.as_deref().unwrap_or("")))?;
    if !board.has_sprints() {
        return Err(
            CoreError::new(
                ErrorCode::OutOfRange,
                "boardId: a kanban board has no sprints; scrum and team-managed boards with sprints can be automated",
            )
                .with_details(json!({ "field": "boardId" }))
                .into(),
        );
    }
    Ok(board)
}

async fn get_board(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    let board_id = f.id("boardId")?;
    f.finish()?;
    let board = authorised_board(ctx, &project, board_id, account).await?;
    let stored = store::settings::load_board(ctx, board_id).await?;
    let schedule = store::schedule::load_schedule(ctx, &[board_id]).await?;
    Ok(settings_view(&board, stored.as_ref(), schedule.first()))
}

async fn update_board(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let project = f.project_key("projectKey")?;
    let board_id = f.id("boardId")?;
    let settings = BoardSettings::from_payload(f.required("settings")?, "settings.")?;
    let confirmed = match f.optional("confirmActNow") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| f.type_fault("confirmActNow", "a boolean"))?,
    };
    f.finish()?;
    let board = authorised_board(ctx, &project, board_id, account).await?;
    let global = store::settings::load_global(ctx).await?;
    // One read of the board's open sprints serves both checks, and only when one of them runs.
    // Unreadable (a team-managed board with sprints off answers 400): keep-ahead cannot be
    // checked, so that save fails; otherwise the board's own check reports it after the save.
    let ask = !confirmed && global.automation_enabled;
    let sprints = if settings.automate && (settings.keep_ahead > 0 || ask) {
        match jira::sprints::of_board(ctx, board.id, jira::sprints::SprintStates::Open).await? {
            Ok(s) => Some(s),
            Err(r) if settings.keep_ahead > 0 => {
                return Err(jira_failure("reading the board's sprints", &r).into())
            }
            Err(_) => None,
        }
    } else {
        None
    };
    if let Some(sprints) = &sprints {
        check_keep_ahead_names(&board, &project, &settings, &global, sprints)?;
        if ask {
            let before = store::settings::load_board(ctx, board_id).await?;
            ask_before_acting(ctx.now(), &settings, before.as_ref(), &global, sprints)?;
        }
    }
    // `account` is Some here: authorised_board denied anonymous callers.
    let changed_by = account.unwrap_or_default();
    store::settings::save_board(ctx, board_id, &project, &settings, changed_by, ctx.now()).await?;
    store::schedule::schedule_board(ctx, board_id, settings.automate).await?;
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Info,
            LogKind::ConfigChanged,
            Reason::BoardSettingsChanged,
            format!(
                "board {board_id} settings changed: automation {}, start {}, close {}, keep ahead {}",
                on_off(settings.automate),
                on_off(settings.auto_start),
                on_off(settings.auto_close),
                settings.keep_ahead
            ),
        )
        .board(board_id),
    );
    let stored = store::settings::load_board(ctx, board_id).await?;
    let schedule = store::schedule::load_schedule(ctx, &[board_id]).await?;
    Ok(settings_view(&board, stored.as_ref(), schedule.first()))
}

/// Keep-ahead creates sprints named by the board's template: render the names the next top-up
/// would send (one read of the board's sprints, only when keep-ahead is on) and refuse the save
/// with a coded 400 on `settings.nameTemplate` if Jira would refuse any of them.
fn check_keep_ahead_names(
    board: &JiraBoard,
    project: &str,
    settings: &BoardSettings,
    global: &crate::settings::GlobalSettings,
    sprints: &[Sprint],
) -> JobResult<()> {
    if !settings.automate || settings.keep_ahead == 0 {
        return Ok(());
    }
    let context =
        crate::plan::context_of(board.id, &board.name, project, sprints, settings, global);
    let template = match settings.name_template.as_deref() {
        Some(t) => Some(crate::plan::parse_template(t, "settings.nameTemplate")?),
        None => None,
    };
    let plan = crate::plan::plan_top_up(&context, template.as_ref(), settings.keep_ahead)?;
    if let Some((sprint, fault)) = crate::plan::names_refused(&plan).first() {
        let mut e = fault.to_error("settings.nameTemplate", &sprint.name);
        if settings.name_template.is_none() {
            e.message = format!(
                "{} (the default template {} is used when none is set)",
                e.message,
                crate::plan::DEFAULT_TOP_UP_TEMPLATE
            );
        }
        return Err(e.into());
    }
    Ok(())
}

/// A change that makes the app act at once (switching on a board whose sprint ended hours ago
/// closes it and starts the next, at once and late) is refused with a coded 409 that lists what
/// would happen, until the caller confirms. Actions the stored settings would take anyway are
/// not the change's doing and are not asked about.
fn ask_before_acting(
    now: DateTime<Utc>,
    settings: &BoardSettings,
    before: Option<&StoredBoard>,
    global: &crate::settings::GlobalSettings,
    sprints: &[Sprint],
) -> JobResult<()> {
    let key = |a: &Act| match a {
        Act::Close(s) => ("close", s.id),
        Act::Start { sprint, .. } => ("start", sprint.id),
        Act::ReportMissed(s) => ("missed", s.id),
    };
    let policy = Policy::of(settings, global);
    let anyway: Vec<(&str, u64)> = before
        .filter(|b| b.settings.automate)
        .map(|b| engine::acts_at_once(&Policy::of(&b.settings, global), sprints, now))
        .unwrap_or_default()
        .iter()
        .map(key)
        .collect();
    // An action within its on-time margin is what switching a board on at its boundary means;
    // a late one (a sprint that ended hours ago) is the surprise to ask about.
    let late = |a: &Act| {
        let due = match a {
            Act::Close(s) => policy.close_instant(s),
            Act::Start { sprint, .. } => policy.start_instant(sprint),
            Act::ReportMissed(_) => None,
        };
        due.is_some_and(|d| now - d > engine::ON_TIME)
    };
    let acts: Vec<Act> = engine::acts_at_once(&policy, sprints, now)
        .into_iter()
        .filter(|a| !anyway.contains(&key(a)) && late(a))
        .collect();
    if acts.is_empty() {
        return Ok(());
    }
    let local = |t: DateTime<Utc>| {
        format!(
            "{} {}",
            crate::time_format::format(
                &t.with_timezone(&policy.tz),
                crate::time_format::DATE_HOUR_MINUTE
            ),
            policy.tz.name()
        )
    };
    let mut said = Vec::new();
    let mut listed = Vec::new();
    for a in &acts {
        let (kind, s, due) = match a {
            Act::Close(s) => ("close", s, policy.close_instant(s)),
            Act::Start { sprint, .. } => ("start", sprint, policy.start_instant(sprint)),
            Act::ReportMissed(_) => continue,
        };
        let late = due.map(|d| (now - d).num_minutes()).unwrap_or(0).max(0);
        let verb = if kind == "close" { "closes" } else { "starts" };
        said.push(match due {
            Some(d) if late > 10 => format!(
                "{verb} \"{}\" now, {} after its {} ({})",
                s.name,
                engine::span(late),
                if kind == "close" { "end" } else { "start" },
                local(d)
            ),
            _ => format!("{verb} \"{}\" now", s.name),
        });
        listed.push(json!({
            "kind": kind,
            "sprintId": s.id,
            "sprintName": s.name,
            "due": due,
            "dueLocal": due.map(local),
            "lateMinutes": late,
        }));
    }
    Err(CoreError::new(
        ErrorCode::ConfirmationNeeded,
        format!(
            "saving makes the app act at once: it {}; send confirmActNow to go ahead",
            said.join(", then ")
        ),
    )
    .with_details(json!({ "actions": listed }))
    .into())
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

async fn get_logs(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let board_id = match f.optional("boardId") {
        Some(_) => Some(f.id("boardId")?),
        None => None,
    };
    let level = f.opt_string("level", 10)?;
    if level.is_some_and(|l| !LEVEL_NAMES.contains(&l)) {
        return Err(f
            .fault(
                "level",
                ErrorCode::OutOfRange,
                "must be info, warn or error",
            )
            .into());
    }
    let kind = f.opt_string("kind", 20)?;
    if kind.is_some_and(|k| !KIND_NAMES.contains(&k)) {
        return Err(f
            .fault("kind", ErrorCode::OutOfRange, "not a log kind")
            .into());
    }
    let cursor = f.opt_string("cursor", 1000)?;
    let limit = f.opt_int("limit", 1, 100)?.unwrap_or(50) as u32;
    // A time window (instants: the page turns the viewer's dates into them).
    let mut instant = |key: &'static str| -> Result<Option<DateTime<Utc>>, CoreError> {
        match f.opt_string(key, 40)? {
            None => Ok(None),
            Some(t) => crate::jira_time::parse(t)
                .map(Some)
                .ok_or_else(|| f.fault(key, ErrorCode::InvalidType, "not an ISO-8601 instant")),
        }
    };
    let from = instant("from")?;
    let before = instant("before")?;
    if let (Some(a), Some(b)) = (from, before) {
        if b <= a {
            return Err(f
                .fault("before", ErrorCode::OutOfRange, "must come after from")
                .into());
        }
    }
    f.finish()?;
    auth::require(ctx, Action::SiteAdministration, account, None, None).await?;
    // Entries past the retention are hidden even if they were written under a longer one.
    let global = store::settings::load_global(ctx).await?;
    let retained = ctx.now() - chrono::Duration::days(i64::from(global.log_retention_days));
    let since = from.map_or(retained, |a| a.max(retained));
    if before.is_some_and(|b| b <= since) {
        // The window lies wholly before the retention: nothing to read.
        return Ok(json!({ "entries": [], "cursor": Value::Null }));
    }
    let r = ctx
        .perform(Effect::ReadLogs {
            board_id,
            level: level.map(str::to_string),
            kind: kind.map(str::to_string),
            since_ms: since.timestamp_millis(),
            until_ms: before.map(|b| b.timestamp_millis()),
            limit,
            cursor: cursor.map(str::to_string),
        })
        .await?;
    if let Some(e) = r.error {
        // A cursor the store does not recognise is the caller's fault, not the store's.
        if cursor.is_some() && (e.code.contains("BAD_REQUEST") || e.code.contains("INVALID")) {
            return Err(
                CoreError::new(ErrorCode::OutOfRange, "cursor: not a cursor from getLogs")
                    .with_details(json!({ "field": "cursor" }))
                    .into(),
            );
        }
        return Err(CoreError::new(
            ErrorCode::StorageError,
            format!("reading logs failed: {}", e.code),
        )
        .into());
    }
    let body = r.body.unwrap_or(Value::Null);
    Ok(json!({
        "entries": body["entries"].as_array().cloned().unwrap_or_default(),
        "cursor": body["cursor"].clone(),
    }))
}
