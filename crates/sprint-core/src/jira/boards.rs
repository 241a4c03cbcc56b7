//! Jira's boards (the Agile REST API's `/board` resources): one board, its column
//! configuration, and a project's boards.

use super::{encode, send, Request, Response, AGILE};
use crate::step::{Ctx, Suspend};

/// One board (name, type, location).
pub async fn get(ctx: &mut Ctx, board_id: u64) -> Result<Response, Suspend> {
    send(ctx, &Request::get(format!("{AGILE}/board/{board_id}"))).await
}

/// The board's column configuration (which statuses are in which column).
pub async fn configuration(ctx: &mut Ctx, board_id: u64) -> Result<Response, Suspend> {
    send(
        ctx,
        &Request::get(format!("{AGILE}/board/{board_id}/configuration")),
    )
    .await
}

/// A page of 50 of the boards Jira lists for a project, from `start_at`.
pub async fn of_project_page(
    ctx: &mut Ctx,
    project_key: &str,
    start_at: usize,
) -> Result<Response, Suspend> {
    send(
        ctx,
        &Request::get(format!(
            "{AGILE}/board?projectKeyOrId={}&startAt={start_at}&maxResults=50",
            encode(project_key)
        )),
    )
    .await
}
