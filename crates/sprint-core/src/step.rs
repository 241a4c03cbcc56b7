//! The step protocol: how a job is run one batch of effects at a time.
//!
//! A job is ordinary straight-line Rust (an `async fn`) that asks a [`Ctx`] for effect results and
//! `.await`s them. A [`Runner`](crate::runner::Runner) polls the job's future with a no-op waker:
//! the job runs until it awaits a result the driver has not fed back yet, and the step returns
//! every effect asked for so far (a batch of independent effects, plus log lines emitted on the
//! way). The driver carries them out, appends their results in id order, and steps again: the
//! runner resumes the job where it waited, so a run costs time linear in its steps.
//!
//! The stateless [`step`](crate::runner::step) polls a fresh future over the whole transcript
//! until it waits for a missing result: a re-run from the top that takes the same path, because
//! the job is deterministic in its inputs (`now`, `seed`, the transcript). A runner gives exactly
//! the outputs of `step` over the same results, step for step, as long as it is fed exactly the
//! results of its last effects. It hands each result to the job rather than copying it (a page of
//! issues is tens of KiB), so it cannot re-run the job over results the job has already taken: fed
//! anything else after that, or stepped after its outcome, it answers `DRIVER_CONTRACT` (a driver
//! starts a new run instead).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::effect::{Effect, EffectResult};
use crate::error::CoreError;
use crate::job::Job;
use crate::log::LogEntry;

/// Input of one step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepInput {
    /// The job to run (the same value on every step of one run).
    pub job: Job,
    /// The instant the run started; fixed for the whole run so replays agree.
    #[serde(deserialize_with = "crate::jira_time::deserialize_now")]
    pub now: DateTime<Utc>,
    /// Randomness for backoff jitter, chosen by the driver once per run.
    #[serde(default)]
    pub seed: u64,
    /// Results of effects `0..results.len()`, in id order.
    #[serde(default)]
    pub results: Vec<EffectResult>,
}

/// One effect with the id its result must be fed back under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectRequest {
    /// Position of the result in [`StepInput::results`].
    pub id: usize,
    /// What to do.
    pub effect: Effect,
}

/// How a finished job ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The job's result (resolvers return it to the caller).
    Ok(Value),
    /// A coded error (resolvers return it to the caller; handlers log it).
    Err(CoreError),
}

/// Output of one step.
#[must_use = "the driver must carry out every effect, and stop only when `outcome` is set"]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOutput {
    /// Effects to carry out now. They are independent of each other: the driver may run them
    /// concurrently. Their ids are consecutive, starting at the input's `results.len()`.
    pub effects: Vec<EffectRequest>,
    /// Set when the job has finished. The driver still carries out `effects` (final log lines)
    /// before it reports the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// The error of [`Ctx::perform`] in the replay protocol, where a job stopped at a missing result.
/// A job now waits at `.await` instead, so a perform no longer fails with it; jobs still propagate
/// it with `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspend;

/// Why a job stopped before finishing.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// Waiting for effect results.
    Suspend,
    /// Finished with a coded error.
    Fail(CoreError),
}

impl From<Suspend> for Stop {
    fn from(_: Suspend) -> Self {
        Stop::Suspend
    }
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Fail(e)
    }
}

/// What a job body returns.
pub type JobResult<T> = Result<T, Stop>;

/// What a job and its runner share: the transcript so far and the effects asked for since the
/// last step.
#[derive(Default)]
pub(crate) struct Io {
    pub(crate) results: Vec<EffectResult>,
    pub(crate) pending: Vec<EffectRequest>,
    /// Some result has been handed to the job (the transcript is no longer whole).
    pub(crate) taken: bool,
}

/// The job's view of the run: the fixed inputs and the transcript of effect results.
pub struct Ctx {
    now: DateTime<Utc>,
    seed: u64,
    io: Rc<RefCell<Io>>,
    next_id: usize,
    log_retention_days: u32,
    pace_ms: u64,
    jira_wall_until: Option<i64>,
    jira_short_until: Option<i64>,
    global_read: bool,
}

/// A pending [`Ctx::perform_all`]: ready once the driver has fed back the results of its effects.
#[must_use = "a perform does nothing unless awaited"]
pub struct Perform {
    io: Rc<RefCell<Io>>,
    first: usize,
    end: usize,
    /// Handed to the driver at the first poll that finds the results missing.
    effects: Option<Vec<Effect>>,
}

impl Future for Perform {
    type Output = Result<Vec<EffectResult>, Suspend>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut io = this.io.borrow_mut();
        if io.results.len() >= this.end {
            // A run of the job reads each result once: hand it over rather than copy it.
            io.taken |= this.end > this.first;
            let results = io.results[this.first..this.end]
                .iter_mut()
                .map(std::mem::take)
                .collect();
            return Poll::Ready(Ok(results));
        }
        if let Some(effects) = this.effects.take() {
            let first = this.first;
            io.pending.extend(
                effects
                    .into_iter()
                    .enumerate()
                    .map(|(i, effect)| EffectRequest {
                        id: first + i,
                        effect,
                    }),
            );
        }
        Poll::Pending
    }
}

