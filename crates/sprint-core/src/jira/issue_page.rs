//! A page of a sprint's issues (`GET /rest/agile/1.0/sprint/{sprintId}/issue`, `SearchResults`),
//! read straight from Jira's text into the few fields a close uses.
//!
//! A page of 100 issues is ~24 KiB, nine tenths of it names, URLs and descriptions a close never
//! looks at. Built as a JSON tree it cost more core time than all of a rollover's other steps
//! together; this reader walks the text once and keeps only the fields below, skipping the rest
//! without building it. It reads exactly as the tree did (the tests compare the two on generated
//! pages): a value of another type than the field's reads as absent, never as an unreadable page,
//! and of repeated keys the last one counts.
//!
//! One visitor type walks the whole page, its place in the page a runtime value, so serde's
//! reading code is compiled once rather than once per nested shape (derived structs cost ~4 KB of
//! the gzipped module for the same job).

use core::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A page of issues, as a close reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssuePage {
    /// The issues, in rank order (an entry that is not an issue object reads as an empty issue).
    pub issues: Vec<PageIssue>,
    /// Matching issues in all pages, when Jira says (`total`).
    pub total: Option<u64>,
    /// The page size Jira applied (`maxResults`).
    pub max_results: Option<u64>,
    /// Jira says this is the last page (`isLast`).
    pub is_last: Option<bool>,
}

/// One issue of a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageIssue {
    /// `key` (empty when absent).
    pub key: String,
    /// `fields.status`.
    pub status: Status,
    /// `fields.issuetype.subtask`.
    pub subtask: bool,
    /// `fields.parent`, when it is an object.
    pub parent: Option<Parent>,
}

/// A sub-task's parent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parent {
    /// `key` (empty when absent).
    pub key: String,
    /// `fields.status`.
    pub status: Status,
}

/// A status: its id and whether its category is Done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// `id`, a number or a string of digits (`jira_time::id`'s rules).
    pub id: Option<u64>,
    /// `statusCategory.key` is `done`.
    pub category_done: bool,
}

impl IssuePage {
    /// Read a page from Jira's text; `None` when the text is not JSON.
    pub fn read(text: &str) -> Option<IssuePage> {
        let mut page = IssuePage::default();
        let mut de = serde_json::Deserializer::from_str(text);
        Reader {
            at: At::Page,
            page: &mut page,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        Some(page)
    }
}

/// Where in the page a value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Page,
    Total,
    MaxResults,
    IsLast,
    Issues,
    Issue,
    Key,
    Fields,
    Status,
    StatusId,
    Category,
    CategoryKey,
    IssueType,
    Subtask,
    Parent,
    ParentKey,
    ParentFields,
    ParentStatus,
    ParentStatusId,
    ParentCategory,
    ParentCategoryKey,
    /// Not read.
    Other,
}

impl At {
    /// The place of `key` inside an object at `self`.
    fn child(self, key: &str) -> At {
        match (self, key) {
            (At::Page, "total") => At::Total,
            (At::Page, "maxResults") => At::MaxResults,
            (At::Page, "isLast") => At::IsLast,
            (At::Page, "issues") => At::Issues,
            (At::Issue, "key") => At::Key,
            (At::Issue, "fields") => At::Fields,
            (At::Fields, "status") => At::Status,
            (At::Fields, "issuetype") => At::IssueType,
            (At::Fields, "parent") => At::Parent,
            (At::Status, "id") => At::StatusId,
            (At::Status, "statusCategory") => At::Category,
            (At::Category, "key") => At::CategoryKey,
            (At::IssueType, "subtask") => At::Subtask,
            (At::Parent, "key") => At::ParentKey,
            (At::Parent, "fields") => At::ParentFields,
            (At::ParentFields, "status") => At::ParentStatus,
            (At::ParentStatus, "id") => At::ParentStatusId,
            (At::ParentStatus, "statusCategory") => At::ParentCategory,
            (At::ParentCategory, "key") => At::ParentCategoryKey,
            _ => At::Other,
        }
    }
}

