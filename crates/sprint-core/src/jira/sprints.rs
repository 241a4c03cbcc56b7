//! Jira's sprints (the Agile REST API's `/sprint` resources): read, create exactly once, start,
//! close, rename, delete, reorder, move issues in, and list a sprint's or a board's.

use serde_json::{json, Value};

use super::issue_page::IssuePage;
use super::{encode, send, send_for_read, send_once, Request, Response, AGILE};
use crate::domain::Sprint;
use crate::effect::Method;
use crate::step::{Ctx, JobResult, Suspend};

/// Most sprint pages read for one board (50 sprints a page).
const MAX_SPRINT_PAGES: usize = 20;

/// Attempts at a create whose outcome was unknown before giving up.
const CREATE_ATTEMPTS: usize = 3;

/// Create a sprint exactly once: a lost answer is settled by looking for the sprint on the board
/// (same name and start) before trying again.
pub async fn create_once(
    ctx: &mut Ctx,
    board_id: u64,
    body: Value,
) -> JobResult<Result<Sprint, Response>> {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let start = crate::jira_time::field(&body, "startDate");
    let mut last = None;
    for _ in 0..CREATE_ATTEMPTS {
        let r = send_once(ctx, &Request::post(format!("{AGILE}/sprint"), body.clone())).await?;
        if r.is_success() {
            if let Some(s) = Sprint::from_jira(&r.body) {
                return Ok(Ok(s));
            }
        } else if (400..500).contains(&r.status) {
            // Refused: it did not happen (a 429 included), and a retry now would not help.
            return Ok(Err(r));
        }
        if let Ok(sprints) = of_board(ctx, board_id, SprintStates::Open).await? {
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
pub enum SprintStates {
    /// Active and future (what the check acts on).
    Open,
    /// Closed too (running numbers for names).
    All,
}

/// The board's own sprints in board order, or the failed answer.
pub async fn of_board(
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
        let r = send(
            ctx,
            &Request::get(format!(
                "{AGILE}/board/{board_id}/sprint?state={filter}&startAt={start_at}&maxResults=50"
            )),
        )
        .await?;
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

/// One sprint.
pub async fn get(ctx: &mut Ctx, sprint_id: u64) -> Result<Response, Suspend> {
    send(ctx, &Request::get(format!("{AGILE}/sprint/{sprint_id}"))).await
}

/// A partial update (POST: the fields not named keep their values; PUT would null them).
async fn update(ctx: &mut Ctx, sprint_id: u64, fields: Value) -> Result<Response, Suspend> {
    send(
        ctx,
        &Request::post(format!("{AGILE}/sprint/{sprint_id}"), fields),
    )
    .await
}

/// Start a future sprint with these dates (ISO 8601 with the board zone's offset).
pub async fn start(
    ctx: &mut Ctx,
    sprint_id: u64,
    start: &str,
    end: &str,
) -> Result<Response, Suspend> {
    let fields = json!({ "state": "active", "startDate": start, "endDate": end });
    update(ctx, sprint_id, fields).await
}

/// Close (complete) an active sprint: Jira moves its unfinished issues to the backlog.
pub async fn close(ctx: &mut Ctx, sprint_id: u64) -> Result<Response, Suspend> {
    update(ctx, sprint_id, json!({ "state": "closed" })).await
}

/// Rename a sprint (its goal and dates stay).
pub async fn rename(ctx: &mut Ctx, sprint_id: u64, name: &str) -> Result<Response, Suspend> {
    update(ctx, sprint_id, json!({ "name": name })).await
}

/// Delete a sprint.
pub async fn delete(ctx: &mut Ctx, sprint_id: u64) -> Result<Response, Suspend> {
    let request = Request {
        method: Method::Delete,
        ..Request::get(format!("{AGILE}/sprint/{sprint_id}"))
    };
    send(ctx, &request).await
}

/// Swap two future sprints' places on the board. Not idempotent: sent once (see
/// [`send_once`]).
pub async fn swap(ctx: &mut Ctx, sprint_id: u64, with: u64) -> Result<Response, Suspend> {
    send_once(
        ctx,
        &Request::post(
            format!("{AGILE}/sprint/{sprint_id}/swap"),
            json!({ "sprintToSwapWith": with }),
        ),
    )
    .await
}

/// Move issues (at most [`MOVE_BATCH`] keys, in rank order) into a sprint.
pub async fn move_issues(
    ctx: &mut Ctx,
    sprint_id: u64,
    keys: &[String],
) -> Result<Response, Suspend> {
    send(
        ctx,
        &Request::post(
            format!("{AGILE}/sprint/{sprint_id}/issue"),
            json!({ "issues": keys }),
        ),
    )
    .await
}

/// Issues per move request (Jira's limit).
pub const MOVE_BATCH: usize = 50;
/// Issues per page when listing a sprint (Jira's cap for this endpoint).
pub const ISSUE_PAGE: usize = 100;

/// A page of a sprint's issues matching `jql` (when given), from `start_at`, with the fields a
/// close needs: status, issue type, parent ([`IssuePage`]). An answer that is not JSON reads as an
/// empty page.
pub async fn issue_page(
    ctx: &mut Ctx,
    sprint_id: u64,
    jql: Option<&str>,
    start_at: usize,
) -> Result<Result<IssuePage, Response>, Suspend> {
    let jql = jql.map_or(String::new(), |q| format!("&jql={}", encode(q)));
    let r = send_for_read(
        ctx,
        &Request::get(format!(
            "{AGILE}/sprint/{sprint_id}/issue?fields=status%2Cissuetype%2Cparent{jql}&startAt={start_at}&maxResults={ISSUE_PAGE}"
        )),
    )
    .await?;
    if r.status != 200 {
        return Ok(Err(r.parsed()));
    }
    Ok(Ok(r
        .body
        .and_then(|text| IssuePage::read(&text))
        .unwrap_or_default()))
}
