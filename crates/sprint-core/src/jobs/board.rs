//! One board's check: take the board's lease, read its sprints from Jira, close and start what is
//! due (carrying unfinished work over), write when to look next, release the lease.
//!
//! Safe to repeat at any point: every action re-reads Jira first (a moved issue is no longer in
//! the sprint, a closed sprint is no longer active), the carry-over destination is recorded in
//! `rollovers` before the first move, and the lease keeps two ticks off the same board.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::effect::Effect;
use crate::engine::{self, Action, Handled, Policy, Run, Sprint, SprintState};
use crate::jira::{self, Request, Response};
use crate::log::{Level, LogEntry, LogKind};
use crate::settings::CarryOver;
use crate::step::{Ctx, JobResult};
use crate::store::{self, int};
use crate::timecalc;

/// Issues per page when listing a sprint (Jira's cap for this endpoint).
pub const ISSUE_PAGE: usize = 100;
/// Issues per move request (Jira's limit).
pub const MOVE_BATCH: usize = 50;
/// A board job does not start with less time than this left in the invocation.
pub const MIN_REMAINING_MS: u64 = 60_000;
/// Most sprint pages read for one board (50 sprints a page).
const MAX_SPRINT_PAGES: usize = 20;

pub(crate) async fn run(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    lease_ms: u64,
    daily_look: bool,
) -> JobResult<Value> {
    let now = ctx.now();
    // Too little time left to finish a rollover safely: leave the board for the continuation.
    let remaining = ctx
        .perform(Effect::RemainingTime {})
        .await?
        .remaining_ms
        .unwrap_or(0);
    if remaining < MIN_REMAINING_MS {
        return Ok(json!({ "boardId": board_id, "result": "deferred" }));
    }
    let lease_until = now + Duration::milliseconds(lease_ms as i64);
    let got = store::sql(
        ctx,
        "UPDATE board_schedule SET lease_owner = ?, lease_until = ? WHERE board_id = ? \
         AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
        vec![
            json!(owner),
            json!(lease_until.timestamp_millis()),
            json!(board_id),
            json!(now.timestamp_millis()),
            json!(owner),
        ],
    )
    .await?;
    if got.affected_rows.unwrap_or(0) == 0 {
        // Another tick holds it (or the row is gone): that tick does the work.
        return Ok(json!({ "boardId": board_id, "result": "leased" }));
    }

    let global = store::load_global(ctx).await?;
    let Some(stored) = store::load_board(ctx, board_id).await? else {
        release(ctx, board_id, owner, None).await?;
        return Ok(json!({ "boardId": board_id, "result": "unconfigured" }));
    };
    if !stored.settings.automate || !global.automation_enabled {
        release(ctx, board_id, owner, None).await?;
        return Ok(json!({ "boardId": board_id, "result": "off" }));
    }
    let policy = Policy::of(&stored.settings, &global);

    let mut sprints = match list_board_sprints(ctx, board_id, SprintStates::Open).await? {
        Ok(s) => s,
        Err(r) => {
            let retry = now + engine::RETRY_AFTER;
            ctx.log(
                LogEntry::new(
                    now,
                    Level::Error,
                    LogKind::Failed,
                    "SPRINTS_UNREADABLE",
                    format!("board {board_id}: could not read its sprints"),
                )
                .board(board_id)
                .jira(r.error_summary()),
            );
            // A readiness look due now waits for the retry too (else every five-minute check
            // would pick the board again).
            let (look_at, previous) = store::load_readiness(ctx, board_id).await?;
            if !matches!(r.status, 401 | 403)
                && look_at.is_some_and(|t| t <= now.timestamp_millis())
            {
                store::save_readiness(
                    ctx,
                    board_id,
                    previous.as_ref(),
                    Some(retry.timestamp_millis()),
                )
                .await?;
            }
            if matches!(r.status, 401 | 403) {
                // The app lost its access to the board (its project role was removed): every
                // start and close will fail until an admin gives it back; say so on the page.
                let found = json!({
                    "sprintId": Value::Null,
                    "checkedAt": now,
                    "problems": [access_missing()],
                });
                let known = previous
                    .as_ref()
                    .is_some_and(|p| p["problems"] == found["problems"]);
                if !known {
                    store::save_readiness(ctx, board_id, Some(&found), None).await?;
                }
            }
            let retry = engine::Upcoming {
                at: retry,
                kind: engine::UpcomingKind::Retry,
                sprint_id: 0,
            };
            release(ctx, board_id, owner, Some(retry)).await?;
            return Ok(json!({ "boardId": board_id, "result": "failed" }));
        }
    };
    let mut run = Run::default();
    for id in missed_sprints(ctx, &sprints).await? {
        run.handled.insert(id, Handled::Missed);
    }
    let mut carry_pending = false;
    settle_interrupted(ctx, &policy, board_id, &mut sprints, &mut carry_pending).await?;

    let mut done = Vec::new();
    while let Some(action) = engine::next_action(&policy, &sprints, &run, now) {
        match action {
            Action::Close(s) => {
                let h = close(
                    ctx,
                    &policy,
                    board_id,
                    &s,
                    &mut sprints,
                    stored.changed_at,
                    &mut carry_pending,
                )
                .await?;
                run.handled.insert(s.id, h);
                if h == Handled::Closed {
                    mark(&mut sprints, s.id, SprintState::Closed);
                    done.push(json!({ "closed": s.id }));
                }
                if carry_pending {
                    // The unfinished work is still in the backlog: the next sprint waits for it
                    // (a start now would record it as added after the start).
                    break;
                }
            }
            Action::Start { sprint, start, end } => {
                let h = start_sprint(
                    ctx,
                    &policy,
                    board_id,
                    &sprint,
                    start,
                    end,
                    &sprints,
                    stored.changed_at,
                )
                .await?;
                run.handled.insert(sprint.id, h);
                if h == Handled::Started {
                    mark(&mut sprints, sprint.id, SprintState::Active);
                    done.push(json!({ "started": sprint.id }));
                }
            }
            Action::ReportMissed(s) => {
                record(ctx, s.id, board_id, "missed", None).await?;
                ctx.log(
                    LogEntry::new(now, Level::Warn, LogKind::Skipped, "START_AND_END_PASSED", format!("sprint {} was not started: its start and its end both passed before the app could start it", s.id))
                        .board(board_id)
                        .sprint(s.id),
                );
                run.handled.insert(s.id, Handled::Missed);
            }
        }
    }
    // Keep-ahead has no deadline: it tops up at the board's daily look (spread over the day,
    // away from the boundaries), not in the run at a sprint's start or close, and not while
    // Jira's points are short.
    let keep = stored.settings.keep_ahead as usize;
    let future = sprints
        .iter()
        .filter(|s| s.state == SprintState::Future)
        .count();
    if daily_look && keep > future && !ctx.jira_points_short() {
        for id in top_up(ctx, board_id, &stored, &global, &mut sprints, keep - future).await? {
            done.push(json!({ "created": id }));
        }
    }
    look_ahead(ctx, &policy, board_id, &sprints).await?;
    let mut next = engine::upcoming(&policy, &sprints, &run, now);
    if carry_pending {
        // A carry-over that did not finish is tried again soon, not at the daily reconcile.
        let retry = now + engine::RETRY_AFTER;
        if next.is_none_or(|u| u.at > retry) {
            next = Some(engine::Upcoming {
                at: retry,
                kind: engine::UpcomingKind::Retry,
                sprint_id: 0,
            });
        }
    }
    release(ctx, board_id, owner, next).await?;
    let due = next.map(|u| u.at);
    Ok(json!({ "boardId": board_id, "result": "checked", "actions": done, "nextDueAt": due }))
}

