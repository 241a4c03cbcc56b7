//! Reading the instants and ids Jira and Forge send, in every form they come in.
//!
//! The Agile REST API writes offsets as `Z` or `+10:00` (the OpenAPI examples), Jira's platform API
//! and Forge's event payloads as `+0000`, and some payloads leave out the milliseconds. Forge's
//! event reference types ids as strings (`interface Board { id: string }`) where REST answers have
//! numbers. One reader for each keeps every caller (sprint lists, events, bulk jobs) on the same rules.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::time_format;

/// An instant in any of Jira's forms: RFC 3339 (`Z`, `+01:00`), or an offset without a colon
/// (`+0100`) or of hours only (`+01`), with or without fractional seconds. `None` for anything else.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for items in [
        time_format::ISO_FRACTION_OFFSET,
        time_format::ISO_SECONDS_OFFSET,
        time_format::ISO_MINUTES_OFFSET,
    ] {
        if let Some(d) = time_format::parse_datetime(s, items) {
            return Some(d.with_timezone(&Utc));
        }
    }
    // `+01` (hours only): chrono's %z wants minutes. (Byte positions: only on ASCII text, so a
    // payload with other characters is refused, never a panic.)
    if !s.is_ascii() || s.len() < 4 {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - 3);
    if (tail.starts_with('+') || tail.starts_with('-'))
        && tail[1..].bytes().all(|b| b.is_ascii_digit())
        && !head.ends_with(['+', '-'])
    {
        return parse(&format!("{head}{tail}00"));
    }
    None
}

/// The instant at `v[key]` when it is a string Jira would send.
pub fn field(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v[key].as_str().and_then(parse)
}

/// A Jira id given as a number (`42`) or a string of digits (`"42"`). Zero and negative ids are
/// not ids.
pub fn id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => digits(s),
        _ => None,
    }
    .filter(|n| *n > 0)
}

/// A string of at most 19 digits as a number.
pub(crate) fn digits(s: &str) -> Option<u64> {
    (!s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Serde for the run's `now`: the shim's form (`Date.prototype.toISOString`,
/// `2026-01-05T09:00:00.000Z`) read directly, any other form through chrono's RFC 3339 reader
/// exactly as `DateTime<Utc>`'s own `Deserialize` does (same instants, same errors). A cold start's
/// first step then does not compile chrono's general parser.
pub(crate) fn deserialize_now<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<DateTime<Utc>, D::Error> {
    struct Now;
    impl serde::de::Visitor<'_> for Now {
        type Value = DateTime<Utc>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            // chrono's words, so a bad `now` reads as it always did.
            f.write_str("an RFC 3339 formatted date and time string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
            if let Some(t) = iso_utc(s) {
                return Ok(t);
            }
            s.parse::<DateTime<chrono::FixedOffset>>()
                .map(|t| t.with_timezone(&Utc))
                .map_err(E::custom)
        }
    }
    d.deserialize_str(Now)
}

/// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.fffZ`, every field in range; `None` for
/// anything else (which chrono then reads).
fn iso_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if !matches!(b.len(), 20 | 24) || b[b.len() - 1] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let marks = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if marks.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let millis = match b.len() {
        24 if b[19] == b'.' => num(20, 23)?,
        20 => 0,
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let (h, m, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    // A leap second (`:60`) is chrono's to read.
    if sec > 59 {
        return None;
    }
    Some(date.and_hms_milli_opt(h, m, sec, millis)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_offset_form_is_the_same_instant() {
        let want = "2026-03-02T08:00:00Z";
        for s in [
            "2026-03-02T08:00:00Z",
            "2026-03-02T08:00:00.000Z",
            "2026-03-02T09:00:00.000+01:00",
            "2026-03-02T09:00:00.000+0100",
            "2026-03-02T09:00:00+0100",
            "2026-03-02T08:00:00.000+0000",
            "2026-03-02T03:00:00.000-0500",
            "2026-03-02T09:00:00+01",
            "2026-03-02T13:45:00.000+0545",
            " 2026-03-02T08:00:00Z ",
        ] {
            assert_eq!(
                parse(s)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .as_deref(),
                Some(want),
                "{s}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_an_instant() {
        for s in [
            "",
            "2026-03-02",
            "2026-03-02T08:00:00",
            "tomorrow",
            "2026-13-02T08:00:00Z",
            "2026-03-02T08:00:00+2500",
            "x€x",
            "€",
            "2026-03-02T08:00:00€+01",
            "+01",
            "x+01",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn ids_as_numbers_or_digit_strings() {
        assert_eq!(id(&json!(42)), Some(42));
        assert_eq!(id(&json!("42")), Some(42));
        assert_eq!(id(&json!("0042")), Some(42));
        for v in [
            json!(0),
            json!("0"),
            json!(-1),
            json!("-1"),
            json!("4 2"),
            json!("x"),
            json!(""),
            json!(1.5),
            json!(null),
            json!("99999999999999999999"),
        ] {
            assert_eq!(id(&v), None, "{v}");
        }
    }

    #[test]
    fn now_reads_as_chrono_reads_it() {
        use serde::de::IntoDeserializer;
        let read = |s: &str| {
            deserialize_now::<serde::de::value::StrDeserializer<serde::de::value::Error>>(
                s.into_deserializer(),
            )
            .map_err(|e| e.to_string())
        };
        let chrono = |s: &str| {
            s.parse::<DateTime<chrono::FixedOffset>>()
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| e.to_string())
        };
        for s in [
            "2026-01-05T09:00:00.000Z",
            "2026-01-05T09:00:00Z",
            "2024-02-29T23:59:59.999Z",
            "2023-02-29T10:00:00.000Z",
            "2026-13-01T10:00:00.000Z",
            "2026-01-05T24:00:00.000Z",
            "2026-01-05T09:60:00.000Z",
            "2016-12-31T23:59:60.000Z",
            "2026-01-05T09:00:00.5Z",
            "2026-01-05T09:00:00.123456789Z",
            "2026-01-05T09:00:00.000+01:00",
            "2026-01-05 09:00:00Z",
            "2026-01-05t09:00:00z",
            "+2026-01-05T09:00:00.000Z",
            "2026-01-05T09:00:00.0a0Z",
            "",
            "not a date",
        ] {
            assert_eq!(read(s), chrono(s), "{s:?}");
        }
        // The fast path is taken for the shim's form.
        assert!(iso_utc("2026-01-05T09:00:00.000Z").is_some());
    }
}
