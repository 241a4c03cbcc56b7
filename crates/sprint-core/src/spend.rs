//! How the app spends Jira's points quota (developer.atlassian.com/cloud/jira/platform/rate-limiting):
//! one hourly pool that a Tier-1 app shares with every site it is installed on, reset at the top of
//! the UTC hour. Work with a deadline comes first; work without one is spread over the day.
//!
//! The order when points are short: due starts and closes, then the readiness looks that warn
//! about them, then keep-ahead top-ups, the daily look at each board, and bulk jobs last.

use chrono::{DateTime, Duration, Timelike, Utc};

/// How often each board gets its daily look at Jira (a reconcile, and keep-ahead top-ups) when
/// nothing is due on it.
pub const DAILY_LOOK_EVERY: Duration = Duration::hours(24);
/// A daily look comes at least this long after the board's last run.
const DAILY_LOOK_AFTER: Duration = Duration::hours(12);
/// Minutes of every hour a daily look may take: not in the first ten after the pool resets (when
/// every site's postponed and hourly work arrives) nor in the five before the hour (when sprint
/// boundaries, set on the hour by people, bunch up).
pub const QUIET_MINUTES: std::ops::Range<u32> = 10..55;
/// A daily look keeps this far from the board's own next start or close (that run reads the
/// board anyway).
const BOUNDARY_MARGIN: Duration = Duration::minutes(60);
/// How points are short after a wall: the hour after the reset, when every site's postponed work
/// draws on the refilled pool.
pub const SHORT_AFTER_WALL: Duration = Duration::hours(1);

/// The board's own minute of the UTC day for its daily look: spread evenly by its id over the
/// quiet minutes of all 24 hours (SplitMix64 of the id: neighbouring ids land far apart).
pub fn daily_look_minute(board_id: u64) -> u32 {
    let z = crate::step::splitmix64(board_id);
    let quiet = QUIET_MINUTES.end - QUIET_MINUTES.start;
    let slot = (z % u64::from(24 * quiet)) as u32;
    (slot / quiet) * 60 + QUIET_MINUTES.start + slot % quiet
}

/// When to give the board its next daily look: the first time at its own minute of the day at
/// least 12 hours after `now` (so once a day in steady state), moved three hours on when that
/// falls within an hour of the board's next start or close.
pub fn next_daily_look(
    board_id: u64,
    now: DateTime<Utc>,
    boundary: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let earliest = now + DAILY_LOOK_AFTER;
    let minute = i64::from(daily_look_minute(board_id));
    let midnight = earliest
        .with_hour(0)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(earliest);
    let mut at = midnight + Duration::minutes(minute);
    if at < earliest {
        at += Duration::days(1);
    }
    if boundary.is_some_and(|b| (at - b).abs() < BOUNDARY_MARGIN) {
        at += Duration::hours(3);
    }
    at
}

/// The top of the UTC hour after `t`: when Jira's hourly pool resets.
pub fn next_reset(t: DateTime<Utc>) -> DateTime<Utc> {
    let hour = t.timestamp().div_euclid(3600) + 1;
    DateTime::from_timestamp(hour * 3600, 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn daily_looks_are_spread_over_the_quiet_minutes_of_the_whole_day() {
        let mut per_hour = [0u32; 24];
        for id in 1..=24_000u64 {
            let m = daily_look_minute(id);
            assert!(m < 24 * 60);
            assert!(
                QUIET_MINUTES.contains(&(m % 60)),
                "board {id} at minute {m}"
            );
            per_hour[(m / 60) as usize] += 1;
        }
        // 1,000 a hour on average; no hour more than 10 % above it.
        assert!(
            per_hour.iter().all(|&n| n > 900 && n < 1100),
            "{per_hour:?}"
        );
    }

    #[test]
    fn a_daily_look_comes_once_a_day_at_the_boards_minute_and_away_from_its_boundary() {
        let id = 42;
        let minute = daily_look_minute(id);
        let now = t("2026-03-02T09:00:00Z");
        let first = next_daily_look(id, now, None);
        assert!(first >= now + Duration::hours(12) && first < now + Duration::hours(36));
        assert_eq!(first.hour() * 60 + first.minute(), minute);
        // steady state: a day after the last look
        assert_eq!(next_daily_look(id, first, None), first + Duration::days(1));
        // a start or close within the hour moves it three hours on
        let boundary = first + Duration::minutes(20);
        assert_eq!(
            next_daily_look(id, now, Some(boundary)),
            first + Duration::hours(3)
        );
        assert_eq!(
            next_daily_look(id, now, Some(first + Duration::hours(2))),
            first
        );
    }

    #[test]
    fn the_pool_resets_at_the_top_of_the_utc_hour() {
        assert_eq!(
            next_reset(t("2026-03-02T09:59:59Z")),
            t("2026-03-02T10:00:00Z")
        );
        assert_eq!(
            next_reset(t("2026-03-02T10:00:00Z")),
            t("2026-03-02T11:00:00Z")
        );
    }
}
