//! Output bindings: sending data to external systems (Dapr's bindings
//! building block). Input bindings arrive through
//! `Handler::on_binding_event` (feature `handler`).

use crate::Result;
use crate::wit::dapr::runtime::bindings as raw;

pub use raw::Response;

/// Invokes `operation` (such as `create` or `get`) on output binding `name`.
pub fn invoke(
    name: &str,
    operation: &str,
    data: &[u8],
    metadata: &[(String, String)],
) -> Result<Response> {
    Ok(raw::invoke(name, operation, data, metadata)?)
}
