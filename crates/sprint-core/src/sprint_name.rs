//! Jira's rules for a sprint name, applied before any name leaves the app.
//!
//! Jira trims a sprint name ("Note that the sprint name is trimmed": Create sprint, Jira Software
//! OpenAPI `createSprint`), refuses an empty one and refuses one longer than 30
//! characters. Jira is a Java service, so its 30 is counted in UTF-16 code units (an emoji is
//! two); counting the same way is the stricter reading, so a name accepted here is accepted by
//! either count. Sending the trimmed name ourselves also keeps the name we remember equal to the
//! name Jira stores, which the exactly-once create relies on when it re-reads the board by name.

use serde_json::json;

use crate::error::{CoreError, ErrorCode};

/// Jira's longest sprint name, in UTF-16 code units.
pub const MAX_UNITS: usize = 30;

/// Why Jira would refuse a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    /// Nothing is left once trimmed.
    Empty,
    /// Longer than [`MAX_UNITS`] once trimmed.
    TooLong {
        /// Its length in UTF-16 code units.
        units: usize,
    },
}

impl NameFault {
    /// The error code a resolver answers with.
    pub fn code(self) -> ErrorCode {
        match self {
            NameFault::Empty => ErrorCode::SprintNameEmpty,
            NameFault::TooLong { .. } => ErrorCode::SprintNameTooLong,
        }
    }

    /// A sentence for the field's error.
    pub fn describe(self) -> String {
        match self {
            NameFault::Empty => "the sprint name would be empty; Jira needs a name".to_string(),
            NameFault::TooLong { units } => {
                format!("the sprint name would have {units} characters; Jira allows {MAX_UNITS}")
            }
        }
    }

    /// A coded 400 naming `field`, with the offending name (at most 60 characters of it: it is
    /// caller input).
    pub fn to_error(self, field: &str, name: &str) -> CoreError {
        let shown: String = name.chars().take(60).collect();
        CoreError::new(self.code(), format!("{field}: {}", self.describe()))
            .with_details(json!({ "field": field, "name": shown }))
    }
}

/// The fault to report for a set of refused names: an empty name is the clearer one.
pub fn worst(faults: impl IntoIterator<Item = NameFault>) -> Option<NameFault> {
    faults
        .into_iter()
        .reduce(|a, b| if b == NameFault::Empty { b } else { a })
}

/// Length as Jira counts it.
pub fn units(name: &str) -> usize {
    name.encode_utf16().count()
}

/// The name exactly as Jira would store it, or why Jira would refuse it.
pub fn for_jira(raw: &str) -> Result<String, NameFault> {
    let name = raw.trim();
    let n = units(name);
    if n == 0 {
        Err(NameFault::Empty)
    } else if n > MAX_UNITS {
        Err(NameFault::TooLong { units: n })
    } else {
        Ok(name.to_string())
    }
}

/// At most [`MAX_UNITS`] code units of `name`, cut on a character boundary and trimmed again (a
/// cut can leave a trailing space, which Jira would drop).
pub fn fit(name: &str) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in name.trim().chars() {
        used += c.len_utf16();
        if used > MAX_UNITS {
            break;
        }
        out.push(c);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_measures_as_jira_does() {
        assert_eq!(for_jira("  Sprint 1 "), Ok("Sprint 1".to_string()));
        assert_eq!(for_jira(" \t "), Err(NameFault::Empty));
        assert_eq!(for_jira(""), Err(NameFault::Empty));
        assert_eq!(for_jira(&"x".repeat(30)), Ok("x".repeat(30)));
        assert_eq!(
            for_jira(&"x".repeat(31)),
            Err(NameFault::TooLong { units: 31 })
        );
        // 29 letters and one emoji: 30 characters but 31 UTF-16 units.
        let emoji = format!("{}\u{1F680}", "x".repeat(29));
        assert_eq!(emoji.chars().count(), 30);
        assert_eq!(for_jira(&emoji), Err(NameFault::TooLong { units: 31 }));
        // Spaces around a 30-unit name do not count.
        assert!(for_jira(&format!("  {}  ", "y".repeat(30))).is_ok());
    }

    #[test]
    fn fit_cuts_on_characters_and_trims() {
        assert_eq!(fit(&"a".repeat(40)), "a".repeat(30));
        assert_eq!(fit(&format!("{} tail", "a".repeat(29))), "a".repeat(29));
        let rocket = format!("{}\u{1F680}", "b".repeat(29));
        assert_eq!(fit(&rocket), "b".repeat(29));
        for s in [
            "x",
            "  y  ",
            &"z".repeat(31),
            &format!("{}\u{1F680}\u{1F680}", "q".repeat(27)),
        ] {
            assert!(for_jira(&fit(s)).is_ok(), "{s}");
        }
    }

    #[test]
    fn an_empty_name_is_the_fault_reported() {
        let long = NameFault::TooLong { units: 31 };
        assert_eq!(
            worst([long, NameFault::Empty, long]),
            Some(NameFault::Empty)
        );
        assert_eq!(worst([long]), Some(long));
        assert_eq!(worst([]), None);
    }

    #[test]
    fn errors_name_the_field() {
        let e = NameFault::Empty.to_error("nameTemplate", " ");
        assert_eq!(e.code, ErrorCode::SprintNameEmpty);
        assert_eq!(e.status, 400);
        assert_eq!(e.details.unwrap()["field"], "nameTemplate");
    }
}
