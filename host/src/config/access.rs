//! What the runtime config says about one app's access, beyond Dapr's
//! `scopes`: the grants (deny by default once an app has them), the
//! `wasi:keyvalue` labels and the `wasi:config` sources.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::blocks::BLOCKS;
use crate::wit::Error;

/// The grant key of pub/sub topics (`pubsub-name/topic`, or a topic name
/// on every granted pub/sub).
pub const TOPICS: &str = "topics";

/// A grant entry that allows every name.
pub const ANY: &str = "*";

/// Blocks that need no grant: they reach nothing outside the app.
const UNGRANTED: &[&str] = &["metadata"];

/// The state store a `wasi:keyvalue` identifier opens when the app's
/// labels do not name it: `default` and the empty identifier.
pub const DEFAULT_STATE_STORE: &str = "statestore";

/// One app's access settings.
#[derive(Clone, Debug, Default)]
pub struct AppAccess {
    /// The grants; `None` leaves access to Dapr's `scopes` alone.
    pub grants: Option<Grants>,
    /// `wasi:keyvalue` identifiers → state store names.
    pub keyvalue: BTreeMap<String, String>,
    /// Where `wasi:config` reads; `None`: every configuration store in
    /// the app's scope, and no secret store.
    pub config_sources: Option<ConfigSources>,
}

/// The names an app may use, by grant key: a block's name (`state`,
/// `pubsub`, `bindings`, `secrets`, `configuration`, `lock`, `invoke` for
/// app ids) or `topics`. A key left out grants nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    by_key: BTreeMap<String, Vec<String>>,
}

/// The configuration and secret stores `wasi:config` reads, in order of
/// precedence: configuration stores first, then secret stores, each in
/// the order listed; the first that has a key wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigSources {
    /// Configuration store names.
    pub configuration: Vec<String>,
    /// Secret store names.
    pub secrets: Vec<String>,
}

impl Grants {
    /// The grant keys there are: every block that reaches outside the app,
    /// and `topics`.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        BLOCKS
            .iter()
            .map(|b| b.name)
            .filter(|name| !UNGRANTED.contains(name))
            .chain([TOPICS])
    }

    /// Grants from `key → names`; an unknown key is an error naming it and
    /// the known ones.
    pub fn new(by_key: BTreeMap<String, Vec<String>>) -> Result<Self> {
        for key in by_key.keys() {
            if !Self::keys().any(|k| k == key) {
                bail!(
                    "unknown grant `{key}`; the grants are: {}",
                    Self::keys().collect::<Vec<_>>().join(", ")
                );
            }
        }
        Ok(Grants { by_key })
    }

    /// Whether `name` is granted under `key`.
    pub fn allows(&self, key: &str, name: &str) -> bool {
        self.by_key
            .get(key)
            .is_some_and(|names| names.iter().any(|n| n == ANY || n == name))
    }

    /// Whether publishing to (or subscribing to) `topic` of `pubsub` is
    /// granted: `pubsub/topic`, `pubsub/*`, a bare `topic` or `*`.
    pub fn allows_topic(&self, pubsub: &str, topic: &str) -> bool {
        self.by_key.get(TOPICS).is_some_and(|names| {
            names.iter().any(|n| match n.split_once('/') {
                Some((p, t)) => p == pubsub && (t == ANY || t == topic),
                None => n == ANY || n == topic,
            })
        })
    }
}

impl AppAccess {
    /// `denied` unless the grants (if any) allow `name` under `key`;
    /// `label` names what was asked for in the message.
    pub fn check(&self, app_id: &str, key: &str, label: &str, name: &str) -> Result<(), Error> {
        match &self.grants {
            Some(grants) if !grants.allows(key, name) => Err(Error::Denied(format!(
                "app `{app_id}` is not granted {label} `{name}` (runtime config: [apps.{app_id}.grants] {key})"
            ))),
            _ => Ok(()),
        }
    }

    /// `denied` unless the grants (if any) allow `topic` of `pubsub`.
    pub fn check_topic(&self, app_id: &str, pubsub: &str, topic: &str) -> Result<(), Error> {
        match &self.grants {
            Some(grants) if !grants.allows_topic(pubsub, topic) => Err(Error::Denied(format!(
                "app `{app_id}` is not granted topic `{topic}` of pubsub `{pubsub}` \
                 (runtime config: [apps.{app_id}.grants] {TOPICS})"
            ))),
            _ => Ok(()),
        }
    }

