//! Configuration through daprd; subscriptions are server streams whose
//! updates are forwarded to the app's `handler` export.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::runtime::v1 as proto;

use super::ConfigurationBlock;
use crate::backend::sidecar::{Sidecar, error_from_status, from_map, to_map};
use crate::backend::{BackendResult, Metadata};
use crate::blocks::SidecarComponent;
use crate::blocks::configuration::{ConfigurationStore, ConfigurationSubscriber, Item};
use crate::wit::Error;

/// One configuration store component of the sidecar.
pub struct SidecarConfigurationStore {
    sidecar: Sidecar,
    name: String,
    streams: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
}

impl SidecarComponent<ConfigurationBlock> for SidecarConfigurationStore {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn ConfigurationStore> {
        Arc::new(SidecarConfigurationStore {
            sidecar: sidecar.clone(),
            name: name.to_string(),
            streams: Mutex::new(HashMap::new()),
        })
    }
}

impl Drop for SidecarConfigurationStore {
    fn drop(&mut self) {
        let streams = self.streams.get_mut().unwrap_or_else(|e| e.into_inner());
        for (_, task) in streams.drain() {
            task.abort();
        }
    }
}

fn items(map: HashMap<String, common::ConfigurationItem>) -> Vec<Item> {
    let mut items: Vec<Item> = map
        .into_iter()
        .map(|(key, i)| Item {
            key,
            value: i.value,
            version: i.version,
            metadata: from_map(i.metadata),
        })
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

#[async_trait::async_trait]
impl ConfigurationStore for SidecarConfigurationStore {
    async fn get(&self, keys: &[String], metadata: &Metadata) -> BackendResult<Vec<Item>> {
        let request = proto::GetConfigurationRequest {
            store_name: self.name.clone(),
            keys: keys.to_vec(),
            metadata: to_map(metadata),
        };
        let r = self
            .sidecar
            .client()
            .get_configuration(request)
            .await
            .map_err(error_from_status)?;
        Ok(items(r.into_inner().items))
    }

    async fn subscribe(
        &self,
        keys: &[String],
        metadata: &Metadata,
        subscriber: Arc<dyn ConfigurationSubscriber>,
    ) -> BackendResult<String> {
        let request = proto::SubscribeConfigurationRequest {
            store_name: self.name.clone(),
            keys: keys.to_vec(),
            metadata: to_map(metadata),
        };
        let mut stream = self
            .sidecar
            .client()
            .subscribe_configuration(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        // The first message carries the subscription id.
        let first = stream
            .message()
            .await
            .map_err(error_from_status)?
            .ok_or_else(|| Error::Unavailable("the sidecar closed the subscription".into()))?;
        let id = first.id.clone();
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            if !first.items.is_empty() {
                subscriber.update(&task_id, items(first.items)).await;
            }
            loop {
                match stream.message().await {
                    Ok(Some(update)) if !update.items.is_empty() => {
                        subscriber.update(&task_id, items(update.items)).await;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(status) => {
                        tracing::warn!(id = %task_id, "configuration subscription ended: {}", status.message());
                        break;
                    }
                }
            }
        });
        self.streams.lock().unwrap().insert(id.clone(), task);
        Ok(id)
    }

    async fn unsubscribe(&self, id: &str) -> BackendResult<()> {
        let task = self.streams.lock().unwrap().remove(id);
        let Some(task) = task else {
            return Err(Error::NotFound(format!(
                "no configuration subscription `{id}`"
            )));
        };
        // Unsubscribe while the stream is still open: daprd drops a
        // subscription by itself once its stream closes.
        let request = proto::UnsubscribeConfigurationRequest {
            store_name: self.name.clone(),
            id: id.to_string(),
        };
        let result = self
            .sidecar
            .client()
            .unsubscribe_configuration(request)
            .await;
        task.abort();
        // An id this store still held is ours even if daprd already let go.
        let r = match result.map_err(error_from_status) {
            Ok(r) => r.into_inner(),
            Err(Error::NotFound(_)) => return Ok(()),
            Err(error) => return Err(error),
        };
        if r.ok || r.message.contains("does not exist") {
            Ok(())
        } else {
            Err(Error::Internal(r.message))
        }
    }
}
