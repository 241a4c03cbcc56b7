//! Strict reading of caller payloads: every fault becomes a coded error naming the field, and a
//! payload is read whole before anything is written.

use serde_json::{json, Map, Value};

use crate::error::{CoreError, ErrorCode};

/// Longest string any payload field may carry (names of time zones, keys, cursors, ...).
pub const MAX_STRING: usize = 1000;
/// Largest integer id accepted (JavaScript's safe integer range).
pub const MAX_ID: u64 = 9_007_199_254_740_991;

fn fault(code: ErrorCode, field: &str, message: String) -> CoreError {
    CoreError::new(code, message).with_details(json!({ "field": field }))
}

/// A JSON object being read field by field; [`Fields::finish`] rejects anything not read.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
    seen: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    /// Start reading `value`, which must be an object. `prefix` names it in errors (`settings.`).
    pub fn of(value: &'a Value, prefix: &str) -> Result<Self, CoreError> {
        match value {
            Value::Object(map) => Ok(Fields {
                map,
                prefix: prefix.to_string(),
                seen: Vec::new(),
            }),
            _ => Err(fault(
                ErrorCode::InvalidType,
                prefix.trim_end_matches('.'),
                format!("{} must be an object", name_or_payload(prefix)),
            )),
        }
    }

    fn path(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    fn take(&mut self, key: &'a str) -> Option<&'a Value> {
        self.seen.push(key);
        self.map.get(key)
    }

    /// A required field of any type.
    pub fn required(&mut self, key: &'a str) -> Result<&'a Value, CoreError> {
        match self.take(key) {
            Some(v) => Ok(v),
            None => Err(fault(
                ErrorCode::MissingField,
                &self.path(key),
                format!("{} is required", self.path(key)),
            )),
        }
    }

    /// An optional field; JSON null counts as absent.
    pub fn optional(&mut self, key: &'a str) -> Option<&'a Value> {
        self.take(key).filter(|v| !v.is_null())
    }

    /// A required boolean.
    pub fn bool(&mut self, key: &'a str) -> Result<bool, CoreError> {
        let v = self.required(key)?;
        v.as_bool().ok_or_else(|| self.type_fault(key, "a boolean"))
    }

    /// A required integer within `min..=max`.
    pub fn int(&mut self, key: &'a str, min: i64, max: i64) -> Result<i64, CoreError> {
        let v = self.required(key)?;
        self.int_value(key, v, min, max)
    }

    /// An optional integer within `min..=max`.
    pub fn opt_int(&mut self, key: &'a str, min: i64, max: i64) -> Result<Option<i64>, CoreError> {
        match self.optional(key) {
            Some(v) => self.int_value(key, v, min, max).map(Some),
            None => Ok(None),
        }
    }

    fn int_value(&self, key: &str, v: &Value, min: i64, max: i64) -> Result<i64, CoreError> {
        let n = v
            .as_i64()
            .ok_or_else(|| self.type_fault(key, "an integer"))?;
        if n < min || n > max {
            return Err(fault(
                ErrorCode::OutOfRange,
                &self.path(key),
                format!("{} must be between {min} and {max}", self.path(key)),
            ));
        }
        Ok(n)
    }

    /// A required id (positive integer in JavaScript's safe range).
    pub fn id(&mut self, key: &'a str) -> Result<u64, CoreError> {
        self.int(key, 1, MAX_ID as i64).map(|n| n as u64)
    }

    /// A required string of `1..=max` characters.
    pub fn string(&mut self, key: &'a str, max: usize) -> Result<&'a str, CoreError> {
        let v = self.required(key)?;
        self.string_value(key, v, max)
    }

    /// An optional string of `1..=max` characters.
    pub fn opt_string(&mut self, key: &'a str, max: usize) -> Result<Option<&'a str>, CoreError> {
        match self.optional(key) {
            Some(v) => self.string_value(key, v, max).map(Some),
            None => Ok(None),
        }
    }

    fn string_value(&self, key: &str, v: &'a Value, max: usize) -> Result<&'a str, CoreError> {
        let s = v.as_str().ok_or_else(|| self.type_fault(key, "a string"))?;
        let len = s.chars().count();
        if len == 0 || len > max.min(MAX_STRING) {
            return Err(fault(
                ErrorCode::OutOfRange,
                &self.path(key),
                format!(
                    "{} must be 1 to {} characters",
                    self.path(key),
                    max.min(MAX_STRING)
                ),
            ));
        }
        Ok(s)
    }

    /// A required array.
    pub fn array(&mut self, key: &'a str, max_len: usize) -> Result<&'a Vec<Value>, CoreError> {
        let v = self.required(key)?;
        let a = v
            .as_array()
            .ok_or_else(|| self.type_fault(key, "an array"))?;
        if a.len() > max_len {
            return Err(fault(
                ErrorCode::OutOfRange,
                &self.path(key),
                format!("{} may hold at most {max_len} entries", self.path(key)),
            ));
        }
        Ok(a)
    }

    /// A required Jira project key (`SA`, `PROJ_2`).
    pub fn project_key(&mut self, key: &'a str) -> Result<String, CoreError> {
        let value = self.string(key, 10)?;
        if !is_project_key(value) {
            return Err(self.fault(key, ErrorCode::InvalidType, "not a Jira project key"));
        }
        Ok(value.to_string())
    }

    /// A type fault for `key`.
    pub fn type_fault(&self, key: &str, expected: &str) -> CoreError {
        fault(
            ErrorCode::InvalidType,
            &self.path(key),
            format!("{} must be {expected}", self.path(key)),
        )
    }

    /// A domain fault for `key` with its own code.
    pub fn fault(&self, key: &str, code: ErrorCode, message: &str) -> CoreError {
        fault(
            code,
            &self.path(key),
            format!("{}: {message}", self.path(key)),
        )
    }

    /// Reject any field that was not read.
    pub fn finish(self) -> Result<(), CoreError> {
        let mut unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !self.seen.contains(&k.as_str()))
            .collect();
        crate::sort::sort(&mut unknown);
        match unknown.first() {
            None => Ok(()),
            Some(k) => {
                // Echo at most 40 characters of an unknown name: it is caller input.
                let shown: String = k.chars().take(40).collect();
                Err(fault(
                    ErrorCode::UnknownField,
                    &format!("{}{}", self.prefix, shown),
                    format!("unknown field {}{}", self.prefix, shown),
                ))
            }
        }
    }
}

fn name_or_payload(prefix: &str) -> &str {
    let p = prefix.trim_end_matches('.');
    if p.is_empty() {
        "the payload"
    } else {
        p
    }
}

/// A Jira project key: an upper-case letter, then upper-case letters, digits or `_`, 2 to 10 long.
pub fn is_project_key(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=10).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}
