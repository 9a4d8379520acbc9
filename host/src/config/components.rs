//! Parsing Dapr component manifests (`kind: Component`), the same YAML files
//! daprd reads from its resources path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// One Dapr component as declared in a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentSpec {
    /// The name apps use (`metadata.name`).
    pub name: String,
    /// The Dapr component type, such as `state.sqlite` (`spec.type`).
    pub component_type: String,
    /// The component version (`spec.version`, `v1` by default).
    pub version: String,
    /// `spec.metadata` as name/value pairs.
    pub metadata: BTreeMap<String, String>,
    /// App ids allowed to use it; empty means every app (`scopes`).
    pub scopes: Vec<String>,
    /// The file it was read from, for error messages.
    pub source: PathBuf,
}

impl ComponentSpec {
    /// A component declared in code (defaults), not read from a file.
    pub fn builtin(name: &str, component_type: &str, metadata: &[(&str, &str)]) -> Self {
        ComponentSpec {
            name: name.to_string(),
            component_type: component_type.to_string(),
            version: "v1".to_string(),
            metadata: metadata
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            scopes: Vec::new(),
            source: PathBuf::from("<default>"),
        }
    }

    /// Whether `app_id` may use this component.
    pub fn allows(&self, app_id: &str) -> bool {
        self.scopes.is_empty() || self.scopes.iter().any(|s| s == app_id)
    }
}

#[derive(Deserialize)]
struct Manifest {
    kind: Option<String>,
    metadata: Option<ManifestMetadata>,
    spec: Option<ManifestSpec>,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Deserialize)]
struct ManifestMetadata {
    name: String,
}

#[derive(Deserialize)]
struct ManifestSpec {
    #[serde(rename = "type")]
    component_type: String,
    version: Option<String>,
    #[serde(default)]
    metadata: Vec<MetadataEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataEntry {
    name: String,
    value: Option<serde_yaml::Value>,
    secret_key_ref: Option<serde_yaml::Value>,
}

/// Reads every `kind: Component` document of the `.yaml`/`.yml` files in
/// `dir` (not recursive, sorted by file name). Other kinds (Configuration,
/// Resiliency, Subscription) are skipped with a log line.
pub fn load_resources(dir: &Path) -> Result<Vec<ComponentSpec>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read resources path {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    let mut specs: Vec<ComponentSpec> = Vec::new();
    for file in files {
        for spec in parse_file(&file)? {
            if let Some(prev) = specs.iter().find(|s| s.name == spec.name) {
                bail!(
                    "component `{}` is declared twice: in {} and in {}",
                    spec.name,
                    prev.source.display(),
                    spec.source.display()
                );
            }
            specs.push(spec);
        }
    }
    Ok(specs)
}

fn parse_file(path: &Path) -> Result<Vec<ComponentSpec>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read component file {}", path.display()))?;
    parse_manifests(&text, path)
}

/// The components declared in `text`, the contents of the file `path`.
fn parse_manifests(text: &str, path: &Path) -> Result<Vec<ComponentSpec>> {
    let mut specs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = serde_yaml::Value::deserialize(document)
            .with_context(|| format!("{} is not valid YAML", path.display()))?;
        if value.is_null() {
            continue;
        }
        let manifest: Manifest = serde_yaml::from_value(value)
            .with_context(|| format!("{} is not a Dapr resource manifest", path.display()))?;
        match manifest.kind.as_deref() {
            Some("Component") => specs.push(component_spec(manifest, path)?),
            other => tracing::info!(
                file = %path.display(),
                kind = other.unwrap_or("<none>"),
                "skipping a resource that is not a Component"
            ),
        }
    }
    Ok(specs)
}

