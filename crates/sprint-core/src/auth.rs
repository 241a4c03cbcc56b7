//! Server-side authorisation as a decision. The shim fetches nothing on its own: jobs ask Jira (as
//! the calling user) for the permissions and the board's project, then [`decide`] answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, ErrorCode};
use crate::jira;
use crate::step::{Ctx, JobResult};

/// Seconds a permission answer may be reused for the same account (never across accounts: the
/// driver keys its cache by account).
pub const PERMISSION_CACHE_SECONDS: u32 = 60;

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Read or change global settings; read the application logs.
    SiteAdministration,
    /// Read or change a board's settings, bulk-create on it (board of the named project).
    ProjectAdministration,
}

/// The permission answers Jira gave for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grants {
    /// `ADMINISTER` (Jira administrator).
    pub jira_admin: bool,
    /// `ADMINISTER_PROJECTS` for the named project.
    pub project_admin: bool,
}

/// The decision: allow, or deny with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "decision")]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refuse (403-style) with this code.
    Deny {
        /// Why.
        code: ErrorCode,
    },
}

/// Decide. `account` comes from Forge's context only; `board_project` is the board's project as
/// Jira reports it (not as the caller claims); `named_project` is the project the caller named.
pub fn decide(
    action: Action,
    account: Option<&str>,
    grants: Grants,
    named_project: Option<&str>,
    board_project: Option<&str>,
) -> Decision {
    let deny = |code| Decision::Deny { code };
    if account.is_none() {
        return deny(ErrorCode::NotAuthenticated);
    }
    match action {
        Action::SiteAdministration if grants.jira_admin => Decision::Allow,
        Action::SiteAdministration => deny(ErrorCode::NotJiraAdmin),
        Action::ProjectAdministration => {
            if !grants.project_admin {
                return deny(ErrorCode::NotProjectAdmin);
            }
            match (named_project, board_project) {
                (Some(named), Some(actual)) if named != actual => {
                    deny(ErrorCode::BoardNotInProject)
                }
                _ => Decision::Allow,
            }
        }
    }
}

/// Ask Jira, as the caller, what they may do (for `project`, when given).
pub async fn fetch_grants(ctx: &mut Ctx, project: Option<&str>) -> JobResult<Grants> {
    let keys = ["ADMINISTER", "ADMINISTER_PROJECTS"];
    let r = jira::permissions::mine(ctx, &keys, project, Some(PERMISSION_CACHE_SECONDS)).await?;
    match r.status {
        200 => {
            let has = |k: &str| r.body["permissions"][k]["havePermission"] == Value::Bool(true);
            Ok(Grants {
                jira_admin: has("ADMINISTER"),
                project_admin: has("ADMINISTER_PROJECTS"),
            })
        }
        // An unknown project, or a caller Jira does not know: nothing is granted.
        401 | 404 => Ok(Grants::default()),
        _ => Err(r.to_error("checking the caller's permissions").into()),
    }
}

/// Run the whole check for `action` and fail with the coded 403 on denial.
pub async fn require(
    ctx: &mut Ctx,
    action: Action,
    account: Option<&str>,
    named_project: Option<&str>,
    board_project: Option<&str>,
) -> JobResult<()> {
    if account.is_none() {
        return Err(denied(ErrorCode::NotAuthenticated).into());
    }
    let project = match action {
        Action::SiteAdministration => None,
        Action::ProjectAdministration => named_project,
    };
    let grants = fetch_grants(ctx, project).await?;
    match decide(action, account, grants, named_project, board_project) {
        Decision::Allow => Ok(()),
        Decision::Deny { code } => Err(denied(code).into()),
    }
}

/// A caller's rights on one project, asked of Jira once: checked on their own first (so a board's
/// project is not revealed to someone who may not see it), then against each board's project.
pub struct ProjectRights<'a> {
    account: Option<&'a str>,
    project: &'a str,
    grants: Grants,
}

impl<'a> ProjectRights<'a> {
    /// Ask Jira as the caller, and deny at once unless they administer `project`.
    pub async fn fetch(
        ctx: &mut Ctx,
        account: Option<&'a str>,
        project: &'a str,
    ) -> JobResult<Self> {
        if account.is_none() {
            return Err(denied(ErrorCode::NotAuthenticated).into());
        }
        let grants = fetch_grants(ctx, Some(project)).await?;
        let rights = ProjectRights {
            account,
            project,
            grants,
        };
        rights.check(None)?;
        Ok(rights)
    }

    /// Allow, or the coded 403, for a board whose project Jira reports as `board_project`.
    pub fn check(&self, board_project: Option<&str>) -> Result<(), CoreError> {
        match decide(
            Action::ProjectAdministration,
            self.account,
            self.grants,
            Some(self.project),
            board_project,
        ) {
            Decision::Allow => Ok(()),
            Decision::Deny { code } => Err(denied(code)),
        }
    }
}

/// The coded error for a denial.
pub fn denied(code: ErrorCode) -> CoreError {
    let message = match code {
        ErrorCode::NotAuthenticated => "sign in to Jira to do this",
        ErrorCode::NotJiraAdmin => "only Jira administrators can do this",
        ErrorCode::NotProjectAdmin => "only administrators of this project can do this",
        ErrorCode::BoardNotInProject => "this board does not belong to this project",
        _ => "not allowed",
    };
    CoreError::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Grants = Grants {
        jira_admin: true,
        project_admin: true,
    };
    const PADMIN: Grants = Grants {
        jira_admin: false,
        project_admin: true,
    };
    const USER: Grants = Grants {
        jira_admin: false,
        project_admin: false,
    };

    fn deny(code: ErrorCode) -> Decision {
        Decision::Deny { code }
    }

    #[test]
    fn the_decision_table() {
        use Action::*;
        let a = Some("acc");
        let table = [
            (
                SiteAdministration,
                None,
                ADMIN,
                Some("A"),
                Some("A"),
                deny(ErrorCode::NotAuthenticated),
            ),
            (SiteAdministration, a, ADMIN, None, None, Decision::Allow),
            (
                SiteAdministration,
                a,
                PADMIN,
                None,
                None,
                deny(ErrorCode::NotJiraAdmin),
            ),
            (
                SiteAdministration,
                a,
                USER,
                None,
                None,
                deny(ErrorCode::NotJiraAdmin),
            ),
            (
                ProjectAdministration,
                a,
                USER,
                Some("A"),
                Some("A"),
                deny(ErrorCode::NotProjectAdmin),
            ),
            (
                ProjectAdministration,
                a,
                PADMIN,
                Some("A"),
                Some("A"),
                Decision::Allow,
            ),
            (
                ProjectAdministration,
                a,
                PADMIN,
                Some("A"),
                Some("B"),
                deny(ErrorCode::BoardNotInProject),
            ),
            (
                ProjectAdministration,
                a,
                ADMIN,
                Some("A"),
                Some("B"),
                deny(ErrorCode::BoardNotInProject),
            ),
            (
                ProjectAdministration,
                a,
                ADMIN,
                Some("A"),
                None,
                Decision::Allow,
            ),
        ];
        for (action, account, grants, named, actual, want) in table {
            assert_eq!(decide(action, account, grants, named, actual), want);
        }
    }
}
