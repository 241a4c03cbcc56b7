//! The scheduling rules, as pure functions of a board's sprints, its policy and `now`.
//!
//! The board job asks [`next_action`] what to do, does it against Jira, records the result in a
//! [`Run`], and asks again until nothing is left; then [`next_due`] says when to look next.

use std::collections::BTreeMap;

use crate::tz::Zone;
use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::settings::{
    parse_time_of_day, parse_time_zone, BoardSettings, CarryOver, GlobalSettings,
};
use crate::timecalc;

/// How long a blocked action waits before the next attempt (an event may bring it forward).
pub const RETRY_AFTER: Duration = Duration::minutes(15);

pub use crate::domain::{Sprint, SprintState};

/// A board's effective automation policy (board settings over global defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Start due future sprints.
    pub auto_start: bool,
    /// Close due active sprints.
    pub auto_close: bool,
    /// Where unfinished work goes.
    pub carry_over: CarryOver,
    /// Zone for times of day.
    pub tz: Zone,
    /// Start at this local time on the start date.
    pub start_time: Option<NaiveTime>,
    /// Close at this local time on the end date.
    pub close_time: Option<NaiveTime>,
}

impl Policy {
    /// Board settings over the global defaults.
    pub fn of(board: &BoardSettings, global: &GlobalSettings) -> Policy {
        let zone = board
            .time_zone
            .as_deref()
            .and_then(parse_time_zone)
            .or_else(|| parse_time_zone(&global.default_time_zone))
            .unwrap_or(Zone::UTC);
        Policy {
            auto_start: board.automate && board.auto_start,
            auto_close: board.automate && board.auto_close,
            carry_over: board.carry_over.unwrap_or(global.default_carry_over),
            tz: zone,
            start_time: board.start_time.as_deref().and_then(parse_time_of_day),
            close_time: board.close_time.as_deref().and_then(parse_time_of_day),
        }
    }

    /// When the sprint should start: its own start, or the board's time of day on that date.
    pub fn start_instant(&self, s: &Sprint) -> Option<DateTime<Utc>> {
        let own = s.start?;
        Some(match self.start_time {
            Some(t) => timecalc::local_instant(self.tz, timecalc::local_date(self.tz, own), t),
            None => own,
        })
    }

    /// When the sprint should close: its own end, or the board's time of day on that date.
    pub fn close_instant(&self, s: &Sprint) -> Option<DateTime<Utc>> {
        let own = s.end?;
        Some(match self.close_time {
            Some(t) => timecalc::local_instant(self.tz, timecalc::local_date(self.tz, own), t),
            None => own,
        })
    }
}

/// What became of a sprint in this run (or earlier runs, for `Missed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Closed now.
    Closed,
    /// Started now.
    Started,
    /// Could not be closed or started now: try again after [`RETRY_AFTER`].
    Blocked,
    /// Its start waits for the board's active sprint to end (Jira allows one): looked at again
    /// when that sprint closes (its close instant or its closed event) or at the daily reconcile.
    Waiting,
    /// Its start and its end both passed before it could start: reported once, never retried.
    Missed,
}

/// The board job's memory within one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    /// Sprint id -> what happened.
    pub handled: BTreeMap<u64, Handled>,
}

/// The next thing to do on a board.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Carry unfinished work over and close this active sprint.
    Close(Sprint),
    /// Start this future sprint with these instants.
    Start {
        /// The sprint.
        sprint: Sprint,
        /// Start instant to send.
        start: DateTime<Utc>,
        /// End instant to send.
        end: DateTime<Utc>,
    },
    /// Its start came and went together with its end (missed ticks): report, don't start.
    ReportMissed(Sprint),
}

/// What a check would do at once under `policy`: the closes and starts due at `now`, in the
/// order the board job runs them (each close marks its sprint closed, each start its sprint
/// active). The settings page asks before a change makes the app act at once.
pub fn acts_at_once(policy: &Policy, sprints: &[Sprint], now: DateTime<Utc>) -> Vec<Action> {
    let mut sprints = sprints.to_vec();
    let mut run = Run::default();
    let mut out = Vec::new();
    while let Some(action) = next_action(policy, &sprints, &run, now) {
        let (id, handled, state) = match &action {
            Action::Close(s) => (s.id, Handled::Closed, SprintState::Closed),
            Action::Start { sprint, .. } => (sprint.id, Handled::Started, SprintState::Active),
            Action::ReportMissed(s) => (s.id, Handled::Missed, s.state),
        };
        run.handled.insert(id, handled);
        if let Some(s) = sprints.iter_mut().find(|s| s.id == id) {
            s.state = state;
        }
        if !matches!(action, Action::ReportMissed(_)) {
            out.push(action);
        }
    }
    out
}

