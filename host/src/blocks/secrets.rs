//! `dapr:runtime/secrets`.

use super::{DaprCtx, non_empty};
use crate::wit::dapr::runtime::secrets::{Host, Secret};
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn get(
        &mut self,
        store: String,
        key: String,
        metadata: Metadata,
    ) -> Result<Secret, Error> {
        non_empty("key", &key)?;
        let backend = self.app.secrets.get("secret store", &store)?;
        backend.get(&key, &metadata).await
    }

    async fn get_bulk(
        &mut self,
        store: String,
        metadata: Metadata,
    ) -> Result<Vec<(String, Secret)>, Error> {
        let backend = self.app.secrets.get("secret store", &store)?;
        backend.get_bulk(&metadata).await
    }
}
