//! `dapr:runtime/metadata`.

use super::DaprCtx;
use crate::wit::Error;
use crate::wit::dapr::runtime::metadata::{AppMetadata, Component, Host};

impl Host for DaprCtx {
    async fn get(&mut self) -> Result<AppMetadata, Error> {
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
            runtime: self.app.runtime.to_string(),
            components,
        })
    }
}
