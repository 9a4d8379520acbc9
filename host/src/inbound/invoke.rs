//! How a service invocation reaches an app: its `handler.on-invoke`
//! export, or, for an HTTP-only app, its `wasi:http` handler at `/{method}`
//! (as Dapr does for HTTP apps).

use anyhow::anyhow;
use http_body_util::{BodyExt, Full};

use crate::blocks::invoke::{HttpVerb, Request, Response};
use crate::runtime::App;

/// Delivers `request` to `app`.
pub(crate) async fn deliver(app: &App, request: Request) -> anyhow::Result<Response> {
    let exports = app.exports();
    if exports.handler {
        app.on_invoke(request).await
    } else if exports.http {
        invoke_http(app, request).await
    } else {
        Err(anyhow!(
            "app `{}` exports neither dapr:runtime/handler nor wasi:http/incoming-handler",
            app.id()
        ))
    }
}

fn verb(verb: HttpVerb) -> http::Method {
    match verb {
        HttpVerb::Get => http::Method::GET,
        HttpVerb::Head => http::Method::HEAD,
        HttpVerb::Post => http::Method::POST,
        HttpVerb::Put => http::Method::PUT,
        HttpVerb::Delete => http::Method::DELETE,
        HttpVerb::Patch => http::Method::PATCH,
        HttpVerb::Options => http::Method::OPTIONS,
    }
}

/// Calls an HTTP app's handler with the invocation as a request.
async fn invoke_http(app: &App, request: Request) -> anyhow::Result<Response> {
    let mut uri = format!(
        "http://{}/{}",
        app.id(),
        request.method.trim_start_matches('/')
    );
    if !request.query.is_empty() {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    let mut builder = http::Request::builder().method(verb(request.verb)).uri(uri);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(ct) = &request.content_type {
        builder = builder.header(http::header::CONTENT_TYPE, ct);
    }
    let body = Full::new(bytes::Bytes::from(request.data))
        .map_err(|never: std::convert::Infallible| -> wasmtime_wasi_http::Error { match never {} });
    let response = app.handle_http(builder.body(body)?).await?;
    let (parts, body) = response.into_parts();
    let data = body
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .to_bytes()
        .to_vec();
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| *name != http::header::CONTENT_TYPE)
        .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    Ok(Response {
        status: parts.status.as_u16(),
        headers,
        content_type,
        data,
    })
}
