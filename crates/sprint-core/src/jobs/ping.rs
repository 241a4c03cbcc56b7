//! `ping`: the smallest job that crosses every layer (core, driver, @forge/api, Jira).

use serde_json::{json, Value};

use crate::error::{CoreError, ErrorCode};
use crate::jira;
use crate::step::{Ctx, JobResult};

pub(crate) async fn run(ctx: &mut Ctx, account_id: Option<&str>) -> JobResult<Value> {
    let mut jira_admin = None;
    if account_id.is_some() {
        let r = jira::permissions::mine(ctx, &["ADMINISTER"], None, None).await?;
        if !r.is_success() {
            let s = r.error_summary();
            return Err(CoreError::new(ErrorCode::JiraError, s.message).into());
        }
        jira_admin = r.body["permissions"]["ADMINISTER"]["havePermission"].as_bool();
    }
    Ok(json!({
        "pong": true,
        "coreVersion": crate::VERSION,
        "now": ctx.now(),
        "jiraAdmin": jira_admin,
    }))
}
