//! Publishing to topics (Dapr's publish & subscribe building block).
//!
//! Subscribing is done by exporting a `Handler` (feature
//! `handler`).

use serde::Serialize;

use crate::wit::dapr::runtime::pubsub as raw;
use crate::{Metadata, Result};

pub use raw::{BulkFailure, BulkMessage};

/// Publishes `data` to `topic` of `pubsub`; `content_type` defaults to
/// `application/json`.
pub fn publish(pubsub: &str, topic: &str, data: &[u8], content_type: Option<&str>) -> Result<()> {
    publish_with(pubsub, topic, data, content_type, &[])
}

/// Publishes `data` with metadata (such as `rawPayload` or `ttlInSeconds`).
pub fn publish_with(
    pubsub: &str,
    topic: &str,
    data: &[u8],
    content_type: Option<&str>,
    metadata: &[(String, String)],
) -> Result<()> {
    Ok(raw::publish(pubsub, topic, data, content_type, metadata)?)
}

/// Publishes `value` serialized as JSON.
pub fn publish_json<T: Serialize + ?Sized>(pubsub: &str, topic: &str, value: &T) -> Result<()> {
    publish(
        pubsub,
        topic,
        &serde_json::to_vec(value)?,
        Some("application/json"),
    )
}

/// Publishes many messages; returns those that failed (empty on success).
pub fn bulk_publish(
    pubsub: &str,
    topic: &str,
    messages: &[BulkMessage],
) -> Result<Vec<BulkFailure>> {
    Ok(raw::bulk_publish(pubsub, topic, messages, &[])?)
}

impl BulkMessage {
    /// A message of a bulk publish.
    pub fn new(
        entry_id: impl Into<String>,
        data: impl Into<Vec<u8>>,
        content_type: impl Into<String>,
    ) -> Self {
        BulkMessage {
            entry_id: entry_id.into(),
            data: data.into(),
            content_type: content_type.into(),
            metadata: Metadata::new(),
        }
    }
}
