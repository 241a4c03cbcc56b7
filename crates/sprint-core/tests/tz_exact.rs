//! Our compact zone tables (`sprint_core::tz`) against chrono-tz, the source they are built from,
//! for EVERY zone and link name chrono-tz has:
//! - the same names, each found by its exact spelling;
//! - the same UTC offset one second before, at and one second after each of our transitions, and
//!   at instants every ~20 days from 1811 to 2200 (before the first and after the last transition);
//! - the same `from_local_datetime` answer (single, ambiguous with both offsets, or none in a gap)
//!   at the edges of each transition 1970-2100 (either offset, +-1 s) and every 20 minutes for two
//!   hours either side.
//!
//! Dropping a single transition from a table makes this fail: the next transition's "1 s before"
//! then reads the dropped span's predecessor, not what chrono-tz has (checked once by hand by
//! leaving out Europe/Berlin's change of 2030-03-31 in build.rs: three of these four tests failed,
//! at 2030-10-27 00:59:59Z, at a 20-day sample and at local 2030-10-27 01:59:59).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone};
use sprint_core::tz::Zone;

fn theirs(zone: Zone) -> chrono_tz::Tz {
    zone.name().parse().unwrap()
}

fn utc(t: i64) -> NaiveDateTime {
    DateTime::from_timestamp(t, 0).unwrap().naive_utc()
}

fn offset_ours(z: Zone, t: i64) -> i32 {
    z.offset_from_utc_datetime(&utc(t)).fix().local_minus_utc()
}

fn offset_theirs(z: chrono_tz::Tz, t: i64) -> i32 {
    z.offset_from_utc_datetime(&utc(t)).fix().local_minus_utc()
}

fn transitions(z: Zone) -> Vec<(i64, i32)> {
    z.transitions().collect()
}

fn local_result<O: Offset>(r: LocalResult<O>) -> LocalResult<i32> {
    r.map(|o| o.fix().local_minus_utc())
}

#[test]
fn the_same_names() {
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
    names.sort();
    let ours: Vec<&str> = Zone::all().map(Zone::name).collect();
    assert_eq!(ours, names);
    for n in names {
        assert_eq!(Zone::from_name(n).map(Zone::name), Some(n));
    }
    assert_eq!(sprint_core::tz::TZDB_VERSION, chrono_tz::IANA_TZDB_VERSION);
}

#[test]
fn offsets_match_at_every_transition() {
    let mut count = 0;
    for z in Zone::all() {
        let tz = theirs(z);
        let list = transitions(z);
        for (t, off) in list {
            for dt in [-1, 0, 1] {
                assert_eq!(
                    offset_ours(z, t + dt),
                    offset_theirs(tz, t + dt),
                    "{} at {}",
                    z.name(),
                    t + dt
                );
            }
            assert_eq!(offset_ours(z, t), off, "{}", z.name());
            count += 1;
        }
    }
    assert!(count > 60_000, "{count} transitions");
}

#[test]
fn offsets_match_every_twenty_days() {
    for z in Zone::all() {
        let tz = theirs(z);
        // 20 days and 1 s, so the samples drift through the day.
        let mut t = -5_000_000_000i64;
        while t < 7_300_000_000 {
            assert_eq!(
                offset_ours(z, t),
                offset_theirs(tz, t),
                "{} at {t}",
                z.name()
            );
            t += 20 * 86_400 + 1;
        }
    }
}

#[test]
fn local_times_resolve_alike_around_every_transition() {
    const FROM: i64 = 0; // 1970
    const UNTIL: i64 = 4_133_980_800; // 2101
    let mut checked = 0;
    for z in Zone::all() {
        let tz = theirs(z);
        let mut before = offset_ours(z, FROM - 1);
        for (t, after) in transitions(z) {
            if (FROM..UNTIL).contains(&t) {
                let (a, b) = (i64::from(before), i64::from(after));
                let mut locals = Vec::new();
                for edge in [t + a, t + b] {
                    locals.extend([edge - 1, edge, edge + 1]);
                }
                let mut l = t + a.min(b) - 7_200;
                while l <= t + a.max(b) + 7_200 {
                    locals.push(l);
                    l += 1_200;
                }
                for l in locals {
                    let local = utc(l);
                    assert_eq!(
                        local_result(z.from_local_datetime(&local).map(|d| *d.offset())),
                        local_result(tz.from_local_datetime(&local).map(|d| *d.offset())),
                        "{} local {local}",
                        z.name()
                    );
                    checked += 1;
                }
            }
            before = after;
        }
    }
    assert!(checked > 1_000_000, "{checked} local times");
}
