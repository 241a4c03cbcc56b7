//! The configuration the app keeps: global settings and per-board automation settings.
//! Nothing else about Jira is stored (no issue content, no names of people).

use crate::tz::Zone;
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, ErrorCode};
use crate::validate::Fields;

/// Where unfinished issues go when a sprint closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CarryOver {
    /// The next future sprint in board order; the backlog when there is none.
    NextSprint,
    /// The backlog.
    Backlog,
    /// The next future sprint, created from the board's naming settings when there is none.
    NextSprintCreate,
}

impl CarryOver {
    /// The stored/serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            CarryOver::NextSprint => "nextSprint",
            CarryOver::Backlog => "backlog",
            CarryOver::NextSprintCreate => "nextSprintCreate",
        }
    }

    /// Parse the stored/serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nextSprint" => Some(CarryOver::NextSprint),
            "backlog" => Some(CarryOver::Backlog),
            "nextSprintCreate" => Some(CarryOver::NextSprintCreate),
            _ => None,
        }
    }
}

/// Site-wide settings (Jira admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GlobalSettings {
    /// Master switch: when off, the scheduled check does nothing.
    pub automation_enabled: bool,
    /// Zone for boards that name none.
    pub default_time_zone: String,
    /// Destination for boards that name none.
    pub default_carry_over: CarryOver,
    /// Days the application log keeps an entry.
    pub log_retention_days: u32,
}

impl Default for GlobalSettings {
    fn default() -> Self {
        GlobalSettings {
            automation_enabled: true,
            default_time_zone: "UTC".to_string(),
            default_carry_over: CarryOver::NextSprint,
            log_retention_days: 30,
        }
    }
}

/// Days of the week as stored: `MON`..`SUN`.
pub const WEEKDAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
/// Most holidays one board may list.
pub const MAX_HOLIDAYS: usize = 366;
/// Most future sprints a board may ask to keep ahead.
pub const MAX_KEEP_AHEAD: i64 = 10;

/// One board's automation settings (project admins of the board's project).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardSettings {
    /// Automation on for this board.
    pub automate: bool,
    /// Start future sprints when due.
    pub auto_start: bool,
    /// Close active sprints when due.
    pub auto_close: bool,
    /// Where unfinished work goes; None = the global default.
    pub carry_over: Option<CarryOver>,
    /// IANA zone for times of day and calendars; None = the global default.
    pub time_zone: Option<String>,
    /// Start at this local time on the sprint's start date instead of its own start instant.
    pub start_time: Option<String>,
    /// Close at this local time on the sprint's end date instead of its own end instant.
    pub close_time: Option<String>,
    /// Working days (`MON`..`SUN`), used by calendars and bulk creation.
    pub working_days: Vec<String>,
    /// Non-working dates (`YYYY-MM-DD`).
    pub holidays: Vec<String>,
    /// Keep this many future sprints (0 = off).
    pub keep_ahead: u32,
    /// Name template for sprints the app creates for this board (keep-ahead, follow-on);
    /// None = "{board} Sprint {n}".
    #[serde(default)]
    pub name_template: Option<String>,
}

impl Default for BoardSettings {
    fn default() -> Self {
        BoardSettings {
            automate: false,
            auto_start: true,
            auto_close: true,
            carry_over: None,
            time_zone: None,
            start_time: None,
            close_time: None,
            working_days: WEEKDAYS[..5].iter().map(|d| d.to_string()).collect(),
            holidays: Vec::new(),
            keep_ahead: 0,
            name_template: None,
        }
    }
}

/// Whether a board of this Agile API type can have sprints: `scrum`, and `simple` (a team-managed
/// project's board, when its Sprints feature is on); never `kanban`.
pub fn board_has_sprints(kind: &str) -> bool {
    matches!(kind, "scrum" | "simple")
}

/// Parse an IANA zone name (exact spelling).
pub fn parse_time_zone(name: &str) -> Option<Zone> {
    // As people type them: `europe/berlin` is Europe/Berlin (IANA names differ by more than
    // case, so a case-insensitive match is never ambiguous). Spaces are not trimmed: the pages do.
    name.parse::<Zone>()
        .ok()
        .or_else(|| Zone::all().find(|tz| tz.name().eq_ignore_ascii_case(name)))
}

/// Parse `HH:MM` (24-hour, two digits each).
pub fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    if ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let h: u32 = s[..2].parse().ok()?;
    let m: u32 = s[3..].parse().ok()?;
    NaiveTime::from_hms_opt(h, m, 0)
}

