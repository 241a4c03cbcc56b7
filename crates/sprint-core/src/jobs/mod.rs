//! Jobs: the things the shim asks the core to do. Each is a straight-line body over a [`Ctx`].

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
        Job::Queued { body } => match body["job"].as_str() {
            // Only continuations of the check travel through the queue.
            Some("tick") => tick::run(ctx).await,
            Some("bulk") => match body["jobId"].as_str() {
                Some(id) => bulk::work(ctx, id).await,
                None => {
                    Err(CoreError::new(ErrorCode::InvalidInput, "bulk work without a job").into())
                }
            },
            _ => Err(CoreError::new(ErrorCode::InvalidInput, "unknown queued work").into()),
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
