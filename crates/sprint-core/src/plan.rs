//! Bulk sprint planning: from a caller's `plan` (first start, length, gap, count or end date,
//! calendar, name template) to dated, named sprints for one board.
//!
//! The preview and the job that creates the sprints call the same [`plan_board`], so what an
//! admin saw is what gets made. Times are local to the plan's zone and DST-exact through
//! [`crate::timecalc::local_instant`]: a sprint that spans a DST switch keeps its local time of day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{json, Value};

use crate::engine::SprintState;
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

/// Warning codes (stable, matched by the UI).
pub const OVERLAPS_EXISTING: &str = "OVERLAPS_EXISTING";
pub const OVERLAPS_PLANNED: &str = "OVERLAPS_PLANNED";
pub const DUPLICATE_NAME: &str = "DUPLICATE_NAME";
pub const NAME_TOO_LONG: &str = "NAME_TOO_LONG";
/// The rendered name is empty once trimmed (Jira needs a name).
pub const NAME_EMPTY: &str = "NAME_EMPTY";
pub const START_MOVED_OFF_NON_WORKING_DAY: &str = "START_MOVED_OFF_NON_WORKING_DAY";
/// Top-up only: the board has no sprint with both dates to take the cadence from.
pub const NO_DATED_SPRINT: &str = "NO_DATED_SPRINT";
/// The same name is planned on another board of the job (Jira allows it; people confuse them).
pub const NAME_ON_OTHER_BOARD: &str = "NAME_ON_OTHER_BOARD";

// ---------------------------------------------------------------------------------------------
// Templates

/// A parsed name or goal template. Build with [`parse_template`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTemplate {
    /// The payload field it came from, named by errors about it.
    field: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Token(Token),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Board,
    Project,
    Number,
    /// `{start}`/`{end}` and their `:FMT` forms; the chrono format string.
    Date(Edge, &'static str),
    Week,
    Quarter,
    Year,
    Pi,
    SprintInPi,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Edge {
    Start,
    End,
}

/// The date formats a template may ask for, as admins write them, and chrono's spelling.
const DATE_FORMATS: [(&str, &str); 6] = [
    ("YYYY-MM-DD", "%Y-%m-%d"),
    ("DD.MM.", "%d.%m."),
    ("DD.MM.YYYY", "%d.%m.%Y"),
    ("MMM D", "%b %-d"),
    ("D MMM", "%-d %b"),
    ("MM/DD", "%m/%d"),
];

impl Token {
    fn parse(name: &str) -> Option<Token> {
        let (head, format) = match name.split_once(':') {
            Some((h, f)) => (h, Some(f)),
            None => (name, None),
        };
        let edge = match head {
            "start" => Edge::Start,
            "end" => Edge::End,
            _ if format.is_some() => return None,
            "board" => return Some(Token::Board),
            "project" => return Some(Token::Project),
            "n" => return Some(Token::Number),
            "week" => return Some(Token::Week),
            "quarter" => return Some(Token::Quarter),
            "year" => return Some(Token::Year),
            "pi" => return Some(Token::Pi),
            "sprintInPi" => return Some(Token::SprintInPi),
            _ => return None,
        };
        let chrono = match format {
            None => "%Y-%m-%d",
            Some(f) => DATE_FORMATS.iter().find(|(name, _)| *name == f)?.1,
        };
        Some(Token::Date(edge, chrono))
    }
}

fn template_fault(field: &str, message: String, token: &str) -> CoreError {
    CoreError::new(
        ErrorCode::TemplateTokenUnknown,
        format!("{field}: {message}"),
    )
    .with_details(json!({ "field": field, "token": token }))
}

/// Parse a template. Tokens: `{board}`, `{project}`, `{n}`, `{start}`, `{end}`, `{start:FMT}`,
/// `{end:FMT}` (FMT one of `YYYY-MM-DD`, `DD.MM.`, `DD.MM.YYYY`, `MMM D`, `D MMM`, `MM/DD`),
/// `{week}`, `{quarter}`, `{year}`, `{pi}`, `{sprintInPi}`; `{{` and `}}` are literal braces.
/// `field` (`plan.nameTemplate`) is named by this and later errors. Length limits are the
/// caller's (read the string with [`Fields::string`] first).
pub fn parse_template(s: &str, field: &str) -> Result<PlanTemplate, CoreError> {
    // Control characters and bidirectional overrides would reach Jira in sprint names, where
    // they hide or reorder text (spoofing): refuse them.
    if s.chars().any(|c| {
        c.is_control()
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        return Err(CoreError::new(
            ErrorCode::OutOfRange,
            format!("{field}: control and text-direction characters are not allowed"),
        )
        .with_details(json!({ "field": field })));
    }
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if chars.peek() == Some(&c) => {
                chars.next();
                text.push(c);
            }
            '{' => {
                let mut name = String::new();
                let closed = loop {
                    match chars.next() {
                        Some('}') => break true,
                        Some('{') | None => break false,
                        Some(c) => name.push(c),
                    }
                };
                // Echo at most 40 characters of the token: it is caller input.
                let shown: String = name.chars().take(40).collect();
                if !closed {
                    let token = format!("{{{shown}");
                    return Err(template_fault(
                        field,
                        format!("unbalanced brace at {token}"),
                        &token,
                    ));
                }
                let token = Token::parse(&name).ok_or_else(|| {
                    let token = format!("{{{shown}}}");
                    template_fault(field, format!("unknown template token {token}"), &token)
                })?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Token(token));
            }
            '}' => return Err(template_fault(field, "unbalanced brace }".to_string(), "}")),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(PlanTemplate {
        field: field.to_string(),
        parts,
    })
}

impl PlanTemplate {
    /// True when the template uses `{pi}` or `{sprintInPi}`, which need a PI setup.
    pub fn uses_pi(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Token(Token::Pi | Token::SprintInPi)))
    }

    /// The field this template came from.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Refuse PI tokens where no PI is configured.
    fn check_pi(&self, pi_given: bool) -> Result<(), CoreError> {
        if self.uses_pi() && !pi_given {
            let message = "{pi} and {sprintInPi} need a pi setting".to_string();
            return Err(template_fault(&self.field, message, "{pi}"));
        }
        Ok(())
    }

    fn render(&self, vars: &TemplateVars) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Token(t) => out.push_str(&vars.value(*t)),
            }
        }
        out
    }
}

