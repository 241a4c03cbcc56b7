//! The planner's view of a board, from Jira's sprints and the stored settings.

use crate::domain::Sprint;
use crate::settings::{parse_time_zone, BoardSettings, GlobalSettings, WEEKDAYS};

use super::{BoardContext, ExistingSprint};

/// The planner's view of a board.
pub fn context_of(
    board_id: u64,
    name: &str,
    project: &str,
    sprints: &[Sprint],
    settings: &BoardSettings,
    global: &GlobalSettings,
) -> BoardContext {
    let tz = settings
        .time_zone
        .as_deref()
        .and_then(parse_time_zone)
        .or_else(|| parse_time_zone(&global.default_time_zone))
        .unwrap_or(crate::tz::Zone::UTC);
    BoardContext {
        board_id,
        board_name: name.to_string(),
        project_key: project.to_string(),
        existing: sprints
            .iter()
            .map(|s| ExistingSprint {
                id: s.id,
                name: s.name.clone(),
                state: s.state,
                start: s.start,
                end: s.end,
            })
            .collect(),
        default_tz: tz,
        working_days: settings
            .working_days
            .iter()
            .filter_map(|d| WEEKDAYS.iter().position(|w| w == d))
            .filter_map(|i| chrono::Weekday::try_from(i as u8).ok())
            .collect(),
        holidays: settings
            .holidays
            .iter()
            .filter_map(|d| crate::time_format::parse_date(d, crate::time_format::DATE))
            .collect(),
    }
}
