//! The core's rooms: rules about where code lives, checked over the source text.
//!
//! - no core source file (src/ and tests/) is over 700 lines;
//! - every SQL statement lives in the storage module (`src/store/`).
//!
//! Native only: it reads the crate's files (under wasm32 there is no file system).

#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

/// Longest core source file, in lines.
const MAX_LINES: usize = 700;

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_core_source_file_is_over_700_lines() {
    let mut long = Vec::new();
    for dir in ["src", "tests"] {
        for path in rust_files(&crate_dir().join(dir)) {
            let lines = fs::read_to_string(&path).unwrap().lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", path.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// Words a statement starts with, right after a string literal's opening quote.
const SQL_STARTS: &[&str] = &[
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    "\"DELETE ",
    "\"REPLACE ",
    "\"CREATE ",
    "\"ALTER ",
    "\"DROP ",
];

#[test]
fn every_sql_statement_lives_in_the_storage_module() {
    let src = crate_dir().join("src");
    let store = src.join("store");
    let mut outside = Vec::new();
    for path in rust_files(&src) {
        if path.starts_with(&store) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if SQL_STARTS.iter().any(|s| line.contains(s)) {
                outside.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "SQL outside src/store/ (add a named function to the storage module): {outside:#?}"
    );
}

#[test]
fn the_storage_rule_sees_a_statement() {
    // The check above would pass on anything if its patterns matched nothing.
    let store = fs::read_to_string(crate_dir().join("src/store/rollovers.rs")).unwrap();
    assert!(SQL_STARTS.iter().any(|s| store.contains(s)));
}
