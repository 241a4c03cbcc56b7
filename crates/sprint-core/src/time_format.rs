//! The core's fixed date and time formats, as chrono's parsed items rather than strftime strings.
//!
//! Every format the core reads or writes is fixed, so it is spelt here once as the items chrono's
//! `StrftimeItems` would yield for it (a test checks each against its string): the same output
//! and the same accepted input as `format(fmt)` / `parse_from_str(s, fmt)`, without the strftime
//! parser in the WASM and with one compiled parser for all of them; output is written here.

use chrono::format::{parse, Fixed, Item, Numeric, Pad, Parsed};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone};

/// Fixed items of a format (`&'static [Item<'static>]`).
pub(crate) type Items = &'static [Item<'static>];

const fn num(n: Numeric) -> Item<'static> {
    Item::Numeric(n, Pad::Zero)
}
const YEAR: Item<'static> = num(Numeric::Year);
const MONTH: Item<'static> = num(Numeric::Month);
const DAY: Item<'static> = num(Numeric::Day);
const HOUR: Item<'static> = num(Numeric::Hour);
const MINUTE: Item<'static> = num(Numeric::Minute);
const SECOND: Item<'static> = num(Numeric::Second);
const DASH: Item<'static> = Item::Literal("-");
const COLON: Item<'static> = Item::Literal(":");
const DOT: Item<'static> = Item::Literal(".");
const T: Item<'static> = Item::Literal("T");

/// `%Y-%m-%d`
pub(crate) const DATE: Items = &[YEAR, DASH, MONTH, DASH, DAY];
/// `%H:%M`
pub(crate) const HOUR_MINUTE: Items = &[HOUR, COLON, MINUTE];
/// `%Y-%m-%d %H:%M`
pub(crate) const DATE_HOUR_MINUTE: Items = &[
    YEAR,
    DASH,
    MONTH,
    DASH,
    DAY,
    Item::Space(" "),
    HOUR,
    COLON,
    MINUTE,
];
/// `%Y-%m-%dT%H:%M:%S%.3f%:z`
pub(crate) const ISO_MILLIS_OFFSET: Items = &[
    YEAR,
    DASH,
    MONTH,
    DASH,
    DAY,
    T,
    HOUR,
    COLON,
    MINUTE,
    COLON,
    SECOND,
    Item::Fixed(Fixed::Nanosecond3),
    Item::Fixed(Fixed::TimezoneOffsetColon),
];
/// `%Y-%m-%dT%H:%M:%S%.f%z`
pub(crate) const ISO_FRACTION_OFFSET: Items = &[
    YEAR,
    DASH,
    MONTH,
    DASH,
    DAY,
    T,
    HOUR,
    COLON,
    MINUTE,
    COLON,
    SECOND,
    Item::Fixed(Fixed::Nanosecond),
    Item::Fixed(Fixed::TimezoneOffset),
];
/// `%Y-%m-%dT%H:%M:%S%z`
pub(crate) const ISO_SECONDS_OFFSET: Items = &[
    YEAR,
    DASH,
    MONTH,
    DASH,
    DAY,
    T,
    HOUR,
    COLON,
    MINUTE,
    COLON,
    SECOND,
    Item::Fixed(Fixed::TimezoneOffset),
];
/// `%Y-%m-%dT%H:%M%z`
pub(crate) const ISO_MINUTES_OFFSET: Items = &[
    YEAR,
    DASH,
    MONTH,
    DASH,
    DAY,
    T,
    HOUR,
    COLON,
    MINUTE,
    Item::Fixed(Fixed::TimezoneOffset),
];
/// `%d.%m.`
pub(crate) const DAY_MONTH_DOTTED: Items = &[DAY, DOT, MONTH, DOT];
/// `%d.%m.%Y`
pub(crate) const DAY_MONTH_YEAR_DOTTED: Items = &[DAY, DOT, MONTH, DOT, YEAR];
/// `%b %-d`
pub(crate) const MONTH_NAME_DAY: Items = &[
    Item::Fixed(Fixed::ShortMonthName),
    Item::Space(" "),
    Item::Numeric(Numeric::Day, Pad::None),
];
/// `%-d %b`
pub(crate) const DAY_MONTH_NAME: Items = &[
    Item::Numeric(Numeric::Day, Pad::None),
    Item::Space(" "),
    Item::Fixed(Fixed::ShortMonthName),
];
/// `%m/%d`
pub(crate) const MONTH_DAY_SLASHED: Items = &[MONTH, Item::Literal("/"), DAY];

