//! `dapr:runtime/invoke`.

use super::{DaprCtx, non_empty};
use crate::wit::Error;
use crate::wit::dapr::runtime::invoke::{Host, Request, Response};

impl Host for DaprCtx {
    async fn invoke_method(&mut self, app_id: String, request: Request) -> Result<Response, Error> {
        non_empty("app id", &app_id)?;
        non_empty("method", &request.method)?;
        self.app.invoker.invoke(&app_id, request).await
    }
}
