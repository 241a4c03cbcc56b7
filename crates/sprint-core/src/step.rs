//! The step protocol: how a job is run one batch of effects at a time, by replay.
//!
//! A job is ordinary straight-line Rust that asks a [`Ctx`] for effect results. On each step the
//! core re-runs the job from the top with every result the driver has fed back so far (the
//! transcript). When the job reaches an effect with no result yet, it stops with [`Suspend`] and
//! the step returns all such effects; the driver carries them out, appends their results in id
//! order, and steps again. Because the job is deterministic in its inputs (`now`, `seed`, the
//! transcript), the replay takes the same path every time: no hidden state survives a call.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::effect::{Effect, EffectResult};
use crate::error::{CoreError, ErrorCode};
use crate::jobs::Job;
use crate::log::LogEntry;

/// Input of one step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepInput {
    /// The job to run (the same value on every step of one run).
    pub job: Job,
    /// The instant the run started; fixed for the whole run so replays agree.
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

/// Returned (through `?`) when the job needs a result the driver has not fed back yet.
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

/// The job's view of the run: the fixed inputs and the transcript of effect results.
pub struct Ctx<'a> {
    now: DateTime<Utc>,
    seed: u64,
    results: &'a [EffectResult],
    next_id: usize,
    pending: Vec<EffectRequest>,
    log_retention_days: u32,
    pace_ms: u64,
    jira_wall_until: Option<i64>,
    jira_short_until: Option<i64>,
    global_read: bool,
}

impl<'a> Ctx<'a> {
    /// A context over a transcript.
    pub fn new(now: DateTime<Utc>, seed: u64, results: &'a [EffectResult]) -> Self {
        Ctx {
            now,
            seed,
            results,
            next_id: 0,
            pending: Vec::new(),
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
    pub fn perform(&mut self, effect: Effect) -> Result<EffectResult, Suspend> {
        let mut all = self.perform_all(vec![effect])?;
        Ok(all.remove(0))
    }

    /// Carry out several independent effects (concurrently) and wait for all their results.
    pub fn perform_all(&mut self, effects: Vec<Effect>) -> Result<Vec<EffectResult>, Suspend> {
        let first = self.next_id;
        self.next_id += effects.len();
        if self.results.len() >= self.next_id {
            return Ok(self.results[first..self.next_id].to_vec());
        }
        for (i, effect) in effects.into_iter().enumerate() {
            self.pending.push(EffectRequest {
                id: first + i,
                effect,
            });
        }
        Err(Suspend)
    }

    /// Carry out an effect without waiting for it (log lines). Emitted once: a replay that finds
    /// its result in the transcript does not emit it again.
    pub fn emit(&mut self, effect: Effect) {
        let id = self.next_id;
        self.next_id += 1;
        if self.results.len() <= id {
            self.pending.push(EffectRequest { id, effect });
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

    fn finish(self, outcome: Option<Outcome>) -> StepOutput {
        StepOutput {
            effects: self.pending,
            outcome,
        }
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

/// Run one step of a job.
pub fn step(input: &StepInput) -> StepOutput {
    let mut ctx = Ctx::new(input.now, input.seed, &input.results);
    let result = crate::jobs::run(&input.job, &mut ctx);
    match result {
        Ok(value) => ctx.finish(Some(Outcome::Ok(value))),
        Err(Stop::Fail(e)) => {
            // Faults of the app or its platform (not of the caller) go to the log with their code.
            if e.status >= 500 {
                let kind = match input.job {
                    Job::Lifecycle { .. } => crate::log::LogKind::Lifecycle,
                    _ => crate::log::LogKind::Failed,
                };
                ctx.log(LogEntry::new(
                    ctx.now(),
                    crate::log::Level::Error,
                    kind,
                    &e.code.name(),
                    e.message.clone(),
                ));
            }
            ctx.finish(Some(Outcome::Err(e)))
        }
        Err(Stop::Suspend) => {
            if ctx.pending.is_empty() {
                // A job may only suspend on an effect it asked for.
                let e = CoreError::new(ErrorCode::DriverContract, "job suspended without effects");
                ctx.finish(Some(Outcome::Err(e)))
            } else {
                ctx.finish(None)
            }
        }
    }
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
