//! Exact instants from local times in IANA zones.
//!
//! Rules (documented for admins in the README): a local time that falls in a DST gap moves
//! forward to the first valid instant after the gap; a local time that occurs twice (DST
//! overlap) means the first occurrence.

use crate::tz::Zone;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The instant of local `date` + `time` in `tz`.
pub fn local_instant(tz: Zone, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    resolve(tz, date.and_time(time))
}

/// Resolve a local date-time in `tz` to an instant with the gap/overlap rules.
pub fn resolve(tz: Zone, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.min(second).with_timezone(&Utc),
        LocalResult::None => first_after_gap(tz, local),
    }
}

/// The first valid instant after a gap that swallowed `local`: the transition instant itself.
fn first_after_gap(tz: Zone, local: NaiveDateTime) -> DateTime<Utc> {
    // Find the first local minute that exists (gaps are at most a day long: Samoa 2011), then
    // search back to the exact transition second, which is the first instant after the gap.
    let mut probe = local;
    for _ in 0..(26 * 60) {
        probe += Duration::minutes(1);
        if let Some(valid) = tz.from_local_datetime(&probe).earliest() {
            let after = valid.with_timezone(&Utc);
            // Walk back in UTC while the instant still reads as a local time after `local`.
            let mut lo = after - Duration::minutes(1);
            let mut hi = after;
            // Binary search on seconds between lo (before the gap, local < `local`) and hi.
            while (hi - lo).num_seconds() > 1 {
                let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
                if mid.with_timezone(&tz).naive_local() >= local {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return hi;
        }
    }
    // Unreachable for real zones; fall back to reading the time with the zone's UTC offset now.
    Utc.from_utc_datetime(&local)
}

/// The local calendar date of an instant in `tz`.
pub fn local_date(tz: Zone, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Format an instant in `tz` as ISO-8601 with its offset and milliseconds (what Jira accepts).
pub fn iso_in(tz: Zone, t: DateTime<Utc>) -> String {
    crate::time_format::format(&t.with_timezone(&tz), crate::time_format::ISO_MILLIS_OFFSET)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }
    fn at(zone: &str, date: &str, time: &str) -> String {
        local_instant(zone.parse().unwrap(), d(date), t(time))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    #[test]
    fn plain_times_use_the_zone_offset() {
        assert_eq!(
            at("Europe/Berlin", "2026-01-05", "09:00"),
            "2026-01-05T08:00:00Z"
        );
        assert_eq!(
            at("Europe/Berlin", "2026-07-06", "09:00"),
            "2026-07-06T07:00:00Z"
        );
        assert_eq!(
            at("Asia/Kathmandu", "2026-01-05", "09:00"),
            "2026-01-05T03:15:00Z"
        );
    }

    #[test]
    fn a_time_in_a_gap_moves_to_the_first_valid_instant() {
        // Berlin 2026-03-29: 02:00 -> 03:00 local (01:00Z).
        assert_eq!(
            at("Europe/Berlin", "2026-03-29", "02:30"),
            "2026-03-29T01:00:00Z"
        );
        // New York 2026-03-08: 02:00 -> 03:00 local (07:00Z).
        assert_eq!(
            at("America/New_York", "2026-03-08", "02:15"),
            "2026-03-08T07:00:00Z"
        );
        // Lord Howe 2026-10-04: 02:00 -> 02:30 local (+10:30 -> +11), i.e. 15:30Z the day before.
        assert_eq!(
            at("Australia/Lord_Howe", "2026-10-04", "02:10"),
            "2026-10-03T15:30:00Z"
        );
    }

    #[test]
    fn a_time_in_an_overlap_means_the_first_occurrence() {
        // Berlin 2026-10-25: 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
        assert_eq!(
            at("Europe/Berlin", "2026-10-25", "02:30"),
            "2026-10-25T00:30:00Z"
        );
        // New York 2026-11-01: 01:30 at 05:30Z (EDT) and 06:30Z (EST).
        assert_eq!(
            at("America/New_York", "2026-11-01", "01:30"),
            "2026-11-01T05:30:00Z"
        );
        // Lord Howe 2026-04-05: 01:45 at 14:45Z (+11) and 15:15Z (+10:30), the day before.
        assert_eq!(
            at("Australia/Lord_Howe", "2026-04-05", "01:45"),
            "2026-04-04T14:45:00Z"
        );
    }

    #[test]
    fn year_end_and_leap_day() {
        assert_eq!(
            at("Pacific/Kiritimati", "2027-01-01", "00:00"),
            "2026-12-31T10:00:00Z"
        );
        assert_eq!(
            at("America/New_York", "2028-02-29", "17:00"),
            "2028-02-29T22:00:00Z"
        );
    }

    #[test]
    fn samoa_skipped_a_whole_day() {
        // 2011-12-30 did not exist in Apia: any time that day moves to 2011-12-31 00:00 local.
        assert_eq!(
            at("Pacific/Apia", "2011-12-30", "09:00"),
            "2011-12-30T10:00:00Z"
        );
    }
}
