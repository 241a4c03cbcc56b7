//! Compact IANA zone tables for `sprint_core::tz`, written at build time from chrono-tz.
//!
//! chrono-tz (a build-dependency only) compiles every zone into static `FixedTimespan` tables of
//! ~24 bytes per transition, about 900 KB of the WASM module. The core only needs each span's total
//! UTC offset, so this script writes, for every zone chrono-tz knows (links included, by their own
//! names), the exact same span boundaries with only their total offsets, about 3 bytes per
//! transition, and zones whose tables are identical (links, aliases) share one table.
//!
//! chrono-tz keeps its tables private, so the spans are read through its public API: the offset
//! (base, DST and abbreviation: the whole span) is sampled every `STEP` seconds from before its
//! first transition to after its last, and each change is bisected to the exact second. A span
//! shorter than `STEP` that ends where it began (A -> B -> A inside one step) would be missed:
//! chrono-tz 0.10.4's shortest span is 6.9 days (America/Cambridge_Bay, 1965), and this script
//! fails the build if it ever finds two transitions less than `2 * STEP` apart, the sign that the
//! data has changed shape and `STEP` must shrink. The exactness test (`tests/tz_exact.rs`) compares
//! every zone against chrono-tz. A boundary between two spans equal in every field cannot be seen
//! and is not needed: it changes no offset and no local-time answer (chrono-tz 0.10.4 has one,
//! Asia/Tbilisi 1997-03-30, so it lists 65,578 transitions over all names and these tables 65,577).
//!
//! Where a zone still has DST, chrono-tz expands its two yearly rules to 2099: more than half of
//! all transitions. Such a tail is stored as the two rules (`src/tz_rule.rs`), which the core
//! expands with the same code; this script checks that they regenerate the tail exactly.
//!
//! Format of `tz_data.bin`, per table (varints are LEB128, signed ones zigzag-encoded):
//!   count of distinct offsets `n` (varint), then `n` signed varints (seconds east of UTC; the
//!   first is the offset before the first transition);
//!   the rule tail: its transition count (varint, 0: none), and if any, for each of the two rules
//!   `Rule::pack` and its offset index (varints), then `zigzag(start year) << 1 | start rule`;
//!   then the other transitions: their count `m` (varint); their offset indexes, two to a byte
//!   (`IDX_BITS` each, the first in the low half); then their instants in order, the first as a
//!   signed varint (Unix seconds), each next one as the delta `(delta / unit) << 2 | unit_code`
//!   (unit_code 0: seconds, 1: minutes, 2: hours). The rule tail follows them. (Indexes and
//!   instants apart, each run of like bytes compresses better: 1 KB less of the gzipped module
//!   than with each index inside its instant's varint.)

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Offset, TimeZone, Timelike};
use chrono_tz::{Tz, TzOffset, TZ_VARIANTS};

/// Sampling step: one day.
const STEP: i64 = 86_400;
/// Before chrono-tz's first transition (1843) and after its last (2099, DST rules are expanded to
/// 2100); the script checks that no zone changes at either end.
const FIRST: i64 = -4_000_000_000;
const LAST: i64 = 4_200_000_000;
/// Bits of a transition record that hold the offset index (at most 16 distinct offsets a zone).
const IDX_BITS: u32 = 4;

/// The whole span chrono-tz has at an instant (`TzOffset` compares base and DST offsets and the
/// abbreviation: everything that tells chrono-tz's spans apart).
fn span_at(tz: Tz, t: i64) -> TzOffset {
    let utc = DateTime::from_timestamp(t, 0)
        .expect("in range")
        .naive_utc();
    tz.offset_from_utc_datetime(&utc)
}

fn total(off: TzOffset) -> i32 {
    off.fix().local_minus_utc()
}

/// (offset before the first transition, [(transition instant, offset from then on)]).
type Table = (i32, Vec<(i64, i32)>);

