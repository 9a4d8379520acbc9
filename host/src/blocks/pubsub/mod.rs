//! The pub/sub block (`dapr:runtime/pubsub`): publishing, and delivery of
//! the subscriptions an app's `handler` export declares.

mod backend;
pub mod memory;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarPubSub;

use super::{Block, BlockUnit, DaprCtx, EmbeddedType, non_empty, sidecar_maker};
use crate::wit::dapr::runtime::pubsub::Host;
use crate::wit::{Error, Metadata};

/// The pubsub block.
pub struct PubSubBlock;

impl Block for PubSubBlock {
    type Backend = dyn PubSub;

    fn unit() -> &'static BlockUnit {
        &UNIT
    }
}

/// The pubsub block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "pubsub",
    label: "pubsub",
    type_prefix: Some("pubsub"),
    embedded: &[
        EmbeddedType::of::<PubSubBlock, memory::MemoryBroker>(),
    ],
    sidecar: Some(sidecar_maker::<PubSubBlock, SidecarPubSub>),
};

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
        non_empty("topic", &topic)?;
        let backend = self.app.get::<PubSubBlock>(&pubsub)?;
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
    }

    async fn bulk_publish(
        &mut self,
        pubsub: String,
        topic: String,
        messages: Vec<BulkMessage>,
        metadata: Metadata,
    ) -> Result<Vec<BulkFailure>, Error> {
        non_empty("topic", &topic)?;
        let backend = self.app.get::<PubSubBlock>(&pubsub)?;
        backend.bulk_publish(&topic, messages, &metadata).await
    }
}
