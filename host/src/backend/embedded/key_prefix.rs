//! Dapr's `keyPrefix` component metadata: how keys of one app are scoped in
//! a store shared by several apps.

use super::ComponentMetadata;

/// The separator Dapr puts between the prefix and the key.
const SEPARATOR: &str = "||";

/// A `keyPrefix` strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPrefix {
    /// `appid` (the default): `{app_id}||{key}`.
    AppId,
    /// `name`: `{component_name}||{key}`.
    Name,
    /// `none`: keys are stored as given.
    None,
    /// Any other value: `{value}||{key}`.
    Custom(String),
}

impl KeyPrefix {
    /// Reads `keyPrefix` from component metadata (default `appid`).
    pub fn from_metadata(metadata: &ComponentMetadata) -> Self {
        match metadata.get("keyPrefix").map(|v| v.trim()) {
            None | Some("") => KeyPrefix::AppId,
            Some(v) if v.eq_ignore_ascii_case("appid") => KeyPrefix::AppId,
            Some(v) if v.eq_ignore_ascii_case("name") => KeyPrefix::Name,
            Some(v) if v.eq_ignore_ascii_case("none") => KeyPrefix::None,
            Some(v) => KeyPrefix::Custom(v.to_string()),
        }
    }

    /// The string prepended to every key of `app_id` (empty for `none`).
    pub fn resolve(&self, component_name: &str, app_id: &str) -> String {
        let head = match self {
            KeyPrefix::AppId => app_id,
            KeyPrefix::Name => component_name,
            KeyPrefix::None => return String::new(),
            KeyPrefix::Custom(value) => value,
        };
        format!("{head}{SEPARATOR}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix_of(value: Option<&str>) -> String {
        let md = value
            .map(|v| [("keyPrefix".to_string(), v.to_string())].into())
            .unwrap_or_default();
        KeyPrefix::from_metadata(&md).resolve("comp", "app")
    }

    #[test]
    fn resolves_every_strategy() {
        assert_eq!(prefix_of(None), "app||");
        assert_eq!(prefix_of(Some("appid")), "app||");
        assert_eq!(prefix_of(Some("name")), "comp||");
        assert_eq!(prefix_of(Some("none")), "");
        assert_eq!(prefix_of(Some("shared")), "shared||");
    }
}
