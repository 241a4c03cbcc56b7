//! The Forge SQL schema, as an ordered list of migrations for @forge/sql's migration runner.
//! Only the install/upgrade lifecycle job hands these to the driver. Names never change once
//! released: the runner records applied names in its `__migrations` table and skips them.

pub use crate::effect::Migration;

/// A migration as this crate declares it.
#[derive(Debug, Clone, Copy)]
pub struct Declared {
    /// Stable name.
    pub name: &'static str,
    /// One DDL statement.
    pub ddl: &'static str,
}

/// The first `count` migrations, as effect data.
pub fn migrations(count: usize) -> Vec<Migration> {
    MIGRATIONS
        .iter()
        .take(count)
        .map(|m| Migration {
            name: m.name.to_string(),
            ddl: m.ddl.to_string(),
        })
        .collect()
}

/// Every migration, in order.
pub const MIGRATIONS: &[Declared] = &[
    Declared {
        name: "v001_global_settings",
        ddl: "CREATE TABLE IF NOT EXISTS global_settings (\
            id TINYINT NOT NULL PRIMARY KEY, \
            automation_enabled BOOLEAN NOT NULL, \
            default_time_zone VARCHAR(64) NOT NULL, \
            default_carry_over VARCHAR(32) NOT NULL, \
            log_retention_days INT NOT NULL, \
            updated_at BIGINT NOT NULL)",
    },
    Declared {
        name: "v002_board_settings",
        ddl: "CREATE TABLE IF NOT EXISTS board_settings (\
            board_id BIGINT NOT NULL PRIMARY KEY, \
            project_key VARCHAR(16) NOT NULL, \
            automate BOOLEAN NOT NULL, \
            auto_start BOOLEAN NOT NULL, \
            auto_close BOOLEAN NOT NULL, \
            carry_over VARCHAR(32) NULL, \
            time_zone VARCHAR(64) NULL, \
            start_time CHAR(5) NULL, \
            close_time CHAR(5) NULL, \
            working_days VARCHAR(32) NOT NULL, \
            holidays TEXT NOT NULL, \
            changed_by VARCHAR(128) NOT NULL, \
            changed_at BIGINT NOT NULL, \
            KEY idx_board_settings_project (project_key))",
    },
    // IF NOT EXISTS (TiDB and MariaDB): a run stopped between this DDL and the runner's record
    // of it must be able to run again.
    Declared {
        name: "v003_board_settings_keep_ahead",
        ddl:
            "ALTER TABLE board_settings ADD COLUMN IF NOT EXISTS keep_ahead INT NOT NULL DEFAULT 0",
    },
    Declared {
        name: "v004_board_schedule",
        ddl: "CREATE TABLE IF NOT EXISTS board_schedule (\
            board_id BIGINT NOT NULL PRIMARY KEY, \
            next_due_at BIGINT NULL, \
            reconcile_at BIGINT NOT NULL, \
            lease_owner VARCHAR(64) NULL, \
            lease_until BIGINT NULL, \
            KEY idx_board_schedule_due (next_due_at))",
    },
    Declared {
        name: "v005_rollovers",
        ddl: "CREATE TABLE IF NOT EXISTS rollovers (\
            sprint_id BIGINT NOT NULL PRIMARY KEY, \
            board_id BIGINT NOT NULL, \
            phase VARCHAR(16) NOT NULL, \
            destination_sprint_id BIGINT NULL, \
            started_at BIGINT NULL, \
            closed_at BIGINT NULL, \
            updated_at BIGINT NOT NULL, \
            KEY idx_rollovers_board (board_id))",
    },
    Declared {
        name: "v006_bulk_jobs",
        ddl: "CREATE TABLE IF NOT EXISTS bulk_jobs (\
            job_id VARCHAR(64) NOT NULL PRIMARY KEY, \
            project_key VARCHAR(16) NOT NULL, \
            created_by VARCHAR(128) NOT NULL, \
            state VARCHAR(16) NOT NULL, \
            plan_json MEDIUMTEXT NOT NULL, \
            planned INT NOT NULL, \
            created INT NOT NULL, \
            failed INT NOT NULL, \
            created_at BIGINT NOT NULL, \
            updated_at BIGINT NOT NULL, \
            KEY idx_bulk_jobs_project (project_key, created_at))",
    },
    Declared {
        name: "v007_bulk_job_sprints",
        ddl: "CREATE TABLE IF NOT EXISTS bulk_job_sprints (\
            job_id VARCHAR(64) NOT NULL, \
            sprint_key VARCHAR(64) NOT NULL, \
            board_id BIGINT NOT NULL, \
            position INT NOT NULL, \
            sprint_id BIGINT NULL, \
            state VARCHAR(16) NOT NULL, \
            error_code VARCHAR(64) NULL, \
            PRIMARY KEY (job_id, sprint_key))",
    },
    Declared {
        name: "v008_board_settings_name_template",
        ddl: "ALTER TABLE board_settings ADD COLUMN IF NOT EXISTS name_template VARCHAR(100) NULL",
    },
    // What the next due instant is for (shown on the settings page): no Jira content, ids only.
    Declared {
        name: "v009_board_schedule_next_action",
        ddl: "ALTER TABLE board_schedule ADD COLUMN IF NOT EXISTS next_action VARCHAR(16) NULL",
    },
    Declared {
        name: "v010_board_schedule_next_sprint",
        ddl: "ALTER TABLE board_schedule ADD COLUMN IF NOT EXISTS next_sprint_id BIGINT NULL",
    },
    // One worker per bulk job at a time (queue deliveries are at least once).
    Declared {
        name: "v011_bulk_jobs_lease_owner",
        ddl: "ALTER TABLE bulk_jobs ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(64) NULL",
    },
    Declared {
        name: "v012_bulk_jobs_lease_until",
        ddl: "ALTER TABLE bulk_jobs ADD COLUMN IF NOT EXISTS lease_until BIGINT NULL",
    },
    // The reason code of the last blocked or failed attempt at a sprint: a start or close that
    // comes late says why (no Jira content).
    Declared {
        name: "v013_rollovers_last_problem",
        ddl: "ALTER TABLE rollovers ADD COLUMN IF NOT EXISTS last_problem VARCHAR(40) NULL",
    },
    // Close readiness: when to look next at the board's next automated close, and what the last
    // look found ({sprintId, closeAt, checkedAt, problems: [{code, keys}]}: codes and issue keys only).
    Declared {
        name: "v014_board_schedule_readiness",
        ddl: "ALTER TABLE board_schedule ADD COLUMN IF NOT EXISTS readiness_at BIGINT NULL, \
              ADD COLUMN IF NOT EXISTS readiness TEXT NULL",
    },
    // Jira's points quota: until when it refuses the app's calls (epoch ms), so no job calls
    // Jira before the reset.
    Declared {
        name: "v015_global_settings_jira_wall",
        ddl: "ALTER TABLE global_settings ADD COLUMN IF NOT EXISTS jira_wall_until BIGINT NULL",
    },
    // Jira's points are short (under 20 % of the pool left, or the hour after a wall): until
    // when only work with a deadline runs (epoch ms).
    Declared {
        name: "v016_global_settings_jira_short",
        ddl: "ALTER TABLE global_settings ADD COLUMN IF NOT EXISTS jira_short_until BIGINT NULL",
    },
];

/// Tables the current schema has (checked by tests against the database).
pub const TABLES: &[&str] = &[
    "global_settings",
    "board_settings",
    "board_schedule",
    "rollovers",
    "bulk_jobs",
    "bulk_job_sprints",
];