/// Keep-ahead: create sprints until the board has the future sprints it asks for, continuing its
/// last sprint's length, its naming template and calendar. Re-runs find what an interrupted run
/// created (same name and start) and create nothing twice.
async fn top_up(
    ctx: &mut Ctx,
    board_id: u64,
    stored: &store::StoredBoard,
    global: &crate::settings::GlobalSettings,
    sprints: &mut Vec<Sprint>,
    missing: usize,
) -> JobResult<Vec<u64>> {
    let now = ctx.now();
    let b = jira::send(
        ctx,
        &Request::get(format!("/rest/agile/1.0/board/{board_id}")),
    )
    .await?;
    if b.status != 200 {
        return Ok(Vec::new());
    }
    let name = b.body["name"].as_str().unwrap_or_default();
    let board = super::bulk::context_of(
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
            crate::sprint_name::NameFault::Empty => crate::plan::NAME_EMPTY,
            crate::sprint_name::NameFault::TooLong { .. } => crate::plan::NAME_TOO_LONG,
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
        match create_sprint(ctx, board_id, body).await? {
            Ok(s) => {
                ctx.log(
                    LogEntry::new(
                        now,
                        Level::Info,
                        LogKind::Created,
                        "KEEP_AHEAD_SPRINT_CREATED",
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
                        "KEEP_AHEAD_CREATE_FAILED",
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

/// Close readiness: a day and an hour before the board's next automated close, look at what
/// would block or surprise it (done parents with open sub-tasks, no next sprint to carry work to,
/// a next sprint that will have ended, the app's access to the board). Logged once when the
/// findings change (`CLOSE_NOT_READY`, then `CLOSE_READY` when fixed), kept for the settings page.
async fn look_ahead(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprints: &[Sprint],
) -> JobResult<()> {
    let now = ctx.now();
    let (look_at, previous) = store::load_readiness(ctx, board_id).await?;
    let Some((closing, close_at)) = engine::next_close(policy, sprints) else {
        if look_at.is_some() || previous.is_some() {
            store::save_readiness(ctx, board_id, None, None).await?;
        }
        return Ok(());
    };
    let next_look = engine::next_readiness_look(close_at, now).map(|t| t.timestamp_millis());
    let same_sprint = previous
        .as_ref()
        .is_some_and(|p| p["sprintId"] == json!(closing.id));
    // Only inside the window before THIS close: a look scheduled for a sprint that has since
    // closed is not spent on the next one.
    let window = engine::READINESS_LOOKS[0];
    let due = look_at.is_some_and(|t| t <= now.timestamp_millis())
        && close_at > now
        && now >= close_at - window;
    if !due {
        // A readiness of a sprint that is no longer the next to close is stale: drop it.
        let keep = if same_sprint { previous.as_ref() } else { None };
        if look_at != next_look || (!same_sprint && previous.is_some()) {
            store::save_readiness(ctx, board_id, keep, next_look).await?;
        }
        return Ok(());
    }
    let mut problems = engine::sprint_problems(policy, sprints, closing, close_at);
    match done_statuses(ctx, board_id).await? {
        Ok(done) => match list_unfinished(ctx, closing.id, &done, Unread::OpenSubtasks).await? {
            Ok(open) => {
                let mut seen = HashSet::new();
                let mut keys: Vec<String> = (open.into_iter())
                    .filter_map(|i| i.parent_done)
                    .filter(|k| seen.insert(k.clone()))
                    .collect();
                keys.truncate(20);
                if !keys.is_empty() {
                    problems.insert(
                        0,
                        engine::ReadinessProblem {
                            code: "OPEN_SUBTASKS".into(),
                            keys,
                        },
                    );
                }
            }
            Err(r) if matches!(r.status, 401 | 403) => problems.push(access_missing()),
            Err(_) => {
                return look_again_later(ctx, board_id, previous.as_ref(), same_sprint, close_at)
                    .await
            }
        },
        Err(r) if matches!(r.status, 401 | 403) => problems.push(access_missing()),
        // Jira could not answer now: nothing is claimed, and the look is tried again.
        Err(_) => {
            return look_again_later(ctx, board_id, previous.as_ref(), same_sprint, close_at).await
        }
    }
    let before: Vec<engine::ReadinessProblem> = previous
        .as_ref()
        .filter(|_| same_sprint)
        .and_then(|p| serde_json::from_value(p["problems"].clone()).ok())
        .unwrap_or_default();
    if problems != before {
        let when = format!(
            "{} {}",
            close_at.with_timezone(&policy.tz).format("%Y-%m-%d %H:%M"),
            policy.tz.name()
        );
        let entry = if problems.is_empty() {
            LogEntry::new(
                now,
                Level::Info,
                LogKind::Skipped,
                "CLOSE_READY",
                format!(
                    "sprint {}: what would have blocked its close at {when} is fixed",
                    closing.id
                ),
            )
        } else {
            let what: Vec<String> = problems
                .iter()
                .map(|p| {
                    if p.keys.is_empty() {
                        p.code.clone()
                    } else {
                        format!("{} ({})", p.code, p.keys.join(", "))
                    }
                })
                .collect();
            LogEntry::new(
                now,
                Level::Warn,
                LogKind::Skipped,
                "CLOSE_NOT_READY",
                format!(
                    "sprint {} closes at {when}; found ahead: {}",
                    closing.id,
                    what.join("; ")
                ),
            )
        };
        ctx.log(entry.board(board_id).sprint(closing.id));
    }
    let found = json!({
        "sprintId": closing.id,
        "closeAt": close_at,
        "checkedAt": now,
        "problems": problems,
    });
    store::save_readiness(ctx, board_id, Some(&found), next_look).await?;
    Ok(())
}

/// Jira could not answer the look: the last findings stay as they were, and the board is looked at
/// again after [`engine::RETRY_AFTER`] while the close is still ahead.
async fn look_again_later(
    ctx: &mut Ctx,
    board_id: u64,
    previous: Option<&Value>,
    same_sprint: bool,
    close_at: DateTime<Utc>,
) -> JobResult<()> {
    let again = ctx.now() + engine::RETRY_AFTER;
    let next = (again < close_at).then(|| again.timestamp_millis());
    store::save_readiness(ctx, board_id, previous.filter(|_| same_sprint), next).await?;
    Ok(())
}

fn access_missing() -> engine::ReadinessProblem {
    engine::ReadinessProblem {
        code: "APP_ACCESS_MISSING".into(),
        keys: Vec::new(),
    }
}

fn mark(sprints: &mut [Sprint], id: u64, state: SprintState) {
    if let Some(s) = sprints.iter_mut().find(|s| s.id == id) {
        s.state = state;
    }
}

/// Write when to look next and give up the lease (only if we still hold it).
async fn release(
    ctx: &mut Ctx,
    board_id: u64,
    owner: &str,
    next: Option<engine::Upcoming>,
) -> JobResult<()> {
    let now = ctx.now();
    store::sql(
        ctx,
        "UPDATE board_schedule SET next_due_at = ?, next_action = ?, next_sprint_id = ?, reconcile_at = ?, \
         lease_owner = NULL, lease_until = NULL WHERE board_id = ? AND lease_owner = ?",
        vec![
            json!(next.map(|u| u.at.timestamp_millis())),
            json!(next.map(|u| u.kind.as_str())),
            json!(next.map(|u| u.sprint_id)),
            json!(crate::spend::next_daily_look(board_id, now, next.map(|u| u.at)).timestamp_millis()),
            json!(board_id),
            json!(owner),
        ],
    ).await?;
    Ok(())
}

/// Attempts at a create whose outcome was unknown before giving up.
const CREATE_ATTEMPTS: usize = 3;

/// Create a sprint exactly once: a lost answer is settled by looking for the sprint on the board
/// (same name and start) before trying again.
pub(crate) async fn create_sprint(
    ctx: &mut Ctx,
    board_id: u64,
    body: Value,
) -> JobResult<Result<Sprint, Response>> {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let start = crate::jira_time::field(&body, "startDate");
    let mut last = None;
    for _ in 0..CREATE_ATTEMPTS {
        let r =
            jira::send_once(ctx, &Request::post("/rest/agile/1.0/sprint", body.clone())).await?;
        if r.is_success() {
            if let Some(s) = Sprint::from_jira(&r.body) {
                return Ok(Ok(s));
            }
        } else if (400..500).contains(&r.status) {
            // Refused: it did not happen (a 429 included), and a retry now would not help.
            return Ok(Err(r));
        }
        if let Ok(sprints) = list_board_sprints(ctx, board_id, SprintStates::Open).await? {
            if let Some(s) = sprints
                .into_iter()
                .find(|s| s.name == name && s.start == start)
            {
                return Ok(Ok(s));
            }
        }
        last = Some(r);
    }
    Ok(Err(last.unwrap_or(Response {
        status: 0,
        body: Value::Null,
        failure: None,
        quota_wall_until: None,
    })))
}

/// Which sprints to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SprintStates {
    /// Active and future (what the check acts on).
    Open,
    /// Closed too (running numbers for names).
    All,
}

/// The board's own sprints in board order, or the failed answer.
pub(crate) async fn list_board_sprints(
    ctx: &mut Ctx,
    board_id: u64,
    states: SprintStates,
) -> JobResult<Result<Vec<Sprint>, Response>> {
    let filter = match states {
        SprintStates::Open => "active%2Cfuture",
        SprintStates::All => "closed%2Cactive%2Cfuture",
    };
    let mut out = Vec::new();
    let mut start_at = 0;
    for _ in 0..MAX_SPRINT_PAGES {
        let r = jira::send(
            ctx,
            &Request::get(format!(
                "/rest/agile/1.0/board/{board_id}/sprint?state={filter}&startAt={start_at}&maxResults=50"
            )),
        ).await?;
        if r.status != 200 {
            return Ok(Err(r));
        }
        let values = r.body["values"].as_array().cloned().unwrap_or_default();
        start_at += values.len();
        // Shared sprints of other boards show here too: only the board's own are its to run.
        out.extend(
            values
                .iter()
                .filter_map(Sprint::from_jira)
                .filter(|s| s.origin_board_id.is_none_or(|b| b == board_id)),
        );
        if r.body["isLast"].as_bool().unwrap_or(true) || values.is_empty() {
            break;
        }
    }
    Ok(Ok(out))
}

/// Finish what an earlier run left half-done when it died: a sprint it was starting that is now
/// active was started by it; a sprint it was closing that is no longer open was closed by it, and
/// its carry-over is finished from Jira's own record ([`finish_carry_over`]). Logged once (the
/// record moves on), so the audit trail has every action.
async fn settle_interrupted(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprints: &mut Vec<Sprint>,
    carry_pending: &mut bool,
) -> JobResult<()> {
    let rows = store::rows(
        ctx,
        "SELECT sprint_id, phase FROM rollovers WHERE board_id = ? \
         AND phase IN ('starting', 'moving', 'closing', 'carrying')",
        vec![json!(board_id)],
    )
    .await?;
    for row in rows {
        let Some(id) = int(&row["sprint_id"]).map(|n| n as u64) else {
            continue;
        };
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
        match row["phase"].as_str() {
            Some("starting") if open == Some(SprintState::Active) => {
                record(ctx, id, board_id, "started", None).await?;
                confirm(ctx, LogKind::Started, "SPRINT_STARTED", "started");
            }
            // Before 0.1.0's close-first carry-over: moves were done before the close.
            Some("moving") if gone => {
                record(ctx, id, board_id, "closed", None).await?;
                confirm(ctx, LogKind::Closed, "SPRINT_CLOSED", "closed");
            }
            Some("closing") if gone => {
                record(ctx, id, board_id, "carrying", None).await?;
                confirm(ctx, LogKind::Closed, "SPRINT_CLOSED", "closed");
                *carry_pending |= !finish_carry_over(ctx, policy, board_id, id, sprints).await?;
            }
            Some("carrying") if gone => {
                *carry_pending |= !finish_carry_over(ctx, policy, board_id, id, sprints).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sprints reported as missed earlier (never reported twice).
async fn missed_sprints(ctx: &mut Ctx, sprints: &[Sprint]) -> JobResult<Vec<u64>> {
    let future: Vec<u64> = sprints
        .iter()
        .filter(|s| s.state == SprintState::Future)
        .map(|s| s.id)
        .collect();
    if future.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; future.len()].join(", ");
    let rows = store::rows(
        ctx,
        &format!(
            "SELECT sprint_id FROM rollovers WHERE phase = 'missed' AND sprint_id IN ({marks})"
        ),
        future.iter().map(|id| json!(id)).collect(),
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| int(&r["sprint_id"]).map(|n| n as u64))
        .collect())
}

async fn record(
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
    store::sql(
        ctx,
        "INSERT INTO rollovers (sprint_id, board_id, phase, destination_sprint_id, started_at, closed_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE phase = VALUES(phase), \
         last_problem = IF(VALUES(phase) IN ('started', 'carrying'), NULL, last_problem), \
         destination_sprint_id = COALESCE(VALUES(destination_sprint_id), destination_sprint_id), \
         started_at = COALESCE(VALUES(started_at), started_at), closed_at = COALESCE(VALUES(closed_at), closed_at), \
         updated_at = VALUES(updated_at)",
        vec![
            json!(sprint_id),
            json!(board_id),
            json!(phase),
            json!(destination),
            json!(started),
            json!(closed),
            json!(now),
        ],
    ).await?;
    Ok(())
}

/// An unfinished issue of a closing sprint, as the close needs it.
struct Unfinished {
    key: String,
    subtask: bool,
    /// For a sub-task: its parent is done (Jira then refuses to complete the sprint).
    parent_done: Option<String>,
}

/// How the board tells a done issue.
#[derive(Debug, Clone, PartialEq)]
enum Done {
    /// In the board's right-most column with statuses (Jira's own rule for a scrum board).
    Statuses(HashSet<String>),
    /// The board has no readable configuration (a team-managed board may not answer it:
    /// undocumented): the status category Done, which such boards' columns follow.
    Category,
}

impl Done {
    fn status(&self, status: &Value) -> bool {
        match self {
            Done::Statuses(ids) => ids.contains(&status_id(status)),
            Done::Category => status["statusCategory"]["key"] == "done",
        }
    }

    /// The JQL clause that keeps only unfinished issues.
    fn unfinished_clause(&self) -> Option<String> {
        match self {
            Done::Statuses(ids) if ids.is_empty() => None,
            Done::Statuses(ids) => {
                let mut list: Vec<&str> = ids.iter().map(String::as_str).collect();
                crate::sort::sort(&mut list);
                Some(format!("status not in ({})", list.join(", ")))
            }
            Done::Category => Some("statusCategory != Done".to_string()),
        }
    }
}

/// The board's done rule: the statuses of the last column that has statuses mapped, or the status
/// category when the board has no configuration to read (400/404), as a team-managed board may.
async fn done_statuses(ctx: &mut Ctx, board_id: u64) -> JobResult<Result<Done, Response>> {
    let r = jira::send(
        ctx,
        &Request::get(format!("/rest/agile/1.0/board/{board_id}/configuration")),
    )
    .await?;
    if matches!(r.status, 400 | 404) {
        return Ok(Ok(Done::Category));
    }
    if r.status != 200 {
        return Ok(Err(r));
    }
    let columns = r.body["columnConfig"]["columns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = columns
        .iter()
        .rev()
        .find(|c| c["statuses"].as_array().is_some_and(|s| !s.is_empty()));
    Ok(Ok(Done::Statuses(
        last.and_then(|c| c["statuses"].as_array())
            .map(|s| {
                s.iter()
                    .map(status_id)
                    .filter(|id| !id.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    )))
}

fn status_id(v: &Value) -> String {
    crate::jira_time::id(&v["id"])
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Which of a sprint's unfinished issues to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unread {
    /// All of them (the sprint is still open).
    All,
    /// Only those left in the backlog since the sprint closed: an interrupted carry-over resumes
    /// with them, and issues the team has moved to a sprint meanwhile stay where they are.
    InBacklog,
    /// Only open sub-tasks (a readiness look: those under a done parent block the close).
    OpenSubtasks,
}

/// The keys to carry over, in rank order: sub-tasks travel with their parents.
fn parents_of(unfinished: &[Unfinished]) -> Vec<String> {
    unfinished
        .iter()
        .filter(|i| !i.subtask)
        .map(|i| i.key.clone())
        .collect()
}

/// The sprint's issues whose status is not in the board's Done column, in rank order: one JQL
/// read that costs 1 + n points for n unfinished issues (not 1 + m for the whole sprint). Each
/// comes with what the close needs: is it a sub-task, and is its parent done.
async fn list_unfinished(
    ctx: &mut Ctx,
    sprint_id: u64,
    done: &Done,
    which: Unread,
) -> JobResult<Result<Vec<Unfinished>, Response>> {
    let mut clauses: Vec<String> = done.unfinished_clause().into_iter().collect();
    match which {
        // "Open" sprints are the started ones in Jira's JQL reference; future ones are named too.
        Unread::InBacklog => clauses
            .push("sprint not in openSprints() AND sprint not in futureSprints()".to_string()),
        Unread::OpenSubtasks => clauses.push("issuetype in subTaskIssueTypes()".to_string()),
        Unread::All => {}
    }
    let jql = if clauses.is_empty() {
        String::new()
    } else {
        format!("&jql={}", jira::encode(&clauses.join(" AND ")))
    };
    let mut out = Vec::new();
    let mut start_at = 0;
    loop {
        let r = jira::send(
            ctx,
            &Request::get(format!(
                "/rest/agile/1.0/sprint/{sprint_id}/issue?fields=status%2Cissuetype%2Cparent{jql}&startAt={start_at}&maxResults={ISSUE_PAGE}"
            )),
        ).await?;
        if r.status != 200 {
            return Ok(Err(r));
        }
        let issues = r.body["issues"].as_array().cloned().unwrap_or_default();
        for i in &issues {
            let f = &i["fields"];
            // The JQL already filtered; a status in the Done column would only come from an answer
            // that ignored it, and a done issue is never carried.
            if done.status(&f["status"]) {
                continue;
            }
            let subtask = f["issuetype"]["subtask"].as_bool().unwrap_or(false);
            let parent = &f["parent"];
            let parent_done = (subtask && done.status(&parent["fields"]["status"]))
                .then(|| parent["key"].as_str().unwrap_or_default().to_string());
            out.push(Unfinished {
                key: i["key"].as_str().unwrap_or_default().to_string(),
                subtask,
                parent_done,
            });
        }
        start_at += issues.len();
        // Jira may cap a page below what was asked and may leave out `total`: stop on an empty
        // page, on `isLast`, at `total`, or on a page shorter than the answer's own page size.
        let total = r.body["total"].as_u64().map(|t| t as usize);
        let page_size = r.body["maxResults"]
            .as_u64()
            .map_or(ISSUE_PAGE, |m| m as usize);
        if issues.is_empty()
            || r.body["isLast"].as_bool() == Some(true)
            || total.is_some_and(|t| start_at >= t)
            || (total.is_none() && issues.len() < page_size)
        {
            break;
        }
    }
    Ok(Ok(out))
}

/// Log a failed or blocked attempt at a sprint and remember its reason (a late action says why).
async fn fail(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
    reason: &str,
    what: &str,
    r: &Response,
) -> JobResult<Handled> {
    let now = ctx.now();
    ctx.log(
        LogEntry::new(
            now,
            Level::Error,
            LogKind::Failed,
            reason,
            format!("sprint {sprint_id}: {what}"),
        )
        .board(board_id)
        .sprint(sprint_id)
        .jira(r.error_summary()),
    );
    note_problem(ctx, sprint_id, board_id, reason).await?;
    Ok(Handled::Blocked)
}

/// Remember why the last attempt at a sprint did not go through (keeps the rollover's phase).
async fn note_problem(ctx: &mut Ctx, sprint_id: u64, board_id: u64, reason: &str) -> JobResult<()> {
    store::sql(
        ctx,
        "INSERT INTO rollovers (sprint_id, board_id, phase, updated_at, last_problem) VALUES (?, ?, 'waiting', ?, ?) \
         ON DUPLICATE KEY UPDATE last_problem = VALUES(last_problem), updated_at = VALUES(updated_at)",
        vec![
            json!(sprint_id),
            json!(board_id),
            json!(ctx.now().timestamp_millis()),
            json!(reason),
        ],
    ).await?;
    Ok(())
}

/// " on time", or " 3 h 12 min late (due …): why", for an action at `due` taken now.
async fn timeliness(
    ctx: &mut Ctx,
    policy: &Policy,
    sprint_id: u64,
    due: DateTime<Utc>,
    settings_changed_at: i64,
) -> JobResult<String> {
    let cause = late_cause(ctx, sprint_id, due, settings_changed_at).await?;
    Ok(match engine::late_note(due, ctx.now(), policy.tz, &cause) {
        Some(late) => format!(" {late}"),
        None => " on time".to_string(),
    })
}

/// Why an action at `due` comes now: the last problem noted for the sprint, else a settings
/// change after `due`, else checks that did not run.
async fn late_cause(
    ctx: &mut Ctx,
    sprint_id: u64,
    due: DateTime<Utc>,
    settings_changed_at: i64,
) -> JobResult<engine::LateCause> {
    let rows = store::rows(
        ctx,
        "SELECT last_problem FROM rollovers WHERE sprint_id = ?",
        vec![json!(sprint_id)],
    )
    .await?;
    let first = if let Some(code) = rows.first().and_then(|r| r["last_problem"].as_str()) {
        engine::LateCause::Blocked(code.to_string())
    } else if settings_changed_at > due.timestamp_millis() {
        engine::LateCause::SettingsChanged
    } else {
        engine::LateCause::MissedChecks
    };
    // Jira's quota wall explains the lateness it covered: a wall ends at the top of the hour
    // after it began, so one that ended more than an hour (and the on-time margin) after the due
    // instant came after another cause.
    let wall = ctx
        .jira_wall_until()
        .filter(|&w| w > due.timestamp_millis())
        .and_then(DateTime::from_timestamp_millis);
    Ok(match wall {
        Some(until) if until - due <= Duration::hours(1) + engine::ON_TIME => {
            engine::LateCause::QuotaWall(until)
        }
        Some(until) => engine::LateCause::QuotaWallAfter(Box::new(first), until),
        None => first,
    })
}

/// Close the sprint the way Jira's own "Complete sprint" dialog does, then carry its unfinished
/// work over. Closing first lets Jira record the unfinished issues as "not completed" on the
/// sprint (its Sprint Report, and their Sprint field keeps the closed sprint); Jira puts them in
/// the backlog, and from there they move to the destination in rank order. Between the two steps
/// everything is recoverable from Jira alone (see [`finish_carry_over`]). Blocked, and left exactly
/// as it is, by a done issue with open sub-tasks: Jira refuses to complete such a sprint.
async fn close(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
    settings_changed_at: i64,
    carry_pending: &mut bool,
) -> JobResult<Handled> {
    let now = ctx.now();
    let done = match done_statuses(ctx, board_id).await? {
        Ok(d) => d,
        Err(r) => {
            return fail(
                ctx,
                board_id,
                s.id,
                "BOARD_CONFIGURATION_UNREADABLE",
                "board configuration could not be read",
                &r,
            )
            .await
        }
    };
    let unfinished = match list_unfinished(ctx, s.id, &done, Unread::All).await? {
        Ok(i) => i,
        Err(r) => {
            return fail(
                ctx,
                board_id,
                s.id,
                "ISSUES_UNREADABLE",
                "its issues could not be read",
                &r,
            )
            .await
        }
    };
    let mut seen = HashSet::new();
    let blockers: Vec<&str> = unfinished
        .iter()
        .filter_map(|i| i.parent_done.as_deref())
        .filter(|k| seen.insert(*k))
        .collect();
    if !blockers.is_empty() {
        let shown: Vec<&str> = blockers.iter().take(20).copied().collect();
        ctx.log(
            LogEntry::new(
                now,
                Level::Warn,
                LogKind::Skipped,
                "OPEN_SUBTASKS",
                format!(
                    "sprint {} not closed: done issues with open sub-tasks: {}{}",
                    s.id,
                    shown.join(", "),
                    if blockers.len() > shown.len() {
                        " …"
                    } else {
                        ""
                    }
                ),
            )
            .board(board_id)
            .sprint(s.id),
        );
        note_problem(ctx, s.id, board_id, "OPEN_SUBTASKS").await?;
        return Ok(Handled::Blocked);
    }
    let carry = parents_of(&unfinished);
    let destination = if carry.is_empty() {
        None
    } else {
        match destination(ctx, policy, board_id, s, sprints).await? {
            Ok(d) => d,
            Err(r) => {
                return fail(
                    ctx,
                    board_id,
                    s.id,
                    "DESTINATION_UNAVAILABLE",
                    "the sprint for unfinished work could not be created",
                    &r,
                )
                .await
            }
        }
    };
    // Noted before the call: a run that dies after Jira closed the sprint leaves what the next
    // run needs to finish the carry-over (the destination) and to log the close.
    record(ctx, s.id, board_id, "closing", destination).await?;
    let r = jira::send(
        ctx,
        &Request::post(
            format!("/rest/agile/1.0/sprint/{}", s.id),
            json!({ "state": "closed" }),
        ),
    )
    .await?;
    if !r.is_success() {
        // Re-read: a retry after a lost answer finds it closed already.
        let again = jira::send(
            ctx,
            &Request::get(format!("/rest/agile/1.0/sprint/{}", s.id)),
        )
        .await?;
        if again.body["state"] != "closed" {
            // Not closed, for certain: the rollover is no longer "closing" (a person may complete
            // the sprint by hand and choose where its work goes; that close is not ours).
            record(ctx, s.id, board_id, "waiting", None).await?;
            return fail(
                ctx,
                board_id,
                s.id,
                "CLOSE_FAILED",
                "Jira refused to close it",
                &r,
            )
            .await;
        }
    }
    let due = policy.close_instant(s).unwrap_or(now);
    let when = timeliness(ctx, policy, s.id, due, settings_changed_at).await?;
    record(ctx, s.id, board_id, "carrying", None).await?;
    ctx.log(
        LogEntry::new(
            now,
            Level::Info,
            LogKind::Closed,
            "SPRINT_CLOSED",
            format!(
                "sprint {} closed{when}, {} issues not completed",
                s.id,
                carry.len()
            ),
        )
        .board(board_id)
        .sprint(s.id),
    );
    if carry_over(ctx, board_id, s.id, destination, &carry).await? {
        record(ctx, s.id, board_id, "closed", None).await?;
    } else {
        *carry_pending = true;
    }
    Ok(Handled::Closed)
}

/// Move a closed sprint's unfinished issues (in rank order) from the backlog, where Jira put them,
/// to the destination sprint. To the backlog there is nothing to move. `false` when a move failed
/// (logged): the rollover stays in `carrying` and a run 15 minutes later finishes it.
async fn carry_over(
    ctx: &mut Ctx,
    board_id: u64,
    sprint_id: u64,
    destination: Option<u64>,
    carry: &[String],
) -> JobResult<bool> {
    if carry.is_empty() {
        return Ok(true);
    }
    if let Some(d) = destination {
        for batch in carry.chunks(MOVE_BATCH) {
            let r = jira::send(
                ctx,
                &Request::post(
                    format!("/rest/agile/1.0/sprint/{d}/issue"),
                    json!({ "issues": batch }),
                ),
            )
            .await?;
            if !r.is_success() {
                fail(
                    ctx,
                    board_id,
                    sprint_id,
                    "MOVE_FAILED",
                    "unfinished issues could not be moved",
                    &r,
                )
                .await?;
                return Ok(false);
            }
        }
    }
    let to = destination.map_or("the backlog".to_string(), |d| format!("sprint {d}"));
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Info,
            LogKind::Moved,
            "UNFINISHED_MOVED",
            format!(
                "{} unfinished issues of sprint {sprint_id} carried to {to}",
                carry.len()
            ),
        )
        .board(board_id)
        .sprint(sprint_id),
    );
    Ok(true)
}

/// A rollover an earlier run left between its close and its carry-over: the sprint is closed (it
/// is no longer among the board's open sprints) and some of its unfinished issues may still sit
/// in the backlog. Read those from Jira (the closed sprint's unfinished issues that are in no open
/// sprint), move them to the recorded destination (or a new choice if that sprint has closed
/// too), and log what the interrupted run could not.
async fn finish_carry_over(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    sprint_id: u64,
    sprints: &mut Vec<Sprint>,
) -> JobResult<bool> {
    let done = match done_statuses(ctx, board_id).await? {
        Ok(d) => d,
        Err(r) => {
            let what = "board configuration could not be read";
            fail(
                ctx,
                board_id,
                sprint_id,
                "BOARD_CONFIGURATION_UNREADABLE",
                what,
                &r,
            )
            .await?;
            return Ok(false);
        }
    };
    let left = match list_unfinished(ctx, sprint_id, &done, Unread::InBacklog).await? {
        Ok(i) => i,
        // The sprint is gone (deleted): nothing of it can be carried any more.
        Err(r) if r.status == 404 => Vec::new(),
        Err(r) => {
            let what = "its issues could not be read";
            fail(ctx, board_id, sprint_id, "ISSUES_UNREADABLE", what, &r).await?;
            return Ok(false);
        }
    };
    let carry = parents_of(&left);
    let chosen = if carry.is_empty() {
        Destination::Known(None)
    } else {
        choose_destination(ctx, policy, sprint_id, sprints).await?
    };
    let destination = match chosen {
        Destination::Known(d) => d,
        Destination::Create => {
            // Only now is the closed sprint read: its name and dates name and date the new one.
            let read = jira::send(
                ctx,
                &Request::get(format!("/rest/agile/1.0/sprint/{sprint_id}")),
            )
            .await?;
            let Some(closed) = Sprint::from_jira(&read.body) else {
                let what = "the closed sprint could not be read";
                fail(ctx, board_id, sprint_id, "SPRINTS_UNREADABLE", what, &read).await?;
                return Ok(false);
            };
            match create_follow_on(ctx, policy, board_id, &closed, sprints).await? {
                Ok(d) => d,
                Err(r) => {
                    let what = "the sprint for unfinished work could not be created";
                    fail(
                        ctx,
                        board_id,
                        sprint_id,
                        "DESTINATION_UNAVAILABLE",
                        what,
                        &r,
                    )
                    .await?;
                    return Ok(false);
                }
            }
        }
    };
    let moved = carry_over(ctx, board_id, sprint_id, destination, &carry).await?;
    if moved {
        record(ctx, sprint_id, board_id, "closed", None).await?;
    }
    Ok(moved)
}

/// Where unfinished work goes, when an existing place will do.
enum Destination {
    /// This sprint, or the backlog (`None`).
    Known(Option<u64>),
    /// A follow-on sprint must be created (carry-over `nextSprintCreate` with no next sprint).
    Create,
}

/// Choose where the closing sprint's unfinished work goes, without any Jira call.
async fn choose_destination(
    ctx: &mut Ctx,
    policy: &Policy,
    closing: u64,
    sprints: &[Sprint],
) -> JobResult<Destination> {
    // An earlier attempt chose already: keep to it while that sprint can still take issues.
    let earlier = store::rows(
        ctx,
        "SELECT destination_sprint_id FROM rollovers WHERE sprint_id = ?",
        vec![json!(closing)],
    )
    .await?;
    if let Some(d) = earlier
        .first()
        .and_then(|r| int(&r["destination_sprint_id"]))
        .map(|n| n as u64)
    {
        if sprints
            .iter()
            .any(|x| x.id == d && x.state != SprintState::Closed)
        {
            return Ok(Destination::Known(Some(d)));
        }
    }
    if policy.carry_over == CarryOver::Backlog {
        return Ok(Destination::Known(None));
    }
    if let Some(next) = engine::next_future_sprint(policy, sprints, closing, ctx.now()) {
        return Ok(Destination::Known(Some(next.id)));
    }
    if policy.carry_over == CarryOver::NextSprint {
        return Ok(Destination::Known(None));
    }
    Ok(Destination::Create)
}

/// Where unfinished work goes (`Ok(None)` is the backlog): an existing place, or a follow-on
/// sprint created after `s` (its name and dates continue `s`'s).
async fn destination(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
) -> JobResult<Result<Option<u64>, Response>> {
    match choose_destination(ctx, policy, s.id, sprints).await? {
        Destination::Known(d) => Ok(Ok(d)),
        Destination::Create => create_follow_on(ctx, policy, board_id, s, sprints).await,
    }
}

/// Create the follow-on sprint. A crash after the create is safe: the retry finds it as the next
/// future sprint.
async fn create_follow_on(
    ctx: &mut Ctx,
    policy: &Policy,
    board_id: u64,
    s: &Sprint,
    sprints: &mut Vec<Sprint>,
) -> JobResult<Result<Option<u64>, Response>> {
    let name = engine::follow_on_name(&s.name);
    let mut body = json!({ "name": name, "originBoardId": board_id });
    if let (Some(start), Some(end)) = (policy.start_instant(s), policy.close_instant(s)) {
        let length = end - start;
        body["startDate"] = json!(timecalc::iso_in(policy.tz, end));
        body["endDate"] = json!(timecalc::iso_in(policy.tz, end + length));
    }
    let created = match create_sprint(ctx, board_id, body).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    ctx.log(
        LogEntry::new(
            ctx.now(),
            Level::Info,
            LogKind::Created,
            "FOLLOW_ON_SPRINT_CREATED",
            format!(
                "sprint {} created for the unfinished work of sprint {}",
                created.id, s.id
            ),
        )
        .board(board_id)
        .sprint(created.id),
    );
    let id = created.id;
    sprints.push(created);
    Ok(Ok(Some(id)))
}

#[allow(clippy::too_many_arguments)]
async fn start_sprint(
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
    let body = json!({
        "state": "active",
        "startDate": timecalc::iso_in(policy.tz, start),
        "endDate": timecalc::iso_in(policy.tz, end),
    });
    let r = jira::send(
        ctx,
        &Request::post(format!("/rest/agile/1.0/sprint/{}", s.id), body),
    )
    .await?;
    if !r.is_success() {
        // A lost answer may hide a start that happened: re-read before calling it a failure.
        let again = jira::send(
            ctx,
            &Request::get(format!("/rest/agile/1.0/sprint/{}", s.id)),
        )
        .await?;
        if again.body["state"] != "active" {
            let busy = sprints
                .iter()
                .any(|x| x.id != s.id && x.state == SprintState::Active);
            if r.status == 400 && busy {
                ctx.log(
                    LogEntry::new(now, Level::Warn, LogKind::Skipped, "ACTIVE_SPRINT_EXISTS", format!("sprint {} not started: the board already has an active sprint and Jira allows only one", s.id))
                        .board(board_id)
                        .sprint(s.id)
                        .jira(r.error_summary()),
                );
                note_problem(ctx, s.id, board_id, "ACTIVE_SPRINT_EXISTS").await?;
                return Ok(Handled::Waiting);
            }
            return fail(
                ctx,
                board_id,
                s.id,
                "START_FAILED",
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
            "SPRINT_STARTED",
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
