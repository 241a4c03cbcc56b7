//! Layer 2: the board job's rollovers through `step`, against the fake.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::fake::*;
use super::*;

#[test]
fn a_rollover_lists_reads_unfinished_closes_then_moves_in_fifties_then_starts() {
    let mut f = fake("nextSprint", 130, 70, true);
    let unfinished = f.unfinished();
    let t = run_board(&mut f, NOW, 1, None);
    let moves = post("/sprint/102/issue");
    // Only the 70 unfinished issues are read (one page); the sprint is closed first, as Jira's own
    // "Complete sprint" does, then they are carried from the backlog.
    let want = [
        list_sprints(),
        configuration(),
        issue_page(101, 0),
        post("/sprint/101"),
        moves.clone(),
        moves,
        post("/sprint/102"),
    ];
    assert_eq!(t.jira(), want);
    let bodies: Vec<&Value> = t.jira_bodies().into_iter().filter_map(|(_, b)| b).collect();
    assert_eq!(*bodies[0], json!({ "state": "closed" }));
    let batches: Vec<Vec<String>> = (bodies[1..3].iter())
        .map(|b| serde_json::from_value(b["issues"].clone()).unwrap())
        .collect();
    assert_eq!((batches[0].len(), batches[1].len()), (50, 20));
    assert_eq!(
        batches.concat(),
        unfinished,
        "every unfinished issue, in rank order"
    );
    let start = json!({ "state": "active", "startDate": "2026-01-19T10:00:00.000+01:00",
                        "endDate": "2026-02-02T10:00:00.000+01:00" });
    assert_eq!(*bodies[3], start, "dates with the board zone's offset");
    // Jira's record: every issue keeps sprint 101 in its Sprint field.
    assert!(f.issues.iter().all(|i| i.closed_in == [101]));
    // The lease is taken first and the schedule written last: next look at sprint 102's end.
    assert_eq!(t.effects[0], Effect::RemainingTime {});
    let statement = |e: Option<&Effect>| match e {
        Some(Effect::Sql { name, .. }) => name.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(statement(t.effects.get(1)), "boardSchedule.takeLease");
    assert_eq!(statement(t.effects.last()), "boardSchedule.release");
    let due = at("2026-02-02T09:00Z");
    assert_eq!(
        t.ok()["actions"],
        json!([{ "closed": 101 }, { "started": 102 }])
    );
    assert_eq!(at(t.ok()["nextDueAt"].as_str().unwrap()), due);
    let released = Schedule {
        next_due_at: Some(due.timestamp_millis()),
        ..Schedule::default()
    };
    assert_eq!(f.schedule, Some(released));
    assert_eq!(f.rollovers[&101], ("closed".to_string(), Some(102)));
    assert_eq!(f.rollovers[&102].0, "started");
    assert_eq!(
        t.logs(),
        ["SPRINT_CLOSED", "UNFINISHED_MOVED", "SPRINT_STARTED"]
    );
    assert_eq!((f.closed, f.started), (vec![101], vec![102]));
}

#[test]
fn a_rollover_makes_ceil_n_over_100_plus_ceil_n_over_50_plus_4_jira_calls() {
    for (m, n) in [
        (1, 0),
        (1, 1),
        (99, 50),
        (100, 51),
        (101, 100),
        (250, 101),
        (300, 300),
    ] {
        let mut f = fake("nextSprint", m, n, true);
        let t = run_board(&mut f, NOW, 1, None);
        // Only the n unfinished issues are read (at least one page, to learn there are none).
        let calls = n.div_ceil(100).max(1) + n.div_ceil(50) + 4;
        assert_eq!(t.jira().len(), calls, "m={m} n={n}: {:#?}", t.jira());
        let in_102 = f.issues.iter().filter(|i| i.sprint == Some(102)).count();
        assert_eq!((f.unfinished().len(), in_102), (n, n));
        assert_eq!((f.closed, f.started), (vec![101], vec![102]));
    }
}

#[test]
fn unfinished_work_goes_to_the_configured_destination() {
    // (carry-over, a future sprint exists, where unfinished work lands, the sprint started after)
    for (carry, next, to, started) in [
        ("nextSprint", true, Some(102), Some(102)),
        ("nextSprint", false, None, None),
        ("backlog", true, None, Some(102)),
        ("nextSprintCreate", true, Some(102), Some(102)),
        ("nextSprintCreate", false, Some(900), Some(900)),
    ] {
        let mut f = fake(carry, 60, 55, next);
        let unfinished = f.unfinished();
        let t = run_board(&mut f, NOW, 1, None);
        let mut want = vec![list_sprints(), configuration(), issue_page(101, 0)];
        want.extend((to == Some(900)).then(|| post("/sprint")));
        want.push(post("/sprint/101"));
        // To a sprint they are carried from the backlog; to the backlog Jira's close put them.
        if let Some(d) = to {
            let moves = post(&format!("/sprint/{d}/issue"));
            want.extend([moves.clone(), moves]);
        }
        want.extend(started.map(|s| post(&format!("/sprint/{s}"))));
        assert_eq!(t.jira(), want, "{carry}, next sprint: {next}");
        for i in &f.issues {
            let place = if unfinished.contains(&i.key) {
                to
            } else {
                Some(101)
            };
            assert_eq!(i.sprint, place, "{carry}: {}", i.key);
        }
        assert_eq!(f.started, Vec::from_iter(started));
        if to == Some(900) {
            // The follow-on sprint: the next name, from the closing sprint's end, same length.
            let body = t.jira_bodies()[3].1.cloned();
            let want = json!({ "name": "Sprint 15", "originBoardId": 7,
                "startDate": "2026-01-19T10:00:00.000+01:00", "endDate": "2026-02-02T10:00:00.000+01:00" });
            assert_eq!(body, Some(want));
            assert_eq!(f.rollovers[&101].1, Some(900));
            assert!(t.logs().contains(&"FOLLOW_ON_SPRINT_CREATED"));
        }
    }
}

#[test]
fn a_done_parent_with_an_open_subtask_blocks_the_close_and_retries_in_15_minutes() {
    let mut f = fake("nextSprint", 4, 2, true);
    assert_eq!(f.issues[0].status, DONE);
    let sub = Issue {
        key: "SA-9".into(),
        status: TODO,
        parent: Some("SA-1".into()),
        sprint: Some(101),
        closed_in: Vec::new(),
    };
    f.issues.push(sub);
    let before = f.jira_state();
    let t = run_board(&mut f, NOW, 1, None);
    // No move, no close, and no start of 102 either: the blocked sprint keeps the board (a start
    // now would leave 101 open with its unfinished work).
    assert_eq!(
        t.jira(),
        [list_sprints(), configuration(), issue_page(101, 0)]
    );
    assert_eq!(t.logs(), ["OPEN_SUBTASKS"]);
    assert_eq!(f.jira_state(), before, "Jira unchanged");
    let retry = at(NOW) + Duration::minutes(15);
    assert_eq!(
        f.schedule.unwrap().next_due_at,
        Some(retry.timestamp_millis())
    );
    assert_eq!(at(t.ok()["nextDueAt"].as_str().unwrap()), retry);
}

#[test]
fn an_empty_sprint_is_closed_without_moves_or_a_follow_on_sprint() {
    let mut f = fake("nextSprintCreate", 0, 0, false);
    let t = run_board(&mut f, NOW, 1, None);
    assert_eq!(
        t.jira(),
        [
            list_sprints(),
            configuration(),
            issue_page(101, 0),
            post("/sprint/101")
        ]
    );
    assert_eq!(f.closed, [101]);
    assert_eq!(f.rollovers[&101], ("closed".to_string(), None));
}

#[test]
fn a_429_waits_retry_after_then_repeats_the_same_request() {
    let mut f = fake("nextSprint", 10, 3, true);
    f.throttle = Some(issue_page(101, 0));
    let t = run_board(&mut f, NOW, 1, None);
    let i = (t.effects.iter())
        .position(|e| matches!(e, Effect::Jira { path, .. } if path.contains("/sprint/101/issue")))
        .unwrap();
    // The core first makes sure the wait fits in the invocation, then waits.
    assert!(matches!(t.effects[i + 1], Effect::RemainingTime {}));
    let Effect::Wait { ms } = t.effects[i + 2] else {
        panic!("expected a wait after the 429, got {:?}", t.effects[i + 2])
    };
    assert!(
        (2000..=2250).contains(&ms),
        "waited {ms} ms for Retry-After: 2"
    );
    assert_eq!(t.effects[i + 3], t.effects[i], "the same request again");
    assert_eq!(t.jira().len(), 1 + 1 + 4 + 1, "the usual calls plus one");
    assert_eq!((f.closed, f.started), (vec![101], vec![102]));
}

#[test]
fn a_lease_held_by_another_run_means_no_jira_call() {
    let mut f = fake("nextSprint", 10, 3, true);
    let until = (at(NOW) + Duration::minutes(5)).timestamp_millis();
    let held = Schedule {
        next_due_at: Some(0),
        lease_owner: Some("run-other".into()),
        lease_until: Some(until),
    };
    f.schedule = Some(held.clone());
    let before = f.jira_state();
    let t = run_board(&mut f, NOW, 1, None);
    assert_eq!(t.ok()["result"], "leased");
    assert_eq!(
        t.effects.len(),
        2,
        "remaining time and the lease UPDATE only"
    );
    assert!(t.jira().is_empty());
    assert_eq!((f.jira_state(), f.schedule.clone()), (before, Some(held)));
    // Once that lease has run out, the board is taken over.
    let t = run_board(&mut f, "2026-01-19T09:09Z", 1, None);
    assert_eq!(t.ok()["result"], "checked");
    assert_eq!(f.closed, [101]);
}

/// Run once cleanly; then for every k, crash after k effects and re-run a minute later (same
/// owner, new seed) against what the crash left: Jira must end exactly as after the clean run,
/// with every issue in its place, moved once, the sprint closed once and the next started once.
fn assert_crash_safe(make: impl Fn() -> Fake, next: u64) {
    let mut clean = make();
    let total = run_board(&mut clean, NOW, 10, None).effects.len();
    let unfinished = clean.unfinished();
    for i in &clean.issues {
        let top = i.parent.as_ref().unwrap_or(&i.key);
        let place = if unfinished.contains(top) { next } else { 101 };
        assert_eq!(i.sprint, Some(place), "{} in its place", i.key);
    }
    for k in 0..total {
        let mut f = make();
        assert_eq!(run_board(&mut f, NOW, 10, Some(k)).effects.len(), k);
        let t = run_board(&mut f, "2026-01-19T09:04Z", 11, None);
        assert_eq!(t.ok()["result"], "checked", "crash after {k}");
        assert_eq!(f.jira_state(), clean.jira_state(), "crash after {k}");
        assert_eq!(
            (&f.closed[..], &f.started[..]),
            (&[101][..], &[next][..]),
            "crash after {k}"
        );
        let (mut moved, mut want) = (f.moved.clone(), unfinished.clone());
        moved.sort();
        want.sort();
        assert_eq!(
            moved, want,
            "each unfinished issue moved once; crash after {k}"
        );
        assert_eq!(f.schedule.unwrap().lease_owner, None, "crash after {k}");
    }
}

#[test]
fn a_crash_after_any_effect_then_a_rerun_ends_like_an_uninterrupted_rollover() {
    assert_crash_safe(
        || {
            let mut f = fake("nextSprint", 130, 70, true);
            // An unfinished parent whose sub-tasks (one done, one open) travel with it.
            for (key, status) in [("SA-200", TODO), ("SA-201", DONE), ("SA-202", DOING)] {
                let parent = (key != "SA-200").then(|| "SA-200".to_string());
                f.issues.push(Issue {
                    key: key.into(),
                    status,
                    parent,
                    sprint: Some(101),
                    closed_in: Vec::new(),
                });
            }
            f
        },
        102,
    );
}

#[test]
fn a_crash_after_any_effect_creates_the_follow_on_sprint_only_once() {
    assert_crash_safe(|| fake("nextSprintCreate", 120, 60, false), 900);
}

/// Jira may answer fewer issues a page than asked: the job must follow `startAt` to the end.
fn assert_capped_pages_read_every_issue(no_total: bool) {
    let mut f = fake("nextSprint", 130, 70, true);
    (f.page_cap, f.no_total) = (Some(50), no_total);
    let t = run_board(&mut f, NOW, 1, None);
    // 70 unfinished issues at 50 a page.
    let pages: Vec<String> = [0, 50].map(|at| issue_page(101, at)).into();
    assert_eq!(t.jira()[2..4], pages);
    let in_102 = f.issues.iter().filter(|i| i.sprint == Some(102)).count();
    assert_eq!((in_102, f.closed, f.started), (70, vec![101], vec![102]));
}

#[test]
fn issue_pages_capped_at_50_with_a_total_are_all_read() {
    assert_capped_pages_read_every_issue(false);
}

#[test]
fn issue_pages_capped_at_50_without_a_total_are_all_read() {
    assert_capped_pages_read_every_issue(true);
}
