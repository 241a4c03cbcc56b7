//! What the shim can ask the core to run: a job and its input, as data. The bodies that run them
//! are in [`crate::jobs`]; this type sits below the effects, which can ask for jobs to be run.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job and its input. Serialised with a `job` tag, camelCase. Read as serde's derive for an
/// internally tagged enum reads it (see [`tagged`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "job", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Job {
    /// Health check: proves the WASM core, the driver and Jira access work end to end.
    Ping {
        /// The caller's account id, from Forge's context (never from a payload).
        #[serde(default)]
        account_id: Option<String>,
    },
    /// The app was installed or upgraded: migrate the schema (the only place that does).
    Lifecycle {
        /// `installed` or `upgraded`.
        event: LifecycleEvent,
    },
    /// A resolver call from one of the app's pages.
    Resolve {
        /// The resolver key (see [`crate::jobs::resolve::ResolverKey`]).
        key: String,
        /// The caller's payload, untrusted.
        #[serde(default)]
        payload: Value,
        /// The caller's account id, from Forge's context (never from a payload).
        #[serde(default)]
        account_id: Option<String>,
    },
    /// The scheduled check (also continued from the queue).
    Tick {},
    /// One board's check, run by the tick under its lease.
    Board {
        /// The board.
        board_id: u64,
        /// The lease owner (the tick's run id).
        owner: String,
        /// How long the lease may last.
        lease_ms: u64,
        /// The board's daily look is due and Jira's points are not short: top up keep-ahead
        /// sprints too (work without a deadline waits for such a run).
        #[serde(default)]
        daily_look: bool,
    },
    /// An event from the app's own queue: continues work past one invocation.
    Queued {
        /// What the app pushed.
        body: Value,
    },
    /// A Jira sprint event (`avi:jira-software:*:sprint`).
    SprintEvent {
        /// The event type.
        event_type: String,
        /// The event as Forge delivered it.
        event: Value,
    },
}

/// Forge app lifecycle events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LifecycleEvent {
    /// `avi:forge:installed:app`
    Installed,
    /// `avi:forge:upgraded:app`
    Upgraded,
}

/// Reading an internally tagged enum (`#[serde(tag = "...")]`) the way serde's derive does (the
/// same accepted inputs, the same errors): the value is read once into a `serde_json::Value`,
/// turned into the externally tagged form (`{tag: rest}`) and read by a derived mirror of the enum
/// (same name, variants and fields, no tag). Serde's derive for a tagged enum buffers through its
/// private `Content` type, whose code was compiled once per variant type: a tenth of the WASM's
/// serde code.
pub(crate) mod tagged {
    use serde::de::{
        DeserializeSeed, EnumAccess, Error as _, IntoDeserializer, Unexpected, VariantAccess,
        Visitor,
    };
    use serde::Deserializer;
    use serde_json::{Error, Value};

    /// `v` (a map with a `tag` field, or a sequence whose first element is the tag) as an
    /// externally tagged enum: the tag names the variant, the other fields or elements are its.
    pub(crate) fn external(
        v: Value,
        tag: &'static str,
        expecting: &'static str,
    ) -> Result<External, Error> {
        let (kind, rest) = match v {
            Value::Object(mut map) => match map.remove(tag) {
                Some(kind) => (kind, Value::Object(map)),
                None => return Err(Error::missing_field(tag)),
            },
            Value::Array(mut items) if !items.is_empty() => {
                let kind = items.remove(0);
                (kind, Value::Array(items))
            }
            Value::Array(_) => return Err(Error::missing_field(tag)),
            other => return Err(Error::invalid_type(unexpected(&other), &expecting)),
        };
        match kind {
            Value::String(kind) => Ok(External {
                kind,
                rest: Rest(rest),
            }),
            other => Err(Error::invalid_type(
                unexpected(&other),
                &"variant identifier",
            )),
        }
    }

    /// A variant name and its fields, read as an externally tagged enum.
    pub(crate) struct External {
        kind: String,
        rest: Rest,
    }

    /// A variant's fields (a map or a sequence).
    pub(crate) struct Rest(Value);

    impl<'de> Deserializer<'de> for External {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_enum(self)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    }

