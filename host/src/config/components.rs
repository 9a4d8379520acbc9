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
    let mut specs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(&text) {
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
}
