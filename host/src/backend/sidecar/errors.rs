//! The one mapping of daprd's gRPC errors to the WIT `error`.
//!
//! [`TABLE`] is a list of rows tried in order; the first that matches an
//! error decides its case. Rows keyed by the `google.rpc.ErrorInfo` reason
//! Dapr attaches to its errors come first (`DAPR_STATE_NOT_FOUND`,
//! `ERR_INVOKE_OUTPUT_BINDING`, ...; Dapr's list is `pkg/messages/errorcodes`),
//! then rows for the gRPC code and message text of errors that carry no
//! reason (Dapr's older APIs such as secrets and locks, component errors
//! passed through, transport failures). An error no row matches is
//! `internal`.

use tonic::Code;
use tonic_types::StatusExt;

use crate::wit::Error;

/// A case of the WIT `error`, without its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    NotFound,
    Denied,
    EtagMismatch,
    InvalidArgument,
    Unavailable,
    Unsupported,
    Internal,
}

impl Case {
    /// The WIT error of this case with `message`.
    fn with(self, message: String) -> Error {
        match self {
            Case::NotFound => Error::NotFound(message),
            Case::Denied => Error::Denied(message),
            Case::EtagMismatch => Error::EtagMismatch(message),
            Case::InvalidArgument => Error::InvalidArgument(message),
            Case::Unavailable => Error::Unavailable(message),
            Case::Unsupported => Error::Unsupported(message),
            Case::Internal => Error::Internal(message),
        }
    }
}

/// One row of the table: which errors it matches and what they become.
/// Every condition given must hold; `None` and an empty `text` match all.
struct Row {
    /// The `ErrorInfo.reason` the error must carry.
    reason: Option<&'static str>,
    /// The gRPC code the error must have.
    code: Option<Code>,
    /// Fragments the message must all contain (lowercase; the message is
    /// compared in lowercase).
    text: &'static [&'static str],
    /// The WIT case the error becomes.
    case: Case,
    /// Turns daprd's message into one that says what to do, for errors whose
    /// remedy is known; otherwise the message is kept as it is.
    explain: Option<fn(&str) -> String>,
}

/// The fields every row leaves open unless it says otherwise.
const ANY: Row = Row {
    reason: None,
    code: None,
    text: &[],
    case: Case::Internal,
    explain: None,
};

use Case::*;

/// The start of daprd's message for a failed encryption or decryption.
const CRYPTO: &str = "failed to perform operation";

/// What daprd puts before the message of an actor host's failure.
const ACTOR_FAILURE: &str = "error from actor service: ";

