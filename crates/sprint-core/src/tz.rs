//! IANA time zones from compact tables: every zone and link name chrono-tz knows, with exactly its
//! transitions (1845 to 2099, DST rules expanded to 2100) and total UTC offsets.
//!
//! chrono-tz's own tables (one `FixedTimespan` of ~24 bytes per transition, with abbreviations)
//! were ~900 KB of the WASM module; `build.rs` writes the same span boundaries with only their
//! total offsets (what every caller here uses: no `%Z`, no abbreviation, no DST split), about 3
//! bytes a transition, shared between zones whose tables are equal; a zone's table is decoded on
//! its first use and kept (a pure function of static data: no answer depends on it).
//! `tests/tz_exact.rs` compares every zone with chrono-tz: offsets at and around every transition
//! and every ~20 days from 1811 to 2200, and `from_local_datetime` around every transition.
//!
//! [`Zone`] implements [`chrono::TimeZone`] the way chrono-tz's `Tz` does, including its handling
//! of local times in a gap (`LocalResult::None`) or an overlap (`LocalResult::Ambiguous`).

use core::fmt;
use core::str::FromStr;
use std::sync::OnceLock;

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

use crate::tz_rule::Rule;

include!(concat!(env!("OUT_DIR"), "/tz_tables.rs"));

/// An IANA time zone (or link) by its name: cheap to copy, compare and hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(u16);

impl Zone {
    /// `UTC`.
    pub const UTC: Zone = Zone(UTC_INDEX);

    /// The zone named exactly `name` (`Europe/Berlin`, or a link such as `US/Eastern`).
    pub fn from_name(name: &str) -> Option<Zone> {
        let (mut lo, mut hi) = (0usize, NAME_ENDS.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match Zone(mid as u16).name().cmp(name) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return Some(Zone(mid as u16)),
            }
        }
        None
    }

    /// Every zone, in name order.
    pub fn all() -> impl Iterator<Item = Zone> {
        (0..NAME_ENDS.len() as u16).map(Zone)
    }

    /// The zone's IANA name, as chrono-tz spells it (a link keeps its own name).
    pub fn name(self) -> &'static str {
        let i = self.0 as usize;
        let start = if i == 0 { 0 } else { NAME_ENDS[i - 1] as usize };
        &NAMES[start..NAME_ENDS[i] as usize]
    }

    /// Every transition of the zone, in order: (Unix seconds, offset in seconds east of UTC from
    /// that instant on).
    pub fn transitions(self) -> impl Iterator<Item = (i64, i32)> {
        self.decode()
    }

    fn decode(self) -> Transitions {
        let t = ZONE_TABLE[self.0 as usize] as usize;
        let data = &DATA[TABLE_START[t] as usize..TABLE_START[t + 1] as usize];
        let mut pos = 0;
        let n = read_varint(data, &mut pos) as usize;
        let mut offsets = [0i32; 1 << IDX_BITS];
        for o in offsets.iter_mut().take(n) {
            *o = unzigzag(read_varint(data, &mut pos)) as i32;
        }
        let mut tail = Tail {
            left: read_varint(data, &mut pos) as usize,
            rules: [(Rule::unpack(0), 0); 2],
            year: 0,
            cur: 0,
        };
        if tail.left > 0 {
            for r in tail.rules.iter_mut() {
                let rule = Rule::unpack(read_varint(data, &mut pos));
                *r = (rule, offsets[read_varint(data, &mut pos) as usize & 0xf]);
            }
            let v = read_varint(data, &mut pos);
            tail.year = unzigzag(v >> 1) as i32;
            tail.cur = (v & 1) as usize;
        }
        let count = read_varint(data, &mut pos) as usize;
        let indexes = pos;
        pos += count.div_ceil(2);
        Transitions {
            data,
            pos,
            indexes,
            next: 0,
            count,
            offsets,
            prev: None,
            tail,
        }
    }

    /// The zone's spans, decoded on first use of its table and kept: a pure function of the
    /// static tables, so this changes no answer, it only spares decoding on every look-up.
    fn spans(self) -> &'static Spans {
        static DECODED: [OnceLock<Spans>; TABLE_COUNT] = [const { OnceLock::new() }; TABLE_COUNT];
        DECODED[ZONE_TABLE[self.0 as usize] as usize].get_or_init(|| {
            let it = self.decode();
            Spans {
                first: it.offsets[0],
                transitions: it.collect(),
            }
        })
    }

    fn offset_at(self, timestamp: i64) -> i32 {
        let spans = self.spans();
        // The span holding `timestamp` starts at the last transition at or before it.
        match spans.transitions.partition_point(|&(t, _)| t <= timestamp) {
            0 => spans.first,
            i => spans.transitions[i - 1].1,
        }
    }

    fn offset(self, seconds: i32) -> ZoneOffset {
        ZoneOffset {
            zone: self,
            seconds,
        }
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not an IANA zone name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownZone;

impl FromStr for Zone {
    type Err = UnknownZone;
    fn from_str(s: &str) -> Result<Zone, UnknownZone> {
        Zone::from_name(s).ok_or(UnknownZone)
    }
}

/// A zone's UTC offset at some instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ZoneOffset {
    zone: Zone,
    seconds: i32,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        // Every offset in the tables is well within a day.
        FixedOffset::east_opt(self.seconds).unwrap_or(FixedOffset::east_opt(0).unwrap())
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.fix(), f)
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.fix(), f)
    }
}

/// Transitions of one table as (instant, offset from then on), in order.
struct Transitions {
    data: &'static [u8],
    /// The next instant's varint.
    pos: usize,
    /// Where the listed transitions' offset indexes start (two to a byte).
    indexes: usize,
    /// Listed transitions read so far, and in all.
    next: usize,
    count: usize,
    offsets: [i32; 1 << IDX_BITS],
    prev: Option<i64>,
    tail: Tail,
}

