//! Publishing through daprd.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1 as proto;

use super::PubSubBlock;
use crate::backend::sidecar::{Sidecar, error_from_status, to_map};
use crate::backend::{BackendResult, Metadata};
use crate::blocks::SidecarComponent;
use crate::blocks::pubsub::{BulkFailure, BulkMessage, Message, PubSub};
use crate::wit::Error;

/// One pub/sub component of the sidecar.
pub struct SidecarPubSub {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<PubSubBlock> for SidecarPubSub {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn PubSub> {
        Arc::new(SidecarPubSub {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl PubSub for SidecarPubSub {
    async fn publish(&self, topic: &str, message: Message) -> BackendResult<()> {
        let request = proto::PublishEventRequest {
            pubsub_name: self.name.clone(),
            topic: topic.to_string(),
            data: message.data,
            data_content_type: message.content_type,
            metadata: to_map(&message.metadata),
        };
        self.sidecar
            .client()
            .publish_event(request)
            .await
            .map_err(error_from_status)?;
        Ok(())
    }

    #[allow(deprecated)]
    async fn bulk_publish(
        &self,
        topic: &str,
        messages: Vec<BulkMessage>,
        metadata: &Metadata,
    ) -> BackendResult<Vec<BulkFailure>> {
        let entries = messages
            .into_iter()
            .map(|m| proto::BulkPublishRequestEntry {
                entry_id: m.entry_id,
                event: m.data,
                content_type: m.content_type,
                metadata: to_map(&m.metadata),
            })
            .collect();
        let request = proto::BulkPublishRequest {
            pubsub_name: self.name.clone(),
            topic: topic.to_string(),
            entries,
            metadata: to_map(metadata),
        };
        let response = self
            .sidecar
            .client()
            // The alpha method is the one every supported daprd serves.
            .bulk_publish_event_alpha1(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        Ok(response
            .failed_entries
            .into_iter()
            .map(|f| BulkFailure {
                entry_id: f.entry_id,
                error: Error::Internal(f.error),
            })
            .collect())
    }
}