    impl<'de> EnumAccess<'de> for External {
        type Error = Error;
        type Variant = Rest;
        fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Rest), Error> {
            let kind: serde::de::value::StringDeserializer<Error> = self.kind.into_deserializer();
            Ok((seed.deserialize(kind)?, self.rest))
        }
    }

    impl<'de> VariantAccess<'de> for Rest {
        type Error = Error;
        fn unit_variant(self) -> Result<(), Error> {
            Err(Error::invalid_type(
                Unexpected::StructVariant,
                &"unit variant",
            ))
        }
        fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
            seed.deserialize(self.0)
        }
        fn tuple_variant<V: Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.0.deserialize_seq(visitor)
        }
        fn struct_variant<V: Visitor<'de>>(
            self,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            match self.0 {
                // As serde reads the rest of a sequence (its length check and message).
                Value::Array(items) => {
                    let mut seq = serde::de::value::SeqDeserializer::new(items.into_iter());
                    let read = visitor.visit_seq(&mut seq)?;
                    seq.end()?;
                    Ok(read)
                }
                other => other.deserialize_struct("", fields, visitor),
            }
        }
    }

    fn unexpected(v: &Value) -> Unexpected<'_> {
        match v {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Unexpected::Unsigned(u),
                (None, Some(i)) => Unexpected::Signed(i),
                _ => Unexpected::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }
}

/// `Job` without its tag, as serde's derive reads an externally tagged enum.
mod mirror {
    use super::LifecycleEvent;
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
    pub(super) enum Job {
        Ping {
            #[serde(default)]
            account_id: Option<String>,
        },
        Lifecycle {
            event: LifecycleEvent,
        },
        Resolve {
            key: String,
            #[serde(default)]
            payload: Value,
            #[serde(default)]
            account_id: Option<String>,
        },
        Tick {},
        Board {
            board_id: u64,
            owner: String,
            lease_ms: u64,
            #[serde(default)]
            daily_look: bool,
        },
        Queued {
            body: Value,
        },
        SprintEvent {
            event_type: String,
            event: Value,
        },
    }
}

