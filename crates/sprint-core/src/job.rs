//! What the shim can ask the core to run: a job and its input, as data. The bodies that run them
//! are in [`crate::jobs`]; this type sits below the effects, which can ask for jobs to be run.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job and its input. Serialised with a `job` tag, camelCase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Job {
    /// Health check: proves the WASM core, the driver and Jira access work end to end.
    Ping {
        /// The caller's account id, from Forge's context (never from a payload).
        #[serde(default)]
        account_id: Option<String>,
    },
    /// The app was installed or upgraded: migrate the schema (the only place that does).
    Lifecycle {
        /// `installed` or `upgraded`.
        event: LifecycleEvent,
    },
    /// A resolver call from one of the app's pages.
    Resolve {
        /// The resolver key (see [`crate::jobs::resolve::ResolverKey`]).
        key: String,
        /// The caller's payload, untrusted.
        #[serde(default)]
        payload: Value,
        /// The caller's account id, from Forge's context (never from a payload).
        #[serde(default)]
        account_id: Option<String>,
    },
    /// The scheduled check (also continued from the queue).
    Tick {},
    /// One board's check, run by the tick under its lease.
    Board {
        /// The board.
        board_id: u64,
        /// The lease owner (the tick's run id).
        owner: String,
        /// How long the lease may last.
        lease_ms: u64,
        /// The board's daily look is due and Jira's points are not short: top up keep-ahead
        /// sprints too (work without a deadline waits for such a run).
        #[serde(default)]
        daily_look: bool,
    },
    /// An event from the app's own queue: continues work past one invocation.
    Queued {
        /// What the app pushed.
        body: Value,
    },
    /// A Jira sprint event (`avi:jira-software:*:sprint`).
    SprintEvent {
        /// The event type.
        event_type: String,
        /// The event as Forge delivered it.
        event: Value,
    },
}

/// Forge app lifecycle events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LifecycleEvent {
    /// `avi:forge:installed:app`
    Installed,
    /// `avi:forge:upgraded:app`
    Upgraded,
}
