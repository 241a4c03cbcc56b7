//! Layer 2's fake of @forge/sql and Jira, and the driver loop that runs the board job on it.

use super::*;

// ---------------------------------------------------------------------------------------------
// Layer 2: the board job through `step`, against a fake of @forge/sql and Jira.
// ---------------------------------------------------------------------------------------------

pub(crate) const BOARD_FIXTURE: &str = include_str!("board.json");
pub(crate) const OWNER: &str = "run-00000000000a";
pub(crate) const NOW: &str = "2026-01-19T09:03Z";
pub(crate) const TODO: &str = "1";
pub(crate) const DOING: &str = "3";
pub(crate) const DONE: &str = "10001";
pub(crate) const AGILE: &str = "/rest/agile/1.0";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub(crate) key: String,
    pub(crate) status: &'static str,
    pub(crate) parent: Option<String>,
    pub(crate) sprint: Option<u64>,
    /// The closed sprints it was in when they closed (its Sprint field keeps them).
    pub(crate) closed_in: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Schedule {
    pub(crate) next_due_at: Option<i64>,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_until: Option<i64>,
}

/// The app's rows and a tiny Jira: one board, its sprints, issues with status ids, its columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fake {
    pub(crate) fixture: Value,
    pub(crate) schedule: Option<Schedule>,
    /// sprint id -> (phase, destination)
    pub(crate) rollovers: BTreeMap<u64, (String, Option<u64>)>,
    /// Jira sprint objects, in board order.
    pub(crate) sprints: Vec<Value>,
    pub(crate) issues: Vec<Issue>,
    /// Jira answers issue pages of at most this many (it may cap what is asked), without `total`.
    pub(crate) page_cap: Option<usize>,
    pub(crate) no_total: bool,
    /// Answer the first request starting with this ("GET /path") with a 429, Retry-After 2 s.
    pub(crate) throttle: Option<String>,
    /// Sprints whose state a close / start request actually changed.
    pub(crate) closed: Vec<u64>,
    pub(crate) started: Vec<u64>,
    /// Every key named in a move request.
    pub(crate) moved: Vec<String>,
    /// rollovers.last_problem by sprint.
    pub(crate) problems: std::collections::HashMap<u64, String>,
}

/// Board 7 with active "Sprint 14" (101, ends 2026-01-19 09:00Z), optionally future "Sprint 15"
/// (102), and `m` issues in sprint 101 of which `n` are unfinished, spread evenly by rank.
pub(crate) fn fake(carry_over: &str, m: usize, n: usize, next_sprint: bool) -> Fake {
    let mut fixture: Value = serde_json::from_str(BOARD_FIXTURE).unwrap();
    fixture["boardSettingsRow"]["carry_over"] = json!(carry_over);
    let mut sprints = vec![fixture["activeSprint"].clone()];
    sprints.extend(next_sprint.then(|| fixture["futureSprint"].clone()));
    let issues = (0..m).map(|i| Issue {
        key: format!("SA-{}", i + 1),
        status: match (i * n / m != (i + 1) * n / m, i % 2) {
            (true, 0) => TODO,
            (true, _) => DOING,
            (false, _) => DONE,
        },
        parent: None,
        sprint: Some(101),
        closed_in: Vec::new(),
    });
    let due = at("2026-01-19T09:00Z").timestamp_millis();
    let schedule = Some(Schedule {
        next_due_at: Some(due),
        ..Schedule::default()
    });
    Fake {
        fixture,
        schedule,
        sprints,
        issues: issues.collect(),
        ..Fake::default()
    }
}

/// An effect result from its JSON form, as the shim feeds it back: a Jira answer (one with a
/// `status`) carries its body as the text Jira sent (`bodyText`).
pub(crate) fn res(mut v: Value) -> EffectResult {
    if v.get("status").is_some() {
        if let Some(body) = v.as_object_mut().unwrap().remove("body") {
            v["bodyText"] = Value::String(body.to_string());
        }
    }
    serde_json::from_value(v).unwrap()
}