/// `NaiveDate::parse_from_str(s, fmt)` for the items of `fmt`.
pub(crate) fn parse_date(s: &str, items: Items) -> Option<NaiveDate> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, s, items.iter()).ok()?;
    parsed.to_naive_date().ok()
}

/// `DateTime::<FixedOffset>::parse_from_str(s, fmt)` for the items of `fmt`.
pub(crate) fn parse_datetime(s: &str, items: Items) -> Option<DateTime<FixedOffset>> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, s, items.iter()).ok()?;
    parsed.to_datetime().ok()
}

/// `t.format(fmt).to_string()` for the items of `fmt`.
///
/// Written here rather than through chrono's `DelayedFormat`, whose one formatter for every item
/// (am/pm in lower case among them) brings Unicode's case tables into the WASM: the local fields
/// are computed as chrono computes them (a test compares every format over many instants).
pub(crate) fn format<Tz: TimeZone>(t: &DateTime<Tz>, items: Items) -> String {
    let offset = t.offset().fix().local_minus_utc();
    let local = t.timestamp() + i64::from(offset);
    let (year, month, day) = civil(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400) as u32;
    let time = (
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        t.timestamp_subsec_nanos(),
    );
    write(items, year, month, day, Some(time), Some(offset))
}

/// `d.format(fmt).to_string()` for the items of `fmt` (date items only).
pub(crate) fn format_date(d: NaiveDate, items: Items) -> String {
    write(items, i64::from(d.year()), d.month(), d.day(), None, None)
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The items over these fields, as chrono's `DelayedFormat` writes them (`format_numeric`,
/// `format_fixed`, `OffsetFormat`); only the items the core formats with (the `ISO_*_OFFSET`
/// ones other than `ISO_MILLIS_OFFSET` are only read).
fn write(
    items: Items,
    year: i64,
    month: u32,
    day: u32,
    time: Option<(u32, u32, u32, u32)>,
    offset: Option<i32>,
) -> String {
    use std::fmt::Write as _;
    let mut w = String::new();
    let two = |w: &mut String, v: u32, pad: Pad| {
        if v >= 10 || pad == Pad::Zero {
            w.push(char::from(b'0' + (v / 10 % 10) as u8));
        }
        w.push(char::from(b'0' + (v % 10) as u8));
    };
    for item in items {
        match *item {
            Item::Literal(s) | Item::Space(s) => w.push_str(s),
            Item::Numeric(Numeric::Year, _) => {
                let _ = if (0..10_000).contains(&year) {
                    write!(w, "{year:04}")
                } else {
                    write!(w, "{year:+05}")
                };
            }
            Item::Numeric(Numeric::Month, pad) => two(&mut w, month, pad),
            Item::Numeric(Numeric::Day, pad) => two(&mut w, day, pad),
            Item::Fixed(Fixed::ShortMonthName) => w.push_str(SHORT_MONTHS[month as usize - 1]),
            _ => {
                let Some((hour, minute, second, nanos)) = time else {
                    continue;
                };
                match *item {
                    Item::Numeric(Numeric::Hour, pad) => two(&mut w, hour, pad),
                    Item::Numeric(Numeric::Minute, pad) => two(&mut w, minute, pad),
                    // A leap second (nanoseconds past 1e9) is second 60.
                    Item::Numeric(Numeric::Second, pad) => {
                        two(&mut w, second + nanos / 1_000_000_000, pad)
                    }
                    Item::Fixed(Fixed::Nanosecond3) => {
                        let _ = write!(w, ".{:03}", nanos / 1_000_000 % 1000);
                    }
                    Item::Fixed(Fixed::TimezoneOffsetColon) => {
                        let off = offset.unwrap_or(0);
                        w.push(if off < 0 { '-' } else { '+' });
                        // Seconds rounded to the nearest minute.
                        let minutes = (off.unsigned_abs() + 30) / 60;
                        two(&mut w, minutes / 60, Pad::Zero);
                        w.push(':');
                        two(&mut w, minutes % 60, Pad::Zero);
                    }
                    _ => {}
                }
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::format::StrftimeItems;

    /// Each items array is exactly what chrono makes of its format string.
    #[test]
    fn every_items_array_is_its_strftime_string() {
        for (fmt, items) in [
            ("%Y-%m-%d", DATE),
            ("%H:%M", HOUR_MINUTE),
            ("%Y-%m-%d %H:%M", DATE_HOUR_MINUTE),
            ("%Y-%m-%dT%H:%M:%S%.3f%:z", ISO_MILLIS_OFFSET),
            ("%Y-%m-%dT%H:%M:%S%.f%z", ISO_FRACTION_OFFSET),
            ("%Y-%m-%dT%H:%M:%S%z", ISO_SECONDS_OFFSET),
            ("%Y-%m-%dT%H:%M%z", ISO_MINUTES_OFFSET),
            ("%d.%m.", DAY_MONTH_DOTTED),
            ("%d.%m.%Y", DAY_MONTH_YEAR_DOTTED),
            ("%b %-d", MONTH_NAME_DAY),
            ("%-d %b", DAY_MONTH_NAME),
            ("%m/%d", MONTH_DAY_SLASHED),
        ] {
            assert_eq!(StrftimeItems::new(fmt).collect::<Vec<_>>(), items, "{fmt}");
        }
    }

    /// Every format writes what chrono writes, over instants in every zone kind (offsets with
    /// seconds, negative ones, half hours), years from far before to far after, leap seconds.
    #[test]
    fn formats_as_chrono_does() {
        let all: [Items; 12] = [
            DATE,
            HOUR_MINUTE,
            DATE_HOUR_MINUTE,
            ISO_MILLIS_OFFSET,
            ISO_FRACTION_OFFSET,
            ISO_SECONDS_OFFSET,
            ISO_MINUTES_OFFSET,
            DAY_MONTH_DOTTED,
            DAY_MONTH_YEAR_DOTTED,
            MONTH_NAME_DAY,
            DAY_MONTH_NAME,
            MONTH_DAY_SLASHED,
        ];
        let offsets = [
            0, 3600, -3600, 19_800, -34_200, 20_700, 50_400, -43_200, 2_079, -17_762, 29, 30, -29,
            -30, 89, 86_399, -86_399,
        ];
        let mut seconds: Vec<i64> = vec![
            0,
            -1,
            1,
            951_782_400,
            1_767_225_599,
            -62_135_596_800,
            -62_135_596_801,
            -62_198_755_200,
            -30_610_224_000,
            -2_208_988_800,
            253_402_300_799,
            253_402_300_800,
            4_102_444_800,
            -8_000_000_000_000,
            8_000_000_000_000,
        ];
        let mut x: i64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seconds.push(x.rem_euclid(300_000_000_000) - 150_000_000_000);
        }
        for (i, s) in seconds.iter().enumerate() {
            let off = chrono::FixedOffset::east_opt(offsets[i % offsets.len()]).unwrap();
            for nanos in [
                0,
                999_999,
                1_000_000,
                123_456_789,
                999_999_999,
                1_500_000_000,
            ] {
                let Some(utc) = DateTime::from_timestamp(*s, nanos) else {
                    continue;
                };
                let t = utc.with_timezone(&off);
                if t.naive_utc().checked_add_offset(off).is_none() {
                    continue;
                }
                for items in all {
                    if items == DATE
                        || items == DAY_MONTH_DOTTED
                        || items == DAY_MONTH_YEAR_DOTTED
                        || items == MONTH_NAME_DAY
                        || items == DAY_MONTH_NAME
                        || items == MONTH_DAY_SLASHED
                    {
                        let d = t.date_naive();
                        assert_eq!(
                            format_date(d, items),
                            d.format_with_items(items.iter()).to_string()
                        );
                    }
                    if items != ISO_FRACTION_OFFSET
                        && items != ISO_SECONDS_OFFSET
                        && items != ISO_MINUTES_OFFSET
                    {
                        assert_eq!(
                            format(&t, items),
                            t.format_with_items(items.iter()).to_string(),
                            "{s} {nanos} {off}"
                        );
                    }
                }
            }
        }
    }
}
