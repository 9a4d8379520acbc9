//! The metadata block (`dapr:runtime/metadata`): the app's id, backend and
//! the components in its scope. It has no components of its own.

use super::{BlockUnit, DaprCtx, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::metadata::{AppMetadata, Component, Host};

/// The metadata block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "metadata",
    label: "",
    type_prefix: None,
    embedded: &[],
    sidecar: None,
};

impl Host for DaprCtx {
    async fn get(&mut self) -> Result<AppMetadata, Error> {
        observed(&self.app, "metadata", "get", "", async {
            let components = self
                .app
                .infos()
                .into_iter()
                .map(|info| Component {
                    name: info.name,
                    component_type: info.component_type,
                    version: info.version,
                })
                .collect();
            Ok(AppMetadata {
                app_id: self.app.app_id.clone(),
                runtime: self.app.backend.name().to_string(),
                components,
            })
        })
        .await
    }
}