pub(crate) fn refused(message: &str) -> EffectResult {
    res(json!({ "status": 400, "body": { "errorMessages": [message], "errors": {} } }))
}

pub(crate) fn verb(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

impl Fake {
    pub(crate) fn apply(&mut self, effect: &Effect) -> EffectResult {
        match effect {
            Effect::RemainingTime {} => res(json!({ "remainingMs": 600_000 })),
            Effect::Sql { name, params, .. } => self.sql(name, params),
            Effect::Jira {
                method, path, body, ..
            } => self.jira(*method, path, body.as_ref()),
            Effect::Log { .. } | Effect::Wait { .. } => EffectResult::default(),
            other => panic!("the board job asked for {other:?}"),
        }
    }

    /// @forge/sql, as far as the board job goes: matched on the statement's stable name.
    pub(crate) fn sql(&mut self, name: &str, p: &[Value]) -> EffectResult {
        let id = |i: usize| p[i].as_u64().unwrap();
        let rows = |rows: Vec<Value>| res(json!({ "rows": rows }));
        let written = |n: u64| res(json!({ "affectedRows": n }));
        if name == "boardSchedule.takeLease" {
            let (owner, now) = (p[0].as_str(), p[3].as_i64().unwrap());
            return written(match &mut self.schedule {
                Some(s)
                    if s.lease_until.is_none_or(|u| u < now)
                        || s.lease_owner.as_deref() == owner =>
                {
                    (s.lease_owner, s.lease_until) = (owner.map(Into::into), p[1].as_i64());
                    1
                }
                _ => 0,
            });
        }
        if name == "boardSchedule.release" {
            return written(match &mut self.schedule {
                Some(s) if s.lease_owner.as_deref() == p[5].as_str() => {
                    (s.next_due_at, s.lease_owner, s.lease_until) = (p[0].as_i64(), None, None);
                    1
                }
                _ => 0,
            });
        }
        if name == "globalSettings.get" {
            return rows(vec![self.fixture["globalSettingsRow"].clone()]);
        }
        if name == "boardSettings.get" {
            return rows(vec![self.fixture["boardSettingsRow"].clone()]);
        }
        if name == "rollovers.missedAmong" {
            let missed = (0..p.len())
                .filter(|&i| self.rollovers.get(&id(i)).is_some_and(|r| r.0 == "missed"));
            return rows(
                missed
                    .map(|i| json!({ "sprint_id": id(i).to_string() }))
                    .collect(),
            );
        }
        if name == "rollovers.lastProblem" {
            let row = self.problems.get(&id(0));
            return rows(
                row.map(|p| json!({ "last_problem": p }))
                    .into_iter()
                    .collect(),
            );
        }
        if name == "rollovers.noteProblem" {
            self.rollovers
                .entry(id(0))
                .or_insert(("waiting".into(), None));
            self.problems.insert(id(0), p[3].as_str().unwrap().into());
            return written(1);
        }
        if name == "boardSchedule.readiness" {
            return rows(Vec::new());
        }
        if name == "boardSchedule.saveReadiness" {
            return written(1);
        }
        if name == "rollovers.unsettled" {
            // One board in this fake: every row is its own.
            let open = (self.rollovers.iter())
                .filter(|(_, r)| {
                    ["starting", "moving", "closing", "carrying"].contains(&r.0.as_str())
                })
                .map(|(sprint, r)| json!({ "sprint_id": sprint.to_string(), "phase": r.0 }));
            return rows(open.collect());
        }
        if name == "rollovers.destination" {
            let row = self.rollovers.get(&id(0));
            return rows(
                row.map(|r| json!({ "destination_sprint_id": r.1.map(|d| d.to_string()) }))
                    .into_iter()
                    .collect(),
            );
        }
        if name == "rollovers.recordPhase" {
            let row = self.rollovers.entry(id(0)).or_insert((String::new(), None));
            (row.0, row.1) = (p[2].as_str().unwrap().into(), p[3].as_u64().or(row.1));
            if ["started", "carrying"].contains(&row.0.as_str()) {
                self.problems.remove(&id(0));
            }
            return written(1);
        }
        panic!("unexpected SQL statement: {name}")
    }

    pub(crate) fn sprint(&mut self, id: u64) -> Option<&mut Value> {
        self.sprints.iter_mut().find(|s| s["id"] == id)
    }

    pub(crate) fn issue_json(&self, i: &Issue) -> Value {
        let subtasks: Vec<Value> = (self.issues.iter())
            .filter(|s| s.parent.as_ref() == Some(&i.key))
            .map(|s| json!({ "key": s.key, "fields": { "status": { "id": s.status } } }))
            .collect();
        let parent = i.parent.as_ref().map(|p| {
            let status = self
                .issues
                .iter()
                .find(|x| &x.key == p)
                .map_or("", |x| x.status);
            json!({ "key": p, "fields": { "status": { "id": status } } })
        });
        json!({ "key": i.key, "fields": { "status": { "id": i.status },
            "issuetype": { "subtask": i.parent.is_some() }, "subtasks": subtasks, "parent": parent } })
    }

    /// Move issues (sub-tasks travel with their parents) to a sprint or the backlog.
    pub(crate) fn move_to(&mut self, body: Option<&Value>, to: Option<u64>) -> EffectResult {
        let keys: Vec<String> = serde_json::from_value(body.unwrap()["issues"].clone()).unwrap();
        if keys.len() > 50 {
            return refused("at most 50 issues per request");
        }
        if to.is_some_and(|to| {
            self.sprints
                .iter()
                .all(|s| s["id"] != to || s["state"] == "closed")
        }) {
            return refused("the sprint is closed or does not exist");
        }
        for i in &mut self.issues {
            if keys.contains(&i.key) || i.parent.as_ref().is_some_and(|p| keys.contains(p)) {
                i.sprint = to;
            }
        }
        self.moved.extend(keys);
        res(json!({ "status": 204 }))
    }

    pub(crate) fn jira(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> EffectResult {
        let call = format!("{} {path}", verb(method));
        if self.throttle.as_ref().is_some_and(|t| call.starts_with(t)) {
            self.throttle = None;
            return res(json!({ "status": 429, "retryAfterSeconds": 2.0 }));
        }
        let (base, query) = path.split_once('?').unwrap_or((path, ""));
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
        };
        let int = |k: &str| param(k).map_or(0, |v| v.parse::<usize>().unwrap());
        let (start_at, max) = (int("startAt"), int("maxResults"));
        let seg: Vec<&str> = base
            .strip_prefix(AGILE)
            .unwrap()
            .split('/')
            .filter(|part| !part.is_empty())
            .collect();
        let num = |s: &str| s.parse::<u64>().unwrap();
        let ok = |status: u16, body: Value| res(json!({ "status": status, "body": body }));
        match (method, seg.as_slice()) {
            (Method::Get, ["board", "7", "sprint"]) => {
                assert_eq!(param("state"), Some("active%2Cfuture"));
                let listed: Vec<&Value> = ["active", "future"]
                    .iter()
                    .flat_map(|st| self.sprints.iter().filter(move |s| s["state"] == *st))
                    .collect();
                let page: Vec<&Value> = listed[start_at.min(listed.len())..]
                    .iter()
                    .take(50)
                    .copied()
                    .collect();
                let last = start_at + page.len() >= listed.len();
                ok(
                    200,
                    json!({ "startAt": start_at, "maxResults": 50, "isLast": last, "values": page }),
                )
            }
            (Method::Get, ["board", "7", "configuration"]) => {
                ok(200, self.fixture["configuration"].clone())
            }
            (Method::Get, ["sprint", id, "issue"]) => {
                let id = num(id);
                let closed = self.sprint(id).is_some_and(|s| s["state"] == "closed");
                // The little JQL the board job sends (percent-encoded by the core).
                let jql = param("jql")
                    .unwrap_or("")
                    .replace("%20", " ")
                    .replace("%28", "(")
                    .replace("%29", ")")
                    .replace("%2C", ",");
                let open_ids: Vec<u64> = (self.sprints.iter())
                    .filter(|s| s["state"] != "closed")
                    .filter_map(|s| s["id"].as_u64())
                    .collect();
                let all: Vec<&Issue> = (self.issues.iter())
                    .filter(|i| {
                        if closed {
                            i.closed_in.contains(&id)
                        } else {
                            i.sprint == Some(id)
                        }
                    })
                    .filter(|i| !jql.contains("status not in") || i.status != DONE)
                    .filter(|i| {
                        !jql.contains("sprint not in openSprints()")
                            || !i.sprint.is_some_and(|s| open_ids.contains(&s))
                    })
                    .filter(|i| !jql.contains("subTaskIssueTypes()") || i.parent.is_some())
                    .collect();
                let max = max.min(self.page_cap.unwrap_or(100));
                let page: Vec<Value> = (all[start_at.min(all.len())..].iter().take(max))
                    .map(|i| self.issue_json(i))
                    .collect();
                let mut answer = json!({ "startAt": start_at, "maxResults": max, "issues": page });
                if !self.no_total {
                    answer["total"] = json!(all.len());
                }
                ok(200, answer)
            }
            (Method::Get, ["sprint", id]) => ok(200, self.sprint(num(id)).unwrap().clone()),
            (Method::Post, ["sprint", id, "issue"]) => self.move_to(body, Some(num(id))),
            (Method::Post, ["backlog", "issue"]) => self.move_to(body, None),
            (Method::Post, ["sprint"]) => {
                let b = body.unwrap();
                assert_eq!(b["originBoardId"], 7);
                let id = 900
                    + self
                        .sprints
                        .iter()
                        .filter(|s| s["id"].as_u64() >= Some(900))
                        .count();
                let s = json!({ "id": id, "name": b["name"], "state": "future", "originBoardId": 7,
                                "startDate": b["startDate"], "endDate": b["endDate"] });
                self.sprints.push(s.clone());
                ok(201, s)
            }
            (Method::Post, ["sprint", id]) => self.update_sprint(num(id), body.unwrap()),
            _ => panic!("unexpected Jira call: {call}"),
        }
    }

    /// Partial update: `{state: closed}` or `{state: active, startDate, endDate}`.
    pub(crate) fn update_sprint(&mut self, id: u64, body: &Value) -> EffectResult {
        let from = self.sprint(id).unwrap()["state"].clone();
        let another_active = self
            .sprints
            .iter()
            .any(|s| s["state"] == "active" && s["id"] != id);
        let open = |i: &Issue| i.status != DONE;
        match body["state"].as_str() {
            Some("closed") if from != "active" => {
                return refused("only an active sprint can be closed")
            }
            Some("closed") => {
                let parents = self
                    .issues
                    .iter()
                    .filter(|p| p.sprint == Some(id) && !open(p));
                if parents.clone().any(|p| {
                    self.issues
                        .iter()
                        .any(|s| s.parent.as_ref() == Some(&p.key) && open(s))
                }) {
                    return refused("done issues have open sub-tasks");
                }
                // Jira Cloud: every issue keeps the closed sprint in its Sprint field, and what is
                // still open lands in the backlog.
                for i in self.issues.iter_mut().filter(|i| i.sprint == Some(id)) {
                    i.closed_in.push(id);
                    if i.status != DONE {
                        i.sprint = None;
                    }
                }
                self.sprint(id).unwrap()["state"] = json!("closed");
                self.closed.push(id);
            }
            Some("active") if from != "future" => {
                return refused("only a future sprint can be started")
            }
            Some("active") if another_active => {
                return refused("the board already has an active sprint")
            }
            Some("active") => {
                let s = self.sprint(id).unwrap();
                s["state"] = json!("active");
                (s["startDate"], s["endDate"]) =
                    (body["startDate"].clone(), body["endDate"].clone());
                self.started.push(id);
            }
            other => panic!("unexpected sprint update {other:?}"),
        }
        res(json!({ "status": 200, "body": self.sprint(id).unwrap().clone() }))
    }

    /// Jira's state: every sprint and where every issue is.
    pub(crate) fn jira_state(&self) -> (Vec<Value>, Vec<Issue>) {
        (self.sprints.clone(), self.issues.clone())
    }

    pub(crate) fn unfinished(&self) -> Vec<String> {
        let open = |i: &&Issue| i.status != DONE && i.parent.is_none();
        self.issues
            .iter()
            .filter(open)
            .map(|i| i.key.clone())
            .collect()
    }
}

pub(crate) struct Trace {
    pub(crate) effects: Vec<Effect>,
    pub(crate) outcome: Option<Outcome>,
}

impl Trace {
    /// The Jira requests as "METHOD path", and their bodies.
    pub(crate) fn jira(&self) -> Vec<String> {
        self.jira_bodies()
            .into_iter()
            .map(|(call, _)| call)
            .collect()
    }

    pub(crate) fn jira_bodies<'a>(&'a self) -> Vec<(String, Option<&'a Value>)> {
        let call = |e: &'a Effect| match e {
            Effect::Jira {
                method, path, body, ..
            } => Some((format!("{} {path}", verb(*method)), body.as_ref())),
            _ => None,
        };
        self.effects.iter().filter_map(call).collect()
    }

    pub(crate) fn logs<'a>(&'a self) -> Vec<&'a str> {
        let reason = |e: &'a Effect| match e {
            Effect::Log { entry, .. } => Some(entry.reason.as_str()),
            _ => None,
        };
        self.effects.iter().filter_map(reason).collect()
    }

    pub(crate) fn ok(&self) -> &Value {
        match &self.outcome {
            Some(Outcome::Ok(v)) => v,
            other => panic!("expected an ok outcome, got {other:?}"),
        }
    }
}

