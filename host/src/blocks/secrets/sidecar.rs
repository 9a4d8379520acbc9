//! Secrets through daprd.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1 as proto;

use super::SecretsBlock;
use crate::backend::sidecar::{Sidecar, error_from_status, from_map, to_map};
use crate::backend::{BackendResult, Metadata};
use crate::blocks::SidecarComponent;
use crate::blocks::secrets::{Secret, SecretStore};

/// One secret store component of the sidecar.
pub struct SidecarSecretStore {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<SecretsBlock> for SidecarSecretStore {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn SecretStore> {
        Arc::new(SidecarSecretStore {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl SecretStore for SidecarSecretStore {
    async fn get(&self, key: &str, metadata: &Metadata) -> BackendResult<Secret> {
        let request = proto::GetSecretRequest {
            store_name: self.name.clone(),
            key: key.to_string(),
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .get_secret(request)
            .await
            .map_err(error_from_status)?;
        Ok(from_map(r.into_inner().data))
    }

    async fn get_bulk(&self, metadata: &Metadata) -> BackendResult<Vec<(String, Secret)>> {
        let request = proto::GetBulkSecretRequest {
            store_name: self.name.clone(),
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .get_bulk_secret(request)
            .await
            .map_err(error_from_status)?;
        let mut secrets: Vec<(String, Secret)> = r
            .into_inner()
            .data
            .into_iter()
            .map(|(key, s)| (key, from_map(s.secrets)))
            .collect();
        secrets.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(secrets)
    }
}
