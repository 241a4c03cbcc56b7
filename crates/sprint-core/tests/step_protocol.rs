//! The step protocol and the Jira retry policy, through the public JSON-shaped API.
//! Runs natively and under wasm-bindgen-test in Node.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::json;
use sprint_core::{step, step_json, EffectResult, ErrorCode, Job, Outcome, StepInput};

fn input(job: Job, results: Vec<EffectResult>) -> StepInput {
    StepInput {
        job,
        now: "2026-03-29T00:30:00Z".parse().unwrap(),
        seed: 7,
        results,
    }
}

fn ping_as(account: &str) -> Job {
    Job::Ping {
        account_id: Some(account.to_string()),
    }
}

fn jira_answer(status: u16, body: serde_json::Value) -> EffectResult {
    EffectResult {
        status: Some(status),
        body_text: Some(body.to_string()),
        ..Default::default()
    }
}

#[test]
fn ping_without_account_finishes_without_effects() {
    let out = step(&input(Job::Ping { account_id: None }, vec![]));
    assert!(out.effects.is_empty());
    let Some(Outcome::Ok(v)) = out.outcome else {
        panic!("expected ok")
    };
    assert_eq!(v["pong"], true);
    assert_eq!(v["jiraAdmin"], serde_json::Value::Null);
}

#[test]
fn ping_asks_jira_as_the_user_then_finishes_on_the_answer() {
    let first = step(&input(ping_as("u1"), vec![]));
    assert_eq!(first.outcome, None);
    assert_eq!(first.effects.len(), 1);
    let e = serde_json::to_value(&first.effects[0]).unwrap();
    assert_eq!(e["id"], 0);
    assert_eq!(e["effect"]["type"], "jira");
    assert_eq!(e["effect"]["actor"], "user");
    assert_eq!(e["effect"]["method"], "GET");

    let answer = jira_answer(
        200,
        json!({"permissions": {"ADMINISTER": {"havePermission": true}}}),
    );
    let second = step(&input(ping_as("u1"), vec![answer]));
    assert!(second.effects.is_empty());
    let Some(Outcome::Ok(v)) = second.outcome else {
        panic!("expected ok")
    };
    assert_eq!(v["jiraAdmin"], true);
}

fn time_left(ms: u64) -> EffectResult {
    EffectResult {
        remaining_ms: Some(ms),
        ..Default::default()
    }
}

#[test]
fn a_429_waits_for_retry_after_then_repeats_the_request() {
    let limited = EffectResult {
        status: Some(429),
        retry_after_seconds: Some(3.0),
        ..Default::default()
    };
    // First the core checks the wait fits in the invocation...
    let out = step(&input(ping_as("u1"), vec![limited.clone()]));
    let e = serde_json::to_value(&out.effects[0]).unwrap();
    assert_eq!(
        (e["id"].as_u64(), e["effect"]["type"].as_str()),
        (Some(1), Some("remainingTime"))
    );
    // ...then waits what Jira said...
    let out = step(&input(
        ping_as("u1"),
        vec![limited.clone(), time_left(200_000)],
    ));
    let e = serde_json::to_value(&out.effects[0]).unwrap();
    assert_eq!(e["effect"]["type"], "wait");
    let ms = e["effect"]["ms"].as_u64().unwrap();
    assert!((3000..=3250).contains(&ms), "waited {ms} ms");
    // ...then asks again.
    let out = step(&input(
        ping_as("u1"),
        vec![limited, time_left(200_000), EffectResult::default()],
    ));
    let e = serde_json::to_value(&out.effects[0]).unwrap();
    assert_eq!(
        (e["id"].as_u64(), e["effect"]["type"].as_str()),
        (Some(3), Some("jira"))
    );
}

#[test]
fn no_retry_waits_past_the_end_of_the_invocation() {
    let limited = EffectResult {
        status: Some(429),
        retry_after_seconds: Some(3.0),
        ..Default::default()
    };
    let out = step(&input(ping_as("u1"), vec![limited, time_left(10_000)]));
    let Some(Outcome::Err(e)) = out.outcome else {
        panic!("expected the failure to be reported")
    };
    assert_eq!(e.code, ErrorCode::JiraError);
}

