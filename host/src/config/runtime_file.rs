//! The runtime config file (`--runtime-config FILE`, TOML): settings per
//! app id that the command-line flags give for every app.
//!
//! ```toml
//! [apps.orders]
//! timeout = 5             # seconds per request, event or command
//! memory-limit = "64Mi"   # linear memory per instance
//! max-instances = 8       # instances running at once
//! max-queued = 16         # requests waiting for an instance before 503
//! max-body-size = "16Mi"  # bodies, state values, gRPC messages
//! actor-idle-timeout = 600  # seconds an actor stays active without a call
//! max-instance-reuse-count = 1  # HTTP requests per instance (1: fresh each)
//!
//! [apps.orders.grants]    # once present, whatever is not granted is denied
//! state = ["statestore"]
//! pubsub = ["pubsub"]
//! topics = ["pubsub/orders"]
//! invoke = ["order-store"]
//!
//! [apps.orders.keyvalue]  # wasi:keyvalue identifier = state store
//! cache = "redis-cache"
//!
//! [apps.orders.wasi-config]  # where wasi:config reads, in this order
//! configuration = ["configstore"]
//! secrets = ["secretstore"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::{AppAccess, ConfigSources, Grants};
use crate::runtime::{ByteSize, Limits};

/// The parsed runtime config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeFile {
    /// Settings by app id.
    #[serde(default)]
    pub apps: BTreeMap<String, AppSettings>,
}

/// One app's settings; an absent key keeps the command-line value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppSettings {
    /// Deadline per request, event or command, in seconds.
    pub timeout: Option<f64>,
    /// Linear memory per instance (`64Mi`, or bytes).
    pub memory_limit: Option<Size>,
    /// Instances running at once.
    pub max_instances: Option<u32>,
    /// Requests waiting for an instance before they are refused.
    pub max_queued: Option<u32>,
    /// The largest body, state value or gRPC message (`16Mi`, or bytes).
    pub max_body_size: Option<Size>,
    /// Seconds an actor stays active without a call, for an actor type
    /// that sets no idle timeout of its own.
    pub actor_idle_timeout: Option<f64>,
    /// HTTP requests one instance serves (1: a fresh instance each).
    pub max_instance_reuse_count: Option<u32>,
    /// The names the app may use, by grant key (see [`Grants`]); once
    /// present, everything else is denied.
    pub grants: Option<BTreeMap<String, Vec<String>>>,
    /// `wasi:keyvalue` identifiers → state store names.
    #[serde(default)]
    pub keyvalue: BTreeMap<String, String>,
    /// Where `wasi:config` reads.
    pub wasi_config: Option<WasiConfigSettings>,
}

/// `[apps.ID.wasi-config]`: the stores `wasi:config` reads, in order.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasiConfigSettings {
    /// Configuration store names, read first.
    #[serde(default)]
    pub configuration: Vec<String>,
    /// Secret store names, read after the configuration stores.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// A size written as a string (`"64Mi"`) or a number of bytes.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(try_from = "SizeText")]
pub struct Size(pub ByteSize);

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeText {
    Bytes(u64),
    Text(String),
}

impl TryFrom<SizeText> for Size {
    type Error = String;

    fn try_from(value: SizeText) -> Result<Self, String> {
        match value {
            SizeText::Bytes(n) => n.to_string().parse().map(Size),
            SizeText::Text(text) => text.parse().map(Size),
        }
    }
}

impl RuntimeFile {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the runtime config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid runtime config {}", path.display()))
    }

    /// Parses the TOML text of a runtime config.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// The limits of every app named here: `defaults` with its settings.
    pub fn app_limits(&self, defaults: &Limits) -> Result<BTreeMap<String, Limits>> {
        self.apps
            .iter()
            .map(|(id, settings)| {
                let limits = settings
                    .apply(defaults)
                    .with_context(|| format!("[apps.{id}]"))?;
                Ok((id.clone(), limits))
            })
            .collect()
    }
}

impl RuntimeFile {
    /// The access settings of every app named here.
    pub fn app_access(&self) -> Result<BTreeMap<String, AppAccess>> {
        self.apps
            .iter()
            .map(|(id, settings)| {
                let access = settings
                    .access()
                    .with_context(|| format!("[apps.{id}.grants]"))?;
                Ok((id.clone(), access))
            })
            .collect()
    }
}

impl AppSettings {
    /// The app's grants, `wasi:keyvalue` labels and `wasi:config` sources.
    pub fn access(&self) -> Result<AppAccess> {
        Ok(AppAccess {
            grants: self.grants.clone().map(Grants::new).transpose()?,
            keyvalue: self.keyvalue.clone(),
            config_sources: self.wasi_config.as_ref().map(|c| ConfigSources {
                configuration: c.configuration.clone(),
                secrets: c.secrets.clone(),
            }),
        })
    }

