//! Bad input at the WASM boundary: for every mutating and reading resolver, thousands of invalid
//! payloads (wrong types, sizes, unicode, injection strings, unknown fields, wrong ids) each answer
//! a coded 400 on the FIRST step, before any effect (no Jira call, no SQL, no KVS write), and none
//! panics. Raw JSON garbage into `step_json` answers `INVALID_INPUT`. Runs natively and in Node.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{json, Map, Value};
use sprint_core::{step, step_json, Job, Outcome, StepInput};

/// Payloads generated per resolver (the issue asks for at least 10,000).
const PER_RESOLVER: usize = 10_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NASTY: &[&str] = &[
    "'; DROP TABLE board_settings; --",
    "<script>alert(1)</script>",
    "\u{0000}",
    "Ω≈ç√∫˜µ≤≥÷",
    "🏃‍♀️💨",
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
    "{{7*7}}",
    " ",
    "",
];

fn valid_board_settings() -> Value {
    json!({"automate": true, "autoStart": true, "autoClose": true, "carryOver": "nextSprint",
           "timeZone": "Europe/Berlin", "startTime": "09:00", "closeTime": "17:00",
           "workingDays": ["MON", "TUE"], "holidays": [], "keepAhead": 1})
}

fn valid_plan() -> Value {
    json!({"firstStart": "2026-01-05T09:00", "timeZone": "Europe/Berlin",
           "length": {"value": 2, "unit": "weeks"}, "count": 4, "nameTemplate": "S {n}"})
}

/// A valid payload per resolver key (every field the key reads).
fn valid(key: &str) -> Value {
    match key {
        "getGlobalSettings" | "ping" => json!({}),
        "updateGlobalSettings" => {
            json!({"settings": {"automationEnabled": true, "defaultTimeZone": "UTC",
            "defaultCarryOver": "backlog", "logRetentionDays": 30}})
        }
        "listBoards" | "listBulkJobs" => json!({"projectKey": "SA"}),
        "getBoardSettings" => json!({"projectKey": "SA", "boardId": 7}),
        "updateBoardSettings" => {
            json!({"projectKey": "SA", "boardId": 7, "settings": valid_board_settings(),
                "confirmActNow": false})
        }
        "getLogs" => {
            json!({"boardId": 7, "level": "info", "kind": "started", "limit": 10, "cursor": "abc",
                "from": "2026-01-01T00:00:00Z", "before": "2026-02-01T00:00:00Z"})
        }
        "previewBulkPlan" | "createBulkSprints" => {
            json!({"projectKey": "SA", "boardIds": [7, 8], "plan": valid_plan()})
        }
        "getBulkJob" | "cancelBulkJob" | "undoBulkJob" => {
            json!({"projectKey": "SA", "jobId": "bulk-0123456789abcdef"})
        }
        "renameFutureSprints" => {
            json!({"projectKey": "SA", "boardId": 7, "nameTemplate": "S {n}", "dryRun": true})
        }
        "getSiteOverview" => json!({"after": 7, "limit": 10}),
        _ => unreachable!("{key}"),
    }
}

/// Replace the value at a random leaf (or container) by something of the wrong kind or out of
/// range, or add an unknown field. Every mutation makes the payload invalid.
fn mutate(rng: &mut Rng, v: &Value) -> Value {
    let mut out = v.clone();
    let paths = object_paths(&out, &mut Vec::new());
    let choice = rng.below(4);
    if choice == 0 || paths.is_empty() {
        // An unknown field somewhere.
        let target = if paths.is_empty() {
            &mut out
        } else {
            let p = rng.pick(&paths).clone();
            let parent = get_mut(&mut out, &p[..p.len() - 1]);
            if parent.is_object() {
                parent
            } else {
                &mut out
            }
        };
        let name = format!("{}{}", rng.pick(NASTY), rng.next() % 1000);
        if let Value::Object(m) = target {
            m.insert(name, json!(rng.next() % 7));
        }
        return out;
    }
    let path = rng.pick(&paths).clone();
    let slot = get_mut(&mut out, &path);
    let nasty = rng.pick(NASTY).to_string();
    *slot = match (choice, &*slot) {
        // Wrong type: swap kinds.
        (1, Value::String(_)) => rng
            .pick(&[json!(1), json!(true), json!([]), json!({}), json!(1.5)])
            .clone(),
        (1, Value::Bool(_)) => rng
            .pick(&[json!(1), json!("true"), json!([true]), json!(0)])
            .clone(),
        (1, Value::Number(_)) => rng
            .pick(&[
                json!("7"),
                json!(true),
                json!([7]),
                json!(1.5),
                json!(-1),
                json!(0),
            ])
            .clone(),
        (1, Value::Array(_)) => rng
            .pick(&[json!("MON"), json!(1), json!({"0": 1}), json!([null, {}])])
            .clone(),
        (1, Value::Object(_)) => rng
            .pick(&[json!("x"), json!(1), json!([]), json!(false)])
            .clone(),
        // Sizes: oversized strings, huge numbers.
        (2, Value::String(_)) => {
            json!(nasty.repeat(1 + rng.below(3)) + &"x".repeat(1000 + rng.below(20_000)))
        }
        (2, Value::Number(_)) => rng
            .pick(&[
                json!(1u64 << 60),
                json!(-9_007_199_254_740_993i64),
                json!(1e300),
            ])
            .clone(),
        // Nasty strings where names, keys and zones go.
        (_, Value::String(_)) => json!(nasty + "\u{202e}"),
        _ => Value::Array(vec![json!("x"); 400]),
    };
    out
}

