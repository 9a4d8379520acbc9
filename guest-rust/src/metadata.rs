//! What the runtime knows about this app (Dapr's metadata API).

use crate::Result;
use crate::wit::dapr::runtime::metadata as raw;

pub use raw::{AppMetadata, Component};

/// Returns this app's id, runtime and the components it may use.
pub fn get() -> Result<AppMetadata> {
    Ok(raw::get()?)
}