/// The next action on the board, closes before starts (a close frees the board for the next
/// sprint), each sprint at most once per run.
pub fn next_action(
    policy: &Policy,
    sprints: &[Sprint],
    run: &Run,
    now: DateTime<Utc>,
) -> Option<Action> {
    let fresh = |s: &&Sprint| !run.handled.contains_key(&s.id);
    if policy.auto_close {
        let due = sprints.iter().filter(fresh).find(|s| {
            s.state == SprintState::Active && policy.close_instant(s).is_some_and(|t| t <= now)
        });
        if let Some(s) = due {
            return Some(Action::Close(s.clone()));
        }
    }
    // A sprint that should have closed but could not keeps the board: starting the next one now
    // would leave the old one open with its unfinished work.
    let close_blocked = sprints.iter().any(|s| {
        s.state == SprintState::Active && run.handled.get(&s.id) == Some(&Handled::Blocked)
    });
    if policy.auto_start && !close_blocked {
        for s in sprints
            .iter()
            .filter(fresh)
            .filter(|s| s.state == SprintState::Future)
        {
            let (Some(start), Some(end)) = (policy.start_instant(s), policy.close_instant(s))
            else {
                continue;
            };
            if start > now {
                continue;
            }
            if end <= now {
                return Some(Action::ReportMissed(s.clone()));
            }
            return Some(Action::Start {
                sprint: s.clone(),
                start,
                end,
            });
        }
    }
    None
}

/// The board's next pending action, for the schedule and for the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upcoming {
    /// When.
    pub at: DateTime<Utc>,
    /// Start or close.
    pub kind: UpcomingKind,
    /// Which sprint.
    pub sprint_id: u64,
}

/// What the next pending action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpcomingKind {
    /// Start a future sprint.
    Start,
    /// Close an active sprint.
    Close,
    /// Try again something that was blocked (open sub-tasks, a refused call).
    Retry,
}

impl UpcomingKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UpcomingKind::Start => "start",
            UpcomingKind::Close => "close",
            UpcomingKind::Retry => "retry",
        }
    }
}

/// The board's earliest pending action, or a retry for anything blocked. None when nothing is
/// pending (the daily reconcile still looks).
pub fn upcoming(
    policy: &Policy,
    sprints: &[Sprint],
    run: &Run,
    now: DateTime<Utc>,
) -> Option<Upcoming> {
    let mut next: Option<Upcoming> = None;
    for s in sprints {
        let found = match (s.state, run.handled.get(&s.id)) {
            (_, Some(Handled::Missed | Handled::Waiting)) | (SprintState::Closed, _) => None,
            (_, Some(Handled::Blocked)) => Some((now + RETRY_AFTER, UpcomingKind::Retry)),
            (SprintState::Active, _) if policy.auto_close => {
                policy.close_instant(s).map(|t| (t, UpcomingKind::Close))
            }
            // A future sprint is startable only with both instants.
            (SprintState::Future, _) if policy.auto_start => policy
                .close_instant(s)
                .and(policy.start_instant(s))
                .map(|t| (t, UpcomingKind::Start)),
            _ => None,
        };
        if let Some((t, kind)) = found {
            // Something already due but not handled (e.g. waiting for an active sprint) is
            // looked at again after the retry delay, not on every tick.
            let (t, kind) = if t <= now {
                (now + RETRY_AFTER, UpcomingKind::Retry)
            } else {
                (t, kind)
            };
            if next.is_none_or(|n| t < n.at) {
                next = Some(Upcoming {
                    at: t,
                    kind,
                    sprint_id: s.id,
                });
            }
        }
    }
    next
}

