//! A board's sprints in Jira: list them, create one exactly once.

use serde_json::Value;

use crate::engine::Sprint;
use crate::jira::{self, Request, Response};
use crate::step::{Ctx, JobResult};

/// Most sprint pages read for one board (50 sprints a page).
const MAX_SPRINT_PAGES: usize = 20;

/// Attempts at a create whose outcome was unknown before giving up.
const CREATE_ATTEMPTS: usize = 3;

/// Create a sprint exactly once: a lost answer is settled by looking for the sprint on the board
/// (same name and start) before trying again.
pub(crate) async fn create_sprint(
    ctx: &mut Ctx,
    board_id: u64,
    body: Value,
) -> JobResult<Result<Sprint, Response>> {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let start = crate::jira_time::field(&body, "startDate");
    let mut last = None;
    for _ in 0..CREATE_ATTEMPTS {
        let r =
            jira::send_once(ctx, &Request::post("/rest/agile/1.0/sprint", body.clone())).await?;
        if r.is_success() {
            if let Some(s) = Sprint::from_jira(&r.body) {
                return Ok(Ok(s));
            }
        } else if (400..500).contains(&r.status) {
            // Refused: it did not happen (a 429 included), and a retry now would not help.
            return Ok(Err(r));
        }
        if let Ok(sprints) = list_board_sprints(ctx, board_id, SprintStates::Open).await? {
            if let Some(s) = sprints
                .into_iter()
                .find(|s| s.name == name && s.start == start)
            {
                return Ok(Ok(s));
            }
        }
        last = Some(r);
    }
    Ok(Err(last.unwrap_or(Response {
        status: 0,
        body: Value::Null,
        failure: None,
        quota_wall_until: None,
    })))
}

/// Which sprints to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SprintStates {
    /// Active and future (what the check acts on).
    Open,
    /// Closed too (running numbers for names).
    All,
}

/// The board's own sprints in board order, or the failed answer.
pub(crate) async fn list_board_sprints(
    ctx: &mut Ctx,
    board_id: u64,
    states: SprintStates,
) -> JobResult<Result<Vec<Sprint>, Response>> {
    let filter = match states {
        SprintStates::Open => "active%2Cfuture",
        SprintStates::All => "closed%2Cactive%2Cfuture",
    };
    let mut out = Vec::new();
    let mut start_at = 0;
    for _ in 0..MAX_SPRINT_PAGES {
        let r = jira::send(
            ctx,
            &Request::get(format!(
                "/rest/agile/1.0/board/{board_id}/sprint?state={filter}&startAt={start_at}&maxResults=50"
            )),
        ).await?;
        if r.status != 200 {
            return Ok(Err(r));
        }
        let values = r.body["values"].as_array().map_or(&[][..], Vec::as_slice);
        start_at += values.len();
        // Shared sprints of other boards show here too: only the board's own are its to run.
        out.extend(
            values
                .iter()
                .filter_map(Sprint::from_jira)
                .filter(|s| s.origin_board_id.is_none_or(|b| b == board_id)),
        );
        if r.body["isLast"].as_bool().unwrap_or(true) || values.is_empty() {
            break;
        }
    }
    Ok(Ok(out))
}