#[test]
fn transient_failures_back_off_exponentially_and_give_up_after_five_attempts() {
    let failed = EffectResult {
        error: Some(sprint_core::Failure {
            code: "NETWORK".into(),
            message: "reset".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut results = vec![];
    let mut waits = vec![];
    loop {
        let out = step(&input(ping_as("u1"), results.clone()));
        if let Some(outcome) = out.outcome {
            let Outcome::Err(e) = outcome else {
                panic!("expected an error")
            };
            assert_eq!(e.code, ErrorCode::JiraError);
            break;
        }
        let e = serde_json::to_value(&out.effects[0]).unwrap();
        match e["effect"]["type"].as_str() {
            Some("wait") => {
                waits.push(e["effect"]["ms"].as_u64().unwrap());
                results.push(EffectResult::default());
            }
            Some("remainingTime") => results.push(time_left(600_000)),
            _ => results.push(failed.clone()),
        }
    }
    assert_eq!(waits.len(), 4, "5 attempts, 4 waits between them");
    for (i, w) in waits.iter().enumerate() {
        let step = 500.0 * 2f64.powi(i as i32);
        assert!(
            (*w as f64) >= step * 0.5 && (*w as f64) <= step,
            "wait {i} = {w}"
        );
    }
}

#[test]
fn replaying_a_step_gives_the_same_output() {
    let a = step(&input(ping_as("u1"), vec![]));
    let b = step(&input(ping_as("u1"), vec![]));
    assert_eq!(a, b);
}

#[test]
fn bad_json_and_unknown_jobs_are_coded_errors() {
    for bad in [
        "not json",
        r#"{"job":{"job":"launchRockets"},"now":"2026-01-01T00:00:00Z"}"#,
        r#"{"job":{"job":"ping"},"now":"yesterday"}"#,
        r#"{"job":{"job":"ping"},"now":"2026-01-01T00:00:00Z","extra":1}"#,
    ] {
        let out: serde_json::Value = serde_json::from_str(&step_json(bad)).unwrap();
        assert_eq!(out["outcome"]["err"]["code"], "INVALID_INPUT", "{bad}");
        assert_eq!(out["effects"], json!([]));
    }
}

/// Drive a job to its outcome by stateless steps, answering each effect with `answer`: the
/// transcript.
fn transcript(
    job: &Job,
    answer: impl Fn(&sprint_core::Effect) -> EffectResult,
) -> Vec<EffectResult> {
    let mut results = vec![];
    loop {
        let out = step(&input(job.clone(), results.clone()));
        results.extend(out.effects.iter().map(|r| answer(&r.effect)));
        if out.outcome.is_some() {
            return results;
        }
    }
}

/// What a runner answers when it is fed other results than its last effects' after the job has
/// taken some (or after its outcome).
fn refused() -> sprint_core::StepOutput {
    sprint_core::StepOutput {
        effects: vec![],
        outcome: Some(Outcome::Err(sprint_core::CoreError::new(
            sprint_core::ErrorCode::DriverContract,
            "a run is fed exactly the results of its last effects, until its outcome",
        ))),
    }
}

#[test]
fn a_runner_gives_the_stateless_outputs_as_the_driver_feeds_it() {
    use sprint_core::jobs::LifecycleEvent;
    use sprint_core::{Effect, Runner};
    let network = EffectResult {
        error: Some(sprint_core::Failure {
            code: "NETWORK".into(),
            message: "reset".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let retried = transcript(&ping_as("u1"), |e| match e {
        Effect::RemainingTime {} => time_left(600_000),
        Effect::Jira { .. } => network.clone(),
        _ => EffectResult::default(),
    });
    let migrated = |failed: bool| {
        move |e: &Effect| match e {
            Effect::Migrate { .. } if failed => EffectResult {
                error: Some(sprint_core::Failure {
                    code: "SQL".into(),
                    message: "locked".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            Effect::Migrate { .. } => EffectResult {
                body: Some(json!({"applied": ["001"]})),
                ..Default::default()
            },
            Effect::Sql { .. } => EffectResult {
                rows: Some(vec![]),
                affected_rows: Some(1),
                ..Default::default()
            },
            _ => EffectResult::default(),
        }
    };
    let installed = Job::Lifecycle {
        event: LifecycleEvent::Installed,
    };
    let runs = [
        (ping_as("u1"), retried),
        (installed.clone(), transcript(&installed, migrated(false))),
        (installed.clone(), transcript(&installed, migrated(true))),
    ];
    for (job, t) in runs {
        assert!(t.len() >= 2, "{job:?}: {} results", t.len());
        // Started over any prefix, fed any further slice, then exactly the results asked for.
        // A slice that is not exactly the results asked for either re-runs the job over a
        // transcript the runner still holds whole (the stateless output) or, once the job has
        // taken results, is refused with DRIVER_CONTRACT: never another output.
        for a in 0..=t.len() {
            for b in a..=t.len() {
                let mut runner = Runner::new(input(job.clone(), t[..a].to_vec()));
                let first = runner.step(vec![]);
                assert_eq!(first, step(&input(job.clone(), t[..a].to_vec())));
                let out = runner.step(t[a..b].to_vec());
                let stateless = step(&input(job.clone(), t[..b].to_vec()));
                let exact = first.outcome.is_none() && b == a + first.effects.len();
                if exact || out != refused() {
                    assert_eq!(out, stateless, "{a}..{b}");
                } else {
                    assert!(
                        a > 0 || first.outcome.is_some(),
                        "{a}..{b}: refused a whole transcript"
                    );
                    continue;
                }
                let c = b + out.effects.len();
                if out.outcome.is_none() && c <= t.len() {
                    let resumed = runner.step(t[b..c].to_vec());
                    assert_eq!(
                        resumed,
                        step(&input(job.clone(), t[..c].to_vec())),
                        "{b}..{c}"
                    );
                }
            }
        }
        // The driver's way: each step's new results only, until the outcome; then the results
        // of the final effects (a step the driver does not take).
        let mut runner = Runner::new(input(job.clone(), vec![]));
        let (mut len, mut out) = (0, runner.step(vec![]));
        while out.outcome.is_none() {
            let n = out.effects.len();
            out = runner.step(t[len..len + n].to_vec());
            len += n;
            assert_eq!(out, step(&input(job.clone(), t[..len].to_vec())), "{len}");
        }
        assert_eq!(len + out.effects.len(), t.len());
        // A finished run is not stepped again: the driver reports its outcome.
        assert_eq!(runner.step(t[len..].to_vec()), refused());
    }
}
