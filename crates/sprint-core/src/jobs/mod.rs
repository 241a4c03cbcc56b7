//! Jobs: the things the shim asks the core to do. Each is a straight-line body over a [`Ctx`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, ErrorCode};
use crate::step::{Ctx, JobResult};

mod board;
mod bulk;
mod event;
mod lifecycle;
pub mod overview;
mod ping;
pub mod resolve;
pub mod tick;

pub use bulk::UndoSkip;

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
        /// The resolver key (see [`resolve::ResolverKey`]).
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

/// Work the app pushes to its own queue to continue past one invocation: the `body` of an
/// `Enqueue` effect, back as [`Job::Queued`]. Serialised with a `job` tag, camelCase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum QueuedWork {
    /// Continue the scheduled check (more boards than one run takes, or deferred ones).
    Tick {},
    /// Go on with a bulk job.
    Bulk {
        /// The bulk job (never missing in what the app pushes).
        #[serde(default)]
        job_id: Option<String>,
    },
}

impl QueuedWork {
    /// Go on with this bulk job.
    pub fn bulk(job_id: &str) -> Self {
        QueuedWork::Bulk {
            job_id: Some(job_id.to_string()),
        }
    }

    /// The queue message's body.
    pub fn body(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
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

/// Run a job body over the context.
pub async fn run(job: &Job, ctx: &mut Ctx) -> JobResult<Value> {
    match job {
        Job::Ping { account_id } => ping::run(ctx, account_id.as_deref()).await,
        Job::Lifecycle { event } => {
            lifecycle::run(
                ctx,
                match event {
                    LifecycleEvent::Installed => "installed",
                    LifecycleEvent::Upgraded => "upgraded",
                },
            )
            .await
        }
        Job::Resolve {
            key,
            payload,
            account_id,
        } => resolve::run(ctx, key, payload, account_id.as_deref()).await,
        Job::Tick {} => tick::run(ctx).await,
        Job::Queued { body } => match QueuedWork::deserialize(body) {
            Ok(QueuedWork::Tick {}) => tick::run(ctx).await,
            Ok(QueuedWork::Bulk { job_id: Some(id) }) => bulk::work(ctx, &id).await,
            Ok(QueuedWork::Bulk { job_id: None }) => {
                Err(CoreError::new(ErrorCode::InvalidInput, "bulk work without a job").into())
            }
            Err(_) => Err(CoreError::new(ErrorCode::InvalidInput, "unknown queued work").into()),
        },
        Job::Board {
            board_id,
            owner,
            lease_ms,
            daily_look,
        } => board::run(ctx, *board_id, owner, *lease_ms, *daily_look).await,
        Job::SprintEvent { event_type, event } => event::run(ctx, event_type, event).await,
    }
}
