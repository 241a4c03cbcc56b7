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
}