/// The rows, tried in order.
#[rustfmt::skip]
static TABLE: &[Row] = &[
    // State (`pkg/api/errors/state.go`).
    Row { reason: Some("DAPR_STATE_NOT_FOUND"), case: NotFound, ..ANY },
    Row { reason: Some("DAPR_STATE_NOT_CONFIGURED"), case: NotFound, ..ANY },
    Row { reason: Some("DAPR_STATE_ILLEGAL_KEY"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_STATE_TOO_MANY_TRANSACTIONS"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED"), case: Unsupported, ..ANY },
    Row { reason: Some("DAPR_STATE_QUERYING_NOT_SUPPORTED"), case: Unsupported, ..ANY },
    Row {
        reason: Some("DAPR_STATE_QUERY_FAILED"),
        text: &["failed to parse json query body"],
        case: InvalidArgument,
        ..ANY
    },
    // state.redis without the RediSearch module.
    Row {
        reason: Some("DAPR_STATE_QUERY_FAILED"),
        text: &["required for query capability"],
        case: Unsupported,
        ..ANY
    },
    Row {
        reason: Some("DAPR_STATE_QUERY_FAILED"),
        text: &["cannot query encrypted store"],
        case: Unsupported,
        ..ANY
    },
    Row { reason: Some("DAPR_STATE_QUERY_FAILED"), case: Internal, ..ANY },
    Row { reason: Some("ERR_NOT_SUPPORTED_STATE_OPERATION"), case: Unsupported, ..ANY },
    // Pub/sub (`pkg/api/errors/pubsub.go`).
    Row { reason: Some("DAPR_PUBSUB_NAME_EMPTY"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_TOPIC_NAME_EMPTY"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_NOT_FOUND"), case: NotFound, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_TEST_NOT_FOUND"), case: NotFound, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_NOT_CONFIGURED"), case: NotFound, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_FORBIDDEN"), case: Denied, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_METADATA_DESERIALIZATION"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_CLOUD_EVENT_CREATION"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_MARSHAL_ENVELOPE"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_MARSHAL_EVENTS"), case: InvalidArgument, ..ANY },
    Row { reason: Some("DAPR_PUBSUB_UNMARSHAL_EVENTS"), case: InvalidArgument, ..ANY },
    // Output bindings: daprd wraps every failure in one reason, so the
    // message tells what went wrong.
    Row {
        reason: Some("ERR_INVOKE_OUTPUT_BINDING"),
        text: &["couldn't find output binding"],
        case: NotFound,
        ..ANY
    },
    Row {
        reason: Some("ERR_INVOKE_OUTPUT_BINDING"),
        text: &["operation field is missing"],
        case: InvalidArgument,
        ..ANY
    },
    Row {
        reason: Some("ERR_INVOKE_OUTPUT_BINDING"),
        text: &["not support"],
        case: Unsupported,
        ..ANY
    },
    Row {
        reason: Some("ERR_INVOKE_OUTPUT_BINDING"),
        text: &["unsupported operation"],
        case: Unsupported,
        ..ANY
    },
    // Configuration.
    Row { reason: Some("ERR_CONFIGURATION_STORE_NOT_CONFIGURED"), case: NotFound, ..ANY },
    Row { reason: Some("ERR_CONFIGURATION_STORE_NOT_FOUND"), case: NotFound, ..ANY },
    // Actors (`pkg/actors`): the actor host's own failure (the actor's
    // message, after daprd's prefix), an actor type no sidecar hosts, and
    // daprd's rules on where reminders and actor state are written.
    Row { text: &[ACTOR_FAILURE], case: Internal, explain: Some(explain_actor_failure), ..ANY },
    Row {
        text: &["did not find address for actor"],
        case: NotFound,
        explain: Some(explain_no_actor_host),
        ..ANY
    },
    Row {
        text: &["only possible on hosted actor types"],
        case: NotFound,
        explain: Some(|_| "the actor type is not hosted behind this daprd, and daprd keeps the reminders of its own app's actor types only".to_string()),
        ..ANY
    },
    Row {
        text: &["actor instance is missing"],
        case: Unsupported,
        explain: Some(|_| "the actor is not active behind this daprd, and daprd writes the state of an active actor only (call the actor first, or write from its turn)".to_string()),
        ..ANY
    },
    // Cryptography: daprd wraps every failure of the scheme or the key in
    // one message (`failed to perform operation: ...`, code `Internal`).
    Row { text: &[CRYPTO, "document's signature"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "failed to decrypt segment"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "invalid header"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "no key name was provided"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "key type mismatch"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "key cannot"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "invalid key path"], case: InvalidArgument, ..ANY },
    Row { text: &[CRYPTO, "not supported"], case: Unsupported, ..ANY },
    Row { text: &[CRYPTO, "unsupported algorithm"], case: Unsupported, ..ANY },
    // Transport failures, whatever the message says.
    Row { code: Some(Code::Unavailable), case: Unavailable, ..ANY },
    Row { code: Some(Code::DeadlineExceeded), case: Unavailable, ..ANY },
    Row { code: Some(Code::Cancelled), case: Unavailable, ..ANY },
    Row { code: Some(Code::Unauthenticated), case: Denied, ..ANY },
    Row { code: Some(Code::PermissionDenied), case: Denied, ..ANY },
    // A message over daprd's size limit (`--max-body-size`).
    Row {
        text: &["larger than max"],
        case: InvalidArgument,
        explain: Some(explain_size_limit),
        ..ANY
    },
    // A message over this host's own gRPC limit, refused before sending
    // (or an answer over it, refused on receipt).
    Row {
        text: &["message length too large"],
        case: InvalidArgument,
        explain: Some(explain_local_limit),
        ..ANY
    },
    // Messages of errors without a reason of their own.
    Row { text: &["etag", "mismatch"], case: EtagMismatch, ..ANY },
    // state.redis's write scripts: a first-write on an existing key, or an
    // etag that no longer matches inside a transaction.
    Row { text: &["user_script", "failed to set key"], case: EtagMismatch, ..ANY },
    Row { text: &["user_script", "failed to delete"], case: EtagMismatch, ..ANY },
    Row { text: &["not configured"], case: NotFound, ..ANY },
    Row { text: &["failed finding secret store"], case: NotFound, ..ANY },
    // Service invocation of an unknown app id.
    Row { text: &["couldn't find"], case: NotFound, ..ANY },
    Row { text: &["no such host"], case: NotFound, ..ANY },
    Row { text: &["no host found"], case: NotFound, ..ANY },
    Row { text: &["not found"], case: NotFound, ..ANY },
    Row { text: &["does not exist"], case: NotFound, ..ANY },
    Row { text: &["no such file"], case: NotFound, ..ANY },
    Row { text: &["failed to parse"], case: InvalidArgument, ..ANY },
    Row { text: &["incorrect value for metadata"], case: InvalidArgument, ..ANY },
    Row { text: &["connection refused"], case: Unavailable, ..ANY },
    // The gRPC code alone.
    Row { code: Some(Code::Aborted), case: EtagMismatch, ..ANY },
    Row { code: Some(Code::NotFound), case: NotFound, ..ANY },
    Row { code: Some(Code::InvalidArgument), case: InvalidArgument, ..ANY },
    Row { code: Some(Code::OutOfRange), case: InvalidArgument, ..ANY },
    Row { code: Some(Code::Unimplemented), case: Unsupported, ..ANY },
];

