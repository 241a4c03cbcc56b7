//! The Jira gateway: the only place that builds Jira REST paths ([`sprints`], [`boards`],
//! [`permissions`]), and the transport they share: requests with the app's retry policy (honour
//! `Retry-After` on 429/503, back off exponentially with jitter on other transient failures, give
//! up after a few attempts), Jira's points quota wall and pacing.

use serde_json::{json, Value};

use crate::effect::{Actor, Effect, EffectResult, Method};
use crate::error::{CoreError, ErrorCode};
use crate::log::JiraErrorSummary;
use crate::step::{Ctx, Suspend};

pub mod boards;
pub mod issue_page;
pub mod permissions;
pub mod sprints;

/// The Agile REST API's root.
const AGILE: &str = "/rest/agile/1.0";

/// Attempts per request before the failure is reported.
pub const MAX_ATTEMPTS: u32 = 5;
/// First backoff for a transient failure without `Retry-After`.
const BASE_BACKOFF_MS: f64 = 500.0;
/// Time kept in hand after a retry's wait: enough to make the call (the shim gives a call the
/// remaining time less 5 s at most) and record what happened.
const RETRY_RESERVE_MS: u64 = 8_000;
/// Longest single wait the core will ask for.
const MAX_BACKOFF_MS: f64 = 30_000.0;

/// A Jira request as the core builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Authority.
    pub actor: Actor,
    /// Method.
    pub method: Method,
    /// Full, encoded path.
    pub path: String,
    /// JSON body.
    pub body: Option<Value>,
    /// Answer may come from a per-account cache this fresh.
    pub cache_seconds: Option<u32>,
}

impl Request {
    /// A GET as the app.
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            actor: Actor::App,
            method: Method::Get,
            path: path.into(),
            body: None,
            cache_seconds: None,
        }
    }

    /// A POST as the app.
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Request {
            actor: Actor::App,
            method: Method::Post,
            path: path.into(),
            body: Some(body),
            cache_seconds: None,
        }
    }

    /// Run as the calling user instead.
    pub fn as_user(mut self) -> Self {
        self.actor = Actor::User;
        self
    }

    /// Allow a cached answer for the same account.
    pub fn cached(mut self, seconds: u32) -> Self {
        self.cache_seconds = Some(seconds);
        self
    }

    fn effect(&self) -> Effect {
        Effect::Jira {
            actor: self.actor,
            method: self.method,
            path: self.path.clone(),
            body: self.body.clone(),
            cache_seconds: self.cache_seconds,
        }
    }
}

/// A final answer: a success or an error the caller must handle. Its body is a JSON tree (Null
/// when empty or not JSON), or for the gateway's own typed reads the text as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<B = Value> {
    /// HTTP status; 0 when the request never got an answer.
    pub status: u16,
    /// The body.
    pub body: B,
    /// Why there was no answer (status 0).
    pub failure: Option<crate::effect::Failure>,
    /// Set when Jira's points quota refuses the app: the reset (epoch ms).
    pub quota_wall_until: Option<i64>,
}

impl<B> Response<B> {
    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Response<Option<String>> {
    /// The answer with its body as a JSON tree.
    pub(super) fn parsed(self) -> Response {
        Response {
            status: self.status,
            body: self
                .body
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null),
            failure: self.failure,
            quota_wall_until: self.quota_wall_until,
        }
    }
}

impl Response {
    /// The coded error a resolver answers when this call failed while `what`: `JIRA_QUOTA_WALL`
    /// (503, with the reset as `details.retryAt`) behind the points quota, else `JIRA_ERROR`.
    pub fn to_error(&self, what: &str) -> CoreError {
        if let Some(until) = self.quota_wall_until {
            let at = chrono::DateTime::from_timestamp_millis(until).unwrap_or_default();
            return CoreError::new(
                ErrorCode::JiraQuotaWall,
                format!(
                    "{what}: Jira's points quota for this app is used up until {} UTC; nothing was changed, try again then",
                    crate::time_format::format(&at, crate::time_format::HOUR_MINUTE)
                ),
            )
            .with_details(json!({ "retryAt": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) }));
        }
        let s = self.error_summary();
        CoreError::new(
            ErrorCode::JiraError,
            format!("{what}: Jira answered {} {}", s.code, s.message),
        )
    }

    /// The error as the log keeps it: status, code, first message. Never the payload.
    pub fn error_summary(&self) -> JiraErrorSummary {
        let first = self.body["errorMessages"]
            .as_array()
            .and_then(|m| m.first())
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                self.body["errors"]
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        JiraErrorSummary {
            status: self.status,
            code: if self.status == 0 {
                self.failure
                    .as_ref()
                    .map_or_else(|| "NETWORK".to_string(), |f| f.code.clone())
            } else {
                format!("HTTP_{}", self.status)
            },
            message: first.chars().take(200).collect(),
        }
    }
}

