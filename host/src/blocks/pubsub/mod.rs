//! The pub/sub block (`dapr:runtime/pubsub`): publishing, and delivery of
//! the subscriptions an app's `handler` export declares.

mod backend;
pub mod delivery;
mod envelope;
pub mod memory;
mod sidecar;
pub mod sqlite;

pub use backend::*;
pub use sidecar::SidecarPubSub;

use super::{DaprCtx, non_empty, observed};
use crate::wit::dapr::runtime::pubsub::Host;
use crate::wit::{Error, Metadata};

/// The content type of a message published without one.
const DEFAULT_CONTENT_TYPE: &str = "application/json";

impl Host for DaprCtx {
    async fn publish(
        &mut self,
        pubsub: String,
        topic: String,
        data: Vec<u8>,
        content_type: Option<String>,
        metadata: Metadata,
    ) -> Result<(), Error> {
        observed(
            &self.app,
            "pubsub",
            "publish",
            &format!("{pubsub}/{topic}"),
            async {
                non_empty("topic", &topic)?;
                self.within_body_limit("the message", data.len())?;
                let backend = self.app.get::<PubSubBlock>(&pubsub)?;
                self.app.check_topic(&pubsub, &topic)?;
                let content_type = content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
                backend
                    .publish(
                        &topic,
                        Message {
                            data,
                            content_type,
                            metadata,
                        },
                    )
                    .await
            },
        )
        .await
    }

    async fn bulk_publish(
        &mut self,
        pubsub: String,
        topic: String,
        messages: Vec<BulkMessage>,
        metadata: Metadata,
    ) -> Result<Vec<BulkFailure>, Error> {
        observed(
            &self.app,
            "pubsub",
            "bulk-publish",
            &format!("{pubsub}/{topic}"),
            async {
                non_empty("topic", &topic)?;
                let bytes = messages.iter().map(|m| m.data.len()).sum();
                self.within_body_limit("the messages together", bytes)?;
                let backend = self.app.get::<PubSubBlock>(&pubsub)?;
                self.app.check_topic(&pubsub, &topic)?;
                backend.bulk_publish(&topic, messages, &metadata).await
            },
        )
        .await
    }
}

component_block! {
    /// The pubsub block: `get::<PubSubBlock>(name)` finds one of an app's pubsubs.
    PubSubBlock: dyn PubSub = ("pubsub", "pubsub", "pubsub"),
    embedded [sqlite::SqliteBroker, memory::MemoryBroker], sidecar SidecarPubSub
}
