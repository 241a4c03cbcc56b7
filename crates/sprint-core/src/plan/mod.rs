//! Bulk sprint planning: from a caller's `plan` (first start, length, gap, count or end date,
//! calendar, name template) to dated, named sprints for one board.
//!
//! The preview and the job that creates the sprints call the same [`plan_board`], so what an
//! admin saw is what gets made. Times are local to the plan's zone and DST-exact through
//! [`crate::timecalc::local_instant`]: a sprint that spans a DST switch keeps its local time of day.

use crate::tz::Zone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::SprintState;
use crate::error::{CoreError, ErrorCode};
use crate::settings::{parse_time_of_day, parse_time_zone, MAX_HOLIDAYS, WEEKDAYS};
use crate::sprint_name::{self, NameFault};
use crate::timecalc::{iso_in, local_date, local_instant};
use crate::validate::Fields;

/// Most sprints one plan may make for one board.
pub const MAX_SPRINTS: usize = 100;
/// Longest sprint name Jira accepts (UTF-16 code units, see [`crate::sprint_name`]).
pub const MAX_NAME: usize = sprint_name::MAX_UNITS;
/// Name used by keep-ahead top-ups when the board names none.
pub const DEFAULT_TOP_UP_TEMPLATE: &str = "{board} Sprint {n}";

codes! {
    /// Warning codes of a plan (stable, matched by the UI).
    pub enum Warning {
        /// Overlaps a sprint the board already has.
        OverlapsExisting = "OVERLAPS_EXISTING",
        /// Overlaps another planned sprint.
        OverlapsPlanned = "OVERLAPS_PLANNED",
        /// Has the same name as another sprint.
        DuplicateName = "DUPLICATE_NAME",
        /// The rendered name is longer than Jira allows.
        NameTooLong = "NAME_TOO_LONG",
        /// The rendered name is empty once trimmed (Jira needs a name).
        NameEmpty = "NAME_EMPTY",
        /// The start fell on a non-working day or holiday and moved to the next working day.
        StartMovedOffNonWorkingDay = "START_MOVED_OFF_NON_WORKING_DAY",
        /// Top-up only: the board has no sprint with both dates to take the cadence from.
        NoDatedSprint = "NO_DATED_SPRINT",
        /// The same name is planned on another board of the job (Jira allows it; people confuse them).
        NameOnOtherBoard = "NAME_ON_OTHER_BOARD",
    }
}

mod cadence;
mod context;
mod input;
#[cfg(test)]
mod tests;

pub use crate::template::*;
use cadence::*;
pub use context::context_of;
pub use input::*;

// ---------------------------------------------------------------------------------------------
// Boards and results

/// What the planner needs to know about one board (read from Jira and SQL by the job).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardContext {
    pub board_id: u64,
    pub board_name: String,
    pub project_key: String,
    /// Existing sprints of the board, any state, in board order (closed, active, future).
    pub existing: Vec<ExistingSprint>,
    /// The board's zone (board setting, else global default) — used when the plan names no zone.
    pub default_tz: Zone,
    /// The board's calendar (from its settings) — used when the plan gives none.
    pub working_days: Vec<Weekday>,
    pub holidays: Vec<NaiveDate>,
}

/// A sprint the board already has.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingSprint {
    pub id: u64,
    pub name: String,
    pub state: SprintState,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// One planned sprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedSprint {
    /// Deterministic: the same plan for the same board gives the same keys.
    pub key: String,
    pub board_id: u64,
    /// 0-based position in date order.
    pub index: u32,
    pub name: String,
    pub goal: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// ISO with offset in the plan's zone.
    pub start_local: String,
    pub end_local: String,
    pub warnings: Vec<PlanWarning>,
}

/// Something an admin should see before creating.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanWarning {
    pub code: Warning,
    pub message: String,
}

/// The plan for one board: its sprints and one summary warning per code found on them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardPlan {
    pub board_id: u64,
    pub sprints: Vec<PlannedSprint>,
    pub warnings: Vec<PlanWarning>,
}

/// Mark the sprints whose name is planned on another board of the same job too (a template
/// without `{board}` gives every board the same names).
pub fn warn_names_across_boards(plans: &mut [BoardPlan]) {
    let mut boards_of: std::collections::BTreeMap<String, Vec<u64>> =
        std::collections::BTreeMap::new();
    for p in plans.iter() {
        for s in &p.sprints {
            let on = boards_of.entry(s.name.clone()).or_default();
            if !on.contains(&p.board_id) {
                on.push(p.board_id);
            }
        }
    }
    for p in plans.iter_mut() {
        for s in &mut p.sprints {
            let others: Vec<String> = boards_of[&s.name]
                .iter()
                .filter(|&&b| b != p.board_id)
                .map(|b| b.to_string())
                .collect();
            if !others.is_empty() {
                s.warnings.push(warning(
                    Warning::NameOnOtherBoard,
                    format!("also planned on board {}", others.join(", ")),
                ));
            }
        }
    }
}

fn warning(code: Warning, message: String) -> PlanWarning {
    PlanWarning { code, message }
}

// ---------------------------------------------------------------------------------------------
// Planning

