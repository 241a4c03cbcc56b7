//! Layer 1: the engine on a simulated clock.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

// ---------------------------------------------------------------------------------------------
// Layer 1: the engine on a simulated clock.
// ---------------------------------------------------------------------------------------------

const SCHEDULES: &str = include_str!("schedules.json");

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