/// A sprint's position in a SAFe Program Increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiPosition {
    pub pi: u32,
    pub sprint_in_pi: u32,
}

/// What the tokens of a template stand for, for one sprint.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVars {
    pub board: String,
    pub project: String,
    /// The running number `{n}`.
    pub number: u64,
    /// Local dates in the plan's zone; `None` (an undated sprint) renders date tokens empty.
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// `None` renders `{pi}`/`{sprintInPi}` empty (check [`PlanTemplate::uses_pi`] first).
    pub pi: Option<PiPosition>,
}

impl TemplateVars {
    fn value(&self, token: Token) -> String {
        let on_start = |f: &dyn Fn(NaiveDate) -> String| self.start.map(f).unwrap_or_default();
        match token {
            Token::Board => self.board.clone(),
            Token::Project => self.project.clone(),
            Token::Number => self.number.to_string(),
            Token::Date(edge, format) => {
                let date = if edge == Edge::Start {
                    self.start
                } else {
                    self.end
                };
                date.map(|d| d.format(format).to_string())
                    .unwrap_or_default()
            }
            Token::Week => on_start(&|d| format!("{:02}", d.iso_week().week())),
            Token::Quarter => on_start(&|d| format!("Q{}", d.month0() / 3 + 1)),
            Token::Year => on_start(&|d| d.year().to_string()),
            Token::Pi => self.pi.map(|p| p.pi.to_string()).unwrap_or_default(),
            Token::SprintInPi => self
                .pi
                .map(|p| p.sprint_in_pi.to_string())
                .unwrap_or_default(),
        }
    }
}

/// Render a sprint name (trimmed, as Jira stores it). Used for planned sprints and by "rename
/// future sprints".
pub fn render_name(template: &PlanTemplate, vars: &TemplateVars) -> String {
    template.render(vars).trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// The plan payload

/// How many sprints: a number, or as many as end on or before a local date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlanExtent {
    Count(u32),
    Until(NaiveDate),
}

/// Working days and holidays.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub working_days: Vec<Weekday>,
    pub holidays: Vec<NaiveDate>,
}

/// SAFe PI numbering: sprint k of the plan is sprint `firstSprintInPi + k` counted across PIs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiConfig {
    pub sprints_per_pi: u32,
    pub first_pi: u32,
    pub first_sprint_in_pi: u32,
}

impl PiConfig {
    fn position(&self, index: usize) -> PiPosition {
        let per = u64::from(self.sprints_per_pi.max(1));
        let offset = u64::from(self.first_sprint_in_pi.saturating_sub(1)) + index as u64;
        PiPosition {
            pi: self.first_pi.saturating_add((offset / per) as u32),
            sprint_in_pi: (offset % per) as u32 + 1,
        }
    }
}

/// A parsed, validated plan (the caller's `plan` object). Build with [`parse_plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    /// Local date and time of the first sprint's start (before moving off a non-working day).
    pub first_start: NaiveDateTime,
    /// `None`: the board's zone.
    pub time_zone: Option<Tz>,
    pub length_days: u32,
    pub gap_days: u32,
    pub extent: PlanExtent,
    /// `None`: the board's calendar.
    pub calendar: Option<Calendar>,
    pub name_template: PlanTemplate,
    pub goal_template: Option<PlanTemplate>,
    pub pi: Option<PiConfig>,
    /// `None`: continue the board's running number.
    pub start_number: Option<u32>,
    /// Path of the payload (`plan.`), for fields named by errors found while planning.
    pub prefix: String,
}