impl<'de> Deserialize<'de> for Job {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use mirror::Job as M;
        let read = |v: Value| -> Result<Job, serde_json::Error> {
            let v = tagged::external(v, "job", "internally tagged enum Job")?;
            Ok(match M::deserialize(v)? {
                M::Ping { account_id } => Job::Ping { account_id },
                M::Lifecycle { event } => Job::Lifecycle { event },
                M::Resolve {
                    key,
                    payload,
                    account_id,
                } => Job::Resolve {
                    key,
                    payload,
                    account_id,
                },
                M::Tick {} => Job::Tick {},
                M::Board {
                    board_id,
                    owner,
                    lease_ms,
                    daily_look,
                } => Job::Board {
                    board_id,
                    owner,
                    lease_ms,
                    daily_look,
                },
                M::Queued { body } => Job::Queued { body },
                M::SprintEvent { event_type, event } => Job::SprintEvent { event_type, event },
            })
        };
        read(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde's derive makes of `Job` (the type as it was declared before its reader was
    /// written by hand).
    #[derive(Debug, Deserialize)]
    #[serde(tag = "job", rename_all = "camelCase", rename_all_fields = "camelCase")]
    #[allow(dead_code)]
    enum Derived {
        Ping {
            #[serde(default)]
            account_id: Option<String>,
        },
        Lifecycle {
            event: LifecycleEvent,
        },
        Resolve {
            key: String,
            #[serde(default)]
            payload: Value,
            #[serde(default)]
            account_id: Option<String>,
        },
        Tick {},
        Board {
            board_id: u64,
            owner: String,
            lease_ms: u64,
            #[serde(default)]
            daily_look: bool,
        },
        Queued {
            body: Value,
        },
        SprintEvent {
            event_type: String,
            event: Value,
        },
    }

    /// An error's message without its position: the derive reads the tag from the text, the hand
    /// reader from the value read before, so an error about the tag can point further on.
    /// (The derived copy's name is the enum's.)
    fn message(e: serde_json::Error) -> String {
        let s = e.to_string().replace("Derived", "Job");
        match s.rfind(" at line ") {
            Some(at) => s[..at].to_string(),
            None => s,
        }
    }

    /// The hand-written reader accepts exactly what the derive accepts, to the same job, and
    /// refuses the rest with the same message, from text and from a value.
    #[test]
    fn reads_jobs_as_the_derive_does() {
        let cases = [
            r#"{"job":"ping"}"#,
            r#"{"job":"ping","accountId":"a-1"}"#,
            r#"{"job":"ping","accountId":null,"other":1}"#,
            r#"{"job":"ping","accountId":5}"#,
            r#"{"accountId":"a-1","job":"ping"}"#,
            r#"{"job":"lifecycle","event":"installed"}"#,
            r#"{"job":"lifecycle","event":"upgraded"}"#,
            r#"{"job":"lifecycle","event":"other"}"#,
            r#"{"job":"lifecycle"}"#,
            r#"{"job":"resolve","key":"listBoards","payload":{"a":[1,2.5,null]},"accountId":"x"}"#,
            r#"{"job":"resolve","key":"listBoards"}"#,
            r#"{"job":"resolve"}"#,
            r#"{"job":"resolve","key":7}"#,
            r#"{"job":"tick"}"#,
            r#"{"job":"tick","x":[1]}"#,
            r#"{"job":"board","boardId":7,"owner":"o","leaseMs":1000}"#,
            r#"{"job":"board","boardId":7,"owner":"o","leaseMs":1000,"dailyLook":true}"#,
            r#"{"job":"board","boardId":-7,"owner":"o","leaseMs":1000}"#,
            r#"{"job":"board","boardId":7.5,"owner":"o","leaseMs":1000}"#,
            r#"{"job":"board","boardId":"7","owner":"o","leaseMs":1000}"#,
            r#"{"job":"board","boardId":7,"owner":"o"}"#,
            r#"{"job":"board","boardId":7,"owner":"o","leaseMs":1000,"dailyLook":"yes"}"#,
            r#"{"job":"queued","body":{"job":"tick"}}"#,
            r#"{"job":"queued"}"#,
            r#"{"job":"sprintEvent","eventType":"avi:jira-software:started:sprint","event":{}}"#,
            r#"{"job":"sprintEvent","eventType":"x"}"#,
            r#"{"job":"other"}"#,
            r#"{"job":""}"#,
            r#"{"job":0}"#,
            r#"{"job":null}"#,
            r#"{"job":true}"#,
            r#"{"job":["ping"]}"#,
            r#"{"job":{"ping":null}}"#,
            r#"{}"#,
            r#"{"accountId":"a"}"#,
            r#"["ping"]"#,
            r#"["ping","a-1"]"#,
            r#"["board",7,"o",1000]"#,
            r#"["board",7,"o"]"#,
            r#"["tick"]"#,
            r#"["tick",1]"#,
            r#"["ping","a-1","extra"]"#,
            r#"["lifecycle"]"#,
            r#"[]"#,
            r#"[0]"#,
            r#""ping""#,
            r#"null"#,
            r#"0"#,
            r#"-3"#,
            r#"2.5"#,
            r#"true"#,
        ];
        for case in cases {
            let ours = serde_json::from_str::<Job>(case).map_err(message);
            let derived = serde_json::from_str::<Derived>(case).map_err(message);
            assert_eq!(
                ours.is_ok(),
                derived.is_ok(),
                "{case}: {ours:?} vs {derived:?}"
            );
            if let (Ok(ours), Ok(derived)) = (&ours, &derived) {
                assert_eq!(
                    format!("{ours:?}"),
                    format!("{derived:?}").replace("Derived", "Job")
                );
            }
            if let (Err(ours), Err(derived)) = (&ours, &derived) {
                assert_eq!(ours, derived, "{case}");
            }
            let value: Value = serde_json::from_str(case).unwrap();
            let ours = Job::deserialize(&value).map_err(message);
            let derived = Derived::deserialize(&value).map_err(message);
            assert_eq!(
                ours.is_ok(),
                derived.is_ok(),
                "{case}: {ours:?} vs {derived:?}"
            );
            if let (Err(ours), Err(derived)) = (&ours, &derived) {
                assert_eq!(ours, derived, "{case}");
            }
        }
    }
}