    /// `defaults` with these settings over them.
    pub fn apply(&self, defaults: &Limits) -> Result<Limits> {
        let mut limits = defaults.clone();
        if let Some(seconds) = self.timeout {
            limits.timeout = positive_seconds("timeout", seconds)?;
        }
        if let Some(seconds) = self.actor_idle_timeout {
            limits.actor_idle_timeout = positive_seconds("actor-idle-timeout", seconds)?;
        }
        if let Some(Size(size)) = self.memory_limit {
            limits.memory_bytes = size.0;
        }
        if let Some(n) = self.max_instances {
            if n == 0 {
                bail!("max-instances must be at least 1");
            }
            limits.max_instances = Some(n);
        }
        if let Some(n) = self.max_queued {
            limits.max_queued = n;
        }
        if let Some(n) = self.max_instance_reuse_count {
            if n == 0 {
                bail!("max-instance-reuse-count must be at least 1");
            }
            limits.max_instance_reuse = n;
        }
        if let Some(Size(size)) = self.max_body_size {
            limits.max_body_bytes = size.0;
        }
        Ok(limits)
    }
}

/// `seconds` of setting `name` as a duration; zero, negative or too many
/// seconds are an error naming the setting.
fn positive_seconds(name: &str, seconds: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|t| !t.is_zero())
        .with_context(|| format!("{name} = {seconds:?} is not a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_settings_override_the_defaults() {
        let file = RuntimeFile::parse(
            r#"
            [apps.orders]
            timeout = 2.5
            memory-limit = "64Mi"
            max-instances = 8
            max-queued = 0
            max-body-size = 1048576
            actor-idle-timeout = 90
            max-instance-reuse-count = 100
            "#,
        )
        .unwrap();
        let limits = file.app_limits(&Limits::default()).unwrap();
        let orders = &limits["orders"];
        assert_eq!(orders.timeout, Duration::from_millis(2500));
        assert_eq!(orders.memory_bytes, 64 << 20);
        assert_eq!(orders.max_instances, Some(8));
        assert_eq!(orders.max_queued, 0);
        assert_eq!(orders.max_body_bytes, 1 << 20);
        assert_eq!(orders.actor_idle_timeout, Duration::from_secs(90));
        assert_eq!(orders.max_instance_reuse, 100);
    }

    #[test]
    fn grants_labels_and_config_sources() {
        let file = RuntimeFile::parse(
            r#"
            [apps.orders.grants]
            state = ["statestore"]
            topics = ["pubsub/orders"]
            [apps.orders.keyvalue]
            cache = "redis-cache"
            [apps.orders.wasi-config]
            configuration = ["configstore"]
            secrets = ["secretstore"]
            [apps.open]
            timeout = 1
            "#,
        )
        .unwrap();
        let access = file.app_access().unwrap();
        let orders = &access["orders"];
        let grants = orders.grants.as_ref().unwrap();
        assert!(grants.allows("state", "statestore") && !grants.allows("pubsub", "pubsub"));
        assert!(grants.allows_topic("pubsub", "orders"));
        assert_eq!(orders.keyvalue_store("cache"), "redis-cache");
        let sources = orders.config_sources.as_ref().unwrap();
        assert_eq!(sources.secrets, ["secretstore"]);
        assert!(access["open"].grants.is_none());
        let bad = RuntimeFile::parse("[apps.a.grants]\nstates = [\"x\"]")
            .unwrap()
            .app_access()
            .unwrap_err();
        assert!(
            format!("{bad:#}").contains("unknown grant `states`"),
            "{bad:#}"
        );
        let bad = RuntimeFile::parse("[apps.a.wasi-config]\nconfigurations = []").unwrap_err();
        assert!(format!("{bad:#}").contains("configurations"), "{bad:#}");
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let error = |text: &str| {
            let result = RuntimeFile::parse(text).and_then(|f| f.app_limits(&Limits::default()));
            format!("{:#}", result.unwrap_err())
        };
        assert!(error("[apps.a]\ntimeuot = 1").contains("timeuot"));
        assert!(error("[apps.a]\nmemory-limit = \"12Xi\"").contains("unknown size unit"));
        assert!(error("[apps.a]\ntimeout = 1e30").contains("timeout = 1e30"));
        assert!(error("[apps.a]\ntimeout = -1").contains("[apps.a]"));
        assert!(error("[apps.a]\nmax-instances = 0").contains("max-instances"));
        assert!(
            error("[apps.a]\nmax-instance-reuse-count = 0").contains("max-instance-reuse-count")
        );
        assert!(error("apps = 3").contains("invalid type"));
    }
}
