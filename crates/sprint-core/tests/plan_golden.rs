//! Golden previews of bulk sprint plans through the public API: literal dates, names and
//! warnings, so a change in the planning rules shows up as a reviewed diff here.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde_json::json;
use sprint_core::engine::SprintState;
use sprint_core::plan::{self, BoardContext, BoardPlan, ExistingSprint};
use sprint_core::tz::Zone;

fn zone(name: &str) -> Zone {
    Zone::from_name(name).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn sprint(id: u64, name: &str, state: SprintState, dates: Option<(&str, &str)>) -> ExistingSprint {
    ExistingSprint {
        id,
        name: name.to_string(),
        state,
        start: dates.map(|d| at(d.0)),
        end: dates.map(|d| at(d.1)),
    }
}

fn board(tz: Zone, existing: Vec<ExistingSprint>) -> BoardContext {
    BoardContext {
        board_id: 42,
        board_name: "Platform".to_string(),
        project_key: "APP".to_string(),
        existing,
        default_tz: tz,
        working_days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        holidays: vec![NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()],
    }
}

/// Each sprint as one line: name | local start | local end | goal | warning codes.
fn lines(p: &BoardPlan) -> Vec<String> {
    p.sprints
        .iter()
        .map(|s| {
            let codes: Vec<&str> = s.warnings.iter().map(|w| w.code.as_str()).collect();
            format!(
                "{} | {} | {} | {} | {}",
                s.name,
                s.start_local,
                s.end_local,
                s.goal.as_deref().unwrap_or("-"),
                codes.join(",")
            )
        })
        .collect()
}

#[test]
fn quarter_over_new_year_and_a_dst_switch() {
    let existing = vec![
        sprint(
            11,
            "APP Sprint 12",
            SprintState::Closed,
            Some(("2026-11-09T08:00:00Z", "2026-11-23T08:00:00Z")),
        ),
        sprint(
            12,
            "APP Sprint 13",
            SprintState::Active,
            Some(("2026-11-23T08:00:00Z", "2026-12-07T08:00:00Z")),
        ),
        // An ad-hoc sprint someone already put in the first planned fortnight.
        sprint(
            13,
            "Release hardening",
            SprintState::Future,
            Some(("2026-12-14T08:00:00Z", "2026-12-16T16:00:00Z")),
        ),
        sprint(9, "APP 2027-Q1 #16", SprintState::Closed, None),
    ];
    let input = plan::parse_plan(
        &json!({
            "firstStart": "2026-12-07T09:00", "timeZone": "Europe/Berlin",
            "length": {"value": 2, "unit": "weeks"}, "until": "2027-03-31",
            // The office is closed until Monday 4 January.
            "calendar": {"workingDays": ["MON", "TUE", "WED", "THU", "FRI"], "holidays": ["2027-01-04"]},
            "nameTemplate": "{project} {year}-{quarter} #{n}",
            "goalTemplate": "KW{week}: {start:D MMM} – {end:DD.MM.YYYY}",
            "startNumber": 14,
        }),
        "plan.",
    )
    .unwrap();
    let p = plan::plan_board(&input, &board(zone("Europe/Berlin"), existing)).unwrap();
    assert_eq!(
        lines(&p),
        [
            "APP 2026-Q4 #14 | 2026-12-07T09:00:00.000+01:00 | 2026-12-21T09:00:00.000+01:00 | KW50: 7 Dec – 21.12.2026 | OVERLAPS_EXISTING",
            "APP 2026-Q4 #15 | 2026-12-21T09:00:00.000+01:00 | 2027-01-04T09:00:00.000+01:00 | KW52: 21 Dec – 04.01.2027 | ",
            "APP 2027-Q1 #16 | 2027-01-05T09:00:00.000+01:00 | 2027-01-19T09:00:00.000+01:00 | KW01: 5 Jan – 19.01.2027 | START_MOVED_OFF_NON_WORKING_DAY,DUPLICATE_NAME",
            "APP 2027-Q1 #17 | 2027-01-19T09:00:00.000+01:00 | 2027-02-02T09:00:00.000+01:00 | KW03: 19 Jan – 02.02.2027 | ",
            "APP 2027-Q1 #18 | 2027-02-02T09:00:00.000+01:00 | 2027-02-16T09:00:00.000+01:00 | KW05: 2 Feb – 16.02.2027 | ",
            "APP 2027-Q1 #19 | 2027-02-16T09:00:00.000+01:00 | 2027-03-02T09:00:00.000+01:00 | KW07: 16 Feb – 02.03.2027 | ",
            "APP 2027-Q1 #20 | 2027-03-02T09:00:00.000+01:00 | 2027-03-16T09:00:00.000+01:00 | KW09: 2 Mar – 16.03.2027 | ",
            // Across the switch to summer time on 28 March: still 09:00 local, an hour shorter.
            "APP 2027-Q1 #21 | 2027-03-16T09:00:00.000+01:00 | 2027-03-30T09:00:00.000+02:00 | KW11: 16 Mar – 30.03.2027 | ",
        ]
    );
    let last = &p.sprints[7];
    assert_eq!(
        (last.start, last.end),
        (at("2027-03-16T08:00:00Z"), at("2027-03-30T07:00:00Z"))
    );
    assert_eq!(p.sprints[0].key, "b42-s0-1796630400000");
    let summary: Vec<(&str, &str)> = p
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "START_MOVED_OFF_NON_WORKING_DAY",
                "1 of 8 sprints: start moved off a non-working day"
            ),
            ("DUPLICATE_NAME", "1 of 8 sprints: name already in use"),
            (
                "OVERLAPS_EXISTING",
                "1 of 8 sprints: overlaps an existing sprint"
            ),
        ]
    );
    assert!(plan::names_refused(&p).is_empty());
}

