//! wasm-bindgen binding of `sprint-core`: strings in, strings out. No domain rule lives here.
//!
//! Two ways to step a job: `step(json)` takes the whole `StepInput` every time; a `Run` keeps the
//! parsed input (job, now, seed and the results so far) on this side of the boundary, so each
//! step only carries the new results across. Both call the same pure `sprint_core::step`.

use sprint_core::{CoreError, EffectResult, ErrorCode, Outcome, StepInput, StepOutput};
use wasm_bindgen::prelude::*;

/// Run one step of a job. Input and output are the JSON forms of `StepInput` / `StepOutput`.
#[wasm_bindgen]
pub fn step(input: &str) -> String {
    sprint_core::step_json(input)
}

/// One job's run: the driver feeds each step's new results in; the transcript stays here.
#[wasm_bindgen]
pub struct Run {
    input: Option<StepInput>,
}

fn failed(code: ErrorCode, message: String) -> String {
    let out = StepOutput {
        effects: Vec::new(),
        outcome: Some(Outcome::Err(CoreError::new(code, message))),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

#[wasm_bindgen]
impl Run {
    /// Start a run from a `StepInput` JSON (its `results` are usually empty).
    #[wasm_bindgen(constructor)]
    pub fn new(input: &str) -> Run {
        Run {
            input: serde_json::from_str(input).ok(),
        }
    }

    /// Append the results of the last step's effects (a JSON array, in id order) and step.
    pub fn step(&mut self, new_results: &str) -> String {
        let Some(input) = self.input.as_mut() else {
            return failed(
                ErrorCode::InvalidInput,
                "step input: not a StepInput".into(),
            );
        };
        match serde_json::from_str::<Vec<EffectResult>>(new_results) {
            Ok(results) => input.results.extend(results),
            Err(e) => return failed(ErrorCode::DriverContract, format!("results: {e}")),
        }
        serde_json::to_string(&sprint_core::step(input)).unwrap_or_default()
    }
}

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    sprint_core::VERSION.to_string()
}

/// The resolver keys the core answers, as a JSON array.
#[wasm_bindgen]
pub fn resolver_keys() -> String {
    serde_json::to_string(sprint_core::jobs::resolve::RESOLVER_KEYS).unwrap_or_else(|_| "[]".into())
}
