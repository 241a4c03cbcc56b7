//! The core's rooms: rules about where code lives, checked over the source text.
//!
//! - no core source file (src/ and tests/) is over 700 lines;
//! - every SQL statement lives in the storage module (`src/store/`);
//! - every Jira REST path is built in the Jira gateway (`src/jira/`);
//! - the board and bulk jobs do not use each other;
//! - the crate's top-level modules use each other without a circle.
//!
//! Native only: it reads the crate's files (under wasm32 there is no file system).

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
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

#[test]
fn every_jira_path_is_built_in_the_gateway() {
    let src = crate_dir().join("src");
    let gateway = src.join("jira");
    let mut outside = Vec::new();
    for path in rust_files(&src) {
        if path.starts_with(&gateway) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("/rest/") {
                outside.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "Jira paths outside src/jira/ (add an operation to the gateway): {outside:#?}"
    );
}

#[test]
fn the_board_and_bulk_jobs_do_not_use_each_other() {
    let jobs = crate_dir().join("src/jobs");
    for (room, other) in [("board", "bulk"), ("bulk", "board")] {
        for path in rust_files(&jobs.join(room)) {
            let text = fs::read_to_string(&path).unwrap();
            for needle in [format!("jobs::{other}"), format!("super::{other}")] {
                assert!(!text.contains(&needle), "{} uses {needle}", path.display());
            }
        }
    }
}

/// The top-level module a source file belongs to (`src/jobs/board/mod.rs` -> `jobs`).
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Top-level module -> the top-level modules its code names as `crate::<module>` (comments left
/// out: a doc link is no dependency).
fn module_uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = crate_dir().join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&src) {
        let module = module_of(&src, &path);
        if module == "lib" {
            continue;
        }
        let entry = uses.entry(module.clone()).or_default();
        for line in fs::read_to_string(&path).unwrap().lines() {
            let code = line.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    entry.insert(name);
                }
            }
        }
    }
    // Only edges between modules (not to re-exported items of lib.rs such as `crate::VERSION`).
    let modules: BTreeSet<String> = uses.keys().cloned().collect();
    for targets in uses.values_mut() {
        targets.retain(|t| modules.contains(t));
    }
    uses
}

/// A circle of module uses, if there is one (depth-first search for a back edge).
fn find_circle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m.to_string());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in uses.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, uses, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in uses.keys() {
        if let Some(c) = visit(m, uses, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_top_level_modules_use_each_other_without_a_circle() {
    let uses = module_uses();
    assert!(
        uses["effect"].len() < uses.len() && !uses["effect"].contains("jobs"),
        "effect uses {:?}",
        uses["effect"]
    );
    if let Some(circle) = find_circle(&uses) {
        panic!("modules in a circle: {}", circle.join(" -> "));
    }
}

#[test]
fn the_circle_check_finds_a_circle() {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    uses.entry("a".into()).or_default().insert("b".into());
    uses.entry("b".into()).or_default().insert("c".into());
    uses.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_circle(&uses),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    uses.get_mut("c").unwrap().clear();
    assert_eq!(find_circle(&uses), None);
}
