//! Dates: when each sprint of a plan starts and ends, in local terms, and how the results are
//! assembled, numbered and checked against the board's sprints.

use super::*;

/// When sprints start and end, in local terms.
pub(super) struct Cadence<'a> {
    pub(super) tz: Zone,
    pub(super) start_time: NaiveTime,
    /// Equal to `start_time` for plans; a top-up keeps the last sprint's own end time.
    pub(super) end_time: NaiveTime,
    pub(super) length_days: i64,
    pub(super) gap_days: i64,
    pub(super) working_days: &'a [Weekday],
    pub(super) holidays: &'a [NaiveDate],
    /// Plans warn about every moved start; a top-up, whose next start is simply the next
    /// working day, only about starts moved off a holiday.
    pub(super) warn_weekday_moves: bool,
}

pub(super) enum Stop {
    Count(usize),
    Until(NaiveDate),
}

/// One sprint's dates, before naming.
pub(super) struct Slot {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The non-working date the start was moved from.
    moved_from: Option<NaiveDate>,
}

pub(super) enum SlotFault {
    NoWorkingDay,
    TooMany,
    NoneFits,
}

impl Cadence<'_> {
    pub(super) fn is_working(&self, date: NaiveDate) -> bool {
        self.working_days.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    pub(super) fn warn_about_move(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.warn_weekday_moves || self.holidays.iter().any(|h| (from..to).contains(h))
    }

    /// The first working day on or after `date`; None only for a calendar with no working day.
    pub(super) fn working_day_from(&self, date: NaiveDate) -> Option<NaiveDate> {
        // Every week has a working day unless holidays hide it: this many days always suffice.
        let limit = 7 * (self.holidays.len() as i64 + 2);
        (0..limit)
            .map(|k| date + Duration::days(k))
            .find(|d| self.is_working(*d))
    }

    pub(super) fn slots(&self, first: NaiveDate, stop: Stop) -> Result<Vec<Slot>, SlotFault> {
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
pub(super) fn running_number<'a>(names: impl Iterator<Item = &'a str>) -> u64 {
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
pub(super) type Span = (DateTime<Utc>, DateTime<Utc>);

pub(super) fn overlaps(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// What the naming of one batch of slots needs.
pub(super) struct Naming<'a> {
    pub(super) name: &'a PlanTemplate,
    pub(super) goal: Option<&'a PlanTemplate>,
    pub(super) pi: Option<&'a PiConfig>,
    pub(super) first_number: u64,
}

/// Name the slots, attach every warning, and summarise them for the board.
pub(super) fn assemble(
    board: &BoardContext,
    tz: Zone,
    slots: &[Slot],
    naming: &Naming,
) -> BoardPlan {
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
                warnings.push(warning(Warning::StartMovedOffNonWorkingDay, message));
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
pub(super) fn flag_conflicts(sprints: &mut [PlannedSprint], existing: &[ExistingSprint]) {
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
                w.push(warning(Warning::NameTooLong, fault.describe()))
            }
            Err(fault @ NameFault::Empty) => w.push(warning(Warning::NameEmpty, fault.describe())),
            Ok(_) => {}
        }
        let others = || planned.iter().enumerate().filter(move |(j, _)| *j != i);
        if let Some(e) = existing.iter().find(|e| e.name.trim() == name) {
            let message = format!("sprint {} already has this name", e.id);
            w.push(warning(Warning::DuplicateName, message));
        } else if let Some((j, _)) = others().find(|(_, (n, _))| n == name) {
            let message = format!("planned sprint {} has the same name", j + 1);
            w.push(warning(Warning::DuplicateName, message));
        }
        if let Some((e, _)) = open.iter().find(|(_, d)| overlaps(*d, *dates)) {
            let message = format!("overlaps existing sprint {}", e.id);
            w.push(warning(Warning::OverlapsExisting, message));
        }
        if let Some((j, _)) = others().find(|(_, (_, d))| overlaps(*d, *dates)) {
            let message = format!("overlaps planned sprint {}", j + 1);
            w.push(warning(Warning::OverlapsPlanned, message));
        }
    }
}

/// One board-level warning per code, counting the sprints that carry it.
pub(super) fn summarise(sprints: &[PlannedSprint]) -> Vec<PlanWarning> {
    let codes = [
        (
            Warning::StartMovedOffNonWorkingDay,
            "start moved off a non-working day",
        ),
        (Warning::NameTooLong, "name longer than 30 characters"),
        (Warning::NameEmpty, "empty name"),
        (Warning::DuplicateName, "name already in use"),
        (Warning::OverlapsExisting, "overlaps an existing sprint"),
        (Warning::OverlapsPlanned, "overlaps another planned sprint"),
    ];
    codes
        .iter()
        .filter_map(|(code, what)| {
            let n = sprints
                .iter()
                .filter(|s| s.warnings.iter().any(|w| w.code == *code))
                .count();
            (n > 0).then(|| warning(*code, format!("{n} of {} sprints: {what}", sprints.len())))
        })
        .collect()
}