/// A weekday from its stored name (`MON`..`SUN`).
fn weekday(name: &str) -> Option<Weekday> {
    let i = WEEKDAYS.iter().position(|w| *w == name)?;
    Weekday::try_from(i as u8).ok()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

fn read_first_start(f: &mut Fields) -> Result<NaiveDateTime, CoreError> {
    let s = f.string("firstStart", 16)?;
    let date = (s.len() == 16 && s.is_ascii() && s.as_bytes()[10] == b'T')
        .then(|| parse_date(&s[..10]))
        .flatten()
        .ok_or_else(|| f.type_fault("firstStart", "a local date-time YYYY-MM-DDTHH:MM"))?;
    let time = parse_time_of_day(&s[11..]).ok_or_else(|| {
        f.fault(
            "firstStart",
            ErrorCode::InvalidTimeOfDay,
            "the time must be HH:MM between 00:00 and 23:59",
        )
    })?;
    Ok(date.and_time(time))
}

fn read_length(v: &Value, prefix: &str) -> Result<u32, CoreError> {
    let mut f = Fields::of(v, prefix)?;
    let value = f.int("value", 1, 365)? as u32;
    let per = match f.string("unit", 5)? {
        "days" => 1,
        "weeks" => 7,
        _ => {
            return Err(f.fault("unit", ErrorCode::OutOfRange, "must be days or weeks"));
        }
    };
    f.finish()?;
    Ok(value * per)
}

fn read_calendar(v: &Value, prefix: &str) -> Result<Calendar, CoreError> {
    let mut f = Fields::of(v, prefix)?;
    let mut working_days = Vec::new();
    for d in f.array("workingDays", 7)? {
        let day = d
            .as_str()
            .and_then(weekday)
            .ok_or_else(|| f.fault("workingDays", ErrorCode::OutOfRange, "days are MON..SUN"))?;
        if working_days.contains(&day) {
            return Err(f.fault("workingDays", ErrorCode::OutOfRange, "a day is repeated"));
        }
        working_days.push(day);
    }
    if working_days.is_empty() {
        let message = "at least one working day";
        return Err(f.fault("workingDays", ErrorCode::OutOfRange, message));
    }
    working_days.sort_by_key(|d| d.num_days_from_monday());
    let mut holidays = Vec::new();
    if f.optional("holidays").is_some() {
        for h in f.array("holidays", MAX_HOLIDAYS)? {
            let date = h.as_str().and_then(parse_date).ok_or_else(|| {
                f.fault("holidays", ErrorCode::InvalidType, "dates are YYYY-MM-DD")
            })?;
            holidays.push(date);
        }
    }
    holidays.sort();
    holidays.dedup();
    f.finish()?;
    Ok(Calendar {
        working_days,
        holidays,
    })
}

fn read_pi(v: &Value, prefix: &str) -> Result<PiConfig, CoreError> {
    let mut f = Fields::of(v, prefix)?;
    let sprints_per_pi = f.int("sprintsPerPi", 1, 20)? as u32;
    let first_pi = f.opt_int("firstPi", 1, 999)?.unwrap_or(1) as u32;
    let first_sprint_in_pi = f.opt_int("firstSprintInPi", 1, 20)?.unwrap_or(1) as u32;
    if first_sprint_in_pi > sprints_per_pi {
        let message = "must not exceed sprintsPerPi";
        return Err(f.fault("firstSprintInPi", ErrorCode::OutOfRange, message));
    }
    f.finish()?;
    Ok(PiConfig {
        sprints_per_pi,
        first_pi,
        first_sprint_in_pi,
    })
}

/// Parse and validate the whole `plan` payload object (strict: unknown fields refused).
pub fn parse_plan(v: &Value, prefix: &str) -> Result<PlanInput, CoreError> {
    let mut f = Fields::of(v, prefix)?;
    let first_start = read_first_start(&mut f)?;
    let time_zone = match f.opt_string("timeZone", 64)? {
        None => None,
        Some(name) => Some(parse_time_zone(name).ok_or_else(|| {
            let message = "not an IANA time zone name";
            f.fault("timeZone", ErrorCode::UnknownTimeZone, message)
        })?),
    };
    let length_days = read_length(f.required("length")?, &format!("{prefix}length."))?;
    let gap_days = f.opt_int("gapDays", 0, 30)?.unwrap_or(0) as u32;
    let count = f.opt_int("count", 1, MAX_SPRINTS as i64)?;
    let until = match f.opt_string("until", 10)? {
        None => None,
        Some(s) => Some(parse_date(s).ok_or_else(|| f.type_fault("until", "a date YYYY-MM-DD"))?),
    };
    let extent = match (count, until) {
        (Some(n), None) => PlanExtent::Count(n as u32),
        (None, Some(date)) if date < first_start.date() => {
            let message = "is before the first start";
            return Err(f.fault("until", ErrorCode::PlanEndsBeforeStart, message));
        }
        (None, Some(date)) => PlanExtent::Until(date),
        (None, None) => {
            let message = "give count or until";
            return Err(f.fault("count", ErrorCode::MissingField, message));
        }
        (Some(_), Some(_)) => {
            let message = "give count or until, not both";
            return Err(f.fault("until", ErrorCode::OutOfRange, message));
        }
    };
    let calendar = match f.optional("calendar") {
        Some(c) => Some(read_calendar(c, &format!("{prefix}calendar."))?),
        None => None,
    };
    let name_source = f.string("nameTemplate", 100)?;
    if name_source.trim().is_empty() {
        let message = "must not be blank";
        return Err(f.fault("nameTemplate", ErrorCode::OutOfRange, message));
    }
    let name_template = parse_template(name_source, &format!("{prefix}nameTemplate"))?;
    let goal_template = match f.opt_string("goalTemplate", 1000)? {
        Some(s) => Some(parse_template(s, &format!("{prefix}goalTemplate"))?),
        None => None,
    };
    let pi = match f.optional("pi") {
        Some(p) => Some(read_pi(p, &format!("{prefix}pi."))?),
        None => None,
    };
    let start_number = f.opt_int("startNumber", 1, 100_000)?.map(|n| n as u32);
    f.finish()?;
    name_template.check_pi(pi.is_some())?;
    if let Some(goal) = &goal_template {
        goal.check_pi(pi.is_some())?;
    }
    Ok(PlanInput {
        first_start,
        time_zone,
        length_days,
        gap_days,
        extent,
        calendar,
        name_template,
        goal_template,
        pi,
        start_number,
        prefix: prefix.to_string(),
    })
}

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
    pub default_tz: Tz,
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
    pub code: String,
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
                    NAME_ON_OTHER_BOARD,
                    format!("also planned on board {}", others.join(", ")),
                ));
            }
        }
    }
}

