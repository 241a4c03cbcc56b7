//! What the calling user may do in Jira (`mypermissions`, always as the user).

use super::{encode, send, Request, Response};
use crate::step::{Ctx, Suspend};

/// The caller's grants of these permission keys (for `project`, when given). A cached answer of
/// the same account up to `cache_seconds` old will do, when set.
pub async fn mine(
    ctx: &mut Ctx,
    keys: &[&str],
    project: Option<&str>,
    cache_seconds: Option<u32>,
) -> Result<Response, Suspend> {
    let mut path = format!(
        "/rest/api/3/mypermissions?permissions={}",
        encode(&keys.join(","))
    );
    if let Some(p) = project {
        path.push_str("&projectKey=");
        path.push_str(&encode(p));
    }
    let mut request = Request::get(path).as_user();
    if let Some(seconds) = cache_seconds {
        request = request.cached(seconds);
    }
    send(ctx, &request).await
}