/// When the board next needs an action (see [`upcoming`]).
pub fn next_due(
    policy: &Policy,
    sprints: &[Sprint],
    run: &Run,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    upcoming(policy, sprints, run, now).map(|u| u.at)
}

/// The sprint unfinished work goes to: the next future sprint in board order after `closing`,
/// passing over any whose end has already come (it will never run: see [`Action::ReportMissed`]).
pub fn next_future_sprint<'a>(
    policy: &Policy,
    sprints: &'a [Sprint],
    closing: u64,
    now: DateTime<Utc>,
) -> Option<&'a Sprint> {
    sprints
        .iter()
        .filter(|s| s.id != closing && s.state == SprintState::Future)
        .find(|s| policy.close_instant(s).is_none_or(|end| end > now))
}

/// How long before an automated close the app looks at what could block or surprise it: a day
/// ahead (time to fix it) and an hour ahead (did it get fixed). At most these two looks a close.
pub const READINESS_LOOKS: [Duration; 2] = [Duration::hours(24), Duration::hours(1)];

/// The next automated close of the board, if any: (sprint, instant).
pub fn next_close<'a>(
    policy: &Policy,
    sprints: &'a [Sprint],
) -> Option<(&'a Sprint, DateTime<Utc>)> {
    if !policy.auto_close {
        return None;
    }
    sprints
        .iter()
        .filter(|s| s.state == SprintState::Active)
        .filter_map(|s| Some((s, policy.close_instant(s)?)))
        .min_by_key(|(_, t)| *t)
}

/// When to look next at a close due at `close_at`: the first of [`READINESS_LOOKS`] still ahead.
pub fn next_readiness_look(close_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    READINESS_LOOKS
        .iter()
        .map(|ahead| close_at - *ahead)
        .find(|t| *t > now)
}

codes! {
    /// What a close-readiness look can find.
    pub enum Readiness {
        /// Done issues have open sub-tasks: Jira refuses to complete the sprint.
        OpenSubtasks = "OPEN_SUBTASKS",
        /// No next sprint to carry unfinished work to.
        NoNextSprint = "NO_NEXT_SPRINT",
        /// The next sprint's end will have passed by the close (Jira refuses to start it).
        NextSprintAlreadyEnded = "NEXT_SPRINT_ALREADY_ENDED",
        /// The app cannot read the board any more.
        AppAccessMissing = "APP_ACCESS_MISSING",
    }
}

/// Something that would block or surprise an automated close, found ahead of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadinessProblem {
    /// Stable code: `OPEN_SUBTASKS`, `NO_NEXT_SPRINT`, `NEXT_SPRINT_ALREADY_ENDED`, `APP_ACCESS_MISSING`.
    pub code: Readiness,
    /// Issue keys concerned (done parents with open sub-tasks), at most 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// The problems the sprint list alone shows for a close at `close_at`: no next sprint where the
/// board carries work to it, or a next sprint that has ended by then (Jira refuses to start a
/// sprint whose end has passed).
pub fn sprint_problems(
    policy: &Policy,
    sprints: &[Sprint],
    closing: &Sprint,
    close_at: DateTime<Utc>,
) -> Vec<ReadinessProblem> {
    let mut out = Vec::new();
    let next = sprints
        .iter()
        .find(|s| s.id != closing.id && s.state == SprintState::Future);
    match next {
        None if policy.carry_over == CarryOver::NextSprint => out.push(ReadinessProblem {
            code: Readiness::NoNextSprint,
            keys: Vec::new(),
        }),
        Some(n)
            if policy.auto_start && policy.close_instant(n).is_some_and(|end| end <= close_at) =>
        {
            out.push(ReadinessProblem {
                code: Readiness::NextSprintAlreadyEnded,
                keys: Vec::new(),
            })
        }
        _ => {}
    }
    out
}

/// An action this much after its instant is still on time: the check runs every five minutes.
pub const ON_TIME: Duration = Duration::minutes(10);

