//! The app's storage: every SQL statement the core sends lives in this folder, behind a function
//! named from the domain (`store::rollovers::record_phase`, `store::bulk_jobs::take_lease`).
//!
//! Each statement carries a stable name, `table.what` (`rollovers.recordPhase`), in its
//! [`Effect::Sql`]: the driver may log the name instead of the text, and tests match on it. The
//! text itself is a parameterised statement, never built from caller input (only the number of
//! `?` marks of an `IN (...)` list varies).
//!
//! | room | table(s) |
//! |---|---|
//! | [`settings`] | `global_settings`, `board_settings` |
//! | [`schedule`] | `board_schedule` (leases, due instants, readiness, daily looks) |
//! | [`overview`] | the site overview's read over settings, schedule and rollovers |
//! | [`rollovers`] | `rollovers` (a sprint's phase, destination, last problem) |
//! | [`bulk_jobs`] | `bulk_jobs`, `bulk_job_sprints` |
//! | [`schema`] | the migrations (run by the lifecycle job only) |

use serde_json::Value;

use crate::effect::{Effect, EffectResult, Failure};
use crate::error::{CoreError, ErrorCode};
use crate::step::{Ctx, JobResult};

pub mod bulk_jobs;
pub mod overview;
pub mod rollovers;
pub mod schedule;
pub mod schema;
pub mod settings;

/// A statement parameter, as `json!(x)` gives it but without a panic path at every call site
/// (serialising the plain values statements take cannot fail).
pub(crate) fn param<T: serde::Serialize + ?Sized>(x: &T) -> Value {
    serde_json::to_value(x).unwrap_or_default()
}

/// The effect of one named statement.
fn statement(name: &str, sql: impl Into<String>, params: Vec<Value>) -> Effect {
    Effect::Sql {
        name: name.to_string(),
        sql: sql.into(),
        params,
    }
}

/// Run one named statement; a missing table becomes `SCHEMA_MISSING` (the handler must not
/// migrate), any other failure `STORAGE_ERROR`.
async fn run(
    ctx: &mut Ctx,
    name: &str,
    sql: impl Into<String>,
    params: Vec<Value>,
) -> JobResult<EffectResult> {
    let r = ctx.perform(statement(name, sql, params)).await?;
    if let Some(e) = &r.error {
        return Err(if missing_table(e) {
            CoreError::new(
                ErrorCode::SchemaMissing,
                "the app's tables are missing: reinstall or upgrade the app so its lifecycle handler migrates them",
            )
        } else {
            CoreError::new(ErrorCode::StorageError, format!("SQL failed: {}", e.code))
        }
        .into());
    }
    Ok(r)
}

/// MySQL's `ER_NO_SUCH_TABLE` (TiDB, under Forge SQL, answers with MySQL's error numbers).
pub const ER_NO_SUCH_TABLE: u32 = 1146;
/// The SQLSTATE of a missing table (`ER_NO_SUCH_TABLE`, `ER_BAD_TABLE_ERROR`).
pub const SQLSTATE_NO_SUCH_TABLE: &str = "42S02";

/// The statement named a table that does not exist: decided on the error number or the SQLSTATE
/// the driver fed back. Forge SQL's error page only says the details are "in the debug field"; when
/// the platform gives neither, the database's own message for `ER_NO_SUCH_TABLE` (MySQL's and
/// TiDB's "Table 'db.t' doesn't exist", whole) is the one sign left.
fn missing_table(f: &Failure) -> bool {
    match (f.errno, f.sql_state.as_deref()) {
        (None, None) => f
            .message
            .strip_prefix("Table '")
            .is_some_and(|rest| rest.ends_with("' doesn't exist")),
        (errno, state) => errno == Some(ER_NO_SUCH_TABLE) || state == Some(SQLSTATE_NO_SUCH_TABLE),
    }
}

/// Rows of a named read.
async fn read(
    ctx: &mut Ctx,
    name: &str,
    sql: impl Into<String>,
    params: Vec<Value>,
) -> JobResult<Vec<Value>> {
    Ok(run(ctx, name, sql, params).await?.rows.unwrap_or_default())
}

/// Rows changed by a named write.
async fn write(
    ctx: &mut Ctx,
    name: &str,
    sql: impl Into<String>,
    params: Vec<Value>,
) -> JobResult<u64> {
    Ok(run(ctx, name, sql, params)
        .await?
        .affected_rows
        .unwrap_or(0))
}

/// `?, ?, ?` for an `IN (...)` list of `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A column as an integer: drivers return BIGINT as a number or a string.
fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A column as a boolean: MySQL BOOLEAN is TINYINT(1).
fn boolean(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| int(v).unwrap_or(0) != 0)
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_table_is_told_by_its_number_or_sqlstate_or_else_by_the_databases_message() {
        let failure = |errno: Option<u32>, state: Option<&str>, message: &str| Failure {
            errno,
            sql_state: state.map(str::to_string),
            ..Failure::new("SQL_EXECUTION_ERROR", message)
        };
        assert!(missing_table(&failure(Some(1146), None, "")));
        assert!(missing_table(&failure(None, Some("42S02"), "")));
        assert!(missing_table(&failure(
            Some(1146),
            Some("42S02"),
            "Table 'x.rollovers' doesn't exist"
        )));
        // The number decides when there is one; the database's whole message only without it.
        assert!(!missing_table(&failure(
            Some(1062),
            Some("23000"),
            "Table 'x.rollovers' doesn't exist"
        )));
        assert!(missing_table(&failure(
            None,
            None,
            "Table 'x.rollovers' doesn't exist"
        )));
        assert!(!missing_table(&failure(
            None,
            None,
            "Duplicate entry: Table 'x.rollovers' doesn't exist here"
        )));
        assert!(!missing_table(&failure(Some(1062), Some("23000"), "")));
    }
}
