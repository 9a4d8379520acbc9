//! The components a Dapr sidecar serves, as reported by its metadata API.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1::GetMetadataResponse;

use super::ComponentSpec;
use super::registry::{Bound, Component, Registry};
use crate::backend::dapr::{
    DaprBinding, DaprConfigurationStore, DaprInvoker, DaprLockStore, DaprPubSub, DaprSecretStore,
    DaprStateStore, Sidecar,
};

/// A registry whose every component is served by `sidecar`: one entry per
/// component daprd reports (daprd applies scopes itself).
pub fn sidecar_registry(sidecar: &Sidecar, metadata: &GetMetadataResponse) -> Registry {
    let mut components: Vec<(ComponentSpec, Arc<dyn Component>)> = Vec::new();
    for registered in &metadata.registered_components {
        let name = registered.name.as_str();
        let s = sidecar.clone();
        let bound = match registered.r#type.split('.').next().unwrap_or_default() {
            "state" => Bound::State(Arc::new(DaprStateStore::new(s, name))),
            "pubsub" => Bound::PubSub(Arc::new(DaprPubSub::new(s, name))),
            "bindings" => Bound::Binding(Arc::new(DaprBinding::new(s, name))),
            "secretstores" => Bound::Secrets(Arc::new(DaprSecretStore::new(s, name))),
            "configuration" => Bound::Configuration(Arc::new(DaprConfigurationStore::new(s, name))),
            "lock" => Bound::Lock(Arc::new(DaprLockStore::new(s, name))),
            _ => continue,
        };
        let mut spec = ComponentSpec::builtin(name, &registered.r#type, &[]);
        spec.version = registered.version.clone();
        spec.source = format!("daprd at {}", sidecar.endpoint()).into();
        components.push((spec, Arc::new(SidecarComponent(bound))));
    }
    Registry::new(
        "dapr",
        components,
        Arc::new(DaprInvoker::new(sidecar.clone())),
    )
}

/// A sidecar component: the same client for every app.
struct SidecarComponent(Bound);

impl Component for SidecarComponent {
    fn bind(&self, _app_id: &str) -> Bound {
        self.0.clone()
    }
}
