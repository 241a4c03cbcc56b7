//! A closing sprint's unfinished issues and the board's done rule.

use crate::jira::issue_page::Status;
use crate::jira::sprints::ISSUE_PAGE;
use crate::jira::{self, Response};
use crate::step::{Ctx, JobResult};

/// An unfinished issue of a closing sprint, as the close needs it.
pub(super) struct Unfinished {
    pub(super) key: String,
    pub(super) subtask: bool,
    /// For a sub-task: its parent is done (Jira then refuses to complete the sprint).
    pub(super) parent_done: Option<String>,
}

/// How the board tells a done issue.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Done {
    /// In the board's right-most column with statuses (Jira's own rule for a scrum board): their
    /// ids.
    Statuses(Vec<u64>),
    /// The board has no readable configuration (a team-managed board may not answer it:
    /// undocumented): the status category Done, which such boards' columns follow.
    Category,
}

impl Done {
    fn status(&self, status: &Status) -> bool {
        match self {
            Done::Statuses(ids) => status.id.is_some_and(|id| ids.contains(&id)),
            Done::Category => status.category_done,
        }
    }

    /// The JQL clause that keeps only unfinished issues.
    fn unfinished_clause(&self) -> Option<String> {
        match self {
            Done::Statuses(ids) if ids.is_empty() => None,
            Done::Statuses(ids) => {
                let mut list: Vec<String> = ids.iter().map(u64::to_string).collect();
                crate::sort::sort(&mut list);
                list.dedup();
                Some(format!("status not in ({})", list.join(", ")))
            }
            Done::Category => Some("statusCategory != Done".to_string()),
        }
    }
}

/// The board's done rule: the statuses of the last column that has statuses mapped, or the status
/// category when the board has no configuration to read (400/404), as a team-managed board may.
pub(super) async fn done_statuses(
    ctx: &mut Ctx,
    board_id: u64,
) -> JobResult<Result<Done, Response>> {
    let r = jira::boards::configuration(ctx, board_id).await?;
    if matches!(r.status, 400 | 404) {
        return Ok(Ok(Done::Category));
    }
    if r.status != 200 {
        return Ok(Err(r));
    }
    let columns = r.body["columnConfig"]["columns"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let last = columns
        .iter()
        .rev()
        .find(|c| c["statuses"].as_array().is_some_and(|s| !s.is_empty()));
    Ok(Ok(Done::Statuses(
        last.and_then(|c| c["statuses"].as_array())
            .map(|s| {
                s.iter()
                    .filter_map(|s| crate::jira_time::id(&s["id"]))
                    .collect()
            })
            .unwrap_or_default(),
    )))
}

/// Which of a sprint's unfinished issues to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unread {
    /// All of them (the sprint is still open).
    All,
    /// Only those left in the backlog since the sprint closed: an interrupted carry-over resumes
    /// with them, and issues the team has moved to a sprint meanwhile stay where they are.
    InBacklog,
    /// Only open sub-tasks (a readiness look: those under a done parent block the close).
    OpenSubtasks,
}

/// The keys to carry over, in rank order: sub-tasks travel with their parents.
pub(super) fn parents_of(unfinished: &[Unfinished]) -> Vec<String> {
    unfinished
        .iter()
        .filter(|i| !i.subtask)
        .map(|i| i.key.clone())
        .collect()
}

/// The sprint's issues whose status is not in the board's Done column, in rank order: one JQL
/// read that costs 1 + n points for n unfinished issues (not 1 + m for the whole sprint). Each
/// comes with what the close needs: is it a sub-task, and is its parent done.
pub(super) async fn list_unfinished(
    ctx: &mut Ctx,
    sprint_id: u64,
    done: &Done,
    which: Unread,
) -> JobResult<Result<Vec<Unfinished>, Response>> {
    let mut clauses: Vec<String> = done.unfinished_clause().into_iter().collect();
    match which {
        // "Open" sprints are the started ones in Jira's JQL reference; future ones are named too.
        Unread::InBacklog => clauses
            .push("sprint not in openSprints() AND sprint not in futureSprints()".to_string()),
        Unread::OpenSubtasks => clauses.push("issuetype in subTaskIssueTypes()".to_string()),
        Unread::All => {}
    }
    let jql = (!clauses.is_empty()).then(|| clauses.join(" AND "));
    let mut out = Vec::new();
    let mut start_at = 0;
    loop {
        let page = match jira::sprints::issue_page(ctx, sprint_id, jql.as_deref(), start_at).await?
        {
            Ok(page) => page,
            Err(r) => return Ok(Err(r)),
        };
        let issues = &page.issues;
        for i in issues {
            // The JQL already filtered; a status in the Done column would only come from an answer
            // that ignored it, and a done issue is never carried.
            if done.status(&i.status) {
                continue;
            }
            let parent_done = i
                .parent
                .as_ref()
                .filter(|p| i.subtask && done.status(&p.status))
                .map(|p| p.key.clone());
            out.push(Unfinished {
                key: i.key.clone(),
                subtask: i.subtask,
                parent_done,
            });
        }
        start_at += issues.len();
        // Jira may cap a page below what was asked and may leave out `total`: stop on an empty
        // page, on `isLast`, at `total`, or on a page shorter than the answer's own page size.
        let total = page.total.map(|t| t as usize);
        let page_size = page.max_results.map_or(ISSUE_PAGE, |m| m as usize);
        if issues.is_empty()
            || page.is_last == Some(true)
            || total.is_some_and(|t| start_at >= t)
            || (total.is_none() && issues.len() < page_size)
        {
            break;
        }
    }
    Ok(Ok(out))
}
