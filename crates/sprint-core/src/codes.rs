//! Closed code lists. Every stable code the app writes or answers (error codes, log reasons, plan
//! warnings, readiness problems, undo skips, resolver keys) is a variant of an enum declared with
//! [`codes!`]: the variant names its JSON string once, and the enum knows its whole list
//! (`ALL`), which the binding exports so the pages and their tests take the lists from the build.

/// Declare an enum of stable codes: `Variant = "CODE",` per variant. Derives serde with exactly
/// those names, `ALL` (every variant in declaration order, complete by construction), `as_str`
/// and `Display`. An optional `untagged { Variant(Type) }` after the list adds one variant that
/// wraps another code list, serialised as that list's code (it is not part of `ALL`).
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
        $( untagged { $(#[$tmeta:meta])* $tail:ident($tty:ty) } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
            $( $(#[$tmeta])* #[serde(untagged)] $tail($tty), )?
        }

        impl $name {
            /// Every code of the list, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code, as serialised.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                    $( $name::$tail(inner) => inner.as_str(), )?
                }
            }

            /// The code's variant, if it is one of the list (the untagged variant excluded).
            pub fn parse(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Every code list, as the binding exports it: the pages and their tests take the lists from the
/// build, and every code has a sentence in `ui/src/shared/messages.js`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeLists {
    /// [`crate::ErrorCode`]: what a failed call answers (and a fault's log reason).
    pub error_codes: Vec<&'static str>,
    /// [`crate::log::Reason`]: why a log entry was written (error codes aside).
    pub log_reasons: Vec<&'static str>,
    /// [`crate::plan::Warning`]: what a plan warns about.
    pub plan_warnings: Vec<&'static str>,
    /// [`crate::jobs::UndoSkip`] with a fixed name (and `HTTP_<status>`, a family).
    pub undo_skips: Vec<String>,
    /// [`crate::engine::Readiness`]: what a close-readiness look can find.
    pub readiness: Vec<&'static str>,
    /// [`crate::jobs::resolve::ResolverKey`]: the resolvers the app defines.
    pub resolver_keys: Vec<&'static str>,
}

/// The code lists, each from its enum.
pub fn lists() -> CodeLists {
    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|c| name(*c)).collect()
    }
    CodeLists {
        error_codes: names(crate::ErrorCode::ALL, crate::ErrorCode::as_str),
        log_reasons: names(crate::log::Reason::ALL, crate::log::Reason::as_str),
        plan_warnings: names(crate::plan::Warning::ALL, crate::plan::Warning::as_str),
        undo_skips: crate::jobs::UndoSkip::ALL
            .iter()
            .map(|s| s.code())
            .collect(),
        readiness: names(
            crate::engine::Readiness::ALL,
            crate::engine::Readiness::as_str,
        ),
        resolver_keys: names(
            crate::jobs::resolve::ResolverKey::ALL,
            crate::jobs::resolve::ResolverKey::as_str,
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use crate::engine::Readiness;
    use crate::error::ErrorCode;
    use crate::log::Reason;
    use crate::plan::Warning;

    /// Every code of a list: unique, SCREAMING_SNAKE, serialised as `as_str` and read back.
    fn check<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned,
    {
        let mut seen = std::collections::BTreeSet::new();
        for &c in all {
            let name = as_str(c);
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_'),
                "{name}"
            );
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(name));
            assert_eq!(
                serde_json::from_value::<T>(serde_json::json!(name)).unwrap(),
                c
            );
        }
    }

    /// The SCREAMING_SNAKE form of a variant's name (what `rename_all` gave before the lists).
    fn screaming(variant: &str) -> String {
        let mut out = String::new();
        for (i, ch) in variant.chars().enumerate() {
            if ch.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_uppercase());
        }
        out
    }

    #[test]
    fn every_list_is_closed_unique_and_named_as_its_variants() {
        check(ErrorCode::ALL, ErrorCode::as_str);
        check(Reason::ALL, Reason::as_str);
        check(Readiness::ALL, Readiness::as_str);
        check(Warning::ALL, Warning::as_str);
        for c in ErrorCode::ALL {
            assert_eq!(c.as_str(), screaming(&format!("{c:?}")));
        }
        for c in Reason::ALL {
            assert_eq!(c.as_str(), screaming(&format!("{c:?}")));
        }
        for c in Warning::ALL {
            assert_eq!(c.as_str(), screaming(&format!("{c:?}")));
        }
        for c in Readiness::ALL {
            assert_eq!(c.as_str(), screaming(&format!("{c:?}")));
        }
        assert_eq!(ErrorCode::ALL.len(), 27);
    }

    #[test]
    fn the_resolver_keys_are_unique_and_read_back() {
        let keys = super::lists().resolver_keys;
        assert_eq!(keys.len(), 15);
        assert_eq!(keys[0], "ping");
        for k in crate::jobs::resolve::ResolverKey::ALL {
            assert_eq!(
                crate::jobs::resolve::ResolverKey::parse(k.as_str()),
                Some(*k)
            );
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        let unique: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }

    #[test]
    fn an_error_code_as_a_log_reason_is_the_code_itself() {
        let r = Reason::from(ErrorCode::StorageError);
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!("STORAGE_ERROR")
        );
        assert_eq!(r.as_str(), "STORAGE_ERROR");
        assert_eq!(
            serde_json::from_value::<Reason>(serde_json::json!("SCHEMA_MISSING")).unwrap(),
            Reason::Error(ErrorCode::SchemaMissing)
        );
        assert_eq!(Reason::parse("SCHEMA_MISSING"), None);
        assert_eq!(Reason::parse("OPEN_SUBTASKS"), Some(Reason::OpenSubtasks));
    }
}
