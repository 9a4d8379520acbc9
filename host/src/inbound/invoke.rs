//! How a service invocation reaches an app: its `handler.on-invoke`
//! export, or, for an HTTP-only app, its `wasi:http` handler at `/{method}`
//! (as Dapr does for HTTP apps).

use anyhow::anyhow;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use crate::blocks::invoke::{HttpVerb, Request, Response};
use crate::runtime::{App, check_body, outcome_of};
use crate::telemetry;

/// Delivers `request` to `app`; a request or response body over the app's
/// `max_body_bytes` is an error.
pub(crate) async fn deliver(app: &App, request: Request) -> anyhow::Result<Response> {
    let exports = app.exports();
    let limit = app.limits().max_body_bytes;
    over_limit("the invocation request body", request.data.len(), limit)?;
    if exports.handler {
        let response = app.on_invoke(request).await?;
        over_limit("the invocation response body", response.data.len(), limit)?;
        Ok(response)
    } else if exports.http {
        // Traced and recorded like an `on-invoke` of a handler app (the
        // HTTP server traces and records only its own requests).
        let parent = telemetry::parent_or(|| telemetry::from_pairs(&request.headers));
        let method = request.method.clone();
        let call = invoke_http(app, request);
        app.inbound("on-invoke", &method, &parent, call, outcome_of)
            .await
    } else {
        Err(anyhow!(
            "app `{}` exports neither dapr:runtime/handler nor wasi:http/incoming-handler",
            app.id()
        ))
    }
}

/// [`check_body`] as an error of a delivery.
fn over_limit(what: &str, len: usize, limit: usize) -> anyhow::Result<()> {
    check_body(what, Some(len), limit).map_err(|message| anyhow!(message))
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
    let limit = app.limits().max_body_bytes;
    let data = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| match e.is::<LengthLimitError>() {
            true => anyhow!(check_body("the invocation response body", None, limit).unwrap_err()),
            false => anyhow!("reading the invocation response failed: {e}"),
        })?
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