fn time_zone_field(f: &mut Fields, key: &'static str) -> Result<Option<String>, CoreError> {
    match f.opt_string(key, 64)? {
        None => Ok(None),
        // Stored by its canonical name, however it was typed.
        Some(s) => match parse_time_zone(s) {
            Some(tz) => Ok(Some(tz.name().to_string())),
            None => Err(f.fault(
                key,
                ErrorCode::UnknownTimeZone,
                "not an IANA time zone name",
            )),
        },
    }
}

fn time_of_day_field(f: &mut Fields, key: &'static str) -> Result<Option<String>, CoreError> {
    match f.opt_string(key, 5)? {
        None => Ok(None),
        Some(s) if parse_time_of_day(s).is_some() => Ok(Some(s.to_string())),
        Some(_) => Err(f.fault(
            key,
            ErrorCode::InvalidTimeOfDay,
            "must be HH:MM between 00:00 and 23:59",
        )),
    }
}

fn carry_over_field(f: &mut Fields, key: &'static str) -> Result<Option<CarryOver>, CoreError> {
    match f.opt_string(key, 32)? {
        None => Ok(None),
        Some(s) => CarryOver::parse(s).map(Some).ok_or_else(|| {
            f.fault(
                key,
                ErrorCode::OutOfRange,
                "must be nextSprint, backlog or nextSprintCreate",
            )
        }),
    }
}

impl GlobalSettings {
    /// Read a whole settings object from a caller payload.
    pub fn from_payload(v: &Value, prefix: &str) -> Result<Self, CoreError> {
        let mut f = Fields::of(v, prefix)?;
        let automation_enabled = f.bool("automationEnabled")?;
        f.required("defaultTimeZone")?;
        let default_time_zone = time_zone_field(&mut f, "defaultTimeZone")?
            .ok_or_else(|| f.type_fault("defaultTimeZone", "a time zone name"))?;
        f.required("defaultCarryOver")?;
        let default_carry_over = carry_over_field(&mut f, "defaultCarryOver")?
            .ok_or_else(|| f.type_fault("defaultCarryOver", "a destination"))?;
        let log_retention_days = f.int("logRetentionDays", 1, 365)? as u32;
        f.finish()?;
        Ok(GlobalSettings {
            automation_enabled,
            default_time_zone,
            default_carry_over,
            log_retention_days,
        })
    }
}