impl Row {
    /// Whether this row matches an error; `message` is in lowercase.
    fn matches(&self, reason: Option<&str>, code: Code, message: &str) -> bool {
        self.reason.is_none_or(|r| reason == Some(r))
            && self.code.is_none_or(|c| c == code)
            && self.text.iter().all(|fragment| message.contains(fragment))
    }
}

/// The first row matching an error, if any.
fn row_for(reason: Option<&str>, code: Code, message: &str) -> Option<&'static Row> {
    let message = message.to_ascii_lowercase();
    TABLE.iter().find(|row| row.matches(reason, code, &message))
}

/// Maps a gRPC status from daprd to the WIT error.
pub fn error_from_status(status: tonic::Status) -> Error {
    let reason = status.get_details_error_info().map(|info| info.reason);
    let message = status.message();
    match row_for(reason.as_deref(), status.code(), message) {
        Some(row) => row.case.with(
            row.explain
                .map_or_else(|| message.to_string(), |explain| explain(message)),
        ),
        None => Error::Internal(message.to_string()),
    }
}

/// The actor's own message, without daprd's prefix.
fn explain_actor_failure(message: &str) -> String {
    match message.split_once(ACTOR_FAILURE) {
        Some((_, own)) => own.to_string(),
        None => message.to_string(),
    }
}