/// The plan for one board. The SAME function gives the preview and the plan that is executed.
pub fn plan_board(input: &PlanInput, board: &BoardContext) -> Result<BoardPlan, CoreError> {
    let tz = input.time_zone.unwrap_or(board.default_tz);
    let (working_days, holidays) = match &input.calendar {
        Some(c) => (&c.working_days[..], &c.holidays[..]),
        None => (&board.working_days[..], &board.holidays[..]),
    };
    let time = input.first_start.time();
    let cadence = Cadence {
        tz,
        start_time: time,
        end_time: time,
        length_days: i64::from(input.length_days),
        gap_days: i64::from(input.gap_days),
        working_days,
        holidays,
        warn_weekday_moves: true,
    };
    let (stop, extent_field) = match input.extent {
        PlanExtent::Count(n) => (Stop::Count(n as usize), "count"),
        PlanExtent::Until(d) => (Stop::Until(d), "until"),
    };
    let path = |field: &str| format!("{}{field}", input.prefix);
    let fault = |code, field: String, message: &str| {
        CoreError::new(code, format!("{field}: {message}")).with_details(json!({ "field": field }))
    };
    let slots = cadence
        .slots(input.first_start.date(), stop)
        .map_err(|e| match e {
            SlotFault::NoWorkingDay => fault(
                ErrorCode::OutOfRange,
                path("calendar.workingDays"),
                "the calendar has no working day",
            ),
            SlotFault::TooMany => fault(
                ErrorCode::PlanTooLarge,
                path(extent_field),
                "the plan makes more than 100 sprints for a board",
            ),
            SlotFault::NoneFits => fault(
                ErrorCode::PlanEndsBeforeStart,
                path("until"),
                "the first sprint would end after this date",
            ),
        })?;
    let naming = Naming {
        name: &input.name_template,
        goal: input.goal_template.as_ref(),
        pi: input.pi.as_ref(),
        first_number: input.start_number.map_or_else(
            || running_number(board.existing.iter().map(|s| s.name.as_str())),
            u64::from,
        ),
    };
    Ok(assemble(board, tz, &slots, &naming))
}

/// Every planned sprint whose name Jira would refuse, with the reason. Creation must then be
/// refused with a coded 400 listing them all: names are never cut or sent blank.
pub fn names_refused(plan: &BoardPlan) -> Vec<(&PlannedSprint, NameFault)> {
    plan.sprints
        .iter()
        .filter_map(|s| sprint_name::for_jira(&s.name).err().map(|f| (s, f)))
        .collect()
}

/// Keep-ahead top-up: plan `count` more sprints after the board's last sprint (the dated one that
/// ends last), as long as that sprint in local days and with its local start and end times,
/// named by `template` (default [`DEFAULT_TOP_UP_TEMPLATE`]), on the board's calendar and zone.
/// A board with no dated sprint gets an empty plan with a NO_DATED_SPRINT warning.
pub fn plan_top_up(
    board: &BoardContext,
    template: Option<&PlanTemplate>,
    count: u32,
) -> Result<BoardPlan, CoreError> {
    if count as usize > MAX_SPRINTS {
        return Err(CoreError::new(
            ErrorCode::PlanTooLarge,
            "count: at most 100 sprints per board",
        )
        .with_details(json!({ "field": "count" })));
    }
    let default_template;
    let template = match template {
        Some(t) => t,
        None => {
            default_template = parse_template(DEFAULT_TOP_UP_TEMPLATE, "template")?;
            &default_template
        }
    };
    template.check_pi(false)?;
    let dated = board
        .existing
        .iter()
        .filter_map(|s| Some((s.start?, s.end?)));
    // max_by_key keeps the last of equals: later in board order wins a tie.
    let Some((last_start, last_end)) = dated.max_by_key(|(_, end)| *end) else {
        let message = "the board has no sprint with dates to continue from".to_string();
        return Ok(BoardPlan {
            board_id: board.board_id,
            sprints: Vec::new(),
            warnings: vec![warning(Warning::NoDatedSprint, message)],
        });
    };
    let tz = board.default_tz;
    let (start, end) = (last_start.with_timezone(&tz), last_end.with_timezone(&tz));
    let mut length_days = (end.date_naive() - start.date_naive()).num_days();
    let mut end_time = end.time();
    if length_days < 0 || (length_days == 0 && end_time <= start.time()) {
        // A sprint that ends before it starts has no usable length: make it a day.
        length_days = 1;
        end_time = start.time();
    }
    let cadence = Cadence {
        tz,
        start_time: start.time(),
        end_time,
        length_days,
        gap_days: 0,
        working_days: &board.working_days,
        holidays: &board.holidays,
        warn_weekday_moves: false,
    };
    let later_end = i64::from(end_time > start.time());
    let first = end.date_naive() + Duration::days(later_end);
    let slots = cadence
        .slots(first, Stop::Count(count as usize))
        .map_err(|_| {
            CoreError::new(ErrorCode::OutOfRange, "workingDays: no working day")
                .with_details(json!({ "field": "workingDays" }))
        })?;
    let naming = Naming {
        name: template,
        goal: None,
        pi: None,
        first_number: running_number(board.existing.iter().map(|s| s.name.as_str())),
    };
    Ok(assemble(board, tz, &slots, &naming))
}

/// "Rename future sprints": the board's future sprints in board order, each as
/// `{sprintId, from, to}`. `{n}` continues after the largest number ending a closed or active
/// sprint's name; dates are local in the board's zone. PI tokens render empty: check
/// [`PlanTemplate::uses_pi`] first.
pub fn rename_future(template: &PlanTemplate, board: &BoardContext) -> Vec<Value> {
    let (future, started): (Vec<&ExistingSprint>, Vec<&ExistingSprint>) = board
        .existing
        .iter()
        .partition(|s| s.state == SprintState::Future);
    let first_number = running_number(started.iter().map(|s| s.name.as_str()));
    let tz = board.default_tz;
    future
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let vars = TemplateVars {
                board: board.board_name.clone(),
                project: board.project_key.clone(),
                number: first_number + i as u64,
                start: s.start.map(|t| local_date(tz, t)),
                end: s.end.map(|t| local_date(tz, t)),
                pi: None,
            };
            json!({ "sprintId": s.id, "from": s.name, "to": render_name(template, &vars) })
        })
        .collect()
}