/// Why a start or close came after its instant, from the evidence the app keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LateCause {
    /// Earlier attempts were blocked or refused (the reason code of the last one).
    Blocked(String),
    /// The board's automation was switched on, or its settings changed, after the instant.
    SettingsChanged,
    /// No check ran between the instant and now (missed ticks, automation off for the site).
    MissedChecks,
    /// Jira's points quota refused the app's calls until this instant.
    QuotaWall(DateTime<Utc>),
    /// Another cause made it late first, then Jira's points quota until this instant (a wall
    /// lasts at most the hour before its reset: it cannot explain a longer delay alone).
    QuotaWallAfter(Box<LateCause>, DateTime<Utc>),
}

impl LateCause {
    fn explain(&self) -> String {
        match self {
            LateCause::Blocked(code) => match crate::log::Reason::parse(code) {
                Some(crate::log::Reason::OpenSubtasks) => {
                    "a done issue had open sub-tasks until now".to_string()
                }
                Some(crate::log::Reason::ActiveSprintExists) => {
                    "the board had another active sprint until now".to_string()
                }
                Some(crate::log::Reason::DestinationUnavailable) => {
                    "there was no sprint to carry the unfinished work to until now".to_string()
                }
                _ => format!("earlier attempts failed ({code})"),
            },
            LateCause::SettingsChanged => {
                "the board's automation was switched on or changed after it was due".to_string()
            }
            LateCause::MissedChecks => "no check ran between then and now".to_string(),
            LateCause::QuotaWallAfter(first, until) => format!(
                "{}, then Jira's points quota for the app was used up until {} UTC",
                match first.as_ref() {
                    LateCause::MissedChecks => "no check ran for most of that time".to_string(),
                    other => other.explain(),
                },
                crate::time_format::format(until, crate::time_format::HOUR_MINUTE)
            ),
            LateCause::QuotaWall(until) => format!(
                "Jira's points quota for the app was used up until {} UTC",
                crate::time_format::format(until, crate::time_format::HOUR_MINUTE)
            ),
        }
    }
}

/// "3 h 12 min late (due 2026-01-19 09:00 Europe/Berlin): why" for an action that came after
/// [`ON_TIME`]; `None` when it was on time.
pub fn late_note(
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Zone,
    cause: &LateCause,
) -> Option<String> {
    let late = now - due;
    if late <= ON_TIME {
        return None;
    }
    let span = span(late.num_minutes());
    let local = crate::time_format::format(
        &due.with_timezone(&tz),
        crate::time_format::DATE_HOUR_MINUTE,
    );
    Some(format!(
        "{span} late (due {local} {}): {}",
        tz.name(),
        cause.explain()
    ))
}

