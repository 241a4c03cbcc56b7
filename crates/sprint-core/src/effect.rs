//! Effects: what the core asks the driver to carry out, and what the driver feeds back.
//!
//! Every variant says what the driver MUST do. The core never performs I/O; it only names it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::log::LogEntry;

/// Whose authority a Jira request runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Actor {
    /// `api.asApp()`: the app's own access (scheduled work, writes after an allowed decision).
    App,
    /// `api.asUser()`: the calling user's access (permission checks). Only valid in a user invocation.
    User,
}

/// HTTP method of a Jira request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read.
    Get,
    /// Create, partial update, action.
    Post,
    /// Full update (avoided for sprints: it nulls omitted fields).
    Put,
    /// Delete.
    Delete,
}

/// One thing the driver must do. Serialised with a `type` tag, camelCase fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Effect {
    /// Send one Jira REST request with `requestJira` as `actor`. `path` is complete and already
    /// percent-encoded (query included). Feed back `status`, the answer's text as it came as
    /// `bodyText` (absent or empty when there is none: the job parses it, into what it reads), and
    /// `retryAfterSeconds` from a `Retry-After` header; a transport failure (reset, timeout) is fed
    /// back as `error` with code `NETWORK`. Feed back `X-RateLimit-Remaining` / `-Limit` when present
    /// (`rateLimitRemaining`, `rateLimitLimit`). If `cacheSeconds` is set, the driver MAY answer from an
    /// earlier identical request of the SAME account made less than that many seconds ago.
    Jira {
        actor: Actor,
        method: Method,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_seconds: Option<u32>,
    },
    /// Run one parameterised statement with @forge/sql (`sql.prepare(sql).bindParams(...params)`).
    /// Feed back `rows` for a read, `affectedRows` for a write; a failure as `error`: its code,
    /// and the database's `errno` and `sqlState` when the platform reports them (a missing table,
    /// 1146 / `42S02`, is `SCHEMA_MISSING`). `name` is the statement's stable name
    /// (`rollovers.recordPhase`, see [`crate::store`]): log it instead of the text; tests match
    /// on it.
    Sql {
        name: String,
        sql: String,
        #[serde(default)]
        params: Vec<Value>,
    },
    /// Read one Forge KVS key. Feed back `body` (null when the key does not exist).
    KvsGet { key: String },
    /// Write one Forge KVS key. Feed back an empty result, or `error`.
    KvsSet { key: String, value: Value },
    /// Delete one Forge KVS key (absent is fine). Feed back an empty result, or `error`.
    KvsDelete { key: String },
    /// Write one application log entry: print it as one JSON line on the console AND store it in the
    /// KVS log store, to expire after `ttlDays`. Never blocks the job: feed back an empty result (or
    /// `error`, which the core ignores: a log must not stop work).
    Log { entry: LogEntry, ttl_days: u32 },
    /// Read application log entries from the KVS log store, newest first, `limit` at most, written
    /// at or after `sinceMs` (and before `untilMs`, when given), matching every filter given,
    /// continuing from `cursor`. Feed back `body: {entries, cursor}` (cursor null at the end).
    ReadLogs {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        board_id: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        since_ms: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_ms: Option<i64>,
        limit: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    },
    /// Run these schema migrations, in order, with @forge/sql's migration runner (which skips the
    /// ones already applied). Only the install/upgrade lifecycle job emits this. Feed back
    /// `body: {applied: [names run now]}`, or `error`.
    Migrate { migrations: Vec<Migration> },
    /// Wait this long (a backoff the core chose), then feed back an empty result.
    Wait { ms: u64 },
    /// Ask the platform how much invocation time is left. Feed back `remainingMs`.
    RemainingTime {},
    /// Run each job to its outcome with this same driver loop (at most `concurrency` at once), in
    /// this invocation. Feed back `body: [outcome, ...]` in job order.
    RunJobs {
        jobs: Vec<crate::job::Job>,
        concurrency: u32,
    },
    /// Push one event on an @forge/events queue. Feed back an empty result, or `error`.
    Enqueue {
        queue: String,
        body: Value,
        #[serde(default)]
        delay_seconds: u32,
    },
}

/// One migration of [`Effect::Migrate`]: one statement under a stable name (see
/// [`crate::store::schema`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    /// Stable name recorded by the runner.
    pub name: String,
    /// One DDL statement (MySQL dialect, valid on TiDB).
    pub ddl: String,
}

/// A failure that is not an HTTP answer: a dropped connection, a storage error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// Stable code (`NETWORK`, or the platform's code such as `INVALID_SQL_QUERY`).
    pub code: String,
    /// Short message; never a request or response payload. The core reads it only for a failed
    /// statement without `errno` and `sqlState` (the database's "no such table" message).
    #[serde(default)]
    pub message: String,
    /// Sql: the database's error number (MySQL/TiDB `errno`), when the platform reports one:
    /// 1146 (`ER_NO_SUCH_TABLE`) means the app's tables are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<u32>,
    /// Sql: the SQLSTATE, when the platform reports one (`42S02`: no such table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_state: Option<String>,
}

impl Failure {
    /// A failure with a code and a short message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Failure {
            code: code.into(),
            message: message.into(),
            ..Failure::default()
        }
    }
}

/// What the driver feeds back for one effect. Only the fields that apply to the effect are set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectResult {
    /// Jira: HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// KvsGet: the stored value (and the JSON answer of the other effects that have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Jira: the answer's body as it came, unparsed. A job reads it into the shape it needs: a
    /// page of 100 issues is ~24 KiB of which a close reads a few fields, and built as a JSON
    /// tree it cost more core time than all of that run's other steps together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// Jira: `Retry-After` in seconds, when the answer carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<f64>,
    /// Jira: `X-RateLimit-Remaining`, when the answer carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_remaining: Option<u32>,
    /// Jira: `X-RateLimit-Limit`, when the answer carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_limit: Option<u32>,
    /// Jira: `RateLimit-Reason` of a 429 (`jira-burst-based`, `jira-per-issue-on-write`,
    /// `jira-quota-global-based`, `jira-quota-tenant-based`; `jira-cost-based` is reported too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_reason: Option<String>,
    /// Jira: `X-RateLimit-Reset` of a 429, as epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_reset_ms: Option<i64>,
    /// Jira: `X-RateLimit-NearLimit: true` (under 20 % of a budget left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_near_limit: Option<bool>,
    /// Sql: rows of a read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<Value>>,
    /// Sql: rows changed by a write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_rows: Option<u64>,
    /// RemainingTime: milliseconds left in this invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_ms: Option<u64>,
    /// Any effect: it could not be carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}