#[test]
fn a_pi_of_five_sprints_and_an_innovation_sprint() {
    // No zone in the plan: the board's (New York, DST on 14 March 2027). No calendar: the board's.
    let input = plan::parse_plan(
        &json!({
            "firstStart": "2027-01-11T10:00", "timeZone": null,
            "length": {"value": 14, "unit": "days"}, "count": 7,
            "nameTemplate": "PI{pi}.{sprintInPi}",
            "pi": {"sprintsPerPi": 6, "firstPi": 3, "firstSprintInPi": 1},
        }),
        "plan.",
    )
    .unwrap();
    let p = plan::plan_board(&input, &board(zone("America/New_York"), Vec::new())).unwrap();
    assert_eq!(
        lines(&p),
        [
            "PI3.1 | 2027-01-11T10:00:00.000-05:00 | 2027-01-25T10:00:00.000-05:00 | - | ",
            "PI3.2 | 2027-01-25T10:00:00.000-05:00 | 2027-02-08T10:00:00.000-05:00 | - | ",
            "PI3.3 | 2027-02-08T10:00:00.000-05:00 | 2027-02-22T10:00:00.000-05:00 | - | ",
            "PI3.4 | 2027-02-22T10:00:00.000-05:00 | 2027-03-08T10:00:00.000-05:00 | - | ",
            "PI3.5 | 2027-03-08T10:00:00.000-05:00 | 2027-03-22T10:00:00.000-04:00 | - | ",
            // The innovation and planning sprint closes PI 3.
            "PI3.6 | 2027-03-22T10:00:00.000-04:00 | 2027-04-05T10:00:00.000-04:00 | - | ",
            "PI4.1 | 2027-04-05T10:00:00.000-04:00 | 2027-04-19T10:00:00.000-04:00 | - | ",
        ]
    );
    assert!(p.warnings.is_empty());
}

#[test]
fn keep_ahead_top_up_continues_the_board() {
    let mut existing = vec![
        sprint(
            1,
            "Platform Sprint 7",
            SprintState::Active,
            Some(("2027-03-15T08:00:00Z", "2027-03-26T16:00:00Z")),
        ),
        // Undated future sprints count for the running number only.
        sprint(2, "Platform Sprint 8", SprintState::Future, None),
    ];
    // Mon 09:00 CET to Fri 17:00 CET of the next week (11 days): same shape after the switch.
    let mut b = board(zone("Europe/Berlin"), existing.clone());
    b.holidays
        .push(NaiveDate::from_ymd_opt(2027, 4, 26).unwrap());
    let p = plan::plan_top_up(&b, None, 3).unwrap();
    assert_eq!(
        lines(&p),
        [
            "Platform Sprint 9 | 2027-03-29T09:00:00.000+02:00 | 2027-04-09T17:00:00.000+02:00 | - | ",
            "Platform Sprint 10 | 2027-04-12T09:00:00.000+02:00 | 2027-04-23T17:00:00.000+02:00 | - | ",
            // Monday 26 April is a holiday on this board: the start moves, and says so.
            "Platform Sprint 11 | 2027-04-27T09:00:00.000+02:00 | 2027-05-08T17:00:00.000+02:00 | - | START_MOVED_OFF_NON_WORKING_DAY",
        ]
    );
    assert_eq!(
        plan::plan_top_up(&b, None, 3).unwrap(),
        p,
        "re-planning differs"
    );
    let template =
        plan::parse_template("{project}-{start:MM/DD}", "settings.nameTemplate").unwrap();
    let named = plan::plan_top_up(&b, Some(&template), 1).unwrap();
    assert_eq!(named.sprints[0].name, "APP-03/29");
    // No dated sprint to continue from: nothing planned, and the board is told why.
    existing.retain(|s| s.start.is_none());
    let none = plan::plan_top_up(&board(zone("Europe/Berlin"), existing), None, 1).unwrap();
    assert_eq!(
        (none.sprints.len(), none.warnings[0].code.as_str()),
        (0, "NO_DATED_SPRINT")
    );
}