fn warning(code: &str, message: String) -> PlanWarning {
    PlanWarning {
        code: code.to_string(),
        message,
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// When sprints start and end, in local terms.
struct Cadence<'a> {
    tz: Tz,
    start_time: NaiveTime,
    /// Equal to `start_time` for plans; a top-up keeps the last sprint's own end time.
    end_time: NaiveTime,
    length_days: i64,
    gap_days: i64,
    working_days: &'a [Weekday],
    holidays: &'a [NaiveDate],
    /// Plans warn about every moved start; a top-up, whose next start is simply the next
    /// working day, only about starts moved off a holiday.
    warn_weekday_moves: bool,
}

enum Stop {
    Count(usize),
    Until(NaiveDate),
}

/// One sprint's dates, before naming.
struct Slot {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The non-working date the start was moved from.
    moved_from: Option<NaiveDate>,
}

enum SlotFault {
    NoWorkingDay,
    TooMany,
    NoneFits,
}

impl Cadence<'_> {
    fn is_working(&self, date: NaiveDate) -> bool {
        self.working_days.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    fn warn_about_move(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.warn_weekday_moves || self.holidays.iter().any(|h| (from..to).contains(h))
    }

    /// The first working day on or after `date`; None only for a calendar with no working day.
    fn working_day_from(&self, date: NaiveDate) -> Option<NaiveDate> {
        // Every week has a working day unless holidays hide it: this many days always suffice.
        let limit = 7 * (self.holidays.len() as i64 + 2);
        (0..limit)
            .map(|k| date + Duration::days(k))
            .find(|d| self.is_working(*d))
    }

    fn slots(&self, first: NaiveDate, stop: Stop) -> Result<Vec<Slot>, SlotFault> {
        let mut slots = Vec::new();
        let mut date = first;
        loop {
            if let Stop::Count(n) = stop {
                if slots.len() >= n {
                    break;
                }
            }
            let start_date = self.working_day_from(date).ok_or(SlotFault::NoWorkingDay)?;
            let end_date = start_date + Duration::days(self.length_days);
            let start = local_instant(self.tz, start_date, self.start_time);
            let end = local_instant(self.tz, end_date, self.end_time);
            if let Stop::Until(until) = stop {
                if local_date(self.tz, end) > until {
                    break;
                }
            }
            if slots.len() == MAX_SPRINTS {
                return Err(SlotFault::TooMany);
            }
            slots.push(Slot {
                start,
                end,
                moved_from: (start_date != date && self.warn_about_move(date, start_date))
                    .then_some(date),
            });
            // The next start never falls before this end, even when the end time is later.
            let later_end = i64::from(self.end_time > self.start_time);
            date = end_date + Duration::days(self.gap_days + later_end);
        }
        if slots.is_empty() && matches!(stop, Stop::Until(_)) {
            return Err(SlotFault::NoneFits);
        }
        Ok(slots)
    }
}

/// The largest number ending an existing sprint's name, plus one (1 when none).
fn running_number<'a>(names: impl Iterator<Item = &'a str>) -> u64 {
    let trailing = |name: &str| {
        let t = name.trim_end();
        let digits = t.len() - t.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        // More than 9 digits is an id or a date, not a running number.
        (1..=9)
            .contains(&digits)
            .then(|| t[t.len() - digits..].parse::<u64>().ok())
            .flatten()
    };
    names.filter_map(trailing).max().map_or(1, |n| n + 1)
}

/// A sprint's `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

fn overlaps(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// What the naming of one batch of slots needs.
struct Naming<'a> {
    name: &'a PlanTemplate,
    goal: Option<&'a PlanTemplate>,
    pi: Option<&'a PiConfig>,
    first_number: u64,
}

/// Name the slots, attach every warning, and summarise them for the board.
fn assemble(board: &BoardContext, tz: Tz, slots: &[Slot], naming: &Naming) -> BoardPlan {
    let mut sprints: Vec<PlannedSprint> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let vars = TemplateVars {
                board: board.board_name.clone(),
                project: board.project_key.clone(),
                number: naming.first_number + i as u64,
                start: Some(local_date(tz, slot.start)),
                end: Some(local_date(tz, slot.end)),
                pi: naming.pi.map(|p| p.position(i)),
            };
            let goal = naming.goal.map(|g| g.render(&vars).trim().to_string());
            let mut warnings = Vec::new();
            if let Some(from) = slot.moved_from {
                let to = vars.start.unwrap_or(from);
                let message = format!("start moved from {from} (not a working day) to {to}");
                warnings.push(warning(START_MOVED_OFF_NON_WORKING_DAY, message));
            }
            PlannedSprint {
                key: format!("b{}-s{i}-{}", board.board_id, slot.start.timestamp_millis()),
                board_id: board.board_id,
                index: i as u32,
                name: render_name(naming.name, &vars),
                goal: goal.filter(|g| !g.is_empty()),
                start: slot.start,
                end: slot.end,
                start_local: iso_in(tz, slot.start),
                end_local: iso_in(tz, slot.end),
                warnings,
            }
        })
        .collect();
    flag_conflicts(&mut sprints, &board.existing);
    let warnings = summarise(&sprints);
    BoardPlan {
        board_id: board.board_id,
        sprints,
        warnings,
    }
}