/// The driver loop of lib.rs: step, carry out every effect, feed the results back, until an
/// outcome. With `crash_after: Some(k)` the run dies after carrying out k effects. Every step is
/// also taken by a `Runner` fed only the new results (the job resumed where it waits, as the
/// driver's `Run` does): its output must be exactly the stateless step's.
pub(crate) fn run_board(f: &mut Fake, now: &str, seed: u64, crash_after: Option<usize>) -> Trace {
    let job = Job::Board {
        board_id: BOARD,
        owner: OWNER.into(),
        lease_ms: 600_000,
        daily_look: true,
    };
    let (now, mut results, mut effects) = (at(now), Vec::new(), Vec::new());
    let mut runner = Runner::new(StepInput {
        job: job.clone(),
        now,
        seed,
        results: Vec::new(),
    });
    let mut fed = 0;
    for _ in 0..10_000 {
        let out = step(&StepInput {
            job: job.clone(),
            now,
            seed,
            results: results.clone(),
        });
        let resumed = runner.step(results[fed..].to_vec());
        fed = results.len();
        assert_eq!(
            resumed, out,
            "a resumed step gives the stateless step's output"
        );
        for req in out.effects {
            assert_eq!(req.id, results.len(), "effect ids are consecutive");
            if crash_after == Some(effects.len()) {
                return Trace {
                    effects,
                    outcome: None,
                };
            }
            results.push(f.apply(&req.effect));
            effects.push(req.effect);
        }
        if out.outcome.is_some() {
            return Trace {
                effects,
                outcome: out.outcome,
            };
        }
    }
    panic!("the board job never finished")
}

pub(crate) fn list_sprints() -> String {
    format!("GET {AGILE}/board/7/sprint?state=active%2Cfuture&startAt=0&maxResults=50")
}

pub(crate) fn configuration() -> String {
    format!("GET {AGILE}/board/7/configuration")
}

/// A page of the sprint's unfinished issues (JQL on the board's Done column, status 10001).
pub(crate) fn issue_page(sprint: u64, start_at: usize) -> String {
    let fields = "fields=status%2Cissuetype%2Cparent&jql=status%20not%20in%20%2810001%29";
    format!("GET {AGILE}/sprint/{sprint}/issue?{fields}&startAt={start_at}&maxResults=100")
}

pub(crate) fn post(path: &str) -> String {
    format!("POST {AGILE}{path}")
}