fn transient(r: &EffectResult) -> bool {
    match (r.status, &r.error) {
        // A refused route will be refused again; a lost connection may not be lost again.
        (_, Some(e)) => e.code == "NETWORK",
        (Some(s), None) => s == 429 || s >= 500,
        (None, None) => true,
    }
}

/// Send a request, retrying transient failures per the policy. Returns the final answer.
pub async fn send(ctx: &mut Ctx, request: &Request) -> Result<Response, Suspend> {
    Ok(send_with(ctx, request, transient).await?.parsed())
}

/// [`send`], with the body left as JSON text for a typed read.
pub(super) async fn send_for_read(
    ctx: &mut Ctx,
    request: &Request,
) -> Result<Response<Option<String>>, Suspend> {
    send_with(ctx, request, transient).await
}

/// Send a request that must not run twice (a create, a swap): retry only answers that say it was
/// not carried out (429, and 503 with `Retry-After`). A lost answer or a 5xx is returned at once:
/// the caller re-reads Jira to learn whether it happened.
pub async fn send_once(ctx: &mut Ctx, request: &Request) -> Result<Response, Suspend> {
    let r = send_with(ctx, request, |r| {
        r.error.is_none()
            && (r.status == Some(429) || (r.status == Some(503) && r.retry_after_seconds.is_some()))
    })
    .await?;
    Ok(r.parsed())
}

async fn send_with(
    ctx: &mut Ctx,
    request: &Request,
    retry: fn(&EffectResult) -> bool,
) -> Result<Response<Option<String>>, Suspend> {
    let mut attempt = 0;
    let as_app = request.actor == Actor::App;
    if as_app && !ctx.global_read() {
        // Know Jira's quota state (and the log retention) before the first call as the app,
        // whatever the job read first.
        let r = ctx
            .perform(crate::store::settings::load_global_effect())
            .await?;
        crate::store::settings::note_global(ctx, &r);
    }
    loop {
        attempt += 1;
        // Behind Jira's points quota wall no call is made as the app until the reset (calls as
        // the user, from the pages, draw on no app quota).
        let now_ms = ctx.now().timestamp_millis();
        if let Some(until) = ctx.jira_wall_until().filter(|w| as_app && *w > now_ms) {
            return Ok(walled(until));
        }
        // A retry has just waited its backoff: pace only first attempts.
        if attempt == 1 && ctx.pace_ms() > 0 {
            let ms = ctx.pace_ms();
            ctx.perform(Effect::Wait { ms }).await?;
        }
        let r = ctx.perform(request.effect()).await?;
        if let Some(until) = quota_wall_until(&r, now_ms).filter(|_| as_app) {
            // Retrying cannot help before the reset, and every call spends the pool that every
            // site of the app shares: stop, and tell every later job through the settings row.
            ctx.set_jira_wall_until(Some(until));
            // Straight through `perform` (a send cannot fail with a coded error): a storage
            // failure only means the next job learns of the wall from Jira again.
            let short_until = until + crate::spend::SHORT_AFTER_WALL.num_milliseconds();
            ctx.set_jira_short_until(Some(short_until));
            let recorded = ctx
                .perform(crate::store::settings::record_jira_wall_effect(
                    until,
                    short_until,
                ))
                .await?;
            if recorded.affected_rows.unwrap_or(0) > 0 {
                let at = chrono::DateTime::from_timestamp_millis(until).unwrap_or(ctx.now());
                ctx.log(crate::log::LogEntry::new(
                    ctx.now(),
                    crate::log::Level::Warn,
                    crate::log::LogKind::Skipped,
                    crate::log::Reason::JiraQuotaWall,
                    format!(
                        "Jira's points quota for the app is used up ({}): no Jira call as the app until {} UTC; due starts and closes happen then and say how late",
                        r.rate_limit_reason.as_deref().unwrap_or("429"),
                        crate::time_format::format(&at, crate::time_format::DATE_HOUR_MINUTE)
                    ),
                ));
            }
            return Ok(Response {
                status: 429,
                body: r.body_text,
                failure: None,
                quota_wall_until: Some(until),
            });
        }
        if as_app && r.rate_limit_near_limit == Some(true) && !ctx.jira_points_short() {
            note_points_short(ctx).await?;
        }
        let pace = next_pace(ctx.pace_ms(), &r);
        ctx.set_pace_ms(pace);
        if !retry(&r) || attempt >= MAX_ATTEMPTS {
            return Ok(Response {
                status: r.status.unwrap_or(0),
                body: r.body_text,
                failure: r.error,
                quota_wall_until: None,
            });
        }
        let ms = backoff_ms(&r, attempt, ctx.jitter());
        // Never wait past the invocation's end: report the failure while there is time to
        // record it (the caller logs it and the next run tries again).
        let left = ctx
            .perform(Effect::RemainingTime {})
            .await?
            .remaining_ms
            .unwrap_or(0);
        if left < ms + RETRY_RESERVE_MS {
            return Ok(Response {
                status: r.status.unwrap_or(0),
                body: r.body_text,
                failure: r.error,
                quota_wall_until: None,
            });
        }
        ctx.perform(Effect::Wait { ms }).await?;
    }
}

