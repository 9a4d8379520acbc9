//! The Kubernetes manifests in `deploy/kubernetes/` are what a cluster
//! with Dapr accepts and what this host needs: every Deployment, Service
//! and ConfigMap parses into the Kubernetes API types (and loses no field
//! doing so, so a misspelled field fails), every Dapr `Component` has the
//! shape of Dapr's CRD and a type a building block serves, and each app's
//! container agrees with its Dapr annotations and probes.

mod common;

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use serde::Deserialize;
use serde_json::Value;

/// Every YAML document of every `.yaml` file under `dir`, with its file.
fn documents(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            serde_yaml::Deserializer::from_str(&text)
                .map(|doc| {
                    let value = Value::deserialize(doc)
                        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    (file.clone(), value)
                })
                .filter(|(_, v)| !v.is_null())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Parses `doc` as `T` and checks that writing it back gives the same
/// document (nothing unknown was dropped).
fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(file: &Path, doc: &Value) -> T {
    let parsed: T =
        serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        &back,
        doc,
        "{}: fields were dropped or changed",
        file.display()
    );
    parsed
}

/// Dapr's `Component` resource (dapr.io/v1alpha1), strictly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Component {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: ComponentSpec,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ObjectMeta {
    name: String,
    namespace: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct ComponentSpec {
    #[serde(rename = "type")]
    component_type: String,
    version: String,
    #[serde(default)]
    metadata: Vec<MetadataItem>,
    ignore_errors: Option<bool>,
    init_timeout: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct MetadataItem {
    name: String,
    value: Option<Value>,
    secret_key_ref: Option<SecretKeyRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SecretKeyRef {
    name: String,
    key: String,
}

/// Dapr's `Configuration` resource, the part the manifests use: tracing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Configuration {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: ConfigurationSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigurationSpec {
    tracing: Tracing,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Tracing {
    sampling_rate: String,
    otel: Otel,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Otel {
    endpoint_address: String,
    is_secure: bool,
    protocol: String,
}

/// The value following `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

#[test]
fn the_kubernetes_manifests_are_valid_and_consistent() {
    let deploy = common::repo().join("deploy/kubernetes");
    let mut deployments = Vec::new();
    let mut components = Vec::new();
    let mut configurations = Vec::new();
    for (file, doc) in documents(&deploy)
        .into_iter()
        .chain(documents(&deploy.join("components")))
    {
        match doc["kind"].as_str() {
            Some("Deployment") => deployments.push(typed::<Deployment>(&file, &doc)),
            Some("Service") => drop(typed::<Service>(&file, &doc)),
            Some("ConfigMap") => drop(typed::<ConfigMap>(&file, &doc)),
            Some("Component") => {
                let component: Component = serde_json::from_value(doc)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!(component.api_version, "dapr.io/v1alpha1");
                for item in &component.spec.metadata {
                    assert!(
                        item.value.is_some() != item.secret_key_ref.is_some(),
                        "{}: `{}` needs a value or a secretKeyRef",
                        file.display(),
                        item.name
                    );
                }
                components.push(component);
            }
            Some("Configuration") => {
                let configuration: Configuration = serde_json::from_value(doc)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!(configuration.api_version, "dapr.io/v1alpha1");
                let rate: f64 = configuration.spec.tracing.sampling_rate.parse().unwrap();
                assert!((0.0..=1.0).contains(&rate));
                configurations.push(configuration);
            }
            other => panic!("{}: unexpected kind {other:?}", file.display()),
        }
    }
    assert_eq!(deployments.len(), 2, "the orders example has two apps");
    for component in &components {
        let ty = &component.spec.component_type;
        assert!(
            wasmtime_dapr::blocks::block_of_type(ty).is_some(),
            "no building block serves {ty}"
        );
    }
    for deployment in &deployments {
        let name = deployment.metadata.name.clone().unwrap();
        let template = deployment.spec.as_ref().unwrap().template.clone();
        let annotations = template.metadata.unwrap().annotations.unwrap();
        let annotation = |key: &str| annotations.get(key).map(String::as_str);
        assert_eq!(annotation("dapr.io/enabled"), Some("true"), "{name}");
        assert_eq!(annotation("dapr.io/app-id"), Some(name.as_str()));
        assert_eq!(annotation("dapr.io/app-protocol"), Some("grpc"), "{name}");
        let container = &template.spec.unwrap().containers[0];
        let args = container.args.clone().unwrap();
        assert_eq!(args[0], "serve", "{name}");
        assert!(
            args[1].starts_with(&format!("{name}=/components/")),
            "{name}: {args:?}"
        );
        assert_eq!(
            flag(&args, "--app-port"),
            annotation("dapr.io/app-port"),
            "{name}"
        );
        let metrics_port = flag(&args, "--metrics")
            .and_then(|a| a.rsplit_once(':'))
            .map(|(_, port)| port.to_string());
        assert_eq!(
            metrics_port.as_deref(),
            annotation("prometheus.io/port"),
            "{name}"
        );
        let ports = container.ports.clone().unwrap();
        let metrics = ports
            .iter()
            .find(|p| p.name.as_deref() == Some("metrics"))
            .unwrap();
        assert_eq!(
            Some(metrics.container_port.to_string()),
            metrics_port,
            "{name}"
        );
        for (probe, path) in [
            (&container.liveness_probe, "/healthz"),
            (&container.readiness_probe, "/readyz"),
        ] {
            let get = probe.clone().and_then(|p| p.http_get).unwrap();
            assert_eq!(get.path.as_deref(), Some(path), "{name}");
        }
        // The sidecar's tracing configuration and the app's OTLP exporter
        // send to the same collector, over the same protocol.
        let config = annotation("dapr.io/config").expect("a Dapr configuration");
        let otel = &configurations
            .iter()
            .find(|c| c.metadata.name == config)
            .unwrap_or_else(|| panic!("{name}: no Configuration {config}"))
            .spec
            .tracing
            .otel;
        let env = container.env.clone().unwrap_or_default();
        let var = |key: &str| {
            env.iter()
                .find(|v| v.name == key)
                .and_then(|v| v.value.clone())
        };
        assert_eq!(
            var("OTEL_EXPORTER_OTLP_ENDPOINT"),
            Some(format!("http://{}", otel.endpoint_address)),
            "{name}"
        );
        assert_eq!(
            var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref(),
            Some(otel.protocol.as_str())
        );
        let limits = container.resources.clone().unwrap().limits.unwrap();
        assert!(
            limits.contains_key("memory") && limits.contains_key("cpu"),
            "{name}"
        );
    }
}
