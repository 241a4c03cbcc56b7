//! Golden scenarios for the pure core, natively and under wasm-bindgen-test in Node.
//!
//! 1. The scheduling rules on a simulated clock (`golden/schedules.json`): a board is ticked every
//!    5 minutes, checked when its `next_due` (or its daily reconcile) has come, and every action
//!    must fire at the first tick at or after its exact instant (written out by hand, in UTC).
//! 2. The board job through `step`, against a fake of @forge/sql and Jira: the exact Jira calls of
//!    a rollover, carry-over destinations, blockers, rate limits, leases, and crash + re-run.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sprint_core::engine::{self, Action, Handled, Policy, Run, Sprint, SprintState};
use sprint_core::settings::{parse_time_of_day, BoardSettings, CarryOver, GlobalSettings};
use sprint_core::{step, Effect, EffectResult, Job, Method, Outcome, Runner, StepInput};

const BOARD: u64 = 7;

/// An instant in UTC; `2026-03-29T01:00Z` is short for `2026-03-29T01:00:00Z`.
fn at(s: &str) -> DateTime<Utc> {
    let full = match s.len() {
        17 => format!("{}:00Z", &s[..16]),
        _ => s.to_string(),
    };
    full.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

// Layer 1: the engine on a simulated clock.
#[path = "golden/schedules.rs"]
mod schedules;

// Layer 2: the board job through `step`, against a fake of @forge/sql and Jira.
#[path = "golden/fake.rs"]
mod fake;
#[path = "golden/rollover.rs"]
mod rollover;