fn component_spec(manifest: Manifest, path: &Path) -> Result<ComponentSpec> {
    let name = manifest
        .metadata
        .with_context(|| format!("{}: a Component needs metadata.name", path.display()))?
        .name;
    let spec = manifest
        .spec
        .with_context(|| format!("{}: component `{name}` has no spec", path.display()))?;
    let mut metadata = BTreeMap::new();
    for entry in spec.metadata {
        if entry.secret_key_ref.is_some() {
            bail!(
                "{}: component `{name}` metadata `{}` uses secretKeyRef, which needs a Dapr sidecar",
                path.display(),
                entry.name
            );
        }
        let value = match entry.value {
            None | Some(serde_yaml::Value::Null) => String::new(),
            Some(serde_yaml::Value::String(s)) => s,
            Some(serde_yaml::Value::Bool(b)) => b.to_string(),
            Some(serde_yaml::Value::Number(n)) => n.to_string(),
            Some(other) => serde_yaml::to_string(&other)?.trim_end().to_string(),
        };
        metadata.insert(entry.name, value);
    }
    Ok(ComponentSpec {
        name,
        component_type: spec.component_type,
        version: spec.version.unwrap_or_else(|| "v1".to_string()),
        metadata,
        scopes: manifest.scopes,
        source: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_components_and_skips_other_kinds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.yaml"),
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.sqlite\n  version: v1\n  metadata:\n  - name: connectionString\n    value: data.db\n  - name: timeout\n    value: 5\nscopes:\n- orders\n---\nkind: Configuration\nmetadata:\n  name: cfg\n",
        )
        .unwrap();
        let specs = load_resources(dir.path()).unwrap();
        assert_eq!(specs.len(), 1);
        let s = &specs[0];
        assert_eq!(s.name, "statestore");
        assert_eq!(s.metadata["connectionString"], "data.db");
        assert_eq!(s.metadata["timeout"], "5");
        assert!(s.allows("orders"));
        assert!(!s.allows("other"));
    }

    #[test]
    fn duplicate_names_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let doc = "kind: Component\nmetadata:\n  name: x\nspec:\n  type: state.in-memory\n";
        std::fs::write(dir.path().join("a.yaml"), doc).unwrap();
        std::fs::write(dir.path().join("b.yml"), doc).unwrap();
        let err = load_resources(dir.path()).unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");
    }

    /// Property tests: no manifest panics the parser, and no metadata
    /// panics the embedded components made from it (errors are fine).
    mod no_panic {
        use proptest::prelude::*;
        use serde_yaml::{Mapping, Value};

        use std::sync::Arc;

        use super::*;
        use crate::config::Registry;

        /// Embedded types whose construction touches no files.
        const SAFE_TYPES: &[&str] = &[
            "state.in-memory",
            "state.sqlite",
            "lock.in-memory",
            "pubsub.in-memory",
            "bindings.cron",
            "secretstores.local.env",
        ];

        /// Metadata keys the embedded components read, plus some others.
        const KEYS: &[&str] = &[
            "schedule",
            "busyTimeout",
            "tableName",
            "keyPrefix",
            "maxRetries",
            "initialRetryIntervalMs",
            "maxRetryIntervalMs",
            "prefix",
            "pollIntervalMs",
            "multiValued",
            "nestedSeparator",
            "other",
        ];

        /// Strings that tend to break parsers of numbers, durations and
        /// schedules, or are just arbitrary.
        fn tricky_string() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("99999999999999999999".to_string()),
                Just("18446744073709551616".to_string()),
                Just("-1".to_string()),
                Just("0".to_string()),
                Just("1e309".to_string()),
                Just("NaN".to_string()),
                Just("@every 99999999999999999999h".to_string()),
                Just("@every 9223372036854775807s9223372036854775807s".to_string()),
                Just("@every .h".to_string()),
                Just("@every 1µs".to_string()),
                Just("0 0 30 2 *".to_string()),
                "@every [0-9.]{0,25}(h|m|s|ms|us|µs|ns|x)?[0-9]{0,5}(h|ms)?",
                "[*/,0-9 -]{0,30}",
                "[0-9]{1,30}",
                "\\PC{0,40}",
            ]
        }

        /// YAML values of every shape, nested a little.
        fn yaml_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| Value::Number(n.into())),
                any::<u64>().prop_map(|n| Value::Number(n.into())),
                any::<f64>().prop_map(|n| Value::Number(n.into())),
                tricky_string().prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Sequence),
                    prop::collection::vec(("[a-z]{1,8}", inner), 0..4).prop_map(|pairs| {
                        Value::Mapping(
                            pairs
                                .into_iter()
                                .map(|(k, v)| (Value::String(k), v))
                                .collect(),
                        )
                    }),
                ]
            })
        }

        fn mapping(pairs: Vec<(&str, Option<Value>)>) -> Value {
            let mut map = Mapping::new();
            for (k, v) in pairs {
                if let Some(v) = v {
                    map.insert(Value::String(k.to_string()), v);
                }
            }
            Value::Mapping(map)
        }

        /// One metadata entry: usually `{name, value}`, sometimes odd.
        fn metadata_entry() -> impl Strategy<Value = Value> {
            prop_oneof![
                9 => (prop::sample::select(KEYS), yaml_value()).prop_map(|(k, v)| {
                    mapping(vec![("name", Some(Value::String(k.to_string()))), ("value", Some(v))])
                }),
                9 => (prop::sample::select(KEYS), tricky_string()).prop_map(|(k, v)| {
                    mapping(vec![
                        ("name", Some(Value::String(k.to_string()))),
                        ("value", Some(Value::String(v))),
                    ])
                }),
                1 => (yaml_value(), yaml_value(), yaml_value()).prop_map(|(n, v, r)| {
                    mapping(vec![("name", Some(n)), ("value", Some(v)), ("secretKeyRef", Some(r))])
                }),
                1 => yaml_value(),
            ]
        }

        /// A manifest with random fields: mostly a Component of a known
        /// type, sometimes with fields missing or of the wrong shape.
        fn manifest() -> impl Strategy<Value = Value> {
            // Mostly well-formed, so the components get made too.
            fn mostly<T: std::fmt::Debug + Clone + 'static>(
                good: impl Strategy<Value = T> + 'static,
                odd: impl Strategy<Value = T> + 'static,
            ) -> impl Strategy<Value = Option<T>> {
                prop_oneof![
                    18 => good.prop_map(Some),
                    1 => odd.prop_map(Some),
                    1 => Just(None),
                ]
            }
            let kind = mostly(Just(Value::String("Component".into())), yaml_value());
            let name = mostly("[a-z][a-z0-9-]{0,10}".prop_map(Value::String), yaml_value());
            let component_type = mostly(
                prop::sample::select(SAFE_TYPES).prop_map(|t| Value::String(t.into())),
                prop_oneof![tricky_string().prop_map(Value::String), yaml_value()],
            );
            let version = mostly(Just(Value::String("v1".into())), yaml_value());
            let metadata = mostly(
                prop::collection::vec(metadata_entry(), 0..6).prop_map(Value::Sequence),
                yaml_value(),
            );
            let scopes = mostly(
                prop::collection::vec("[a-z]{1,5}".prop_map(Value::String), 0..3)
                    .prop_map(Value::Sequence),
                yaml_value(),
            );
            (
                kind,
                name,
                component_type,
                version,
                metadata,
                scopes,
                prop::bool::weighted(0.95),
            )
                .prop_map(|(kind, name, ty, version, metadata, scopes, spec)| {
                    let spec = spec.then(|| {
                        mapping(vec![
                            ("type", ty),
                            ("version", version),
                            ("metadata", metadata),
                        ])
                    });
                    mapping(vec![
                        ("apiVersion", Some(Value::String("dapr.io/v1alpha1".into()))),
                        ("kind", kind),
                        ("metadata", name.map(|n| mapping(vec![("name", Some(n))]))),
                        ("spec", spec),
                        ("scopes", scopes),
                    ])
                })
        }

        struct NoInvoker;

        #[async_trait::async_trait]
        impl crate::blocks::invoke::Invoker for NoInvoker {
            async fn invoke(
                &self,
                _: &str,
                _: crate::blocks::invoke::Request,
            ) -> crate::backend::BackendResult<crate::blocks::invoke::Response> {
                Err(crate::wit::Error::Unsupported(
                    "no invocation in tests".into(),
                ))
            }
        }

        /// Makes the components of `specs` that touch no files (SQLite in
        /// memory); their errors are fine.
        fn make(specs: Vec<ComponentSpec>) {
            for mut spec in specs {
                if !SAFE_TYPES.contains(&spec.component_type.as_str()) {
                    continue;
                }
                if spec.component_type == "state.sqlite" {
                    spec.metadata
                        .insert("connectionString".into(), ":memory:".into());
                }
                let _ = Registry::embedded(
                    vec![spec],
                    Arc::new(NoInvoker),
                    crate::blocks::jobs::sqlite::SqliteScheduler::in_memory().unwrap(),
                );
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_text(text in "\\PC{0,300}") {
                let _ = parse_manifests(&text, Path::new("fuzz.yaml"));
            }

            #[test]
            fn yaml_shaped_text(text in "([a-z]{1,6}|[:\\- \n{}\\[\\],'\"&*!|>#%@.0-9]|---\n|kind: Component\n|spec:\n  |metadata:\n  - name: ){0,60}") {
                let _ = parse_manifests(&text, Path::new("fuzz.yaml"));
            }

            #[test]
            fn structured_manifests(documents in prop::collection::vec(manifest(), 1..3)) {
                let text = documents
                    .iter()
                    .map(|d| serde_yaml::to_string(d).unwrap())
                    .collect::<Vec<_>>()
                    .join("---\n");
                if let Ok(specs) = parse_manifests(&text, Path::new("fuzz.yaml")) {
                    make(specs);
                }
            }
        }
    }
}
