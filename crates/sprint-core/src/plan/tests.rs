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
        default_tz: crate::tz::Zone::UTC,
        working_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
        holidays: Vec::new(),
    }
}

fn plan_on(v: &Value, b: &BoardContext) -> Result<BoardPlan, CoreError> {
    plan_board(&parse_plan(v, "plan.")?, b)
}

fn codes(s: &PlannedSprint) -> Vec<Warning> {
    s.warnings.iter().map(|w| w.code).collect()
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
    assert_eq!(codes(&p.sprints[2]), [Warning::StartMovedOffNonWorkingDay]);
    assert_eq!(p.sprints[0].key, "b7-s0-1767600000000");
    assert_eq!(p.warnings.len(), 1);
    // No zone and no calendar in the plan: the board's (UTC, Mon-Thu), so Friday moves.
    v["timeZone"] = json!(null);
    v["calendar"] = json!(null);
    v["firstStart"] = json!("2026-01-09T09:00");
    let p = plan_on(&v, &board()).unwrap();
    assert_eq!(p.sprints[0].start_local, "2026-01-12T09:00:00.000+00:00");
    assert_eq!(codes(&p.sprints[0]), [Warning::StartMovedOffNonWorkingDay]);
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
    assert_eq!(codes(first), [Warning::NameOnOtherBoard]);
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
    assert_eq!(codes(&p.sprints[0]), [Warning::NameTooLong, Warning::OverlapsExisting]);
    assert_eq!(codes(&p.sprints[1]), [Warning::NameTooLong, Warning::DuplicateName]);
    assert_eq!(names_refused(&p).len(), 3);
    // Default numbering continues after the largest trailing number (12); names repeat.
    v["nameTemplate"] = json!("Sprint");
    v.as_object_mut().unwrap().remove("startNumber");
    let p = plan_on(&v, &b).unwrap();
    assert!(p.sprints.iter().all(|s| codes(s).contains(&Warning::DuplicateName)));
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
    b.default_tz = crate::tz::Zone::from_name("Europe/Berlin").unwrap();
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
    assert_eq!(plan_top_up(&b, None, 1).unwrap().warnings[0].code, Warning::NoDatedSprint);
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
            assert!(sprint_name::units(&s.name) <= MAX_NAME || codes(s).contains(&Warning::NameTooLong), "{v} {i}");
            assert!(!codes(s).contains(&Warning::OverlapsPlanned), "{v} {i}");
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
