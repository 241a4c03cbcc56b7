//! The step protocol's entry points over the app's jobs: a [`Runner`] keeps one job's run between
//! steps, [`step`] runs one step afresh, [`step_json`] parses and answers JSON (see
//! [`crate::step`](mod@crate::step) for the protocol itself).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};

use crate::effect::EffectResult;
use crate::error::{CoreError, ErrorCode};
use crate::job::Job;
use crate::log::LogEntry;
use crate::step::{Ctx, Io, Outcome, StepInput, StepOutput, Stop};

/// A job suspended at an `.await`, boxed so it can wait between steps.
type JobFuture = Pin<Box<dyn Future<Output = Outcome>>>;

/// The job's future: runs the body over a context, and logs a fault of the app or its platform
/// (not of the caller) with its code.
fn job_future(job: Job, now: DateTime<Utc>, seed: u64, io: Rc<RefCell<Io>>) -> JobFuture {
    Box::pin(async move {
        let mut ctx = Ctx::over(now, seed, io);
        match crate::jobs::run(&job, &mut ctx).await {
            Ok(value) => Outcome::Ok(value),
            Err(Stop::Fail(e)) => {
                if e.status >= 500 {
                    let kind = match job {
                        Job::Lifecycle { .. } => crate::log::LogKind::Lifecycle,
                        _ => crate::log::LogKind::Failed,
                    };
                    ctx.log(LogEntry::new(
                        ctx.now(),
                        crate::log::Level::Error,
                        kind,
                        e.code,
                        e.message.clone(),
                    ));
                }
                Outcome::Err(e)
            }
            // No perform fails with `Suspend` (a job waits at `.await`): a body that returns it
            // broke the contract.
            Err(Stop::Suspend) => Outcome::Err(CoreError::new(
                ErrorCode::DriverContract,
                "job suspended without effects",
            )),
        }
    })
}

/// One job's run kept between steps: the transcript and the job's future, suspended where it
/// waits for results. Each [`Runner::step`] resumes it, so a run costs time linear in its steps;
/// the outputs are exactly those of [`step`] over the same results.
pub struct Runner {
    job: Job,
    now: DateTime<Utc>,
    seed: u64,
    io: Rc<RefCell<Io>>,
    /// The job, waiting; `None` before the first step and once it has finished.
    future: Option<JobFuture>,
    /// The transcript length at which the waiting job resumes: the end of the last step's effects.
    resume_at: usize,
}

impl Runner {
    /// A run of the input's job over the input's results (usually none yet).
    pub fn new(input: StepInput) -> Runner {
        let io = Io {
            results: input.results,
            ..Io::default()
        };
        Runner {
            job: input.job,
            now: input.now,
            seed: input.seed,
            io: Rc::new(RefCell::new(io)),
            future: None,
            resume_at: 0,
        }
    }

    /// Append the results of the last step's effects (in id order) and step.
    pub fn step(&mut self, new_results: Vec<EffectResult>) -> StepOutput {
        self.io.borrow_mut().results.extend(new_results);
        let len = self.io.borrow().results.len();
        if self.future.is_none() || len != self.resume_at {
            // Not a resumption (first step, finished job, or other results than asked for): run
            // the job afresh over the whole transcript, as the stateless `step` does, if the
            // transcript is still whole.
            self.future = None;
            if self.io.borrow().taken {
                return StepOutput {
                    effects: Vec::new(),
                    outcome: Some(Outcome::Err(CoreError::new(
                        ErrorCode::DriverContract,
                        "a run is fed exactly the results of its last effects, until its outcome",
                    ))),
                };
            }
            let results = std::mem::take(&mut self.io.borrow_mut().results);
            self.io = Rc::new(RefCell::new(Io {
                results,
                ..Io::default()
            }));
            self.future = Some(job_future(
                self.job.clone(),
                self.now,
                self.seed,
                Rc::clone(&self.io),
            ));
        }
        self.poll()
    }

    fn poll(&mut self) -> StepOutput {
        let Some(future) = self.future.as_mut() else {
            return StepOutput {
                effects: Vec::new(),
                outcome: None,
            };
        };
        let polled = future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        let effects = std::mem::take(&mut self.io.borrow_mut().pending);
        let outcome = match polled {
            Poll::Ready(outcome) => Some(outcome),
            Poll::Pending if effects.is_empty() => {
                // A job may only wait on an effect it asked for.
                Some(Outcome::Err(CoreError::new(
                    ErrorCode::DriverContract,
                    "job suspended without effects",
                )))
            }
            Poll::Pending => None,
        };
        if outcome.is_some() {
            self.future = None;
        } else {
            self.resume_at = effects.last().map_or(0, |e| e.id + 1);
        }
        StepOutput { effects, outcome }
    }
}

/// Run one step of a job: a fresh run over the whole transcript, up to the first result missing.
pub fn step(input: &StepInput) -> StepOutput {
    Runner::new(input.clone()).step(Vec::new())
}

/// Parse a step input from JSON and run it; any parse fault becomes an `INVALID_INPUT` outcome.
pub fn step_json(input: &str) -> String {
    let output = match serde_json::from_str::<StepInput>(input) {
        Ok(input) => step(&input),
        Err(e) => StepOutput {
            effects: Vec::new(),
            outcome: Some(Outcome::Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("step input: {e}"),
            ))),
        },
    };
    serde_json::to_string(&output).unwrap_or_else(|_| {
        // Serialising our own types cannot fail; keep a coded answer anyway.
        r#"{"effects":[],"outcome":{"err":{"code":"DRIVER_CONTRACT","status":500,"message":"serialise"}}}"#
            .to_string()
    })
}