/// A delay in words: "40 min", "18 h 3 min", "3 d 2 h".
pub fn span(minutes: i64) -> String {
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// Name for a sprint created to receive carried-over work: the closing sprint's name with its
/// trailing number increased ("Sprint 14" -> "Sprint 15"), or " (next)" added; cut to Jira's 30
/// characters and trimmed (see [`crate::sprint_name::fit`]), so it is the name Jira stores.
pub fn follow_on_name(name: &str) -> String {
    let trimmed = name.trim_end();
    let digits = trimmed.len() - trimmed.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let candidate = if digits > 0 && digits <= 9 {
        let (head, num) = trimmed.split_at(trimmed.len() - digits);
        let n: u64 = num.parse().unwrap_or(0);
        format!("{head}{}", n + 1)
    } else {
        format!("{trimmed} (next)")
    };
    crate::sprint_name::fit(&candidate)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lateness_is_said_in_the_boards_zone_with_its_cause() {
        let due: DateTime<Utc> = "2026-01-19T08:00:00Z".parse().unwrap();
        let tz: Zone = "Europe/Berlin".parse().unwrap();
        let on_time = due + Duration::minutes(9);
        assert_eq!(late_note(due, on_time, tz, &LateCause::MissedChecks), None);
        let later = due + Duration::hours(18) + Duration::minutes(3);
        assert_eq!(
            late_note(due, later, tz, &LateCause::SettingsChanged).unwrap(),
            "18 h 3 min late (due 2026-01-19 09:00 Europe/Berlin): the board's automation was switched on or changed after it was due"
        );
        let days = due + Duration::days(3) + Duration::hours(2);
        assert!(
            late_note(due, days, tz, &LateCause::Blocked("OPEN_SUBTASKS".into()))
                .unwrap()
                .starts_with("3 d 2 h late")
        );
        let k: Zone = "Asia/Kathmandu".parse().unwrap();
        assert!(late_note(
            due,
            due + Duration::minutes(11),
            k,
            &LateCause::MissedChecks
        )
        .unwrap()
        .contains("due 2026-01-19 13:45 Asia/Kathmandu"));
        // a quota wall explains its hour; a longer delay names what came first
        let reset: DateTime<Utc> = "2026-01-19T22:00:00Z".parse().unwrap();
        assert!(late_note(due, reset, tz, &LateCause::QuotaWall(reset))
            .unwrap()
            .ends_with("Jira's points quota for the app was used up until 22:00 UTC"));
        let after = LateCause::QuotaWallAfter(Box::new(LateCause::MissedChecks), reset);
        assert!(late_note(due, reset, tz, &after).unwrap().ends_with(
            "no check ran for most of that time, then Jira's points quota for the app was used up until 22:00 UTC"
        ));
    }

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn sprint(id: u64, state: SprintState, start: &str, end: &str) -> Sprint {
        Sprint {
            id,
            name: format!("Sprint {id}"),
            state,
            start: Some(at(start)),
            end: Some(at(end)),
            origin_board_id: Some(1),
        }
    }

    fn policy() -> Policy {
        Policy {
            auto_start: true,
            auto_close: true,
            carry_over: CarryOver::NextSprint,
            tz: Zone::UTC,
            start_time: None,
            close_time: None,
        }
    }

    #[test]
    fn closes_come_before_starts_and_each_sprint_once() {
        let sprints = vec![
            sprint(
                1,
                SprintState::Active,
                "2026-01-05T09:00:00Z",
                "2026-01-19T09:00:00Z",
            ),
            sprint(
                2,
                SprintState::Future,
                "2026-01-19T09:00:00Z",
                "2026-02-02T09:00:00Z",
            ),
        ];
        let now = at("2026-01-19T09:05:00Z");
        let mut run = Run::default();
        assert_eq!(
            next_action(&policy(), &sprints, &run, now),
            Some(Action::Close(sprints[0].clone()))
        );
        run.handled.insert(1, Handled::Closed);
        let Some(Action::Start { sprint, .. }) = next_action(&policy(), &sprints, &run, now) else {
            panic!()
        };
        assert_eq!(sprint.id, 2);
        run.handled.insert(2, Handled::Started);
        assert_eq!(next_action(&policy(), &sprints, &run, now), None);
    }

    #[test]
    fn a_start_whose_end_also_passed_is_reported_not_started() {
        let sprints = vec![sprint(
            2,
            SprintState::Future,
            "2026-01-05T09:00:00Z",
            "2026-01-19T09:00:00Z",
        )];
        let now = at("2026-01-20T00:00:00Z");
        assert_eq!(
            next_action(&policy(), &sprints, &Run::default(), now),
            Some(Action::ReportMissed(sprints[0].clone()))
        );
    }

    #[test]
    fn next_due_is_the_earliest_pending_instant() {
        let sprints = vec![
            sprint(
                1,
                SprintState::Active,
                "2026-01-05T09:00:00Z",
                "2026-01-19T09:00:00Z",
            ),
            sprint(
                2,
                SprintState::Future,
                "2026-01-19T10:00:00Z",
                "2026-02-02T09:00:00Z",
            ),
        ];
        let now = at("2026-01-18T12:00:00Z");
        assert_eq!(
            next_due(&policy(), &sprints, &Run::default(), now),
            Some(at("2026-01-19T09:00:00Z"))
        );
        let mut p = policy();
        p.auto_close = false;
        assert_eq!(
            next_due(&p, &sprints, &Run::default(), now),
            Some(at("2026-01-19T10:00:00Z"))
        );
        p.auto_start = false;
        assert_eq!(next_due(&p, &sprints, &Run::default(), now), None);
    }

    #[test]
    fn follow_on_names() {
        assert_eq!(follow_on_name("Sprint 14"), "Sprint 15");
        assert_eq!(follow_on_name("SA Sprint 9"), "SA Sprint 10");
        assert_eq!(follow_on_name("Hardening"), "Hardening (next)");
        assert_eq!(follow_on_name(&"x".repeat(30)).chars().count(), 30);
    }
}
