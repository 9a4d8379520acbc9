//! Reading secrets (Dapr's secrets building block).

use crate::Result;
use crate::wit::dapr::runtime::secrets as raw;

pub use raw::Secret;

/// Reads secret `key` of `store`: its named values (one entry, named `key`,
/// for a single-valued secret). A missing secret is `not-found`.
pub fn get(store: &str, key: &str) -> Result<Secret> {
    Ok(raw::get(store, key, &[])?)
}

/// Reads the single value of secret `key` (the entry named `key`, or else
/// the first entry); `None` if the secret has no values.
pub fn get_value(store: &str, key: &str) -> Result<Option<String>> {
    let mut secret = get(store, key)?;
    let index = secret.iter().position(|(name, _)| name == key).unwrap_or(0);
    Ok((index < secret.len()).then(|| secret.swap_remove(index).1))
}

/// Reads every secret of `store` this app may see, as (key, secret) pairs.
pub fn get_bulk(store: &str) -> Result<Vec<(String, Secret)>> {
    Ok(raw::get_bulk(store, &[])?)
}
