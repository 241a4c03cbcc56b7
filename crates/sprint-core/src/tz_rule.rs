//! Yearly transition rules, as the IANA rules write them ("last Sunday of March", "the second
//! Sunday of March or later"). Shared by `build.rs`, which finds the rules that generate the
//! tail of a zone's table (DST expanded year by year to 2099), and `src/tz.rs`, which expands them
//! again, with this same code.

use chrono::{Datelike, Days, NaiveDate};

/// A transition on a weekday of a month: the first one on or after `day` (1-31), or the month's
/// last (`day` 0), at `secs` after local midnight, local time read with the offset in force
/// before the transition.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rule {
    /// 1-12.
    pub month: u32,
    /// 1-31, or 0 for the last such weekday of the month.
    pub day: u32,
    /// Days from Monday (0-6).
    pub weekday: u32,
    /// Seconds after local midnight (0-86399).
    pub secs: i64,
}

impl Rule {
    /// The transition's instant (Unix seconds) in `year` when the offset before it is `before`;
    /// `None` where that date does not exist.
    pub fn instant(&self, year: i32, before: i32) -> Option<i64> {
        let date = if self.day == 0 {
            let (y, m) = if self.month == 12 {
                (year + 1, 1)
            } else {
                (year, self.month + 1)
            };
            let last = NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()?;
            let back = (last.weekday().num_days_from_monday() + 7 - self.weekday) % 7;
            last.checked_sub_days(Days::new(u64::from(back)))?
        } else {
            let d = NaiveDate::from_ymd_opt(year, self.month, self.day)?;
            let forward = (self.weekday + 7 - d.weekday().num_days_from_monday()) % 7;
            d.checked_add_days(Days::new(u64::from(forward)))?
        };
        let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
        Some(midnight + self.secs - i64::from(before))
    }

    /// Pack into one number (month: 4 bits, day: 5, weekday: 3, then the seconds).
    #[allow(dead_code)] // build.rs packs, the core unpacks
    pub fn pack(&self) -> u64 {
        u64::from(self.month)
            | u64::from(self.day) << 4
            | u64::from(self.weekday) << 9
            | (self.secs as u64) << 12
    }

    /// Unpack what [`Rule::pack`] packed.
    #[allow(dead_code)] // build.rs packs, the core unpacks
    pub fn unpack(v: u64) -> Rule {
        Rule {
            month: (v & 0xf) as u32,
            day: ((v >> 4) & 0x1f) as u32,
            weekday: ((v >> 9) & 0x7) as u32,
            secs: (v >> 12) as i64,
        }
    }
}
