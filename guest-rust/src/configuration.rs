//! Reading application configuration and watching it change (Dapr's
//! configuration building block).

use crate::wit::dapr::runtime::configuration as raw;
use crate::{Result, owned_strings};

pub use raw::Item;

/// Reads `keys` from `store` (every key if `keys` is empty); missing keys are
/// left out.
pub fn get<S: AsRef<str>>(store: &str, keys: &[S]) -> Result<Vec<Item>> {
    Ok(raw::get(store, &owned_strings(keys), &[])?)
}

/// Watches `keys` of `store` (every key if empty); changes are delivered to
/// `Handler::on_configuration_update` (feature `handler`). Returns the
/// subscription id.
pub fn subscribe<S: AsRef<str>>(store: &str, keys: &[S]) -> Result<String> {
    Ok(raw::subscribe(store, &owned_strings(keys), &[])?)
}

/// Stops the subscription `id`.
pub fn unsubscribe(store: &str, id: &str) -> Result<()> {
    Ok(raw::unsubscribe(store, id)?)
}