/// The part of a table that two yearly rules generate (after the listed transitions): `left`
/// more transitions, next `rules[cur]` in `year`; each rule with the offset it sets.
struct Tail {
    left: usize,
    rules: [(Rule, i32); 2],
    year: i32,
    cur: usize,
}

impl Iterator for Tail {
    type Item = (i64, i32);
    fn next(&mut self) -> Option<(i64, i32)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (rule, offset) = self.rules[self.cur];
        // build.rs checked that every date of the tail exists.
        let t = rule.instant(self.year, self.rules[1 - self.cur].1)?;
        if self.cur == 1 {
            self.year += 1;
        }
        self.cur = 1 - self.cur;
        Some((t, offset))
    }
}

impl Iterator for Transitions {
    type Item = (i64, i32);
    fn next(&mut self) -> Option<(i64, i32)> {
        if self.next >= self.count {
            return self.tail.next();
        }
        let pair = self.data[self.indexes + self.next / 2];
        let idx = (pair >> (IDX_BITS as usize * (self.next % 2))) as usize & ((1 << IDX_BITS) - 1);
        self.next += 1;
        let v = read_varint(self.data, &mut self.pos);
        let (value, unit) = (v >> 2, v & 3);
        let t = match self.prev {
            None => unzigzag(value),
            Some(p) => {
                let scale = match unit {
                    2 => 3600,
                    1 => 60,
                    _ => 1,
                };
                p + value as i64 * scale
            }
        };
        self.prev = Some(t);
        Some((t, self.offsets[idx]))
    }
}

fn read_varint(data: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = data.get(*pos) {
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A half-open interval of seconds, unbounded where `None` (as chrono-tz's `Span`).
struct Span {
    begin: Option<i64>,
    end: Option<i64>,
}

impl Span {
    fn contains(&self, x: i64) -> bool {
        self.begin.is_none_or(|a| a <= x) && self.end.is_none_or(|b| x < b)
    }

    fn cmp(&self, x: i64) -> core::cmp::Ordering {
        use core::cmp::Ordering::*;
        match (self.begin, self.end) {
            (Some(a), _) if a > x => Greater,
            (_, Some(b)) if b <= x => Less,
            _ => Equal,
        }
    }
}

/// A zone's spans: span 0 lasts until the first transition with offset `first`, span `i`
/// (1-based) starts at `transitions[i - 1]` with its offset (as chrono-tz's `FixedTimespanSet`).
struct Spans {
    first: i32,
    transitions: Vec<(i64, i32)>,
}

/// Number of tables.
const TABLE_COUNT: usize = TABLE_START.len() - 1;

impl Spans {
    /// Number of spans.
    fn count(&self) -> usize {
        self.transitions.len() + 1
    }

    fn get(&self, i: usize) -> i32 {
        if i == 0 {
            self.first
        } else {
            self.transitions[i - 1].1
        }
    }

    /// Span `i` in local time: from its start read with its own offset to its end read with its
    /// own offset (chrono-tz's `local_span`).
    fn local_span(&self, i: usize) -> Span {
        let offset = i64::from(self.get(i));
        Span {
            begin: (i > 0).then(|| self.transitions[i - 1].0 + offset),
            end: (i < self.transitions.len()).then(|| self.transitions[i].0 + offset),
        }
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        // As chrono-tz: one offset that occurs on that day, preferring the day's start.
        let earliest = self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN));
        let latest = self.offset_from_local_datetime(
            &local.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        );
        use LocalResult::*;
        match (earliest, latest) {
            (result @ Single(_), _) => result,
            (_, result @ Single(_)) => result,
            (Ambiguous(offset, _), _) => Single(offset),
            (_, Ambiguous(offset, _)) => Single(offset),
            (None, None) => None,
        }
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        // chrono-tz's search, step for step: find a span whose local interval holds the time,
        // then look at its neighbours for an overlap.
        let timestamp = local.and_utc().timestamp();
        let spans = self.spans();
        let n = spans.count();
        let (mut start, mut end) = (0, n);
        let index = loop {
            let mid = start + (end - start) / 2;
            if mid == end {
                break Err(start);
            }
            match spans.local_span(mid).cmp(timestamp) {
                core::cmp::Ordering::Less => start = mid + 1,
                core::cmp::Ordering::Greater => end = mid,
                core::cmp::Ordering::Equal => break Ok(mid),
            }
        };
        let one = |i: usize| LocalResult::Single(self.offset(spans.get(i)));
        let two = |i: usize, j: usize| {
            LocalResult::Ambiguous(self.offset(spans.get(i)), self.offset(spans.get(j)))
        };
        match index {
            Ok(0) if n == 1 => one(0),
            Ok(0) if spans.local_span(1).contains(timestamp) => two(0, 1),
            Ok(0) => one(0),
            Ok(i) if spans.local_span(i - 1).contains(timestamp) => two(i - 1, i),
            Ok(i) if i == n - 1 => one(i),
            Ok(i) if spans.local_span(i + 1).contains(timestamp) => two(i, i + 1),
            Ok(i) => one(i),
            Err(_) => LocalResult::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset(self.offset_at(utc.and_utc().timestamp()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_found() {
        let names: Vec<&str> = Zone::all().map(Zone::name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Zone::UTC.name(), "UTC");
        assert_eq!(
            Zone::from_name("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(Zone::from_name("US/Eastern").unwrap().name(), "US/Eastern");
        assert!(Zone::from_name("europe/berlin").is_none());
        assert!(Zone::from_name("").is_none());
    }
}
