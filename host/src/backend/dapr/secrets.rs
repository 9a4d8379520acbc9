//! Secrets through daprd.

use ::dapr::dapr::proto::runtime::v1 as proto;

use super::{Sidecar, error_from_status, from_map, to_map};
use crate::backend::secrets::{Secret, SecretStore};
use crate::backend::{BackendResult, Metadata};
use crate::wit::Error;

/// One secret store component of the sidecar.
pub struct DaprSecretStore {
    sidecar: Sidecar,
    name: String,
}

impl DaprSecretStore {
    /// The secret store `name` served by `sidecar`.
    pub fn new(sidecar: Sidecar, name: &str) -> Self {
        DaprSecretStore {
            sidecar,
            name: name.to_string(),
        }
    }
}

#[async_trait::async_trait]
impl SecretStore for DaprSecretStore {
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
            .map_err(|status| {
                // daprd reports a missing secret as an internal error.
                let lower = status.message().to_ascii_lowercase();
                if lower.contains("not found") || lower.contains("does not exist") {
                    Error::NotFound(status.message().to_string())
                } else {
                    error_from_status(status)
                }
            })?;
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
