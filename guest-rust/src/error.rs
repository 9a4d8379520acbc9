//! The SDK's error type.

use std::fmt;

/// The error every building-block function of `dapr:runtime` returns (the WIT
/// variant `types.error`). Branch on the case, never on the message.
pub use crate::wit::dapr::runtime::types::Error as RuntimeError;

/// A `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an SDK call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The runtime answered with an error.
    Runtime(RuntimeError),
    /// A value could not be serialized to, or deserialized from, JSON.
    Json(serde_json::Error),
}

impl Error {
    /// The runtime error, if this is one.
    pub fn runtime(&self) -> Option<&RuntimeError> {
        match self {
            Error::Runtime(e) => Some(e),
            Error::Json(_) => None,
        }
    }

    /// Whether the runtime reported `not-found`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Runtime(RuntimeError::NotFound(_)))
    }

    /// Whether the runtime reported `etag-mismatch` (a concurrent write won).
    pub fn is_etag_mismatch(&self) -> bool {
        matches!(self, Error::Runtime(RuntimeError::EtagMismatch(_)))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Runtime(e) => {
                let (case, message) = runtime_case(e);
                write!(f, "{case}: {message}")
            }
            Error::Json(e) => write!(f, "JSON: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Runtime(_) => None,
            Error::Json(e) => Some(e),
        }
    }
}

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Self {
        Error::Runtime(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}

/// The kebab-case WIT name of the error's case and its message.
fn runtime_case(e: &RuntimeError) -> (&'static str, &str) {
    match e {
        RuntimeError::NotFound(m) => ("not-found", m),
        RuntimeError::Denied(m) => ("denied", m),
        RuntimeError::EtagMismatch(m) => ("etag-mismatch", m),
        RuntimeError::InvalidArgument(m) => ("invalid-argument", m),
        RuntimeError::Unavailable(m) => ("unavailable", m),
        RuntimeError::Unsupported(m) => ("unsupported", m),
        RuntimeError::Internal(m) => ("internal", m),
    }
}

impl RuntimeError {
    /// The kebab-case WIT name of this case, such as `not-found`.
    pub fn case(&self) -> &'static str {
        runtime_case(self).0
    }

    /// The human-readable message this case carries.
    pub fn message(&self) -> &str {
        runtime_case(self).1
    }
}
