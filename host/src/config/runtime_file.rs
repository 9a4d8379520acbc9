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
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

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

impl AppSettings {
    /// `defaults` with these settings over them.
    pub fn apply(&self, defaults: &Limits) -> Result<Limits> {
        let mut limits = defaults.clone();
        if let Some(seconds) = self.timeout {
            limits.timeout = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|t| !t.is_zero())
                .with_context(|| {
                    format!("timeout = {seconds:?} is not a positive number of seconds")
                })?;
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
        if let Some(Size(size)) = self.max_body_size {
            limits.max_body_bytes = size.0;
        }
        Ok(limits)
    }
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
        assert!(error("apps = 3").contains("invalid type"));
    }
}
