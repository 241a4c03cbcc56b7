//! Golden scenarios for the pure core, natively and under wasm-bindgen-test in Node.
//!
//! 1. The scheduling rules on a simulated clock (`golden/schedules.json`): a board is ticked every
//!    5 minutes, checked when its `next_due` (or its daily reconcile) has come, and every action
//!    must fire at the first tick at or after its exact instant (written out by hand, in UTC).
//! 2. The board job through `step`, against a fake of @forge/sql and Jira: the exact Jira calls of
//!    a rollover, carry-over destinations, blockers, rate limits, leases, and crash + re-run.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sprint_core::engine::{self, Action, Handled, Policy, Run, Sprint, SprintState};
use sprint_core::settings::{parse_time_of_day, BoardSettings, CarryOver, GlobalSettings};
use sprint_core::{step, Effect, EffectResult, Job, Method, Outcome, Runner, StepInput};

const BOARD: u64 = 7;

/// An instant in UTC; `2026-03-29T01:00Z` is short for `2026-03-29T01:00:00Z`.
fn at(s: &str) -> DateTime<Utc> {
    let full = match s.len() {
        17 => format!("{}:00Z", &s[..16]),
        _ => s.to_string(),
    };
    full.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Layer 1: the engine on a simulated clock.
// ---------------------------------------------------------------------------------------------

const SCHEDULES: &str = include_str!("golden/schedules.json");

/// An action as it fired: its exact instant and the tick that did it.
#[derive(Debug, Clone, PartialEq)]
struct Fired {
    what: String,
    sprint: u64,
    at: DateTime<Utc>,
    tick: DateTime<Utc>,
}

/// One board on a simulated clock, checked the way the tick and board jobs check it.
struct Sim {
    policy: Policy,
    sprints: Vec<Sprint>,
    /// The `rollovers` rows with phase `missed` (they outlive a run).
    missed: BTreeSet<u64>,
    ticks: Vec<DateTime<Utc>>,
    fired: Vec<Fired>,
    /// Board checks run (each one costs Jira a sprint listing).
    checks: usize,
}

impl Sim {
    fn new(c: &Value) -> Sim {
        let time = |k: &str| c[k].as_str().map(|t| parse_time_of_day(t).unwrap());
        let date = |v: &Value| v.as_str().map(at);
        let policy = Policy {
            auto_start: c["autoStart"].as_bool().unwrap_or(true),
            auto_close: c["autoClose"].as_bool().unwrap_or(true),
            carry_over: CarryOver::NextSprint,
            tz: c["zone"].as_str().unwrap().parse().unwrap(),
            start_time: time("startTime"),
            close_time: time("closeTime"),
        };
        let sprints = c["sprints"].as_array().unwrap().iter().map(|s| Sprint {
            id: s[0].as_u64().unwrap(),
            name: format!("Sprint {}", s[0]),
            state: match s[1].as_str().unwrap() {
                "active" => SprintState::Active,
                _ => SprintState::Future,
            },
            start: date(&s[2]),
            end: date(&s[3]),
            origin_board_id: Some(BOARD),
        });
        let (missed, ticks, fired) = (BTreeSet::new(), Vec::new(), Vec::new());
        let sprints = sprints.collect();
        Sim {
            policy,
            sprints,
            missed,
            ticks,
            fired,
            checks: 0,
        }
    }

    /// Tick every 5 minutes over `[from, to]`, with no ticks in `[gap.0, gap.1)`. The board is due
    /// at once (as `schedule_board` leaves it), then at its `next_due` or its daily look.
    fn run(
        mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        gap: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Sim {
        let (mut t, mut due, mut reconcile) = (from, Some(from), from);
        while t <= to {
            if !gap.is_some_and(|(a, b)| a <= t && t < b) {
                self.ticks.push(t);
                if due.is_some_and(|d| d <= t) || reconcile <= t {
                    let run = self.check(t);
                    due = engine::next_due(&self.policy, &self.sprints, &run, t);
                    reconcile = sprint_core::spend::next_daily_look(1, t, due);
                }
            }
            t += Duration::minutes(5);
        }
        self
    }

    /// One board check: `next_action` until none, marking closes and starts as the job does.
    fn check(&mut self, now: DateTime<Utc>) -> Run {
        self.checks += 1;
        let mut run = Run::default();
        for s in self
            .sprints
            .iter()
            .filter(|s| s.state == SprintState::Future)
        {
            if self.missed.contains(&s.id) {
                run.handled.insert(s.id, Handled::Missed);
            }
        }
        while let Some(action) = engine::next_action(&self.policy, &self.sprints, &run, now) {
            let (what, id, instant, handled) = match action {
                Action::Close(s) => {
                    self.sprint_mut(s.id).state = SprintState::Closed;
                    let t = self.policy.close_instant(&s).unwrap();
                    ("close", s.id, t, Handled::Closed)
                }
                Action::Start { sprint, start, end } => {
                    let s = self.sprint_mut(sprint.id);
                    (s.state, s.start, s.end) = (SprintState::Active, Some(start), Some(end));
                    ("start", sprint.id, start, Handled::Started)
                }
                Action::ReportMissed(s) => {
                    self.missed.insert(s.id);
                    let t = self.policy.start_instant(&s).unwrap();
                    ("missed", s.id, t, Handled::Missed)
                }
            };
            run.handled.insert(id, handled);
            let (what, sprint, at, tick) = (what.to_string(), id, instant, now);
            self.fired.push(Fired {
                what,
                sprint,
                at,
                tick,
            });
        }
        run
    }

    fn sprint_mut(&mut self, id: u64) -> &mut Sprint {
        self.sprints.iter_mut().find(|s| s.id == id).unwrap()
    }
}

/// Run the named scenario of `schedules.json` and check it: exactly the listed actions, in order,
/// at their instants, each at the first tick at or after its instant (and at the tick listed);
/// the ends sent with starts; the number of board checks.
fn scenario(name: &str) {
    let all: Value = serde_json::from_str(SCHEDULES).unwrap();
    let c = &all[name];
    let window = |v: &Value| Some((at(v[0].as_str()?), at(v[1].as_str()?)));
    let (from, to) = window(&c["ticks"]).unwrap();
    let sim = Sim::new(c).run(from, to, window(&c["gap"]));
    let first_tick = |t: DateTime<Utc>| sim.ticks.iter().copied().find(|&k| k >= t).unwrap();
    let want: Vec<Fired> = c["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let instant = at(f[2].as_str().unwrap());
            let tick = f[3].as_str().map_or_else(|| first_tick(instant), at);
            Fired {
                what: f[0].as_str().unwrap().into(),
                sprint: f[1].as_u64().unwrap(),
                at: instant,
                tick,
            }
        })
        .collect();
    assert_eq!(sim.fired, want, "{name}: {}", c["why"]);
    for f in &sim.fired {
        assert_eq!(
            f.tick,
            first_tick(f.at),
            "{name}: {f:?} is not at the first tick after its instant"
        );
    }
    for (id, end) in c["ends"].as_object().into_iter().flatten() {
        let s = sim
            .sprints
            .iter()
            .find(|s| s.id.to_string() == *id)
            .unwrap();
        assert_eq!(
            s.end,
            Some(at(end.as_str().unwrap())),
            "{name}: end sent for sprint {id}"
        );
    }
    if let Some(checks) = c["checks"].as_u64() {
        assert_eq!(sim.checks as u64, checks, "{name}: board checks");
    }
}

#[test]
fn berlin_spring_forward_a_time_in_the_gap_fires_at_the_first_instant_after_it() {
    scenario("berlin_spring_forward");
}

#[test]
fn berlin_fall_back_a_time_in_the_overlap_fires_at_its_first_occurrence() {
    scenario("berlin_fall_back");
}

#[test]
fn new_york_spring_forward_and_fall_back() {
    scenario("new_york_spring_forward");
    scenario("new_york_fall_back");
}

#[test]
fn kathmandu_quarter_hour_offset() {
    scenario("kathmandu");
}

#[test]
fn lord_howe_half_hour_dst_both_switches() {
    scenario("lord_howe_dst_ends");
    scenario("lord_howe_dst_starts");
}

#[test]
fn year_end_closes_on_new_years_eve_and_starts_on_new_years_day() {
    scenario("year_end_kiritimati");
    scenario("year_end_auckland");
}

#[test]
fn leap_day_close_and_next_day_start() {
    scenario("leap_day");
}

#[test]
fn three_days_without_ticks_report_a_wholly_missed_sprint_once_and_start_a_live_one_late() {
    scenario("missed_ticks");
}

#[test]
fn parallel_active_sprints_are_each_closed_when_due() {
    scenario("parallel_sprints");
}

#[test]
fn sprints_without_both_dates_are_never_started_or_closed() {
    scenario("sprints_without_dates");
}

#[test]
fn a_future_sprint_with_a_start_but_no_end_costs_only_the_daily_reconcile() {
    scenario("future_sprint_with_start_only");
}

#[test]
fn auto_start_or_auto_close_off_leaves_that_action_alone() {
    for name in [
        "auto_both_on",
        "auto_start_off",
        "auto_close_off",
        "auto_both_off",
    ] {
        scenario(name);
    }
    // A board with automation off gets a policy with both off, whatever its flags say.
    let off = BoardSettings {
        automate: false,
        ..BoardSettings::default()
    };
    let p = Policy::of(&off, &GlobalSettings::default());
    assert!(!p.auto_start && !p.auto_close && off.auto_start && off.auto_close);
}

// ---------------------------------------------------------------------------------------------
// Layer 2: the board job through `step`, against a fake of @forge/sql and Jira.
// ---------------------------------------------------------------------------------------------

const BOARD_FIXTURE: &str = include_str!("golden/board.json");
const OWNER: &str = "run-00000000000a";
const NOW: &str = "2026-01-19T09:03Z";
const TODO: &str = "1";
const DOING: &str = "3";
const DONE: &str = "10001";
const AGILE: &str = "/rest/agile/1.0";

#[derive(Debug, Clone, PartialEq)]
struct Issue {
    key: String,
    status: &'static str,
    parent: Option<String>,
    sprint: Option<u64>,
    /// The closed sprints it was in when they closed (its Sprint field keeps them).
    closed_in: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Schedule {
    next_due_at: Option<i64>,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
}

/// The app's rows and a tiny Jira: one board, its sprints, issues with status ids, its columns.
#[derive(Debug, Clone, Default)]
struct Fake {
    fixture: Value,
    schedule: Option<Schedule>,
    /// sprint id -> (phase, destination)
    rollovers: BTreeMap<u64, (String, Option<u64>)>,
    /// Jira sprint objects, in board order.
    sprints: Vec<Value>,
    issues: Vec<Issue>,
    /// Jira answers issue pages of at most this many (it may cap what is asked), without `total`.
    page_cap: Option<usize>,
    no_total: bool,
    /// Answer the first request starting with this ("GET /path") with a 429, Retry-After 2 s.
    throttle: Option<String>,
    /// Sprints whose state a close / start request actually changed.
    closed: Vec<u64>,
    started: Vec<u64>,
    /// Every key named in a move request.
    moved: Vec<String>,
    /// rollovers.last_problem by sprint.
    problems: std::collections::HashMap<u64, String>,
}

/// Board 7 with active "Sprint 14" (101, ends 2026-01-19 09:00Z), optionally future "Sprint 15"
/// (102), and `m` issues in sprint 101 of which `n` are unfinished, spread evenly by rank.
fn fake(carry_over: &str, m: usize, n: usize, next_sprint: bool) -> Fake {
    let mut fixture: Value = serde_json::from_str(BOARD_FIXTURE).unwrap();
    fixture["boardSettingsRow"]["carry_over"] = json!(carry_over);
    let mut sprints = vec![fixture["activeSprint"].clone()];
    sprints.extend(next_sprint.then(|| fixture["futureSprint"].clone()));
    let issues = (0..m).map(|i| Issue {
        key: format!("SA-{}", i + 1),
        status: match (i * n / m != (i + 1) * n / m, i % 2) {
            (true, 0) => TODO,
            (true, _) => DOING,
            (false, _) => DONE,
        },
        parent: None,
        sprint: Some(101),
        closed_in: Vec::new(),
    });
    let due = at("2026-01-19T09:00Z").timestamp_millis();
    let schedule = Some(Schedule {
        next_due_at: Some(due),
        ..Schedule::default()
    });
    Fake {
        fixture,
        schedule,
        sprints,
        issues: issues.collect(),
        ..Fake::default()
    }
}

/// An effect result from its JSON form, as the shim feeds it back.
fn res(v: Value) -> EffectResult {
    serde_json::from_value(v).unwrap()
}

fn refused(message: &str) -> EffectResult {
    res(json!({ "status": 400, "body": { "errorMessages": [message], "errors": {} } }))
}

fn verb(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

impl Fake {
    fn apply(&mut self, effect: &Effect) -> EffectResult {
        match effect {
            Effect::RemainingTime {} => res(json!({ "remainingMs": 600_000 })),
            Effect::Sql { sql, params } => self.sql(sql, params),
            Effect::Jira {
                method, path, body, ..
            } => self.jira(*method, path, body.as_ref()),
            Effect::Log { .. } | Effect::Wait { .. } => EffectResult::default(),
            other => panic!("the board job asked for {other:?}"),
        }
    }

    /// @forge/sql, as far as the board job goes: matched on the statement's start.
    fn sql(&mut self, sql: &str, p: &[Value]) -> EffectResult {
        let id = |i: usize| p[i].as_u64().unwrap();
        let rows = |rows: Vec<Value>| res(json!({ "rows": rows }));
        let written = |n: u64| res(json!({ "affectedRows": n }));
        if sql.starts_with("UPDATE board_schedule SET lease_owner") {
            let (owner, now) = (p[0].as_str(), p[3].as_i64().unwrap());
            return written(match &mut self.schedule {
                Some(s)
                    if s.lease_until.is_none_or(|u| u < now)
                        || s.lease_owner.as_deref() == owner =>
                {
                    (s.lease_owner, s.lease_until) = (owner.map(Into::into), p[1].as_i64());
                    1
                }
                _ => 0,
            });
        }
        if sql.starts_with("UPDATE board_schedule SET next_due_at") {
            return written(match &mut self.schedule {
                Some(s) if s.lease_owner.as_deref() == p[5].as_str() => {
                    (s.next_due_at, s.lease_owner, s.lease_until) = (p[0].as_i64(), None, None);
                    1
                }
                _ => 0,
            });
        }
        if sql.starts_with("SELECT automation_enabled") {
            return rows(vec![self.fixture["globalSettingsRow"].clone()]);
        }
        if sql.starts_with("SELECT board_id, project_key") {
            return rows(vec![self.fixture["boardSettingsRow"].clone()]);
        }
        if sql.starts_with("SELECT sprint_id FROM rollovers WHERE phase = 'missed'") {
            let missed = (0..p.len())
                .filter(|&i| self.rollovers.get(&id(i)).is_some_and(|r| r.0 == "missed"));
            return rows(
                missed
                    .map(|i| json!({ "sprint_id": id(i).to_string() }))
                    .collect(),
            );
        }
        if sql.starts_with("SELECT last_problem FROM rollovers") {
            let row = self.problems.get(&id(0));
            return rows(
                row.map(|p| json!({ "last_problem": p }))
                    .into_iter()
                    .collect(),
            );
        }
        if sql.starts_with(
            "INSERT INTO rollovers (sprint_id, board_id, phase, updated_at, last_problem)",
        ) {
            self.rollovers
                .entry(id(0))
                .or_insert(("waiting".into(), None));
            self.problems.insert(id(0), p[3].as_str().unwrap().into());
            return written(1);
        }
        if sql.starts_with("SELECT readiness_at, readiness FROM board_schedule") {
            return rows(Vec::new());
        }
        if sql.starts_with("UPDATE board_schedule SET readiness") {
            return written(1);
        }
        if sql.starts_with("SELECT sprint_id, phase FROM rollovers WHERE board_id = ?") {
            // One board in this fake: every row is its own.
            let open = (self.rollovers.iter())
                .filter(|(_, r)| {
                    ["starting", "moving", "closing", "carrying"].contains(&r.0.as_str())
                })
                .map(|(sprint, r)| json!({ "sprint_id": sprint.to_string(), "phase": r.0 }));
            return rows(open.collect());
        }
        if sql.starts_with("SELECT destination_sprint_id FROM rollovers WHERE sprint_id = ?") {
            let row = self.rollovers.get(&id(0));
            return rows(
                row.map(|r| json!({ "destination_sprint_id": r.1.map(|d| d.to_string()) }))
                    .into_iter()
                    .collect(),
            );
        }
        if sql.starts_with("INSERT INTO rollovers") {
            let row = self.rollovers.entry(id(0)).or_insert((String::new(), None));
            (row.0, row.1) = (p[2].as_str().unwrap().into(), p[3].as_u64().or(row.1));
            if ["started", "carrying"].contains(&row.0.as_str()) {
                self.problems.remove(&id(0));
            }
            return written(1);
        }
        panic!("unexpected SQL: {sql}")
    }

    fn sprint(&mut self, id: u64) -> Option<&mut Value> {
        self.sprints.iter_mut().find(|s| s["id"] == id)
    }

    fn issue_json(&self, i: &Issue) -> Value {
        let subtasks: Vec<Value> = (self.issues.iter())
            .filter(|s| s.parent.as_ref() == Some(&i.key))
            .map(|s| json!({ "key": s.key, "fields": { "status": { "id": s.status } } }))
            .collect();
        let parent = i.parent.as_ref().map(|p| {
            let status = self
                .issues
                .iter()
                .find(|x| &x.key == p)
                .map_or("", |x| x.status);
            json!({ "key": p, "fields": { "status": { "id": status } } })
        });
        json!({ "key": i.key, "fields": { "status": { "id": i.status },
            "issuetype": { "subtask": i.parent.is_some() }, "subtasks": subtasks, "parent": parent } })
    }

    /// Move issues (sub-tasks travel with their parents) to a sprint or the backlog.
    fn move_to(&mut self, body: Option<&Value>, to: Option<u64>) -> EffectResult {
        let keys: Vec<String> = serde_json::from_value(body.unwrap()["issues"].clone()).unwrap();
        if keys.len() > 50 {
            return refused("at most 50 issues per request");
        }
        if to.is_some_and(|to| {
            self.sprints
                .iter()
                .all(|s| s["id"] != to || s["state"] == "closed")
        }) {
            return refused("the sprint is closed or does not exist");
        }
        for i in &mut self.issues {
            if keys.contains(&i.key) || i.parent.as_ref().is_some_and(|p| keys.contains(p)) {
                i.sprint = to;
            }
        }
        self.moved.extend(keys);
        res(json!({ "status": 204 }))
    }

    fn jira(&mut self, method: Method, path: &str, body: Option<&Value>) -> EffectResult {
        let call = format!("{} {path}", verb(method));
        if self.throttle.as_ref().is_some_and(|t| call.starts_with(t)) {
            self.throttle = None;
            return res(json!({ "status": 429, "retryAfterSeconds": 2.0 }));
        }
        let (base, query) = path.split_once('?').unwrap_or((path, ""));
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
        };
        let int = |k: &str| param(k).map_or(0, |v| v.parse::<usize>().unwrap());
        let (start_at, max) = (int("startAt"), int("maxResults"));
        let seg: Vec<&str> = base
            .strip_prefix(AGILE)
            .unwrap()
            .split('/')
            .filter(|part| !part.is_empty())
            .collect();
        let num = |s: &str| s.parse::<u64>().unwrap();
        let ok = |status: u16, body: Value| res(json!({ "status": status, "body": body }));
        match (method, seg.as_slice()) {
            (Method::Get, ["board", "7", "sprint"]) => {
                assert_eq!(param("state"), Some("active%2Cfuture"));
                let listed: Vec<&Value> = ["active", "future"]
                    .iter()
                    .flat_map(|st| self.sprints.iter().filter(move |s| s["state"] == *st))
                    .collect();
                let page: Vec<&Value> = listed[start_at.min(listed.len())..]
                    .iter()
                    .take(50)
                    .copied()
                    .collect();
                let last = start_at + page.len() >= listed.len();
                ok(
                    200,
                    json!({ "startAt": start_at, "maxResults": 50, "isLast": last, "values": page }),
                )
            }
            (Method::Get, ["board", "7", "configuration"]) => {
                ok(200, self.fixture["configuration"].clone())
            }
            (Method::Get, ["sprint", id, "issue"]) => {
                let id = num(id);
                let closed = self.sprint(id).is_some_and(|s| s["state"] == "closed");
                // The little JQL the board job sends (percent-encoded by the core).
                let jql = param("jql")
                    .unwrap_or("")
                    .replace("%20", " ")
                    .replace("%28", "(")
                    .replace("%29", ")")
                    .replace("%2C", ",");
                let open_ids: Vec<u64> = (self.sprints.iter())
                    .filter(|s| s["state"] != "closed")
                    .filter_map(|s| s["id"].as_u64())
                    .collect();
                let all: Vec<&Issue> = (self.issues.iter())
                    .filter(|i| {
                        if closed {
                            i.closed_in.contains(&id)
                        } else {
                            i.sprint == Some(id)
                        }
                    })
                    .filter(|i| !jql.contains("status not in") || i.status != DONE)
                    .filter(|i| {
                        !jql.contains("sprint not in openSprints()")
                            || !i.sprint.is_some_and(|s| open_ids.contains(&s))
                    })
                    .filter(|i| !jql.contains("subTaskIssueTypes()") || i.parent.is_some())
                    .collect();
                let max = max.min(self.page_cap.unwrap_or(100));
                let page: Vec<Value> = (all[start_at.min(all.len())..].iter().take(max))
                    .map(|i| self.issue_json(i))
                    .collect();
                let mut answer = json!({ "startAt": start_at, "maxResults": max, "issues": page });
                if !self.no_total {
                    answer["total"] = json!(all.len());
                }
                ok(200, answer)
            }
            (Method::Get, ["sprint", id]) => ok(200, self.sprint(num(id)).unwrap().clone()),
            (Method::Post, ["sprint", id, "issue"]) => self.move_to(body, Some(num(id))),
            (Method::Post, ["backlog", "issue"]) => self.move_to(body, None),
            (Method::Post, ["sprint"]) => {
                let b = body.unwrap();
                assert_eq!(b["originBoardId"], 7);
                let id = 900
                    + self
                        .sprints
                        .iter()
                        .filter(|s| s["id"].as_u64() >= Some(900))
                        .count();
                let s = json!({ "id": id, "name": b["name"], "state": "future", "originBoardId": 7,
                                "startDate": b["startDate"], "endDate": b["endDate"] });
                self.sprints.push(s.clone());
                ok(201, s)
            }
            (Method::Post, ["sprint", id]) => self.update_sprint(num(id), body.unwrap()),
            _ => panic!("unexpected Jira call: {call}"),
        }
    }

    /// Partial update: `{state: closed}` or `{state: active, startDate, endDate}`.
    fn update_sprint(&mut self, id: u64, body: &Value) -> EffectResult {
        let from = self.sprint(id).unwrap()["state"].clone();
        let another_active = self
            .sprints
            .iter()
            .any(|s| s["state"] == "active" && s["id"] != id);
        let open = |i: &Issue| i.status != DONE;
        match body["state"].as_str() {
            Some("closed") if from != "active" => {
                return refused("only an active sprint can be closed")
            }
            Some("closed") => {
                let parents = self
                    .issues
                    .iter()
                    .filter(|p| p.sprint == Some(id) && !open(p));
                if parents.clone().any(|p| {
                    self.issues
                        .iter()
                        .any(|s| s.parent.as_ref() == Some(&p.key) && open(s))
                }) {
                    return refused("done issues have open sub-tasks");
                }
                // Jira Cloud: every issue keeps the closed sprint in its Sprint field, and what is
                // still open lands in the backlog.
                for i in self.issues.iter_mut().filter(|i| i.sprint == Some(id)) {
                    i.closed_in.push(id);
                    if i.status != DONE {
                        i.sprint = None;
                    }
                }
                self.sprint(id).unwrap()["state"] = json!("closed");
                self.closed.push(id);
            }
            Some("active") if from != "future" => {
                return refused("only a future sprint can be started")
            }
            Some("active") if another_active => {
                return refused("the board already has an active sprint")
            }
            Some("active") => {
                let s = self.sprint(id).unwrap();
                s["state"] = json!("active");
                (s["startDate"], s["endDate"]) =
                    (body["startDate"].clone(), body["endDate"].clone());
                self.started.push(id);
            }
            other => panic!("unexpected sprint update {other:?}"),
        }
        res(json!({ "status": 200, "body": self.sprint(id).unwrap().clone() }))
    }

    /// Jira's state: every sprint and where every issue is.
    fn jira_state(&self) -> (Vec<Value>, Vec<Issue>) {
        (self.sprints.clone(), self.issues.clone())
    }

    fn unfinished(&self) -> Vec<String> {
        let open = |i: &&Issue| i.status != DONE && i.parent.is_none();
        self.issues
            .iter()
            .filter(open)
            .map(|i| i.key.clone())
            .collect()
    }
}

struct Trace {
    effects: Vec<Effect>,
    outcome: Option<Outcome>,
}

impl Trace {
    /// The Jira requests as "METHOD path", and their bodies.
    fn jira(&self) -> Vec<String> {
        self.jira_bodies()
            .into_iter()
            .map(|(call, _)| call)
            .collect()
    }

    fn jira_bodies<'a>(&'a self) -> Vec<(String, Option<&'a Value>)> {
        let call = |e: &'a Effect| match e {
            Effect::Jira {
                method, path, body, ..
            } => Some((format!("{} {path}", verb(*method)), body.as_ref())),
            _ => None,
        };
        self.effects.iter().filter_map(call).collect()
    }

    fn logs<'a>(&'a self) -> Vec<&'a str> {
        let reason = |e: &'a Effect| match e {
            Effect::Log { entry, .. } => Some(entry.reason.as_str()),
            _ => None,
        };
        self.effects.iter().filter_map(reason).collect()
    }

    fn ok(&self) -> &Value {
        match &self.outcome {
            Some(Outcome::Ok(v)) => v,
            other => panic!("expected an ok outcome, got {other:?}"),
        }
    }
}

