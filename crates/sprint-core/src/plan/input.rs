//! The plan payload a page sends: first start, length, gap, count or end date, calendar, PI.

use super::*;

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
    pub(super) fn position(&self, index: usize) -> PiPosition {
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
    pub time_zone: Option<Zone>,
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
pub(super) fn weekday(name: &str) -> Option<Weekday> {
    let i = WEEKDAYS.iter().position(|w| *w == name)?;
    Weekday::try_from(i as u8).ok()
}

pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| crate::time_format::parse_date(s, crate::time_format::DATE))
        .flatten()
}

pub(super) fn read_first_start(f: &mut Fields) -> Result<NaiveDateTime, CoreError> {
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

pub(super) fn read_length(v: &Value, prefix: &str) -> Result<u32, CoreError> {
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

pub(super) fn read_calendar(v: &Value, prefix: &str) -> Result<Calendar, CoreError> {
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
    crate::sort::sort_by_key(&mut working_days, |d| d.num_days_from_monday());
    let mut holidays = Vec::new();
    if f.optional("holidays").is_some() {
        for h in f.array("holidays", MAX_HOLIDAYS)? {
            let date = h.as_str().and_then(parse_date).ok_or_else(|| {
                f.fault("holidays", ErrorCode::InvalidType, "dates are YYYY-MM-DD")
            })?;
            holidays.push(date);
        }
    }
    crate::sort::sort(&mut holidays);
    holidays.dedup();
    f.finish()?;
    Ok(Calendar {
        working_days,
        holidays,
    })
}

pub(super) fn read_pi(v: &Value, prefix: &str) -> Result<PiConfig, CoreError> {
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
