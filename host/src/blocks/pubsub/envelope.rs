//! The CloudEvent envelope of published messages, shared by the embedded
//! brokers: a new event per published message, or the attributes of a
//! structured CloudEvent (`application/cloudevents+json`) taken over.

use serde_json::Value as Json;

use crate::backend::{BackendResult, Error};
use crate::blocks::pubsub::{CloudEvent, Message};

/// The CloudEvent type of published messages.
pub const EVENT_TYPE: &str = "com.dapr.event.sent";
/// The content type of messages that already are CloudEvents.
pub const CLOUDEVENT_CONTENT_TYPE: &str = "application/cloudevents+json";
/// The content type of messages published without one.
const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// Wraps `message`, published by app `source` to `topic` of component
/// `pubsub`, in a new CloudEvent (with a fresh id), or unpacks it if it
/// already is one. The `path` is left empty: each subscription sets its own.
/// The current trace context goes into its `traceparent` attribute, unless
/// a structured event brought its own.
pub fn envelope(
    pubsub: &str,
    topic: &str,
    source: &str,
    message: Message,
) -> BackendResult<CloudEvent> {
    let content_type = Some(message.content_type).filter(|c| !c.is_empty());
    let content_type = content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
    let structured = content_type.starts_with(CLOUDEVENT_CONTENT_TYPE);
    let event = CloudEvent {
        id: uuid::Uuid::new_v4().to_string(),
        source: source.to_string(),
        event_type: EVENT_TYPE.to_string(),
        spec_version: "1.0".to_string(),
        data_content_type: content_type,
        data: message.data,
        topic: topic.to_string(),
        pubsub: pubsub.to_string(),
        path: String::new(),
        extensions: message.metadata,
    };
    let mut event = if structured {
        unpack_structured(event)?
    } else {
        event
    };
    crate::telemetry::to_cloudevent(&mut event.extensions);
    Ok(event)
}

/// The message that forwards a failed `event` to a dead-letter topic: its
/// data, content type and extensions.
pub fn dead_letter_message(event: CloudEvent) -> Message {
    Message {
        data: event.data,
        content_type: event.data_content_type,
        metadata: event.extensions,
    }
}

/// Takes the attributes of a structured CloudEvent (JSON in `event.data`)
/// over `event`; unknown attributes become extensions.
fn unpack_structured(mut event: CloudEvent) -> BackendResult<CloudEvent> {
    let invalid = |why: &str| Error::InvalidArgument(format!("invalid CloudEvent: {why}"));
    let Ok(Json::Object(mut fields)) = serde_json::from_slice::<Json>(&event.data) else {
        return Err(invalid("expected a JSON object"));
    };
    let mut take = |name: &str| fields.remove(name).map(json_string);
    event.id = take("id").unwrap_or(event.id);
    event.source = take("source").unwrap_or(event.source);
    event.event_type = take("type").unwrap_or(event.event_type);
    event.spec_version = take("specversion").unwrap_or(event.spec_version);
    event.data_content_type =
        take("datacontenttype").unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
    let is_json = event.data_content_type.contains("json");
    event.data = match fields.remove("data") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(text)) if !is_json => text.into_bytes(),
        Some(value) => value.to_string().into_bytes(),
    };
    for name in ["topic", "pubsubname", "data_base64"] {
        fields.remove(name);
    }
    let attributes = fields.into_iter().map(|(k, v)| (k, json_string(v)));
    event.extensions = attributes.chain(event.extensions).collect();
    Ok(event)
}

fn json_string(value: Json) -> String {
    match value {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_cloud_events_are_unpacked() {
        let event = r#"{"id":"e1","source":"custom","type":"my.type","specversion":"1.0",
            "datacontenttype":"text/plain","data":"hi","traceid":"abc"}"#;
        let message = Message {
            data: event.into(),
            content_type: CLOUDEVENT_CONTENT_TYPE.into(),
            metadata: vec![],
        };
        let got = envelope("bus", "t", "p", message).unwrap();
        assert_eq!(
            (
                got.id.as_str(),
                got.source.as_str(),
                got.event_type.as_str()
            ),
            ("e1", "custom", "my.type")
        );
        assert_eq!(
            (got.data_content_type.as_str(), got.data.as_slice()),
            ("text/plain", &b"hi"[..])
        );
        assert_eq!(
            got.extensions,
            vec![("traceid".to_string(), "abc".to_string())]
        );
        let bad = Message {
            data: b"[]".to_vec(),
            content_type: CLOUDEVENT_CONTENT_TYPE.into(),
            metadata: vec![],
        };
        assert!(matches!(
            envelope("bus", "t", "p", bad),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn plain_messages_get_a_new_event() {
        let message = Message {
            data: b"x".to_vec(),
            content_type: String::new(),
            metadata: vec![("k".into(), "v".into())],
        };
        let event = envelope("bus", "orders", "shop", message).unwrap();
        assert_eq!(
            (
                event.source.as_str(),
                event.event_type.as_str(),
                event.spec_version.as_str()
            ),
            ("shop", EVENT_TYPE, "1.0")
        );
        assert_eq!(
            (event.topic.as_str(), event.pubsub.as_str()),
            ("orders", "bus")
        );
        assert_eq!(event.data_content_type, DEFAULT_CONTENT_TYPE);
        assert!(!event.id.is_empty());
    }
}