/// Names too long, names already taken, and overlapping dates.
fn flag_conflicts(sprints: &mut [PlannedSprint], existing: &[ExistingSprint]) {
    let open: Vec<(&ExistingSprint, Span)> = existing
        .iter()
        .filter(|e| e.state != SprintState::Closed)
        .filter_map(|e| Some((e, (e.start?, e.end?))))
        .collect();
    let planned: Vec<(String, Span)> = sprints
        .iter()
        .map(|s| (s.name.clone(), (s.start, s.end)))
        .collect();
    for (i, sprint) in sprints.iter_mut().enumerate() {
        let (name, dates) = &planned[i];
        let w = &mut sprint.warnings;
        match sprint_name::for_jira(name) {
            Err(fault @ NameFault::TooLong { .. }) => {
                w.push(warning(NAME_TOO_LONG, fault.describe()))
            }
            Err(fault @ NameFault::Empty) => w.push(warning(NAME_EMPTY, fault.describe())),
            Ok(_) => {}
        }
        let others = || planned.iter().enumerate().filter(move |(j, _)| *j != i);
        if let Some(e) = existing.iter().find(|e| e.name.trim() == name) {
            let message = format!("sprint {} already has this name", e.id);
            w.push(warning(DUPLICATE_NAME, message));
        } else if let Some((j, _)) = others().find(|(_, (n, _))| n == name) {
            let message = format!("planned sprint {} has the same name", j + 1);
            w.push(warning(DUPLICATE_NAME, message));
        }
        if let Some((e, _)) = open.iter().find(|(_, d)| overlaps(*d, *dates)) {
            let message = format!("overlaps existing sprint {}", e.id);
            w.push(warning(OVERLAPS_EXISTING, message));
        }
        if let Some((j, _)) = others().find(|(_, (_, d))| overlaps(*d, *dates)) {
            let message = format!("overlaps planned sprint {}", j + 1);
            w.push(warning(OVERLAPS_PLANNED, message));
        }
    }
}