fn extract(tz: Tz) -> Table {
    let first = span_at(tz, FIRST);
    let mut out = Vec::new();
    let mut t = FIRST;
    let mut cur = first;
    while t < LAST {
        let next = (t + STEP).min(LAST);
        let s = span_at(tz, next);
        if s != cur {
            // The first second of the new span lies in (t, next].
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if span_at(tz, mid) == cur {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let at = span_at(tz, hi);
            assert!(
                at == s,
                "{}: two changes inside one sampling step near {hi}",
                tz.name()
            );
            if let Some(&(prev, _)) = out.last() {
                assert!(
                    hi - prev >= 2 * STEP,
                    "{}: transitions {prev} and {hi} are closer than two sampling steps: shrink STEP",
                    tz.name()
                );
            }
            out.push((hi, total(s)));
            cur = s;
        }
        t = next;
    }
    assert!(
        out.first().is_none_or(|&(t, _)| t > FIRST + STEP)
            && out.last().is_none_or(|&(t, _)| t < LAST - STEP),
        "{}: transitions outside the sampled range",
        tz.name()
    );
    (total(first), out)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[path = "src/tz_rule.rs"]
mod tz_rule;
use tz_rule::Rule;

/// The tail of a table that two yearly rules generate: `count` transitions, alternating between
/// `rules[0]` (the earlier in the year) and `rules[1]`, from `rules[start]` in `start_year`.
struct Tail {
    rules: [(Rule, i32); 2],
    start_year: i32,
    start: usize,
    count: usize,
}

impl Tail {
    fn expand(&self) -> Vec<(i64, i32)> {
        let (mut year, mut cur) = (self.start_year, self.start);
        (0..self.count)
            .map(|_| {
                let (rule, offset) = self.rules[cur];
                let t = rule
                    .instant(year, self.rules[1 - cur].1)
                    .expect("date exists");
                if cur == 1 {
                    year += 1;
                }
                cur = 1 - cur;
                (t, offset)
            })
            .collect()
    }
}

fn local(t: i64, before: i32) -> chrono::NaiveDateTime {
    DateTime::from_timestamp(t + i64::from(before), 0)
        .expect("in range")
        .naive_utc()
}

/// The rules that could have made a transition: its weekday on or after each of the 7 days up to
/// its date, or the month's last such weekday.
fn candidates(t: i64, before: i32) -> Vec<Rule> {
    let l = local(t, before);
    let (day, weekday) = (l.day(), l.weekday().num_days_from_monday());
    let secs = i64::from(l.num_seconds_from_midnight());
    let last_day = (28..=31)
        .rev()
        .find(|&d| chrono::NaiveDate::from_ymd_opt(l.year(), l.month(), d).is_some())
        .unwrap();
    let rule = |day| Rule {
        month: l.month(),
        day,
        weekday,
        secs,
    };
    let mut out: Vec<Rule> = (day.saturating_sub(6).max(1)..=day).map(rule).collect();
    if day + 7 > last_day {
        out.push(rule(0));
    }
    out
}

/// The longest tail (at least 4 transitions) that two yearly rules generate, if any.
fn find_tail(first: i32, tr: &[(i64, i32)]) -> Option<Tail> {
    let n = tr.len();
    if n < 4 {
        return None;
    }
    let before = |i: usize| if i == 0 { first } else { tr[i - 1].1 };
    let year_of = |i: usize| local(tr[i].0, before(i)).year();
    if year_of(n - 2) != year_of(n - 1) {
        return None;
    }
    let mut best: Option<Tail> = None;
    for ra in candidates(tr[n - 2].0, before(n - 2)) {
        for rb in candidates(tr[n - 1].0, before(n - 1)) {
            let rules = [(ra, tr[n - 2].1), (rb, tr[n - 1].1)];
            let (mut cur, mut year, mut count) = (1, year_of(n - 1), 0);
            let mut start = (1, year);
            while count < n {
                let j = n - 1 - count;
                let (rule, offset) = rules[cur];
                let other = rules[1 - cur].1;
                if tr[j].1 != offset
                    || before(j) != other
                    || rule.instant(year, other) != Some(tr[j].0)
                {
                    break;
                }
                start = (cur, year);
                count += 1;
                if cur == 0 {
                    year -= 1;
                }
                cur = 1 - cur;
            }
            if count >= 4 && best.as_ref().is_none_or(|b| count > b.count) {
                best = Some(Tail {
                    rules,
                    start_year: start.1,
                    start: start.0,
                    count,
                });
            }
        }
    }
    if let Some(tail) = &best {
        assert_eq!(
            tail.expand(),
            tr[n - tail.count..],
            "a rule tail must regenerate exactly"
        );
    }
    best
}

fn encode(table: &Table, out: &mut Vec<u8>) {
    let (first, transitions) = table;
    let mut offsets = vec![*first];
    for &(_, o) in transitions {
        if !offsets.contains(&o) {
            offsets.push(o);
        }
    }
    assert!(
        offsets.len() <= 1 << IDX_BITS,
        "too many offsets in one zone"
    );
    varint(out, offsets.len() as u64);
    for &o in &offsets {
        varint(out, zigzag(o as i64));
    }
    let index = |o: i32| offsets.iter().position(|&x| x == o).unwrap() as u64;
    let tail = find_tail(*first, transitions);
    match &tail {
        None => varint(out, 0),
        Some(tail) => {
            varint(out, tail.count as u64);
            for (rule, offset) in tail.rules {
                varint(out, rule.pack());
                varint(out, index(offset));
            }
            varint(
                out,
                zigzag(i64::from(tail.start_year)) << 1 | tail.start as u64,
            );
        }
    }
    let explicit = &transitions[..transitions.len() - tail.map_or(0, |t| t.count)];
    varint(out, explicit.len() as u64);
    for pair in explicit.chunks(2) {
        let low = index(pair[0].1);
        let high = pair.get(1).map_or(0, |&(_, o)| index(o));
        out.push((high << IDX_BITS | low) as u8);
    }
    let mut prev: Option<i64> = None;
    for &(t, _) in explicit {
        let (value, code) = match prev {
            None => (zigzag(t), 0),
            Some(p) => {
                let d = t - p;
                assert!(d > 0);
                if d % 3600 == 0 {
                    (d as u64 / 3600, 2)
                } else if d % 60 == 0 {
                    (d as u64 / 60, 1)
                } else {
                    (d as u64, 0)
                }
            }
        };
        varint(out, value << 2 | code);
        prev = Some(t);
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/tz_rule.rs");
    let mut names: Vec<(&'static str, Tz)> =
        TZ_VARIANTS.iter().map(|tz| (tz.name(), *tz)).collect();
    names.sort_by(|a, b| a.0.cmp(b.0));

    let mut tables: Vec<Table> = Vec::new();
    let mut index: HashMap<Table, usize> = HashMap::new();
    let mut zone_table = Vec::new();
    for &(_, tz) in &names {
        let table = extract(tz);
        let i = *index.entry(table.clone()).or_insert_with(|| {
            tables.push(table);
            tables.len() - 1
        });
        zone_table.push(i);
    }

    let mut data = Vec::new();
    let mut starts = vec![0u32];
    for t in &tables {
        encode(t, &mut data);
        starts.push(data.len() as u32);
    }

    let mut all_names = String::new();
    let mut name_ends = Vec::new();
    for (n, _) in &names {
        all_names.push_str(n);
        name_ends.push(all_names.len());
    }

    let mut rs = String::new();
    let list = |v: &[usize]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    writeln!(rs, "/// The IANA tzdb release the tables come from.").unwrap();
    writeln!(
        rs,
        "pub const TZDB_VERSION: &str = {:?};",
        chrono_tz::IANA_TZDB_VERSION
    )
    .unwrap();
    writeln!(rs, "/// Every zone name, sorted by bytes, concatenated.").unwrap();
    writeln!(rs, "const NAMES: &str = {all_names:?};").unwrap();
    writeln!(rs, "/// End of each name in `NAMES`.").unwrap();
    writeln!(
        rs,
        "const NAME_ENDS: [u16; {}] = [{}];",
        name_ends.len(),
        list(&name_ends)
    )
    .unwrap();
    let utc = names
        .iter()
        .position(|(n, _)| *n == "UTC")
        .expect("chrono-tz has UTC");
    writeln!(rs, "/// Index of `UTC` in the names.").unwrap();
    writeln!(rs, "const UTC_INDEX: u16 = {utc};").unwrap();
    writeln!(rs, "/// The table of each zone.").unwrap();
    writeln!(
        rs,
        "const ZONE_TABLE: [u16; {}] = [{}];",
        zone_table.len(),
        list(&zone_table)
    )
    .unwrap();
    let starts: Vec<usize> = starts.iter().map(|&s| s as usize).collect();
    writeln!(
        rs,
        "/// Start of each table in `DATA` (and the end of the last)."
    )
    .unwrap();
    writeln!(
        rs,
        "const TABLE_START: [u32; {}] = [{}];",
        starts.len(),
        list(&starts)
    )
    .unwrap();
    writeln!(
        rs,
        "/// Bits of a transition record that hold the offset index."
    )
    .unwrap();
    writeln!(rs, "const IDX_BITS: u32 = {IDX_BITS};").unwrap();
    writeln!(
        rs,
        "/// The encoded tables (format: crates/sprint-core/build.rs)."
    )
    .unwrap();
    writeln!(
        rs,
        "static DATA: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/tz_data.bin\"));"
    )
    .unwrap();

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("tz_data.bin"), &data).unwrap();
    std::fs::write(out.join("tz_tables.rs"), rs).unwrap();
}
