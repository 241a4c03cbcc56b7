//! wasm-bindgen binding of `sprint-core`: strings in, strings out. No domain rule lives here.

use wasm_bindgen::prelude::*;

/// Run one step of a job. Input and output are the JSON forms of `StepInput` / `StepOutput`.
#[wasm_bindgen]
pub fn step(input: &str) -> String {
    sprint_core::step_json(input)
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