fn object_paths(v: &Value, prefix: &mut Vec<String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let Value::Object(m) = v {
        for (k, child) in m {
            prefix.push(k.clone());
            out.push(prefix.clone());
            out.extend(object_paths(child, prefix));
            prefix.pop();
        }
    }
    out
}

fn get_mut<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| &mut v[k.as_str()])
}

/// Values that a mutation can leave valid by chance (a number swapped for another in range, an
/// optional field set to something acceptable): re-check with the rules that make them valid.
fn accidentally_valid(key: &str, original: &Value, mutated: &Value) -> bool {
    // Same value: nothing changed.
    original == mutated
        || (key == "getLogs"
            && mutated.get("cursor").is_some_and(|c| {
                c.as_str()
                    .is_some_and(|s| !s.is_empty() && s.chars().count() <= 1000)
            })
            && strip(mutated, "cursor") == strip(original, "cursor"))
}

fn strip(v: &Value, field: &str) -> Value {
    let mut m: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
    m.remove(field);
    Value::Object(m)
}

fn first_step(key: &str, payload: Value) -> sprint_core::StepOutput {
    step(&StepInput {
        job: Job::Resolve {
            key: key.to_string(),
            payload,
            account_id: Some("acc-1".to_string()),
        },
        now: "2026-01-05T09:00:00Z".parse().unwrap(),
        seed: 1,
        results: vec![],
    })
}

#[test]
fn valid_payloads_get_past_validation() {
    for key in keys() {
        let out = first_step(key, valid(key));
        assert!(
            !out.effects.is_empty() || matches!(out.outcome, Some(Outcome::Ok(_))),
            "{key}: a valid payload must reach its first effect: {:?}",
            out.outcome
        );
    }
}

/// Every resolver key but `ping` (which takes nothing and checks nothing): a new resolver is
/// fuzzed as soon as the core defines it (and `valid` must learn its payload).
fn keys() -> impl Iterator<Item = &'static str> {
    sprint_core::jobs::resolve::ResolverKey::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| *k != "ping")
}

#[test]
fn ten_thousand_invalid_payloads_per_resolver_answer_a_coded_400_before_any_effect() {
    let mut rng = Rng(0x5EED);
    let mut codes = std::collections::BTreeMap::new();
    for key in keys() {
        let base = valid(key);
        let mut checked = 0;
        let mut accepted = 0;
        while checked < PER_RESOLVER {
            // One to three mutations stacked.
            let mut payload = mutate(&mut rng, &base);
            for _ in 0..rng.below(3) {
                payload = mutate(&mut rng, &payload);
            }
            if accidentally_valid(key, &base, &payload) {
                continue;
            }
            checked += 1;
            let out = first_step(key, payload.clone());
            match out.outcome {
                Some(Outcome::Err(e)) => {
                    assert_eq!(e.status, 400, "{key}: {payload} -> {e:?}");
                    assert!(
                        out.effects.is_empty(),
                        "{key}: effects before refusing {payload}"
                    );
                    *codes.entry(e.code.name()).or_insert(0) += 1;
                }
                Some(Outcome::Ok(v)) => panic!("{key}: {payload} finished without a check: {v}"),
                None => {
                    // Stacked mutations can land on a valid value by chance: then the payload
                    // may go on, but only to the caller's permission check (a read as the user).
                    accepted += 1;
                    let e = serde_json::to_value(&out.effects).unwrap();
                    assert_eq!(
                        e.as_array().map(Vec::len),
                        Some(1),
                        "{key}: {payload} -> {e}"
                    );
                    assert_eq!(e[0]["effect"]["type"], "jira", "{key}: {payload}");
                    assert_eq!(e[0]["effect"]["method"], "GET", "{key}: {payload}");
                    assert_eq!(e[0]["effect"]["actor"], "user", "{key}: {payload}");
                }
            }
        }
        assert!(
            accepted * 20 < PER_RESOLVER,
            "{key}: {accepted} payloads got past validation"
        );
    }
    // The generator reaches every kind of fault.
    let refused: usize = codes.values().sum();
    assert!(
        refused * 100 >= keys().count() * PER_RESOLVER * 99,
        "refused {refused}"
    );
    for code in [
        "INVALID_TYPE",
        "UNKNOWN_FIELD",
        "OUT_OF_RANGE",
        "MISSING_FIELD",
    ] {
        assert!(
            codes.get(code).copied().unwrap_or(0) > 100,
            "{code}: {codes:?}"
        );
    }
}

#[test]
fn garbage_at_the_boundary_is_invalid_input_and_never_panics() {
    let mut rng = Rng(42);
    let seeds = [
        r#"{"job":{"job":"resolve","key":"updateBoardSettings","payload":{}},"now":"2026-01-05T09:00:00Z"}"#,
        r#"{"job":{"job":"tick"},"now":"2026-01-05T09:00:00Z","results":[{"status":200}]}"#,
    ];
    for i in 0..20_000 {
        let base = seeds[i % seeds.len()].as_bytes();
        let mut bytes = base.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = (rng.next() % 256) as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, *rng.pick(b"{}[]\",:0a\\")),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let out: Value = serde_json::from_str(&step_json(&text)).expect("always JSON");
        // Either a coded error or a well-formed step (the mutation kept the input valid).
        if let Some(err) = out["outcome"].get("err") {
            assert!(
                err["code"].as_str().is_some_and(|c| !c.is_empty()),
                "{text}"
            );
        } else {
            assert!(out["effects"].is_array(), "{text}");
        }
    }
}
