//! Which gRPC metadata entries of an invocation are the app's HTTP headers.
//! Through daprd an invocation's headers travel as gRPC metadata, next to
//! the entries of gRPC, HTTP/2 and daprd itself; the same rule applies in
//! both directions, on the caller's side (`sidecar.rs`) and on the app's
//! (`inbound/app_channel.rs`).

use tonic::metadata::{Ascii, KeyAndValueRef, MetadataKey, MetadataMap, MetadataValue};

/// The metadata entry daprd uses for the status of an HTTP app's answer,
/// and that this host's app channel sets for its apps.
pub const HTTP_STATUS_HEADER: &str = "dapr-http-status";

/// Entries that belong to the transport, not to the app. The content type
/// travels in the invocation's own field.
const TRANSPORT_HEADERS: &[&str] = &[
    HTTP_STATUS_HEADER,
    "content-type",
    "content-length",
    "te",
    "user-agent",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// Whether the metadata entry `name` (lowercase) is an app header.
pub fn is_app_header(name: &str) -> bool {
    !(TRANSPORT_HEADERS.contains(&name) || name.starts_with("grpc-") || name.starts_with(':'))
}

/// The app headers carried by `metadata`, in order (text entries only).
pub fn headers_from_metadata(metadata: &MetadataMap) -> Vec<(String, String)> {
    metadata
        .iter()
        .filter_map(|entry| match entry {
            KeyAndValueRef::Ascii(name, value) => {
                Some((name.to_string(), value.to_str().ok()?.to_string()))
            }
            KeyAndValueRef::Binary(..) => None,
        })
        .filter(|(name, _)| is_app_header(name))
        .collect()
}

/// Adds the app headers among `headers` to `metadata` (names in
/// lowercase); transport headers and names or values gRPC metadata cannot
/// carry are left out.
pub fn add_headers_to_metadata(headers: &[(String, String)], metadata: &mut MetadataMap) {
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if !is_app_header(&name) {
            continue;
        }
        if let (Ok(key), Ok(value)) = (
            name.parse::<MetadataKey<Ascii>>(),
            value.parse::<MetadataValue<Ascii>>(),
        ) {
            metadata.append(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metadata as daprd sends it with an invocation.
    fn from_daprd() -> MetadataMap {
        let mut metadata = MetadataMap::new();
        for (name, value) in [
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("user-agent", "grpc-go/1.71.1"),
            ("grpc-accept-encoding", "gzip"),
            ("grpc-timeout", "10S"),
            ("dapr-caller-app-id", "runner"),
            (
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
            ("x-order", "7"),
            (HTTP_STATUS_HEADER, "200"),
        ] {
            metadata.append(
                MetadataKey::from_static(name),
                MetadataValue::from_static(value),
            );
        }
        metadata.append_bin(
            "grpc-trace-bin",
            tonic::metadata::MetadataValue::from_bytes(b"\x00\x01"),
        );
        metadata
    }

    #[test]
    fn only_app_headers_come_out_of_metadata() {
        assert_eq!(
            headers_from_metadata(&from_daprd()),
            vec![
                ("dapr-caller-app-id".to_string(), "runner".to_string()),
                (
                    "traceparent".to_string(),
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string()
                ),
                ("x-order".to_string(), "7".to_string()),
            ]
        );
    }

    #[test]
    fn only_app_headers_go_into_metadata() {
        let headers: Vec<(String, String)> = [
            ("Content-Type", "text/plain"),
            ("X-Order", "7"),
            ("x-order", "8"),
            ("grpc-status", "0"),
            ("bad name", "v"),
            ("x-bad-value", "line\nbreak"),
            ("Connection", "close"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut metadata = MetadataMap::new();
        add_headers_to_metadata(&headers, &mut metadata);
        assert_eq!(
            headers_from_metadata(&metadata),
            vec![
                ("x-order".to_string(), "7".to_string()),
                ("x-order".to_string(), "8".to_string()),
            ]
        );
    }

    #[test]
    fn transport_entries_are_not_app_headers() {
        for name in [
            "content-type",
            "te",
            "grpc-timeout",
            ":authority",
            HTTP_STATUS_HEADER,
        ] {
            assert!(!is_app_header(name), "{name}");
        }
        for name in ["x-order", "traceparent", "dapr-caller-app-id", "accept"] {
            assert!(is_app_header(name), "{name}");
        }
    }
}
