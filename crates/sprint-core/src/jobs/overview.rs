//! `getSiteOverview`: every automated board on the site, for Jira admins. Read from the app's own
//! tables only (no Jira call as the app, so opening the page costs no points); the page resolves
//! board and project names in one batch as the viewer.

use crate::tz::Zone;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::auth::{self, Action};
use crate::engine::ON_TIME;
use crate::settings::parse_time_zone;
use crate::step::{Ctx, JobResult};
use crate::store::{self, overview::OverviewRow};
use crate::validate::Fields;

/// Most boards in one answer.
const MAX_LIMIT: i64 = 500;
/// How far back the last rollover is looked for (longer than any sprint the app plans).
const LAST_ROLLOVER_WITHIN: Duration = Duration::days(35);

/// How a board stands, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Automation is off for the whole site.
    SiteOff,
    /// Its next action falls before the reset of Jira's points quota, which holds every call.
    WaitingForJiraQuota,
    /// Its next action was refused (open sub-tasks, an active sprint, no destination).
    Blocked,
    /// Its next action is overdue by more than the on-time margin.
    Late,
    /// The readiness look found something that would block or surprise the next close.
    Attention,
    /// Nothing to report.
    Ok,
}

impl Standing {
    /// The stable name the page filters on.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::SiteOff => "siteOff",
            Standing::WaitingForJiraQuota => "waitingForJiraQuota",
            Standing::Blocked => "blocked",
            Standing::Late => "late",
            Standing::Attention => "attention",
            Standing::Ok => "ok",
        }
    }
}

/// Where a board stands at `now`.
pub fn standing(
    now: DateTime<Utc>,
    site_on: bool,
    wall_until: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
    problem: Option<&str>,
    readiness_problems: usize,
) -> Standing {
    // Anything due before the wall's reset waits for it.
    let walled = wall_until.is_some_and(|w| w > now && next_due.is_some_and(|d| d < w));
    if !site_on {
        Standing::SiteOff
    } else if walled {
        Standing::WaitingForJiraQuota
    } else if problem.is_some() {
        Standing::Blocked
    } else if next_due.is_some_and(|d| now - d > ON_TIME) {
        Standing::Late
    } else if readiness_problems > 0 {
        Standing::Attention
    } else {
        Standing::Ok
    }
}

pub(crate) async fn run(ctx: &mut Ctx, payload: &Value, account: Option<&str>) -> JobResult<Value> {
    let mut f = Fields::of(payload, "")?;
    let after = match f.optional("after") {
        Some(_) => Some(f.id("after")?),
        None => None,
    };
    let limit = f.opt_int("limit", 1, MAX_LIMIT)?.unwrap_or(200) as usize;
    f.finish()?;
    auth::require(ctx, Action::SiteAdministration, account, None, None).await?;
    let global = store::settings::load_global(ctx).await?;
    let now = ctx.now();
    let wall = ctx
        .jira_wall_until()
        .and_then(DateTime::from_timestamp_millis)
        .filter(|&w| w > now);
    let short = ctx
        .jira_short_until()
        .and_then(DateTime::from_timestamp_millis)
        .filter(|&s| s > now);
    let since = (now - LAST_ROLLOVER_WITHIN).timestamp_millis();
    let mut rows =
        store::overview::overview_rows(ctx, after.unwrap_or(0), limit + 1, since).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let default_zone = parse_time_zone(&global.default_time_zone).unwrap_or(Zone::UTC);
    let boards: Vec<Value> = rows
        .iter()
        .map(|r| board_view(r, now, global.automation_enabled, wall, default_zone))
        .collect();
    Ok(json!({
        "automationEnabled": global.automation_enabled,
        "jiraQuota": {
            "wallUntil": wall,
            "shortUntil": short,
        },
        "boards": boards,
        "next": if more { rows.last().map(|r| r.board.board_id) } else { None },
    }))
}

fn board_view(
    r: &OverviewRow,
    now: DateTime<Utc>,
    site_on: bool,
    wall: Option<DateTime<Utc>>,
    default_zone: Zone,
) -> Value {
    let zone = r
        .board
        .settings
        .time_zone
        .as_deref()
        .and_then(parse_time_zone)
        .unwrap_or(default_zone);
    let local = |t: DateTime<Utc>| {
        crate::time_format::format(
            &t.with_timezone(&zone),
            crate::time_format::DATE_HOUR_MINUTE,
        )
        .to_string()
    };
    let next_due = r.next_due_at.and_then(DateTime::from_timestamp_millis);
    let readiness: Vec<Value> = r
        .readiness
        .as_ref()
        .and_then(|v| v["problems"].as_array())
        .map(|ps| ps.iter().map(|p| p["code"].clone()).collect())
        .unwrap_or_default();
    let s = standing(
        now,
        site_on,
        wall,
        next_due,
        r.problem.as_deref(),
        readiness.len(),
    );
    let late_minutes = next_due
        .filter(|&d| now - d > ON_TIME)
        .map(|d| (now - d).num_minutes());
    json!({
        "boardId": r.board.board_id,
        "projectKey": r.board.project_key,
        "timeZone": zone.name(),
        "status": s.as_str(),
        "problem": r.problem,
        "readiness": readiness,
        "lateMinutes": late_minutes,
        "nextAction": next_due.map(|at| json!({
            "kind": r.next_action.as_deref().unwrap_or("check"),
            "at": at,
            "local": local(at),
            "sprintId": r.next_sprint_id,
        })),
        "dailyLook": r.daily_look_at.and_then(DateTime::from_timestamp_millis),
        "lastRollover": r.last.as_ref().and_then(|(sprint, phase, at)| {
            let at = DateTime::from_timestamp_millis(*at)?;
            Some(json!({ "sprintId": sprint, "phase": phase, "at": at, "local": local(at) }))
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_worst_standing_is_said() {
        let now = t("2026-03-02T09:30:00Z");
        let due = Some(t("2026-03-02T09:00:00Z"));
        let wall = Some(t("2026-03-02T10:00:00Z"));
        assert_eq!(
            standing(now, false, wall, due, Some("X"), 1),
            Standing::SiteOff
        );
        assert_eq!(
            standing(now, true, wall, due, Some("OPEN_SUBTASKS"), 1),
            Standing::WaitingForJiraQuota
        );
        assert_eq!(
            standing(now, true, None, due, Some("OPEN_SUBTASKS"), 1),
            Standing::Blocked
        );
        assert_eq!(standing(now, true, None, due, None, 1), Standing::Late);
        // within the on-time margin it is not late yet
        let just = Some(now - Duration::minutes(9));
        assert_eq!(standing(now, true, None, just, None, 0), Standing::Ok);
        let later = Some(t("2026-03-03T09:00:00Z"));
        assert_eq!(
            standing(now, true, None, later, None, 2),
            Standing::Attention
        );
        // a wall with nothing due holds nothing of this board
        assert_eq!(standing(now, true, wall, later, None, 0), Standing::Ok);
    }
}