impl Ctx {
    /// A context over a transcript.
    pub fn new(now: DateTime<Utc>, seed: u64, results: Vec<EffectResult>) -> Self {
        let io = Io {
            results,
            ..Io::default()
        };
        Ctx::over(now, seed, Rc::new(RefCell::new(io)))
    }

    pub(crate) fn over(now: DateTime<Utc>, seed: u64, io: Rc<RefCell<Io>>) -> Self {
        Ctx {
            now,
            seed,
            io,
            next_id: 0,
            log_retention_days: crate::settings::GlobalSettings::default().log_retention_days,
            pace_ms: 0,
            jira_wall_until: None,
            jira_short_until: None,
            global_read: false,
        }
    }

    /// The instant the run started.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// This run's id (from the seed): names the lease owner.
    pub fn run_id(&self) -> String {
        format!("run-{:012x}", self.seed)
    }

    /// A deterministic pseudo-random number in `0..1` for the next effect id (backoff jitter).
    pub fn jitter(&self) -> f64 {
        // SplitMix64 of (seed, id): stable across replays, different per effect.
        let z = splitmix64(
            self.seed
                .wrapping_add((self.next_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        );
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Carry out one effect and wait for its result.
    pub fn perform(
        &mut self,
        effect: Effect,
    ) -> impl Future<Output = Result<EffectResult, Suspend>> {
        let all = self.perform_all(vec![effect]);
        async move { all.await.map(|mut all| all.remove(0)) }
    }

    /// Carry out several independent effects (concurrently) and wait for all their results.
    pub fn perform_all(&mut self, effects: Vec<Effect>) -> Perform {
        let first = self.next_id;
        self.next_id += effects.len();
        Perform {
            io: Rc::clone(&self.io),
            first,
            end: self.next_id,
            effects: Some(effects),
        }
    }

    /// Carry out an effect without waiting for it (log lines). Emitted once: a run that finds its
    /// result in the transcript does not emit it again.
    pub fn emit(&mut self, effect: Effect) {
        let id = self.next_id;
        self.next_id += 1;
        let mut io = self.io.borrow_mut();
        if io.results.len() <= id {
            io.pending.push(EffectRequest { id, effect });
        }
    }

    /// The pause before this run's next Jira call (see `jira::send`): derived from the answers so
    /// far, so replays agree.
    pub fn pace_ms(&self) -> u64 {
        self.pace_ms
    }

    /// Set the pause before the next Jira call.
    pub fn set_pace_ms(&mut self, ms: u64) {
        self.pace_ms = ms;
    }

    /// Until when (epoch ms) Jira's points quota refuses the app's calls, as far as this run knows
    /// (from the global settings row, or a refusal in this run).
    pub fn jira_wall_until(&self) -> Option<i64> {
        self.jira_wall_until
    }

    /// Note Jira's points quota wall (see [`Ctx::jira_wall_until`]).
    pub fn set_jira_wall_until(&mut self, until: Option<i64>) {
        self.jira_wall_until = until.max(self.jira_wall_until);
    }

    /// Until when (epoch ms) Jira's points are short: a response said under 20 % of the pool is
    /// left (`X-RateLimit-NearLimit`), or the pool has just refilled after a wall. Until then only
    /// work with a deadline runs (see [`crate::spend`]).
    pub fn jira_short_until(&self) -> Option<i64> {
        self.jira_short_until
    }

    /// Whether Jira's points are short at the run's instant.
    pub fn jira_points_short(&self) -> bool {
        self.jira_short_until
            .is_some_and(|t| t > self.now.timestamp_millis())
    }

    /// Note that Jira's points are short (see [`Ctx::jira_short_until`]).
    pub fn set_jira_short_until(&mut self, until: Option<i64>) {
        self.jira_short_until = until.max(self.jira_short_until);
    }

    /// Whether this run has read the global settings row (and so knows the quota state).
    pub fn global_read(&self) -> bool {
        self.global_read
    }

    /// Note that the global settings row was read.
    pub fn note_global_read(&mut self) {
        self.global_read = true;
    }

    /// Keep log entries written from now on for this many days (from the global settings).
    pub fn set_log_retention(&mut self, days: u32) {
        self.log_retention_days = days;
    }

    /// Write one application log entry (console line and KVS store).
    pub fn log(&mut self, entry: LogEntry) {
        let ttl_days = self.log_retention_days;
        self.emit(Effect::Log { entry, ttl_days });
    }
}

/// SplitMix64's output of the state after one step (`x` + the golden gamma): well mixed bits
/// from any integer (jitter per effect, a board's minute of the day).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
