//! Name and goal templates: parsing (`{board} Sprint {n}`, `{start:D MMM}`, ...) and rendering.

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::error::{CoreError, ErrorCode};
use crate::time_format::{self, Items};

/// A parsed name or goal template. Build with [`parse_template`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTemplate {
    /// The payload field it came from, named by errors about it.
    field: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Text(String),
    Token(Token),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Token {
    Board,
    Project,
    Number,
    /// `{start}`/`{end}` and their `:FMT` forms; the chrono format (`time_format`).
    Date(Edge, Items),
    Week,
    Quarter,
    Year,
    Pi,
    SprintInPi,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Edge {
    Start,
    End,
}

/// The date formats a template may ask for, as admins write them, and chrono's items for them
/// (`%Y-%m-%d`, `%d.%m.`, `%d.%m.%Y`, `%b %-d`, `%-d %b`, `%m/%d`).
pub(crate) const DATE_FORMATS: [(&str, Items); 6] = [
    ("YYYY-MM-DD", time_format::DATE),
    ("DD.MM.", time_format::DAY_MONTH_DOTTED),
    ("DD.MM.YYYY", time_format::DAY_MONTH_YEAR_DOTTED),
    ("MMM D", time_format::MONTH_NAME_DAY),
    ("D MMM", time_format::DAY_MONTH_NAME),
    ("MM/DD", time_format::MONTH_DAY_SLASHED),
];

impl Token {
    pub(crate) fn parse(name: &str) -> Option<Token> {
        let (head, format) = match name.split_once(':') {
            Some((h, f)) => (h, Some(f)),
            None => (name, None),
        };
        let edge = match head {
            "start" => Edge::Start,
            "end" => Edge::End,
            _ if format.is_some() => return None,
            "board" => return Some(Token::Board),
            "project" => return Some(Token::Project),
            "n" => return Some(Token::Number),
            "week" => return Some(Token::Week),
            "quarter" => return Some(Token::Quarter),
            "year" => return Some(Token::Year),
            "pi" => return Some(Token::Pi),
            "sprintInPi" => return Some(Token::SprintInPi),
            _ => return None,
        };
        let chrono = match format {
            None => time_format::DATE,
            Some(f) => DATE_FORMATS.iter().find(|(name, _)| *name == f)?.1,
        };
        Some(Token::Date(edge, chrono))
    }
}

pub(crate) fn template_fault(field: &str, message: String, token: &str) -> CoreError {
    CoreError::new(
        ErrorCode::TemplateTokenUnknown,
        format!("{field}: {message}"),
    )
    .with_details(json!({ "field": field, "token": token }))
}

/// Parse a template. Tokens: `{board}`, `{project}`, `{n}`, `{start}`, `{end}`, `{start:FMT}`,
/// `{end:FMT}` (FMT one of `YYYY-MM-DD`, `DD.MM.`, `DD.MM.YYYY`, `MMM D`, `D MMM`, `MM/DD`),
/// `{week}`, `{quarter}`, `{year}`, `{pi}`, `{sprintInPi}`; `{{` and `}}` are literal braces.
/// `field` (`plan.nameTemplate`) is named by this and later errors. Length limits are the
/// caller's (read the string with [`Fields::string`](crate::validate::Fields::string) first).
pub fn parse_template(s: &str, field: &str) -> Result<PlanTemplate, CoreError> {
    // Control characters and bidirectional overrides would reach Jira in sprint names, where
    // they hide or reorder text (spoofing): refuse them.
    if s.chars().any(|c| {
        c.is_control()
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        return Err(CoreError::new(
            ErrorCode::OutOfRange,
            format!("{field}: control and text-direction characters are not allowed"),
        )
        .with_details(json!({ "field": field })));
    }
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if chars.peek() == Some(&c) => {
                chars.next();
                text.push(c);
            }
            '{' => {
                let mut name = String::new();
                let closed = loop {
                    match chars.next() {
                        Some('}') => break true,
                        Some('{') | None => break false,
                        Some(c) => name.push(c),
                    }
                };
                // Echo at most 40 characters of the token: it is caller input.
                let shown: String = name.chars().take(40).collect();
                if !closed {
                    let token = format!("{{{shown}");
                    return Err(template_fault(
                        field,
                        format!("unbalanced brace at {token}"),
                        &token,
                    ));
                }
                let token = Token::parse(&name).ok_or_else(|| {
                    let token = format!("{{{shown}}}");
                    template_fault(field, format!("unknown template token {token}"), &token)
                })?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Token(token));
            }
            '}' => return Err(template_fault(field, "unbalanced brace }".to_string(), "}")),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(PlanTemplate {
        field: field.to_string(),
        parts,
    })
}

impl PlanTemplate {
    /// True when the template uses `{pi}` or `{sprintInPi}`, which need a PI setup.
    pub fn uses_pi(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Token(Token::Pi | Token::SprintInPi)))
    }

    /// The field this template came from.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Refuse PI tokens where no PI is configured.
    pub(crate) fn check_pi(&self, pi_given: bool) -> Result<(), CoreError> {
        if self.uses_pi() && !pi_given {
            let message = "{pi} and {sprintInPi} need a pi setting".to_string();
            return Err(template_fault(&self.field, message, "{pi}"));
        }
        Ok(())
    }

    pub(crate) fn render(&self, vars: &TemplateVars) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Token(t) => out.push_str(&vars.value(*t)),
            }
        }
        out
    }
}

/// A sprint's position in a SAFe Program Increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiPosition {
    pub pi: u32,
    pub sprint_in_pi: u32,
}

/// What the tokens of a template stand for, for one sprint.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVars {
    pub board: String,
    pub project: String,
    /// The running number `{n}`.
    pub number: u64,
    /// Local dates in the plan's zone; `None` (an undated sprint) renders date tokens empty.
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// `None` renders `{pi}`/`{sprintInPi}` empty (check [`PlanTemplate::uses_pi`] first).
    pub pi: Option<PiPosition>,
}

impl TemplateVars {
    pub(crate) fn value(&self, token: Token) -> String {
        let on_start = |f: &dyn Fn(NaiveDate) -> String| self.start.map(f).unwrap_or_default();
        match token {
            Token::Board => self.board.clone(),
            Token::Project => self.project.clone(),
            Token::Number => self.number.to_string(),
            Token::Date(edge, format) => {
                let date = if edge == Edge::Start {
                    self.start
                } else {
                    self.end
                };
                date.map(|d| time_format::format_date(d, format))
                    .unwrap_or_default()
            }
            Token::Week => on_start(&|d| format!("{:02}", d.iso_week().week())),
            Token::Quarter => on_start(&|d| format!("Q{}", d.month0() / 3 + 1)),
            Token::Year => on_start(&|d| d.year().to_string()),
            Token::Pi => self.pi.map(|p| p.pi.to_string()).unwrap_or_default(),
            Token::SprintInPi => self
                .pi
                .map(|p| p.sprint_in_pi.to_string())
                .unwrap_or_default(),
        }
    }
}

/// Render a sprint name (trimmed, as Jira stores it). Used for planned sprints and by "rename
/// future sprints".
pub fn render_name(template: &PlanTemplate, vars: &TemplateVars) -> String {
    template.render(vars).trim().to_string()
}
