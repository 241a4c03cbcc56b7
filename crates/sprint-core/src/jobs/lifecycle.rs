//! Install and upgrade: the ONLY place the schema is migrated.

use serde_json::{json, Value};

use crate::effect::Effect;
use crate::error::{CoreError, ErrorCode};
use crate::log::{Level, LogEntry, LogKind, Reason};
use crate::schema;
use crate::step::{Ctx, JobResult};
use crate::store;

pub(crate) async fn run(ctx: &mut Ctx, event: &str) -> JobResult<Value> {
    let count = schema::MIGRATIONS.len();
    let r = ctx
        .perform(Effect::Migrate {
            migrations: schema::migrations(count),
        })
        .await?;
    if let Some(e) = r.error {
        // Logged with its code by the step (every 5xx outcome is).
        return Err(CoreError::new(
            ErrorCode::MigrationFailed,
            format!(
                "app {event}: schema migration failed ({}); the handler can run again",
                e.code
            ),
        )
        .into());
    }
    let applied: Vec<Value> = r
        .body
        .as_ref()
        .and_then(|b| b["applied"].as_array().cloned())
        .unwrap_or_default();
    // Seed the global settings row once; an existing row is left as the admins set it.
    {
        store::settings::seed_global(ctx).await?;
        let settings = store::settings::load_global(ctx).await?;
        ctx.set_log_retention(settings.log_retention_days);
    }
    ctx.log(LogEntry::new(
        ctx.now(),
        Level::Info,
        LogKind::Lifecycle,
        if event == "installed" {
            Reason::AppInstalled
        } else {
            Reason::AppUpgraded
        },
        format!(
            "app {event}: schema has {count} migrations, {} applied now",
            applied.len()
        ),
    ));
    Ok(json!({ "event": event, "migrations": count, "applied": applied }))
}
