//! # sprint-core
//!
//! Every decision of Sprint Automation for Jira Cloud, with no I/O and no clock. The shim hands the
//! core a job, the run's `now` and the results of earlier effects; the core answers with the next
//! effects to carry out (Jira requests, SQL, KVS, log lines, waits, queue pushes) or the outcome.
//!
//! ## Driver contract
//! 1. Build a [`StepInput`] with the job, `now` (read once per run), a random `seed`, no results.
//! 2. Call [`step`](fn@step). Carry out every effect of the output (they are independent: run them
//!    concurrently if you like) and append each result at index `id` of `results`. A failure is a
//!    result (`error`), never a throw; a failed SQL statement carries the database's `errno` and
//!    `sqlState` when the platform reports them ([`Failure`]).
//! 3. If the output has an `outcome`, the job is done: report it. Otherwise go to 2.
//!
//! Repeating a step is safe: the core is a pure function of its input. What must survive a crash
//! is written by the job itself through `Sql`/`KvsSet` effects, and every job re-reads Jira before
//! it acts, so running a job twice repeats no action. Nothing is kept between calls.
//!
//! ## Rooms
//! Job bodies are in [`jobs`] (run over the protocol by [`runner`]); every SQL statement is in
//! [`store`], every Jira REST path in [`jira`]; the rules they apply are in [`engine`], [`plan`],
//! [`settings`] and [`auth`], over the contract's data ([`effect`], [`job`], [`domain`]). The
//! modules use each other without circles (`tests/rooms.rs`).

#[macro_use]
pub mod codes;

pub mod auth;
pub mod domain;
pub mod effect;
pub mod engine;
pub mod error;
pub mod jira;
pub mod jira_time;
pub mod job;
pub mod jobs;
pub mod log;
pub mod plan;
pub mod runner;
pub mod settings;
mod sort;
pub mod spend;
pub mod sprint_name;
pub mod step;
pub mod store;
pub use store::schema;
pub mod template;
mod time_format;
pub mod timecalc;
pub mod tz;
mod tz_rule;
pub mod validate;

pub use effect::{Actor, Effect, EffectResult, Failure, Method};
pub use error::{CoreError, ErrorCode};
pub use jobs::Job;
pub use runner::{step, step_json, Runner};
pub use step::{Ctx, EffectRequest, Outcome, StepInput, StepOutput};

/// Version of this core (the app's version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
