//! What the embedded backend's component types share: metadata parsing,
//! clocks and key prefixes. Each type lives in its block's unit and
//! implements [`crate::blocks::EmbeddedComponent`]: `from_metadata` makes
//! it from a manifest, `for_app` gives each app its view (key prefixes,
//! event source) or the shared value.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use anyhow::{Context, anyhow};

/// Time sources (wall clock, monotonic, manual for tests).
pub mod clock;
/// Dapr's `keyPrefix` strategies shared by the state and lock stores.
pub mod key_prefix;
/// Opening the embedded components' SQLite databases.
pub mod sqlite;

/// Component metadata as configured (`spec.metadata` of a component).
pub type ComponentMetadata = BTreeMap<String, String>;

/// Reads an optional typed metadata value, `default` when the key is absent
/// or empty.
pub fn parse_metadata<T>(metadata: &ComponentMetadata, key: &str, default: T) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    match metadata
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|e| anyhow!("invalid value {raw:?} for metadata `{key}`: {e}")),
    }
}

/// Reads a required, non-empty metadata value.
pub fn required_metadata<'a>(
    metadata: &'a ComponentMetadata,
    key: &str,
) -> anyhow::Result<&'a str> {
    metadata
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .with_context(|| format!("missing required metadata `{key}`"))
}

/// Component metadata from `(key, value)` pairs (for tests).
#[cfg(test)]
pub(crate) fn md(pairs: &[(&str, &str)]) -> ComponentMetadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_metadata_uses_default_and_names_bad_key() {
        let m = md(&[("n", "7"), ("bad", "x")]);
        assert_eq!(parse_metadata(&m, "n", 1u32).unwrap(), 7);
        assert_eq!(parse_metadata(&m, "missing", 1u32).unwrap(), 1);
        let err = parse_metadata(&m, "bad", 1u32).unwrap_err().to_string();
        assert!(err.contains("`bad`"), "{err}");
    }

    #[test]
    fn required_metadata_rejects_missing_and_empty() {
        let m = md(&[("a", "v"), ("e", " ")]);
        assert_eq!(required_metadata(&m, "a").unwrap(), "v");
        assert!(required_metadata(&m, "e").is_err());
        let err = required_metadata(&m, "zz").unwrap_err().to_string();
        assert!(err.contains("`zz`"), "{err}");
    }
}
