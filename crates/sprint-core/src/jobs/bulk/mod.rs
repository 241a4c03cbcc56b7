//! Bulk sprint creation: preview, create (as a resumable job), status, cancel, undo, rename.
//!
//! The same planner gives the preview and the plan that is executed. A job is stored with its
//! whole plan and one row per planned sprint (deterministic key); the worker creates sprints one by
//! one in date order, and before each create it looks for the sprint on the board (same name and
//! start), so a retry, a double click or a crash never creates a sprint twice nor skips one.

mod planner;
mod resolvers;
mod stored;
mod undo;
mod worker;

pub(crate) use planner::preview;
pub(crate) use resolvers::{cancel, create, get, list, rename};
pub(crate) use undo::undo;
pub use undo::UndoSkip;
pub(crate) use worker::work;

/// Boards one job may plan for.
pub const MAX_BOARDS: usize = 10;
/// Sprints created between two looks at the remaining time (the job's state is read before each).
const CHECK_EVERY: usize = 5;
/// Time a worker keeps in hand before it hands the rest to the queue.
const MIN_REMAINING_MS: u64 = 30_000;
/// Sprints one worker run creates before it hands the rest to a new run through the queue: a run
/// replays its steps, so bounding its length bounds the core's work per step.
const SPRINTS_PER_RUN: usize = 100;
/// How long a worker's hold on a job lasts without news from it (it renews it as it goes).
const JOB_LEASE_MS: i64 = 120_000;
