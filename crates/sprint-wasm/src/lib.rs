//! wasm-bindgen binding of `sprint-core`: strings in, strings out. No domain rule lives here.
//!
//! Two ways to step a job: `step(json)` takes the whole `StepInput` every time and runs the job
//! afresh over it; a `Run` keeps the job suspended where it waits (and the results so far) on this
//! side of the boundary, so each step only carries the new results across and resumes the job
//! there. Both give the same outputs while a run is fed exactly its last effects' results, until
//! its outcome; fed anything else once the job has taken results, a run answers `DRIVER_CONTRACT`
//! (`sprint_core::Runner`).

use sprint_core::{CoreError, EffectResult, ErrorCode, Outcome, Runner, StepInput, StepOutput};
use wasm_bindgen::prelude::*;

/// Run one step of a job. Input and output are the JSON forms of `StepInput` / `StepOutput`.
#[wasm_bindgen]
pub fn step(input: &str) -> String {
    sprint_core::step_json(input)
}

/// One job's run: the driver feeds each step's new results in; the transcript and the suspended
/// job stay here.
#[wasm_bindgen]
pub struct Run {
    runner: Option<Runner>,
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
            runner: serde_json::from_str::<StepInput>(input)
                .ok()
                .map(Runner::new),
        }
    }

    /// Append the results of the last step's effects (a JSON array, in id order) and step.
    /// A Jira answer's body text travels beside the JSON, not in it as `bodyText` (a JSON string
    /// of JSON is escaped by the driver and unescaped here, which cost more than reading it):
    /// `body_texts` holds them one after another, and `body_lengths` gives each result's length in
    /// UTF-8 bytes (0: none); both are empty when no result has one.
    pub fn step(&mut self, new_results: &str, body_texts: &str, body_lengths: &[u32]) -> String {
        let Some(runner) = self.runner.as_mut() else {
            return failed(
                ErrorCode::InvalidInput,
                "step input: not a StepInput".into(),
            );
        };
        let mut results = match serde_json::from_str::<Vec<EffectResult>>(new_results) {
            Ok(results) => results,
            Err(e) => return failed(ErrorCode::DriverContract, format!("results: {e}")),
        };
        if !attach_texts(&mut results, body_texts, body_lengths) {
            return failed(
                ErrorCode::DriverContract,
                "results: the body lengths do not fit the results and their texts".into(),
            );
        }
        serde_json::to_string(&runner.step(results)).unwrap_or_default()
    }
}

/// Give each result its body text (see `Run::step`); false when the lengths do not cut the texts
/// into one piece per result, on character boundaries, with nothing left over.
fn attach_texts(results: &mut [EffectResult], texts: &str, lengths: &[u32]) -> bool {
    if lengths.is_empty() {
        return texts.is_empty();
    }
    if lengths.len() != results.len() {
        return false;
    }
    let mut at = 0usize;
    for (r, &len) in results.iter_mut().zip(lengths) {
        let Some(text) = at
            .checked_add(len as usize)
            .and_then(|end| texts.get(at..end))
        else {
            return false;
        };
        if len > 0 {
            r.body_text = Some(text.to_string());
        }
        at += text.len();
    }
    at == texts.len()
}

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    sprint_core::VERSION.to_string()
}

/// Every code list of the core, as JSON: `{errorCodes, logReasons, planWarnings, undoSkips,
/// readiness, resolverKeys}` (`sprint_core::codes::CodeLists`), each from its enum.
#[wasm_bindgen]
pub fn codes() -> String {
    serde_json::to_string(&sprint_core::codes::lists()).unwrap_or_else(|_| "{}".into())
}

/// The resolver keys the core answers, as a JSON array.
#[wasm_bindgen]
pub fn resolver_keys() -> String {
    serde_json::to_string(&sprint_core::codes::lists().resolver_keys)
        .unwrap_or_else(|_| "[]".into())
}