/// The driver loop of lib.rs: step, carry out every effect, feed the results back, until an
/// outcome. With `crash_after: Some(k)` the run dies after carrying out k effects. Every step is
/// also taken by a `Runner` fed only the new results (the job resumed where it waits, as the
/// driver's `Run` does): its output must be exactly the stateless step's.
fn run_board(f: &mut Fake, now: &str, seed: u64, crash_after: Option<usize>) -> Trace {
    let job = Job::Board {
        board_id: BOARD,
        owner: OWNER.into(),
        lease_ms: 600_000,
        daily_look: true,
    };
    let (now, mut results, mut effects) = (at(now), Vec::new(), Vec::new());
    let mut runner = Runner::new(StepInput {
        job: job.clone(),
        now,
        seed,
        results: Vec::new(),
    });
    let mut fed = 0;
    for _ in 0..10_000 {
        let out = step(&StepInput {
            job: job.clone(),
            now,
            seed,
            results: results.clone(),
        });
        let resumed = runner.step(results[fed..].to_vec());
        fed = results.len();
        assert_eq!(
            resumed, out,
            "a resumed step gives the stateless step's output"
        );
        for req in out.effects {
            assert_eq!(req.id, results.len(), "effect ids are consecutive");
            if crash_after == Some(effects.len()) {
                return Trace {
                    effects,
                    outcome: None,
                };
            }
            results.push(f.apply(&req.effect));
            effects.push(req.effect);
        }
        if out.outcome.is_some() {
            return Trace {
                effects,
                outcome: out.outcome,
            };
        }
    }
    panic!("the board job never finished")
}

fn list_sprints() -> String {
    format!("GET {AGILE}/board/7/sprint?state=active%2Cfuture&startAt=0&maxResults=50")
}

fn configuration() -> String {
    format!("GET {AGILE}/board/7/configuration")
}

/// A page of the sprint's unfinished issues (JQL on the board's Done column, status 10001).
fn issue_page(sprint: u64, start_at: usize) -> String {
    let fields = "fields=status%2Cissuetype%2Cparent&jql=status%20not%20in%20%2810001%29";
    format!("GET {AGILE}/sprint/{sprint}/issue?{fields}&startAt={start_at}&maxResults=100")
}

fn post(path: &str) -> String {
    format!("POST {AGILE}{path}")
}

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
    let sql = |e: Option<&Effect>| match e {
        Some(Effect::Sql { sql, .. }) => sql[..37].to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        sql(t.effects.get(1)),
        "UPDATE board_schedule SET lease_owner"
    );
    assert_eq!(
        sql(t.effects.last()),
        "UPDATE board_schedule SET next_due_at"
    );
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