/// Reads the value at `at` into `page`.
struct Reader<'a> {
    at: At,
    page: &'a mut IssuePage,
}

impl Reader<'_> {
    fn issue(&mut self) -> &mut PageIssue {
        // `Issues` pushes an issue before reading each entry, so there is one.
        let issues = &mut self.page.issues;
        if issues.is_empty() {
            issues.push(PageIssue::default());
        }
        let last = issues.len() - 1;
        &mut issues[last]
    }

    fn parent(&mut self) -> &mut Parent {
        self.issue().parent.get_or_insert_with(Parent::default)
    }

    /// A repeated key replaces what an earlier one set (as a JSON tree keeps the last): clear the
    /// field at this place before reading its value.
    fn clear(&mut self) {
        match self.at {
            At::Total => self.page.total = None,
            At::MaxResults => self.page.max_results = None,
            At::IsLast => self.page.is_last = None,
            At::Issues => self.page.issues.clear(),
            At::Issue => *self.issue() = PageIssue::default(),
            At::Key => self.issue().key.clear(),
            At::Fields => {
                let issue = self.issue();
                issue.status = Status::default();
                issue.subtask = false;
                issue.parent = None;
            }
            At::Status => self.issue().status = Status::default(),
            At::StatusId => self.issue().status.id = None,
            At::Category | At::CategoryKey => self.issue().status.category_done = false,
            At::IssueType | At::Subtask => self.issue().subtask = false,
            At::Parent => self.issue().parent = None,
            At::ParentKey => self.parent().key.clear(),
            At::ParentFields | At::ParentStatus => self.parent().status = Status::default(),
            At::ParentStatusId => self.parent().status.id = None,
            At::ParentCategory | At::ParentCategoryKey => {
                self.parent().status.category_done = false
            }
            At::Page | At::Other => {}
        }
    }

    fn id(&mut self, id: Option<u64>) {
        match self.at {
            At::StatusId => self.issue().status.id = id,
            At::ParentStatusId => self.parent().status.id = id,
            _ => {}
        }
    }

    fn number(&mut self, n: u64) {
        match self.at {
            At::Total => self.page.total = Some(n),
            At::MaxResults => self.page.max_results = Some(n),
            _ => self.id(Some(n).filter(|n| *n > 0)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Reader<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(mut self, d: D) -> Result<(), D::Error> {
        self.clear();
        if self.at == At::Other {
            d.deserialize_ignored_any(IgnoredAny).map(|_| ())
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Reader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page of issues")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        if self.at == At::Parent {
            self.issue().parent = Some(Parent::default());
        }
        while let Some(at) = map.next_key_seed(Key(self.at))? {
            map.next_value_seed(Reader {
                at,
                page: &mut *self.page,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.at != At::Issues {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        loop {
            // Every entry is an issue, as `issues[i]` of a tree is; one that is not an object
            // reads as an issue without fields.
            self.page.issues.push(PageIssue::default());
            let entry = Reader {
                at: At::Issue,
                page: &mut *self.page,
            };
            if seq.next_element_seed(entry)?.is_none() {
                self.page.issues.pop();
                return Ok(());
            }
        }
    }

    fn visit_str<E>(mut self, s: &str) -> Result<(), E> {
        match self.at {
            At::Key => self.issue().key = s.to_string(),
            At::ParentKey => self.parent().key = s.to_string(),
            At::CategoryKey => self.issue().status.category_done = s == "done",
            At::ParentCategoryKey => self.parent().status.category_done = s == "done",
            _ => self.id(crate::jira_time::digits(s).filter(|n| *n > 0)),
        }
        Ok(())
    }

    fn visit_u64<E>(mut self, n: u64) -> Result<(), E> {
        self.number(n);
        Ok(())
    }

    fn visit_i64<E>(mut self, n: i64) -> Result<(), E> {
        if let Ok(n) = u64::try_from(n) {
            self.number(n);
        }
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(mut self, b: bool) -> Result<(), E> {
        match self.at {
            At::IsLast => self.page.is_last = Some(b),
            At::Subtask => self.issue().subtask = b,
            _ => {}
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads a key of an object at its place into the key's own place, without keeping the key.
struct Key(At);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = At;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<At, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key {
    type Value = At;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<At, E> {
        Ok(self.0.child(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The page as the close read it from a JSON tree before this reader (the reference).
    fn from_tree(v: &Value) -> IssuePage {
        let status = |s: &Value| Status {
            id: crate::jira_time::id(&s["id"]),
            category_done: s["statusCategory"]["key"] == "done",
        };
        IssuePage {
            issues: v["issues"]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|i| {
                    let f = &i["fields"];
                    let p = &f["parent"];
                    PageIssue {
                        key: i["key"].as_str().unwrap_or_default().to_string(),
                        status: status(&f["status"]),
                        subtask: f["issuetype"]["subtask"].as_bool().unwrap_or(false),
                        parent: p.is_object().then(|| Parent {
                            key: p["key"].as_str().unwrap_or_default().to_string(),
                            status: status(&p["fields"]["status"]),
                        }),
                    }
                })
                .collect(),
            total: v["total"].as_u64(),
            max_results: v["maxResults"].as_u64(),
            is_last: v["isLast"].as_bool(),
        }
    }

    /// A small deterministic generator (xorshift), so a failure names its seed.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
        fn chance(&mut self, n: u64) -> bool {
            self.next() % n == 0
        }
    }

    /// Any JSON value, to stand where a field's value is expected or skipped.
    const ODD: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-3",
        "7",
        "2.5",
        "1e3",
        "\"\"",
        "\"done\"",
        "\"10001\"",
        "\"0\"",
        "\"-1\"",
        "\"12a\"",
        "\"SA-\\u0031\\\"x\"",
        "\"Ünïcode 😀\"",
        "[]",
        "[1,{\"key\":\"x\"},[null]]",
        "{}",
        "{\"key\":\"done\",\"id\":\"5\"}",
        "\"99999999999999999999\"",
        "18446744073709551615",
    ];

    /// Makes a field's value.
    type Make<'a> = &'a dyn Fn(&mut Gen) -> String;

    /// An object with `fields` (each a key and a way to make its value), in a shuffled order, with
    /// some left out, some repeated and unknown ones added.
    fn object(g: &mut Gen, fields: &[(&str, Make)]) -> String {
        let mut parts = Vec::new();
        for (key, value) in fields {
            let times = match g.next() % 8 {
                0 => 0,
                1 => 2,
                _ => 1,
            };
            for _ in 0..times {
                let v = if g.chance(6) {
                    g.pick(ODD).to_string()
                } else {
                    value(g)
                };
                parts.push(format!("\"{key}\":{v}"));
            }
        }
        for _ in 0..g.next() % 3 {
            let key = g.pick(&["self", "expand", "name", "description", "id", "key"]);
            parts.push(format!("\"{key}\":{}", g.pick(ODD)));
        }
        let n = parts.len();
        for i in (1..n).rev() {
            parts.swap(i, (g.next() % (i as u64 + 1)) as usize);
        }
        format!("{{{}}}", parts.join(","))
    }

    fn status(g: &mut Gen) -> String {
        object(
            g,
            &[
                ("id", &|g| {
                    g.pick(&["\"10001\"", "\"3\"", "10002", "\"\""]).into()
                }),
                ("statusCategory", &|g| {
                    object(
                        g,
                        &[("key", &|g| {
                            g.pick(&["\"done\"", "\"new\"", "\"indeterminate\""]).into()
                        })],
                    )
                }),
                ("name", &|_| "\"In \\\"Progress\\\"\"".into()),
            ],
        )
    }

    fn issue(g: &mut Gen) -> String {
        object(
            g,
            &[
                ("key", &|g| {
                    g.pick(&["\"SA-1\"", "\"SA-22\"", "\"Ü-3\""]).into()
                }),
                ("fields", &|g| {
                    object(
                        g,
                        &[
                            ("status", &status),
                            ("issuetype", &|g| {
                                object(g, &[("subtask", &|g| g.pick(&["true", "false"]).into())])
                            }),
                            ("parent", &|g| {
                                object(
                                    g,
                                    &[
                                        ("key", &|g| g.pick(&["\"SA-9\"", "\"SA-10\""]).into()),
                                        ("fields", &|g| object(g, &[("status", &status)])),
                                    ],
                                )
                            }),
                        ],
                    )
                }),
            ],
        )
    }

    fn page(g: &mut Gen) -> String {
        object(
            g,
            &[
                ("issues", &|g| {
                    let n = g.next() % 6;
                    let items: Vec<String> = (0..n)
                        .map(|_| {
                            if g.chance(8) {
                                g.pick(ODD).to_string()
                            } else {
                                issue(g)
                            }
                        })
                        .collect();
                    format!("[{}]", items.join(","))
                }),
                ("total", &|g| g.pick(&["0", "3", "100", "-1", "2.0"]).into()),
                ("maxResults", &|g| g.pick(&["50", "100"]).into()),
                ("isLast", &|g| g.pick(&["true", "false"]).into()),
                ("startAt", &|_| "0".into()),
            ],
        )
    }

    #[test]
    fn reads_every_generated_page_as_the_json_tree_did() {
        let mut pages = 0;
        let mut with_parent = 0;
        for seed in 1..=4000u64 {
            let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let text = page(&mut g);
            let tree: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}: {text}"));
            let read =
                IssuePage::read(&text).unwrap_or_else(|| panic!("seed {seed}: unread: {text}"));
            assert_eq!(read, from_tree(&tree), "seed {seed}: {text}");
            pages += 1;
            with_parent += usize::from(read.issues.iter().any(|i| i.parent.is_some()));
        }
        // The generator reaches the nested fields.
        assert!(
            with_parent > pages / 10,
            "{with_parent} of {pages} pages have a parent"
        );
    }

    #[test]
    fn a_page_as_jira_sends_it() {
        let text = r#"{"expand":"schema,names","startAt":0,"maxResults":100,"total":2,"issues":[
            {"expand":"","id":"10001","key":"SA-1","self":"https://x/rest/agile/1.0/issue/10001",
             "fields":{"status":{"id":"10001","name":"In Progress","statusCategory":{"id":4,"key":"indeterminate"}},
                       "issuetype":{"id":"10001","name":"Story","subtask":false}}},
            {"id":"10002","key":"SA-2","fields":{"issuetype":{"subtask":true},
             "status":{"id":"3","statusCategory":{"key":"new"}},
             "parent":{"id":"10001","key":"SA-1","fields":{"summary":"s","status":{"id":10003,"statusCategory":{"key":"done"}}}}}}]}"#;
        let page = IssuePage::read(text).unwrap();
        assert_eq!(page.total, Some(2));
        assert_eq!(page.max_results, Some(100));
        assert_eq!(page.is_last, None);
        assert_eq!(page.issues.len(), 2);
        assert_eq!(page.issues[0].key, "SA-1");
        assert_eq!(
            page.issues[0].status,
            Status {
                id: Some(10001),
                category_done: false
            }
        );
        assert!(!page.issues[0].subtask && page.issues[0].parent.is_none());
        assert!(page.issues[1].subtask);
        let parent = page.issues[1].parent.as_ref().unwrap();
        assert_eq!(parent.key, "SA-1");
        assert_eq!(
            parent.status,
            Status {
                id: Some(10003),
                category_done: true
            }
        );
    }

    #[test]
    fn text_that_is_not_json_is_no_page() {
        for text in ["", "{", "{\"issues\":[}", "{} x", "nul"] {
            assert_eq!(IssuePage::read(text), None, "{text:?}");
        }
    }
}