/// Jira says under 20 % of a budget is left (`X-RateLimit-NearLimit`; the header does not say
/// which, so the app takes it as the hourly points pool): until the pool resets, only work with a
/// deadline runs. Recorded for every later job; logged once per hour.
async fn note_points_short(ctx: &mut Ctx) -> Result<(), Suspend> {
    let until = crate::spend::next_reset(ctx.now());
    ctx.set_jira_short_until(Some(until.timestamp_millis()));
    let recorded = ctx
        .perform(crate::store::settings::record_jira_short_effect(
            until.timestamp_millis(),
        ))
        .await?;
    if recorded.affected_rows.unwrap_or(0) > 0 {
        ctx.log(crate::log::LogEntry::new(
            ctx.now(),
            crate::log::Level::Info,
            crate::log::LogKind::Skipped,
            crate::log::Reason::JiraPointsShort,
            format!(
                "Jira says under 20 % of the app's hourly points are left: until {} UTC only due starts, closes and readiness looks run; keep-ahead top-ups, daily looks and bulk jobs wait",
                crate::time_format::format(&until, crate::time_format::HOUR_MINUTE)
            ),
        ));
    }
    Ok(())
}

/// Until when Jira's points quota refuses the app (epoch ms), if this answer is that refusal: a
/// 429 whose `RateLimit-Reason` names the quota (`jira-quota-global-based`, `jira-quota-tenant-based`,
/// or the reported `jira-cost-based`). The burst and per-issue limits (`jira-burst-based`,
/// `jira-per-issue-on-write`) are waited out within the run instead.
pub fn quota_wall_until(r: &EffectResult, now_ms: i64) -> Option<i64> {
    let reason = r.rate_limit_reason.as_deref()?;
    if r.status != Some(429) || !(reason.contains("quota") || reason.contains("cost")) {
        return None;
    }
    let after = r
        .retry_after_seconds
        .map(|s| now_ms + (s * 1000.0).ceil() as i64);
    Some(
        r.rate_limit_reset_ms
            .or(after)
            .unwrap_or(now_ms + 3_600_000)
            .max(now_ms + 1_000),
    )
}

/// The answer a call behind the quota wall gets without being made.
fn walled(until: i64) -> Response<Option<String>> {
    Response {
        status: 429,
        body: None,
        quota_wall_until: Some(until),
        failure: Some(crate::effect::Failure::new(
            crate::error::ErrorCode::JiraQuotaWall.as_str(),
            "not sent: Jira's points quota refuses the app until its reset",
        )),
    }
}

/// Shortest pause between calls once Jira says the rate limit is near.
const MIN_PACE_MS: u64 = 25;
/// Longest pause between calls.
const MAX_PACE_MS: u64 = 1_000;

/// The pause before the next call of this run. Waiting out a 429 costs a whole `Retry-After`
/// second, so a run slows down before Jira refuses it: when under a fifth of the limit remains it
/// paces its calls (longer while it stays low), and eases off once three tenths are back.
pub fn next_pace(current: u64, r: &EffectResult) -> u64 {
    if r.status == Some(429) {
        return (current * 2).clamp(MIN_PACE_MS, MAX_PACE_MS);
    }
    match (r.rate_limit_remaining, r.rate_limit_limit) {
        (Some(left), Some(limit)) if limit > 0 && left * 5 < limit => {
            (current.max(MIN_PACE_MS) * 5 / 4).min(MAX_PACE_MS)
        }
        (Some(left), Some(limit)) if limit > 0 && left * 10 >= limit * 3 => {
            let eased = current * 3 / 4;
            if eased < MIN_PACE_MS {
                0
            } else {
                eased
            }
        }
        (Some(_), Some(_)) => current,
        // No rate-limit news: ease off the pause.
        _ => current / 2,
    }
}