/// daprd's `did not find address for actor 'TYPE/ID'` as which type no app
/// hosts.
fn explain_no_actor_host(message: &str) -> String {
    let actor = message
        .split_once("for actor '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(actor, _)| actor);
    match actor.and_then(|a| a.split_once('/')) {
        Some((actor_type, _)) => format!(
            "no app hosts actor type `{actor_type}` (daprd's placement service knows no host for `{}`)",
            actor.unwrap_or_default()
        ),
        None => message.to_string(),
    }
}

/// gRPC's size error (`received message larger than max (SIZE vs. LIMIT)`)
/// with the limit and how to raise it.
fn explain_size_limit(message: &str) -> String {
    let limit = message
        .rsplit_once("vs. ")
        .and_then(|(_, rest)| rest.split(')').next()?.trim().parse::<u64>().ok());
    let limit = match limit {
        Some(bytes) if bytes % (1 << 20) == 0 => format!("{} MiB", bytes >> 20),
        Some(bytes) => format!("{bytes} bytes"),
        None => "its limit".to_string(),
    };
    format!(
        "the message is larger than the Dapr sidecar accepts ({limit}); raise daprd's \
         --max-body-size (annotation dapr.io/max-body-size), such as `--max-body-size 16Mi` \
         ({message})"
    )
}

/// tonic's size error (`encoded message length too large: found SIZE
/// bytes, the limit is: LIMIT bytes`) with the flags that raise it.
fn explain_local_limit(message: &str) -> String {
    format!(
        "the gRPC message to or from the Dapr sidecar is over this host's limit; raise \
         --max-body-size here and daprd's --max-body-size (annotation dapr.io/max-body-size) \
         together ({message})"
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tonic_types::ErrorDetails;

    use super::*;

    /// An error as daprd sends it: the reason (if any) in the details.
    fn status(reason: Option<&str>, code: Code, message: &str) -> tonic::Status {
        match reason {
            Some(reason) => tonic::Status::with_error_details(
                code,
                message,
                ErrorDetails::with_error_info(reason, "dapr.io", HashMap::new()),
            ),
            None => tonic::Status::new(code, message),
        }
    }

    /// Errors as daprd (1.16 and 1.18) and its components send them, at least one per
    /// row, with the case each must become.
    #[rustfmt::skip]
    const EXAMPLES: &[(Option<&str>, Code, &str, Case)] = &[
        (Some("DAPR_STATE_NOT_FOUND"), Code::InvalidArgument, "state store nope is not found", NotFound),
        (Some("DAPR_STATE_NOT_CONFIGURED"), Code::FailedPrecondition, "state store nope is not configured", NotFound),
        (Some("DAPR_STATE_ILLEGAL_KEY"), Code::InvalidArgument, "input key/keyPrefix 'a||b' can't contain '||'", InvalidArgument),
        (Some("DAPR_STATE_TOO_MANY_TRANSACTIONS"), Code::InvalidArgument, "the transaction contains 12 operations, which is more than what the state store supports: 10", InvalidArgument),
        (Some("DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED"), Code::Unimplemented, "state store memstore doesn't support transactions", Unsupported),
        (Some("DAPR_STATE_QUERYING_NOT_SUPPORTED"), Code::Internal, "state store does not support querying", Unsupported),
        (Some("DAPR_STATE_QUERY_FAILED"), Code::Internal, "state store statestore query failed: failed to parse JSON query body: invalid character 'n'", InvalidArgument),
        (Some("DAPR_STATE_QUERY_FAILED"), Code::Internal, "state store statestore query failed: redis-json server support is required for query capability", Unsupported),
        (Some("DAPR_STATE_QUERY_FAILED"), Code::Internal, "state store statestore query failed: cannot query encrypted store", Unsupported),
        (Some("DAPR_STATE_QUERY_FAILED"), Code::Internal, "state store statestore query failed: key not found in index", Internal),
        (Some("ERR_NOT_SUPPORTED_STATE_OPERATION"), Code::Unimplemented, "operation type merge not supported", Unsupported),
        (Some("DAPR_PUBSUB_NAME_EMPTY"), Code::InvalidArgument, "pubsub name is empty", InvalidArgument),
        (Some("ERR_ACTOR_INVOKE_METHOD"), Code::Internal, "error invoke actor method: error from actor service: cart has no method `x`", Internal),
        (Some("ERR_ACTOR_INVOKE_METHOD"), Code::Internal, "error invoke actor method: failed to lookup actor: api error: code = FailedPrecondition desc = did not find address for actor 'nope/x'", NotFound),
        (None, Code::PermissionDenied, "operations on actor reminders are only possible on hosted actor types", NotFound),
        (None, Code::Internal, "actor instance is missing", Unsupported),
        (Some("DAPR_PUBSUB_TOPIC_NAME_EMPTY"), Code::InvalidArgument, "topic is empty in pubsub pubsub", InvalidArgument),
        (Some("DAPR_PUBSUB_NOT_FOUND"), Code::InvalidArgument, "pubsub nope is not found", NotFound),
        (Some("DAPR_PUBSUB_TEST_NOT_FOUND"), Code::NotFound, "pubsub 'nope' not found", NotFound),
        (Some("DAPR_PUBSUB_NOT_CONFIGURED"), Code::FailedPrecondition, "pubsub pubsub is not configured", NotFound),
        (Some("DAPR_PUBSUB_FORBIDDEN"), Code::PermissionDenied, "topic secret is not allowed for app id runner", Denied),
        (Some("DAPR_PUBSUB_METADATA_DESERIALIZATION"), Code::InvalidArgument, "failed deserializing metadata. Error: bad", InvalidArgument),
        (Some("DAPR_PUBSUB_CLOUD_EVENT_CREATION"), Code::InvalidArgument, "cannot create cloudevent", InvalidArgument),
        (Some("DAPR_PUBSUB_MARSHAL_ENVELOPE"), Code::InvalidArgument, "error when marshalling cloud event envelope for topic t pubsub p: bad", InvalidArgument),
        (Some("DAPR_PUBSUB_MARSHAL_EVENTS"), Code::InvalidArgument, "error marshaling events to bytes for topic t pubsub p. error: bad", InvalidArgument),
        (Some("DAPR_PUBSUB_UNMARSHAL_EVENTS"), Code::InvalidArgument, "error when unmarshaling the request for topic t pubsub p: bad", InvalidArgument),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding nope: couldn't find output binding nope", NotFound),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding files: operation field is missing from request", InvalidArgument),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding files: binding files does not support operation explode. supported operations:create get list delete", Unsupported),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding files: unsupported operation explode", Unsupported),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding files: file not found: /tmp/files/a", NotFound),
        (Some("ERR_INVOKE_OUTPUT_BINDING"), Code::Internal, "error invoking output binding files: remove /tmp/files/a: no such file or directory", NotFound),
        (Some("ERR_CONFIGURATION_STORE_NOT_CONFIGURED"), Code::FailedPrecondition, "configuration stores not configured", NotFound),
        (Some("ERR_CONFIGURATION_STORE_NOT_FOUND"), Code::InvalidArgument, "configuration store nope not found", NotFound),
        (None, Code::Internal, "failed to perform operation: failed to validate the document's signature", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: error processing segment 0: failed to decrypt segment", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: invalid header: unsupported scheme", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: document's manifest does not contain a key name, and no key name was provided", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: failed to wrap the file key: failed to encrypt data: key type mismatch", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: failed to wrap the file key: key cannot perform the 'wrapKey' operation", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: failed to wrap the file key: failed to retrieve the key encryption key: invalid key path: cannot contain '..'", InvalidArgument),
        (None, Code::Internal, "failed to perform operation: option Algorithm is not valid: algorithm RSA-OAEP is not supported", Unsupported),
        (None, Code::Internal, "failed to perform operation: failed to wrap the file key: failed to encrypt data: unsupported algorithm", Unsupported),
        (None, Code::Internal, "failed to perform operation: failed to wrap the file key: failed to retrieve the key encryption key: failed to load key 'nope': open /keys/nope: no such file or directory", NotFound),
        (None, Code::InvalidArgument, "crypto provider nope not found", NotFound),
        (None, Code::Internal, "crypto providers not configured", NotFound),
        (None, Code::Unavailable, "tcp connect error: Connection refused (os error 111)", Unavailable),
        (None, Code::DeadlineExceeded, "context deadline exceeded", Unavailable),
        (None, Code::Cancelled, "operation was canceled", Unavailable),
        (None, Code::Unauthenticated, "authentication error: api token mismatch", Denied),
        (None, Code::PermissionDenied, "access denied by policy to get \"k\" from \"secretstore\"", Denied),
        (None, Code::ResourceExhausted, "grpc: received message larger than max (5242922 vs. 4194304)", InvalidArgument),
        (None, Code::OutOfRange, "Error, encoded message length too large: found 5242922 bytes, the limit is: 4194304 bytes", InvalidArgument),
        (Some("ERR_STATE_SAVE"), Code::Internal, "failed saving state in state store statestore: possible etag mismatch. error from state store: ERR Error running script", EtagMismatch),
        (Some("ERR_STATE_SAVE"), Code::Internal, "failed saving state in state store statestore: failed to set key runner||k: ERR Error running script (call to f_1): @user_script:1: failed to set key runner||k", EtagMismatch),
        (Some("ERR_STATE_TRANSACTION"), Code::Internal, "error while executing state transaction: ERR Error running script: @user_script:1: failed to delete runner||k", EtagMismatch),
        (None, Code::FailedPrecondition, "lock store is not configured", NotFound),
        (None, Code::InvalidArgument, "failed finding secret store with key nope", NotFound),
        (None, Code::Internal, "failed to invoke, id: nobody, err: couldn't find service: nobody", NotFound),
        (None, Code::Internal, "failed to invoke, id: nobody, err: dial tcp: lookup nobody: no such host", NotFound),
        (None, Code::Internal, "failed to invoke, id: nobody, err: no host found for app id nobody", NotFound),
        (None, Code::Internal, "failed getting secret with key nope from secret store secretstore: secret nope not found", NotFound),
        (None, Code::InvalidArgument, "lock store nope not found", NotFound),
        (None, Code::Internal, "failed to unsubscribe to configuration request 7: subscription does not exist", NotFound),
        (None, Code::Internal, "open /tmp/files/a: no such file or directory", NotFound),
        (Some("ERR_STATE_SAVE"), Code::Internal, "failed saving state in state store statestore: failed to parse ttl from metadata: strconv.ParseInt: parsing \"abc\": invalid syntax", InvalidArgument),
        (Some("ERR_STATE_SAVE"), Code::Internal, "failed saving state in state store memstore: incorrect value for metadata 'ttlInSeconds': invalid syntax", InvalidArgument),
        (Some("ERR_STATE_GET"), Code::Internal, "fail to get k from state store statestore: dial tcp 127.0.0.1:6379: connect: connection refused", Unavailable),
        (Some("ERR_STATE_SAVE"), Code::Aborted, "failed saving state in state store statestore: possible etag", EtagMismatch),
        (None, Code::NotFound, "method \"x\" is missing", NotFound),
        (Some("ERR_STATE_SAVE"), Code::InvalidArgument, "failed saving state in state store statestore: invalid etag value: abc", InvalidArgument),
        (None, Code::OutOfRange, "offset out of range", InvalidArgument),
        (None, Code::Unimplemented, "this API is currently not implemented", Unsupported),
    ];

    /// The case of a WIT error.
    fn case_of(error: &Error) -> Case {
        match error {
            Error::NotFound(_) => NotFound,
            Error::Denied(_) => Denied,
            Error::EtagMismatch(_) => EtagMismatch,
            Error::InvalidArgument(_) => InvalidArgument,
            Error::Unavailable(_) => Unavailable,
            Error::Unsupported(_) => Unsupported,
            Error::Internal(_) => Internal,
        }
    }

    #[test]
    fn actor_errors_name_the_actor_and_keep_its_own_message() {
        let own = status(
            Some("ERR_ACTOR_INVOKE_METHOD"),
            Code::Internal,
            "error invoke actor method: error from actor service: cart has no method `x`",
        );
        assert_eq!(
            error_from_status(own),
            Error::Internal("cart has no method `x`".into())
        );
        let nowhere = status(
            None,
            Code::Internal,
            "failed to lookup actor: did not find address for actor 'nope/x'",
        );
        assert!(
            matches!(error_from_status(nowhere), Error::NotFound(m) if m.starts_with("no app hosts actor type `nope`"))
        );
    }

    #[test]
    fn every_example_becomes_its_case() {
        for (reason, code, message, case) in EXAMPLES {
            let error = error_from_status(status(*reason, *code, message));
            assert_eq!(case_of(&error), *case, "{reason:?} {code:?} {message}");
        }
    }

    #[test]
    fn every_row_is_the_first_match_of_some_example() {
        for (index, row) in TABLE.iter().enumerate() {
            let hit = EXAMPLES.iter().any(|(reason, code, message, _)| {
                row_for(*reason, *code, message).is_some_and(|found| std::ptr::eq(found, row))
            });
            assert!(
                hit,
                "row {index} ({:?} {:?} {:?}) has no example",
                row.reason, row.code, row.text
            );
        }
    }

    #[test]
    fn fragments_are_lowercase() {
        for row in TABLE {
            for fragment in row.text {
                assert_eq!(*fragment, fragment.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn the_message_is_kept() {
        let message = "state store nope is not found";
        assert_eq!(
            error_from_status(status(
                Some("DAPR_STATE_NOT_FOUND"),
                Code::InvalidArgument,
                message
            )),
            Error::NotFound(message.into())
        );
    }

    #[test]
    fn the_reason_decides_before_the_code_and_message() {
        // Without its reason, the query error would be `not-found` by its text.
        let message = "state store statestore query failed: key not found in index";
        assert_eq!(
            case_of(&error_from_status(status(None, Code::Internal, message))),
            NotFound
        );
        assert_eq!(
            case_of(&error_from_status(status(
                Some("DAPR_STATE_QUERY_FAILED"),
                Code::Internal,
                message
            ))),
            Internal
        );
    }

    #[test]
    fn an_unknown_error_is_internal() {
        assert_eq!(
            error_from_status(status(Some("DAPR_SOMETHING_NEW"), Code::Unknown, "boom")),
            Error::Internal("boom".into())
        );
        assert_eq!(
            error_from_status(status(None, Code::Internal, "")),
            Error::Internal(String::new())
        );
    }

    #[test]
    fn undecodable_details_fall_back_to_the_code() {
        let status = tonic::Status::with_details(
            Code::InvalidArgument,
            "bad",
            bytes::Bytes::from_static(b"\xff\xff\xff"),
        );
        assert_eq!(
            error_from_status(status),
            Error::InvalidArgument("bad".into())
        );
    }

    #[test]
    fn the_size_limit_is_named_with_the_flag_that_raises_it() {
        let message = "grpc: received message larger than max (5242922 vs. 4194304)";
        let Error::InvalidArgument(explained) =
            error_from_status(status(None, Code::ResourceExhausted, message))
        else {
            panic!("not an invalid argument");
        };
        assert!(explained.contains("(4 MiB)"), "{explained}");
        assert!(explained.contains("--max-body-size"), "{explained}");
        assert!(explained.contains("dapr.io/max-body-size"), "{explained}");
        assert!(explained.contains(message), "{explained}");
        assert!(explain_size_limit("larger than max (10 vs. 1000)").contains("(1000 bytes)"));
        assert!(explain_size_limit("larger than max").contains("(its limit)"));
    }
}
