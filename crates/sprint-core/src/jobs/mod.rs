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
/// `Enqueue` effect, back as [`Job::Queued`]. Serialised with a `job` tag, camelCase; read as
/// serde's derive reads it (`crate::job::tagged`).
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// `QueuedWork` without its tag, as serde's derive reads an externally tagged enum.
mod mirror {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
    pub(super) enum QueuedWork {
        Tick {},
        Bulk {
            #[serde(default)]
            job_id: Option<String>,
        },
    }
}

impl<'de> Deserialize<'de> for QueuedWork {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use mirror::QueuedWork as M;
        let read = |v: Value| -> Result<QueuedWork, serde_json::Error> {
            let v = crate::job::tagged::external(v, "job", "internally tagged enum QueuedWork")?;
            Ok(match M::deserialize(v)? {
                M::Tick {} => QueuedWork::Tick {},
                M::Bulk { job_id } => QueuedWork::Bulk { job_id },
            })
        };
        read(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde's derive makes of `QueuedWork`.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "job", rename_all = "camelCase", rename_all_fields = "camelCase")]
    #[allow(dead_code)]
    enum Derived {
        Tick {},
        Bulk {
            #[serde(default)]
            job_id: Option<String>,
        },
    }

    fn message(e: serde_json::Error) -> String {
        let s = e.to_string().replace("Derived", "QueuedWork");
        match s.rfind(" at line ") {
            Some(at) => s[..at].to_string(),
            None => s,
        }
    }

    /// The hand-written reader accepts what the derive accepts and refuses the rest alike.
    #[test]
    fn reads_queued_work_as_the_derive_does() {
        for case in [
            r#"{"job":"tick"}"#,
            r#"{"job":"tick","jobId":"b"}"#,
            r#"{"job":"bulk"}"#,
            r#"{"job":"bulk","jobId":"b-1"}"#,
            r#"{"job":"bulk","jobId":null}"#,
            r#"{"job":"bulk","jobId":1}"#,
            r#"{"job":"other"}"#,
            r#"{"job":1}"#,
            r#"{}"#,
            r#"["bulk","b-1"]"#,
            r#"["bulk","b-1",2]"#,
            r#"["tick"]"#,
            r#"[]"#,
            r#"null"#,
            r#""tick""#,
        ] {
            let value: Value = serde_json::from_str(case).unwrap();
            for (ours, derived) in [
                (
                    serde_json::from_str::<QueuedWork>(case).map_err(message),
                    serde_json::from_str::<Derived>(case).map_err(message),
                ),
                (
                    QueuedWork::deserialize(&value).map_err(message),
                    Derived::deserialize(&value).map_err(message),
                ),
            ] {
                assert_eq!(
                    ours.map(|w| format!("{w:?}")),
                    derived.map(|w| format!("{w:?}").replace("Derived", "QueuedWork")),
                    "{case}"
                );
            }
        }
    }
}