    /// The state store a `wasi:keyvalue` identifier names: its label, else
    /// for `default` (or an empty identifier) the `default` label or
    /// `statestore`, else the identifier itself.
    pub fn keyvalue_store<'a>(&'a self, identifier: &'a str) -> &'a str {
        if let Some(store) = self.keyvalue.get(identifier) {
            return store;
        }
        if identifier.is_empty() || identifier == "default" {
            return self
                .keyvalue
                .get("default")
                .map_or(DEFAULT_STATE_STORE, String::as_str);
        }
        identifier
    }
}

/// The grant keys a component that imports `imports` (as `inspect` lists
/// them) can use, each with the imports that use it: a `dapr:runtime`
/// block by its name (pub/sub also needs `topics`), `wasi:keyvalue` state
/// stores, `wasi:config` configuration and secret stores.
pub fn grants_used(imports: &[String]) -> BTreeMap<&'static str, Vec<String>> {
    let mut used: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for import in imports {
        let interface = import.split('@').next().unwrap_or(import);
        let keys: Vec<&'static str> = match interface.split_once('/') {
            Some(("dapr:runtime", name)) => Grants::keys()
                .filter(|k| *k == name || (name == "pubsub" && *k == TOPICS))
                .collect(),
            Some(("wasi:keyvalue", _)) => vec!["state"],
            Some(("wasi:config", _)) => vec!["configuration", "secrets"],
            _ => Vec::new(),
        };
        for key in keys {
            used.entry(key).or_default().push(import.clone());
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(entries: &[(&str, &[&str])]) -> Result<Grants> {
        Grants::new(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
        )
    }

    #[test]
    fn names_are_granted_per_key_and_nothing_else() {
        let g = grants(&[("state", &["statestore"]), ("invoke", &["*"])]).unwrap();
        assert!(g.allows("state", "statestore"));
        assert!(!g.allows("state", "cache"));
        assert!(!g.allows("lock", "statestore"));
        assert!(g.allows("invoke", "anything"));
    }

    #[test]
    fn topics_by_pubsub_or_on_every_pubsub() {
        let g = grants(&[("topics", &["pubsub/orders", "events", "audit/*"])]).unwrap();
        assert!(g.allows_topic("pubsub", "orders"));
        assert!(!g.allows_topic("other", "orders"));
        assert!(g.allows_topic("other", "events"));
        assert!(g.allows_topic("audit", "x"));
        assert!(!g.allows_topic("pubsub", "x"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = grants(&[("stat", &["x"])]).unwrap_err().to_string();
        assert!(err.contains("`stat`") && err.contains("state") && err.contains("topics"));
        assert!(grants(&[("metadata", &["x"])]).is_err());
    }

    #[test]
    fn denials_name_the_setting_and_no_grants_allow_everything() {
        let open = AppAccess::default();
        assert!(open.check("a", "state", "state store", "s").is_ok());
        assert!(open.check_topic("a", "p", "t").is_ok());
        let closed = AppAccess {
            grants: Some(grants(&[]).unwrap()),
            ..AppAccess::default()
        };
        let Err(Error::Denied(m)) = closed.check("a", "state", "state store", "s") else {
            panic!("not denied")
        };
        assert!(m.contains("[apps.a.grants] state"), "{m}");
        assert!(matches!(
            closed.check_topic("a", "p", "t"),
            Err(Error::Denied(_))
        ));
    }

    #[test]
    fn grants_used_by_imports() {
        let imports = [
            "dapr:runtime/state@0.1.0",
            "dapr:runtime/pubsub@0.1.0",
            "dapr:runtime/metadata@0.1.0",
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:config/store@0.2.0-rc.1",
            "wasi:cli/environment@0.2.6",
        ]
        .map(String::from);
        let used = grants_used(&imports);
        let keys: Vec<&str> = used.keys().copied().collect();
        assert_eq!(
            keys,
            ["configuration", "pubsub", "secrets", "state", "topics"]
        );
        assert_eq!(used["state"], [imports[0].clone(), imports[3].clone()]);
    }

    #[test]
    fn keyvalue_identifiers_map_through_labels() {
        let access = AppAccess {
            keyvalue: BTreeMap::from([("cache".into(), "redis-cache".into())]),
            ..AppAccess::default()
        };
        assert_eq!(access.keyvalue_store("cache"), "redis-cache");
        assert_eq!(access.keyvalue_store("default"), "statestore");
        assert_eq!(access.keyvalue_store(""), "statestore");
        assert_eq!(access.keyvalue_store("memstore"), "memstore");
        let relabeled = AppAccess {
            keyvalue: BTreeMap::from([("default".into(), "memstore".into())]),
            ..AppAccess::default()
        };
        assert_eq!(relabeled.keyvalue_store(""), "memstore");
    }
}
