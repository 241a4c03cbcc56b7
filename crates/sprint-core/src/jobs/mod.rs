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

pub use crate::job::{Job, LifecycleEvent};
pub use bulk::UndoSkip;

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
