//! The core's fixed date and time formats, as chrono's parsed items rather than strftime strings.
//!
//! Every format the core reads or writes is fixed, so it is spelt here once as the items chrono's
//! `StrftimeItems` would yield for it (a test checks each against its string): the same output
//! and the same accepted input as `format(fmt)` / `parse_from_str(s, fmt)`, without the strftime
//! parser in the WASM and with one compiled formatter and parser for all of them.

use chrono::format::{parse, DelayedFormat, Fixed, Item, Numeric, Pad, Parsed};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

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

/// `t.format(fmt)` for the items of `fmt`.
pub(crate) fn format<Tz: TimeZone>(
    t: &DateTime<Tz>,
    items: Items,
) -> DelayedFormat<std::slice::Iter<'static, Item<'static>>>
where
    Tz::Offset: std::fmt::Display,
{
    t.format_with_items(items.iter())
}

/// `d.format(fmt)` for the items of `fmt`.
pub(crate) fn format_date(
    d: NaiveDate,
    items: Items,
) -> DelayedFormat<std::slice::Iter<'static, Item<'static>>> {
    d.format_with_items(items.iter())
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
}
