//! `dapr:runtime/bindings`.

use super::{DaprCtx, non_empty};
use crate::wit::dapr::runtime::bindings::{Host, Response};
use crate::wit::{Error, Metadata};

impl Host for DaprCtx {
    async fn invoke(
        &mut self,
        name: String,
        operation: String,
        data: Vec<u8>,
        metadata: Metadata,
    ) -> Result<Response, Error> {
        non_empty("operation", &operation)?;
        let backend = self.app.bindings.get("binding", &name)?;
        backend.invoke(&operation, data, &metadata).await
    }
}