/// One board-level warning per code, counting the sprints that carry it.
fn summarise(sprints: &[PlannedSprint]) -> Vec<PlanWarning> {
    let codes = [
        (
            START_MOVED_OFF_NON_WORKING_DAY,
            "start moved off a non-working day",
        ),
        (NAME_TOO_LONG, "name longer than 30 characters"),
        (NAME_EMPTY, "empty name"),
        (DUPLICATE_NAME, "name already in use"),
        (OVERLAPS_EXISTING, "overlaps an existing sprint"),
        (OVERLAPS_PLANNED, "overlaps another planned sprint"),
    ];
    codes
        .iter()
        .filter_map(|(code, what)| {
            let n = sprints
                .iter()
                .filter(|s| s.warnings.iter().any(|w| w.code == *code))
                .count();
            (n > 0).then(|| warning(code, format!("{n} of {} sprints: {what}", sprints.len())))
        })
        .collect()
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
            warnings: vec![warning(NO_DATED_SPRINT, message)],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_json() -> Value {
        json!({
            "firstStart": "2026-01-05T09:00", "timeZone": "Europe/Berlin",
            "length": {"value": 2, "unit": "weeks"}, "gapDays": 0, "count": 3,
            "calendar": {"workingDays": ["MON", "TUE", "WED", "THU", "FRI"], "holidays": []},
            "nameTemplate": "{project} Sprint {n}", "goalTemplate": null, "pi": null,
        })
    }

    fn board() -> BoardContext {
        BoardContext {
            board_id: 7,
            board_name: "Team Rocket".into(),
            project_key: "APP".into(),
            existing: Vec::new(),
            default_tz: chrono_tz::UTC,
            working_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
            holidays: Vec::new(),
        }
    }

    fn plan_on(v: &Value, b: &BoardContext) -> Result<BoardPlan, CoreError> {
        plan_board(&parse_plan(v, "plan.")?, b)
    }

    fn codes(s: &PlannedSprint) -> Vec<&str> {
        s.warnings.iter().map(|w| w.code.as_str()).collect()
    }

    /// `name start_local end_local` per sprint.
    fn lines(p: &BoardPlan) -> Vec<String> {
        let line = |s: &PlannedSprint| format!("{} {} {}", s.name, s.start_local, s.end_local);
        p.sprints.iter().map(line).collect()
    }

    fn existing(
        id: u64,
        name: &str,
        state: SprintState,
        dates: Option<(&str, &str)>,
    ) -> ExistingSprint {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let (start, end) = (dates.map(|d| at(d.0)), dates.map(|d| at(d.1)));
        ExistingSprint {
            id,
            name: name.into(),
            state,
            start,
            end,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn payload_faults_have_their_code_and_field() {
        use ErrorCode::*;
        let cases: Vec<(&str, Value, ErrorCode, &str)> = vec![
            ("firstStart", json!("2026-01-05 09:00"), InvalidType, "firstStart"),
            ("firstStart", json!("2026-02-30T09:00"), InvalidType, "firstStart"),
            ("firstStart", json!("2026-01-05T24:00"), InvalidTimeOfDay, "firstStart"),
            ("firstStart", json!("2026-01-05T09:00Z"), OutOfRange, "firstStart"),
            ("timeZone", json!("Mars/Olympus"), UnknownTimeZone, "timeZone"),
            ("length", json!({"value": 0, "unit": "days"}), OutOfRange, "length.value"),
            ("length", json!({"value": 2, "unit": "months"}), OutOfRange, "length.unit"),
            ("length", json!({"value": 2}), MissingField, "length.unit"),
            ("length", json!(14), InvalidType, "length"),
            ("gapDays", json!(31), OutOfRange, "gapDays"),
            ("count", json!(101), OutOfRange, "count"),
            ("count", json!(null), MissingField, "count"),
            ("until", json!("2026-06-01"), OutOfRange, "until"),
            ("calendar", json!({"workingDays": []}), OutOfRange, "calendar.workingDays"),
            ("calendar", json!({"workingDays": ["MO"]}), OutOfRange, "calendar.workingDays"),
            ("calendar", json!({"workingDays": ["MON"], "holidays": ["2026-13-01"]}), InvalidType, "calendar.holidays"),
            ("calendar", json!({"workingDays": ["MON"], "x": 1}), UnknownField, "calendar.x"),
            ("nameTemplate", json!(""), OutOfRange, "nameTemplate"),
            ("nameTemplate", json!("   "), OutOfRange, "nameTemplate"),
            ("nameTemplate", json!("x".repeat(101)), OutOfRange, "nameTemplate"),
            ("nameTemplate", json!("S {nn}"), TemplateTokenUnknown, "nameTemplate"),
            ("nameTemplate", json!("S {n"), TemplateTokenUnknown, "nameTemplate"),
            ("nameTemplate", json!("S n}"), TemplateTokenUnknown, "nameTemplate"),
            ("nameTemplate", json!("{start:DD/MM}"), TemplateTokenUnknown, "nameTemplate"),
            ("nameTemplate", json!("PI{pi}"), TemplateTokenUnknown, "nameTemplate"),
            ("goalTemplate", json!("{sprintInPi}"), TemplateTokenUnknown, "goalTemplate"),
            ("goalTemplate", json!("x".repeat(1001)), OutOfRange, "goalTemplate"),
            ("pi", json!({"sprintsPerPi": 21}), OutOfRange, "pi.sprintsPerPi"),
            ("pi", json!({"sprintsPerPi": 4, "firstSprintInPi": 5}), OutOfRange, "pi.firstSprintInPi"),
            ("startNumber", json!(0), OutOfRange, "startNumber"),
            ("sprints", json!(3), UnknownField, "sprints"),
        ];
        for (key, value, code, field) in cases {
            let mut v = plan_json();
            v[key] = value;
            let e = parse_plan(&v, "plan.").unwrap_err();
            let got = (e.code, e.details.unwrap()["field"].clone());
            assert_eq!(got, (code, json!(format!("plan.{field}"))), "{key}");
        }
        let mut v = plan_json();
        v.as_object_mut().unwrap().remove("count");
        v["until"] = json!("2026-01-04");
        assert_eq!(parse_plan(&v, "plan.").unwrap_err().code, PlanEndsBeforeStart);
        assert_eq!(parse_plan(&json!([]), "plan.").unwrap_err().code, InvalidType);
        let e = parse_template("Sprint {nope}", "plan.nameTemplate").unwrap_err();
        assert!(e.message.contains("{nope}"), "{}", e.message);
    }

    #[test]
    #[rustfmt::skip]
    fn every_token_renders() {
        let vars = TemplateVars {
            board: "Rocket".into(), project: "APP".into(), number: 42,
            start: NaiveDate::from_ymd_opt(2027, 1, 1), end: NaiveDate::from_ymd_opt(2027, 1, 15),
            pi: Some(PiPosition { pi: 3, sprint_in_pi: 6 }),
        };
        let cases = [
            ("{board} / {project} #{n}", "Rocket / APP #42"),
            ("{start} {end}", "2027-01-01 2027-01-15"),
            ("{start:YYYY-MM-DD}|{end:DD.MM.}", "2027-01-01|15.01."),
            ("{start:DD.MM.YYYY}|{end:MM/DD}", "01.01.2027|01/15"),
            ("{start:MMM D} – {end:D MMM}", "Jan 1 – 15 Jan"),
            // 2027-01-01 is in ISO week 53 of 2026, but in the calendar year 2027.
            ("W{week} {quarter} {year}", "W53 Q1 2027"),
            ("PI{pi}.{sprintInPi}", "PI3.6"),
            ("{{n}} }}{{ {n}", "{n} }{ 42"),
            ("  padded {n}  ", "padded 42"),
        ];
        for (template, expected) in cases {
            let t = parse_template(template, "t").unwrap();
            assert_eq!(render_name(&t, &vars), expected, "{template}");
        }
        let undated = TemplateVars { start: None, end: None, pi: None, ..vars };
        let t = parse_template("S{n} {start}{week}{pi}", "t").unwrap();
        assert_eq!(render_name(&t, &undated), "S42");
    }

    #[test]
    #[rustfmt::skip]
    fn sprints_follow_each_other_with_gaps_and_moves() {
        let mut v = plan_json();
        v["gapDays"] = json!(3);
        let p = plan_on(&v, &board()).unwrap();
        assert_eq!(lines(&p), [
            "APP Sprint 1 2026-01-05T09:00:00.000+01:00 2026-01-19T09:00:00.000+01:00",
            "APP Sprint 2 2026-01-22T09:00:00.000+01:00 2026-02-05T09:00:00.000+01:00",
            // 02-05 + 3 days is Sunday 02-08: moved to Monday.
            "APP Sprint 3 2026-02-09T09:00:00.000+01:00 2026-02-23T09:00:00.000+01:00",
        ]);
        assert_eq!(codes(&p.sprints[2]), [START_MOVED_OFF_NON_WORKING_DAY]);
        assert_eq!(p.sprints[0].key, "b7-s0-1767600000000");
        assert_eq!(p.warnings.len(), 1);
        // No zone and no calendar in the plan: the board's (UTC, Mon-Thu), so Friday moves.
        v["timeZone"] = json!(null);
        v["calendar"] = json!(null);
        v["firstStart"] = json!("2026-01-09T09:00");
        let p = plan_on(&v, &board()).unwrap();
        assert_eq!(p.sprints[0].start_local, "2026-01-12T09:00:00.000+00:00");
        assert_eq!(codes(&p.sprints[0]), [START_MOVED_OFF_NON_WORKING_DAY]);
    }

    #[test]
    fn a_name_planned_on_two_boards_is_flagged_on_both() {
        let mut v = plan_json();
        let other = BoardContext {
            board_id: 8,
            board_name: "Team Magma".into(),
            ..board()
        };
        // "{board} ..." gives each board its own names: nothing to flag
        v["nameTemplate"] = json!("{board} {n}");
        let mut plans = vec![plan_on(&v, &board()).unwrap(), plan_on(&v, &other).unwrap()];
        warn_names_across_boards(&mut plans);
        assert!(plans
            .iter()
            .all(|p| p.sprints.iter().all(|s| codes(s).is_empty())));
        v["nameTemplate"] = json!("Sprint {n}");
        let mut plans = vec![plan_on(&v, &board()).unwrap(), plan_on(&v, &other).unwrap()];
        warn_names_across_boards(&mut plans);
        let first = &plans[0].sprints[0];
        assert_eq!(codes(first), [NAME_ON_OTHER_BOARD]);
        assert_eq!(first.warnings[0].message, "also planned on board 8");
        assert_eq!(
            plans[1].sprints[0].warnings[0].message,
            "also planned on board 7"
        );
    }

    #[test]
    #[rustfmt::skip]
    fn conflicts_with_the_board_are_flagged() {
        let mut b = board();
        b.existing = vec![
            // Closed: overlapping in time does not matter any more.
            existing(1, "APP Sprint 8", SprintState::Closed, Some(("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))),
            existing(2, "Hotfix", SprintState::Future, Some(("2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z"))),
            existing(3, "Team Rocket long name sprint no. 12", SprintState::Future, None),
        ];
        let mut v = plan_json();
        v["nameTemplate"] = json!("{board} long name sprint no. {n}");
        v["startNumber"] = json!(11);
        let p = plan_on(&v, &b).unwrap();
        assert_eq!(codes(&p.sprints[0]), [NAME_TOO_LONG, OVERLAPS_EXISTING]);
        assert_eq!(codes(&p.sprints[1]), [NAME_TOO_LONG, DUPLICATE_NAME]);
        assert_eq!(names_refused(&p).len(), 3);
        // Default numbering continues after the largest trailing number (12); names repeat.
        v["nameTemplate"] = json!("Sprint");
        v.as_object_mut().unwrap().remove("startNumber");
        let p = plan_on(&v, &b).unwrap();
        assert!(p.sprints.iter().all(|s| codes(s).contains(&DUPLICATE_NAME)));
        assert!(names_refused(&p).is_empty());
        assert_eq!(running_number(b.existing.iter().map(|s| s.name.as_str())), 13);
        assert_eq!(running_number(["2026-01-05", "x 1234567890"].into_iter()), 6);
    }

    #[test]
    fn until_stops_at_the_last_sprint_that_fits() {
        let mut v = plan_json();
        v.as_object_mut().unwrap().remove("count");
        v["until"] = json!("2026-02-16"); // the third sprint ends 02-16 09:00
        assert_eq!(plan_on(&v, &board()).unwrap().sprints.len(), 3);
        v["until"] = json!("2026-01-18");
        let e = plan_on(&v, &board()).unwrap_err();
        assert_eq!(e.code, ErrorCode::PlanEndsBeforeStart);
        v["until"] = json!("2030-01-01");
        let e = plan_on(&v, &board()).unwrap_err();
        assert_eq!(e.code, ErrorCode::PlanTooLarge);
        assert_eq!(e.details.unwrap()["field"], "plan.until");
    }

    #[test]
    fn pi_numbering_wraps_into_the_next_increment() {
        let mut v = plan_json();
        v["count"] = json!(4);
        v["nameTemplate"] = json!("PI{pi}.{sprintInPi}");
        v["pi"] = json!({"sprintsPerPi": 6, "firstPi": 3, "firstSprintInPi": 5});
        let p = plan_on(&v, &board()).unwrap();
        let names: Vec<&str> = p.sprints.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["PI3.5", "PI3.6", "PI4.1", "PI4.2"]);
    }

    #[test]
    #[rustfmt::skip]
    fn top_up_and_rename_follow_the_board() {
        let mut b = board();
        b.default_tz = chrono_tz::Europe::Berlin;
        b.existing = vec![
            // Mon 09:00 to Thu 17:00 of the next week, Berlin.
            existing(5, "Team Rocket Sprint 4", SprintState::Active, Some(("2026-03-16T08:00:00Z", "2026-03-26T16:00:00Z"))),
            existing(6, "Next", SprintState::Future, Some(("2026-03-30T07:00:00Z", "2026-04-09T15:00:00Z"))),
        ];
        let p = plan_top_up(&b, None, 2).unwrap();
        // After the last dated sprint (id 6). Friday is not a working day on this board.
        assert_eq!(lines(&p), [
            "Team Rocket Sprint 5 2026-04-13T09:00:00.000+02:00 2026-04-23T17:00:00.000+02:00",
            "Team Rocket Sprint 6 2026-04-27T09:00:00.000+02:00 2026-05-07T17:00:00.000+02:00",
        ]);
        assert!(p.sprints.iter().all(|s| s.warnings.is_empty()));
        assert!(plan_top_up(&b, None, 0).unwrap().sprints.is_empty());
        assert_eq!(plan_top_up(&b, None, 101).unwrap_err().code, ErrorCode::PlanTooLarge);
        let pi = parse_template("PI{pi}", "settings.nameTemplate").unwrap();
        assert_eq!(plan_top_up(&b, Some(&pi), 1).unwrap_err().code, ErrorCode::TemplateTokenUnknown);

        let t = parse_template("{project} S{n} {start:DD.MM.}", "nameTemplate").unwrap();
        assert_eq!(rename_future(&t, &b), [json!({"sprintId": 6, "from": "Next", "to": "APP S5 30.03."})]);

        b.existing.iter_mut().for_each(|s| s.end = None);
        assert_eq!(plan_top_up(&b, None, 1).unwrap().warnings[0].code, NO_DATED_SPRINT);
    }

    /// SplitMix64: a tiny deterministic generator, so property runs repeat exactly.
    struct SplitMix(u64);
    impl SplitMix {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }

    #[test]
    #[rustfmt::skip]
    fn random_plans_keep_their_invariants() {
        const ZONES: [&str; 11] = [
            "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
            "America/Sao_Paulo", "Pacific/Auckland", "America/Santiago", "Asia/Tehran",
            "Pacific/Chatham", "America/St_Johns",
        ];
        const TEMPLATES: [&str; 3] = ["{board} {n}", "{project} {start:MMM D}-{end:D MMM}", "S{n} W{week} {quarter}"];
        let mut rng = SplitMix(2026);
        let mut planned = 0;
        for round in 0..2000 {
            let first = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap() + Duration::days(rng.below(365 * 18) as i64);
            // Whole quarter hours over the whole day, so DST gaps and overlaps get hit.
            let (hour, minute) = (rng.below(24), rng.below(4) * 15);
            let mut days: Vec<&str> = WEEKDAYS.iter().copied().filter(|_| rng.below(3) > 0).collect();
            if days.is_empty() {
                days.push("WED");
            }
            let holidays: Vec<String> = (0..rng.below(30))
                .map(|_| (first + Duration::days(rng.below(400) as i64)).to_string())
                .collect();
            let length = if rng.below(2) == 0 { json!({"value": 1 + rng.below(30), "unit": "days"}) }
                else { json!({"value": 1 + rng.below(6), "unit": "weeks"}) };
            let mut v = json!({
                "firstStart": format!("{first}T{hour:02}:{minute:02}"),
                "timeZone": ZONES[rng.below(ZONES.len() as u64) as usize],
                "length": length, "gapDays": rng.below(4),
                "calendar": {"workingDays": days, "holidays": holidays},
                "nameTemplate": TEMPLATES[round % 3],
            });
            if rng.below(4) == 0 {
                v["until"] = json!((first + Duration::days(30 + rng.below(300) as i64)).to_string());
            } else {
                v["count"] = json!(1 + rng.below(40));
            }
            let input = parse_plan(&v, "plan.").unwrap();
            let p = match plan_board(&input, &board()) {
                Ok(p) => p,
                Err(e) if matches!(e.code, ErrorCode::PlanTooLarge | ErrorCode::PlanEndsBeforeStart) => continue,
                Err(e) => panic!("{v}: {e}"),
            };
            planned += 1;
            let tz = input.time_zone.unwrap();
            let cal = input.calendar.as_ref().unwrap();
            for (i, s) in p.sprints.iter().enumerate() {
                assert!(s.end > s.start, "{v} {i}");
                let day = local_date(tz, s.start);
                assert!(cal.working_days.contains(&day.weekday()) && !cal.holidays.contains(&day), "{v} {i}");
                assert!(sprint_name::units(&s.name) <= MAX_NAME || codes(s).contains(&NAME_TOO_LONG), "{v} {i}");
                assert!(!codes(s).contains(&OVERLAPS_PLANNED), "{v} {i}");
                if let Some(next) = p.sprints.get(i + 1) {
                    assert!(next.start >= s.end && next.start > s.start, "{v} {i}");
                }
                if let PlanExtent::Until(until) = input.extent {
                    assert!(local_date(tz, s.end) <= until, "{v} {i}");
                }
            }
            let mut keys: Vec<&str> = p.sprints.iter().map(|s| s.key.as_str()).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), p.sprints.len(), "{v}");
            assert_eq!(plan_board(&input, &board()).unwrap(), p, "re-planning differs: {v}");
        }
        assert!(planned > 1800, "only {planned} plans were made");
    }
}