impl BoardSettings {
    /// Read a whole settings object from a caller payload.
    pub fn from_payload(v: &Value, prefix: &str) -> Result<Self, CoreError> {
        let mut f = Fields::of(v, prefix)?;
        let automate = f.bool("automate")?;
        let auto_start = f.bool("autoStart")?;
        let auto_close = f.bool("autoClose")?;
        f.required("carryOver")?;
        let carry_over = carry_over_field(&mut f, "carryOver")?;
        f.required("timeZone")?;
        let time_zone = time_zone_field(&mut f, "timeZone")?;
        f.required("startTime")?;
        let start_time = time_of_day_field(&mut f, "startTime")?;
        f.required("closeTime")?;
        let close_time = time_of_day_field(&mut f, "closeTime")?;

        let days = f.array("workingDays", 7)?;
        let mut working_days = Vec::new();
        for d in days {
            let name = d.as_str().filter(|s| WEEKDAYS.contains(s)).ok_or_else(|| {
                f.fault("workingDays", ErrorCode::OutOfRange, "days are MON..SUN")
            })?;
            if working_days.iter().any(|w| w == name) {
                return Err(f.fault("workingDays", ErrorCode::OutOfRange, "a day is repeated"));
            }
            working_days.push(name.to_string());
        }
        if working_days.is_empty() {
            return Err(f.fault(
                "workingDays",
                ErrorCode::OutOfRange,
                "at least one working day",
            ));
        }
        // Keep a canonical order so equal settings compare and store equal.
        crate::sort::sort_by_key(&mut working_days, |d| WEEKDAYS.iter().position(|w| w == d));

        let list = f.array("holidays", MAX_HOLIDAYS)?;
        let mut holidays = Vec::new();
        for h in list {
            let date = h
                .as_str()
                .filter(|s| s.len() == 10)
                .and_then(|s| crate::time_format::parse_date(s, crate::time_format::DATE))
                .ok_or_else(|| {
                    f.fault("holidays", ErrorCode::InvalidType, "dates are YYYY-MM-DD")
                })?;
            holidays.push(crate::time_format::format_date(
                date,
                crate::time_format::DATE,
            ));
        }
        crate::sort::sort(&mut holidays);
        holidays.dedup();

        let keep_ahead = f.int("keepAhead", 0, MAX_KEEP_AHEAD)? as u32;
        let name_template = match f.opt_string("nameTemplate", 100)? {
            Some(t) => {
                let template =
                    crate::template::parse_template(t, &format!("{prefix}nameTemplate"))?;
                if template.uses_pi() {
                    return Err(f.fault(
                        "nameTemplate",
                        ErrorCode::TemplateTokenUnknown,
                        "{pi} and {sprintInPi} need a PI plan",
                    ));
                }
                Some(t.to_string())
            }
            None => None,
        };
        f.finish()?;
        Ok(BoardSettings {
            automate,
            auto_start,
            auto_close,
            carry_over,
            time_zone,
            start_time,
            close_time,
            working_days,
            holidays,
            keep_ahead,
            name_template,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn board() -> Value {
        json!({"automate": true, "autoStart": true, "autoClose": false, "carryOver": "backlog",
               "timeZone": "Europe/Berlin", "startTime": "09:00", "closeTime": null,
               "workingDays": ["FRI", "MON"], "holidays": ["2026-12-25"], "keepAhead": 2})
    }

    fn code_of(v: Value) -> (ErrorCode, Value) {
        let e = BoardSettings::from_payload(&v, "settings.").unwrap_err();
        (e.code, e.details.unwrap()["field"].clone())
    }

    #[test]
    fn a_full_payload_reads_and_canonicalises() {
        let s = BoardSettings::from_payload(&board(), "").unwrap();
        assert_eq!(s.working_days, vec!["MON", "FRI"]);
        assert_eq!(s.carry_over, Some(CarryOver::Backlog));
        assert_eq!(s.close_time, None);
    }

    #[test]
    fn a_zone_typed_in_any_case_is_stored_by_its_iana_name() {
        for (typed, stored) in [
            ("europe/berlin", "Europe/Berlin"),
            ("AMERICA/NEW_YORK", "America/New_York"),
            ("asia/kathmandu", "Asia/Kathmandu"),
            ("utc", "UTC"),
            (
                "America/Argentina/Buenos_Aires",
                "America/Argentina/Buenos_Aires",
            ),
        ] {
            let mut b = board();
            b["timeZone"] = json!(typed);
            let s = BoardSettings::from_payload(&b, "").unwrap();
            assert_eq!(s.time_zone.as_deref(), Some(stored), "{typed}");
        }
        assert!(parse_time_zone(" Europe/Berlin").is_none());
        // no two IANA names differ only in case
        let mut seen = std::collections::HashSet::new();
        for tz in Zone::all() {
            assert!(seen.insert(tz.name().to_ascii_lowercase()), "{}", tz.name());
        }
    }

    #[test]
    fn every_fault_has_its_code_and_field() {
        let cases: Vec<(&str, Value, ErrorCode)> = vec![
            ("automate", json!("yes"), ErrorCode::InvalidType),
            (
                "timeZone",
                json!("Mars/Olympus"),
                ErrorCode::UnknownTimeZone,
            ),
            (
                "timeZone",
                json!("Europe/Berlinn"),
                ErrorCode::UnknownTimeZone,
            ),
            ("startTime", json!("24:00"), ErrorCode::InvalidTimeOfDay),
            ("startTime", json!("9:00"), ErrorCode::InvalidTimeOfDay),
            ("carryOver", json!("trash"), ErrorCode::OutOfRange),
            ("keepAhead", json!(11), ErrorCode::OutOfRange),
            ("keepAhead", json!(1.5), ErrorCode::InvalidType),
            ("workingDays", json!([]), ErrorCode::OutOfRange),
            ("workingDays", json!(["MON", "MON"]), ErrorCode::OutOfRange),
            ("holidays", json!(["2026-02-30"]), ErrorCode::InvalidType),
            ("timeZone", json!("x".repeat(65)), ErrorCode::OutOfRange),
        ];
        for (field, value, code) in cases {
            let mut p = board();
            p[field] = value;
            assert_eq!(
                code_of(p),
                (code, json!(format!("settings.{field}"))),
                "{field}"
            );
        }
        let mut p = board();
        p.as_object_mut().unwrap().remove("keepAhead");
        assert_eq!(
            code_of(p),
            (ErrorCode::MissingField, json!("settings.keepAhead"))
        );
        let mut p = board();
        p["'; DROP TABLE board_settings; --"] = json!(1);
        assert_eq!(code_of(p).0, ErrorCode::UnknownField);
    }

    #[test]
    fn time_of_day_bounds() {
        assert!(parse_time_of_day("00:00").is_some());
        assert!(parse_time_of_day("23:59").is_some());
        assert!(parse_time_of_day("23:60").is_none());
        assert!(parse_time_of_day("+1:00").is_none());
    }
}