/// How long to wait before attempt `attempt + 1`.
pub fn backoff_ms(r: &EffectResult, attempt: u32, jitter: f64) -> u64 {
    if let Some(secs) = r.retry_after_seconds {
        // Jira told us when: wait exactly that (plus a little spread so retries don't collide).
        return (secs * 1000.0 + jitter * 250.0).round() as u64;
    }
    let exp = BASE_BACKOFF_MS * 2f64.powi(attempt as i32 - 1);
    // Full jitter between half and all of the exponential step.
    (exp.min(MAX_BACKOFF_MS) * (0.5 + jitter / 2.0)).round() as u64
}

/// Percent-encode one query or path component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, left: u32, limit: u32) -> EffectResult {
        EffectResult {
            status: Some(status),
            rate_limit_remaining: Some(left),
            rate_limit_limit: Some(limit),
            ..Default::default()
        }
    }

    #[test]
    fn an_answer_text_that_is_not_json_reads_as_a_null_body() {
        let with = |text: Option<&str>| {
            Response {
                status: 502,
                body: text.map(str::to_string),
                failure: None,
                quota_wall_until: None,
            }
            .parsed()
        };
        // A gateway's HTML page, an empty body, no body: nothing to read, and the error summary
        // keeps the status (the shim used to turn these into `null` itself).
        for text in [
            Some("<html><body>Bad gateway</body></html>"),
            Some(""),
            None,
        ] {
            let r = with(text);
            assert_eq!(r.body, Value::Null, "{text:?}");
            let s = r.error_summary();
            assert_eq!((s.code.as_str(), s.message.as_str()), ("HTTP_502", ""));
        }
        let r = with(Some(
            r#"{"errorMessages":["Sprint is closed."],"errors":{}}"#,
        ));
        assert_eq!(r.error_summary().message, "Sprint is closed.");
    }

    #[test]
    fn pacing_starts_near_the_limit_grows_while_low_and_eases_when_tokens_return() {
        // Plenty left: no pause.
        assert_eq!(next_pace(0, &answer(201, 9, 10)), 0);
        // Under a fifth left: start pacing, and pace longer while it stays low.
        let p1 = next_pace(0, &answer(201, 1, 10));
        assert_eq!(p1, MIN_PACE_MS * 5 / 4);
        let p2 = next_pace(p1, &answer(201, 0, 10));
        assert!(p2 > p1);
        // Between a fifth and three tenths: hold.
        assert_eq!(next_pace(p2, &answer(201, 2, 10)), p2);
        // Three tenths back: ease off, down to nothing.
        let mut p = p2;
        for _ in 0..10 {
            p = next_pace(p, &answer(201, 5, 10));
        }
        assert_eq!(p, 0);
        // A 429 doubles the pause (within bounds); no rate-limit news eases it.
        assert_eq!(
            next_pace(
                100,
                &EffectResult {
                    status: Some(429),
                    ..Default::default()
                }
            ),
            200
        );
        assert_eq!(
            next_pace(
                MAX_PACE_MS,
                &EffectResult {
                    status: Some(429),
                    ..Default::default()
                }
            ),
            MAX_PACE_MS
        );
        assert_eq!(
            next_pace(
                100,
                &EffectResult {
                    status: Some(200),
                    ..Default::default()
                }
            ),
            50
        );
    }
}

#[cfg(test)]
mod quota_tests {
    use super::*;

    fn refusal(reason: &str, retry: Option<f64>, reset: Option<i64>) -> EffectResult {
        EffectResult {
            status: Some(429),
            retry_after_seconds: retry,
            rate_limit_reason: Some(reason.to_string()),
            rate_limit_reset_ms: reset,
            ..EffectResult::default()
        }
    }

    #[test]
    fn only_the_points_quota_is_a_wall() {
        let now = 1_000_000;
        for reason in ["jira-burst-based", "jira-per-issue-on-write"] {
            assert_eq!(
                quota_wall_until(&refusal(reason, Some(1.0), None), now),
                None,
                "{reason}"
            );
        }
        for reason in [
            "jira-quota-global-based",
            "jira-quota-tenant-based",
            "jira-cost-based",
        ] {
            let reset = now + 1_847_000;
            assert_eq!(
                quota_wall_until(&refusal(reason, Some(1847.0), Some(reset)), now),
                Some(reset),
                "{reason}"
            );
            assert_eq!(
                quota_wall_until(&refusal(reason, Some(60.0), None), now),
                Some(now + 60_000)
            );
            assert_eq!(
                quota_wall_until(&refusal(reason, None, None), now),
                Some(now + 3_600_000)
            );
        }
        let mut ok = refusal("jira-quota-global-based", None, None);
        ok.status = Some(200);
        assert_eq!(quota_wall_until(&ok, now), None);
    }
}
