//! Calling methods of other apps (Dapr's service invocation building block).
//!
//! [`Request`] and [`Response`] are also what a `Handler`
//! receives and answers in `on_invoke`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::wit::dapr::runtime::invoke as raw;

pub use raw::{HttpVerb, Request, Response};

/// Calls `method` of app `app_id` with `GET`.
pub fn get(app_id: &str, method: &str) -> Result<Response> {
    invoke(app_id, &Request::new(HttpVerb::Get, method))
}

/// Calls `method` of app `app_id` with `POST` and a body.
pub fn post(
    app_id: &str,
    method: &str,
    data: impl Into<Vec<u8>>,
    content_type: &str,
) -> Result<Response> {
    invoke(
        app_id,
        &Request::new(HttpVerb::Post, method).body(data, content_type),
    )
}

/// Calls `method` of app `app_id` with `POST` and `value` as JSON body.
pub fn post_json<T: Serialize + ?Sized>(app_id: &str, method: &str, value: &T) -> Result<Response> {
    invoke(app_id, &Request::new(HttpVerb::Post, method).json(value)?)
}

/// Sends `request` to app `app_id`. A non-2xx status is a [`Response`], not
/// an error.
pub fn invoke(app_id: &str, request: &Request) -> Result<Response> {
    Ok(raw::invoke_method(app_id, request)?)
}

impl Request {
    /// A request for `method` with `verb`, no query, headers or body.
    pub fn new(verb: HttpVerb, method: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            verb,
            query: Vec::new(),
            headers: Vec::new(),
            content_type: None,
            data: Vec::new(),
        }
    }

    /// Adds a query string parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body and its media type.
    pub fn body(mut self, data: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.data = data.into();
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets `value` as JSON body.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self> {
        Ok(self.body(serde_json::to_vec(value)?, "application/json"))
    }

    /// Deserializes the body from JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }
}

impl Response {
    /// A response with `status` and no headers or body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            content_type: None,
            data: Vec::new(),
        }
    }

    /// A `404 Not Found` response.
    pub fn not_found() -> Self {
        Response::new(404)
    }

    /// A response with a `text/plain` body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::new(status).body(body.into(), "text/plain")
    }

    /// A `200 OK` response with `value` as JSON body.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        Ok(Response::new(200).body(serde_json::to_vec(value)?, "application/json"))
    }

    /// Sets the body and its media type.
    pub fn body(mut self, data: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.data = data.into();
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Deserializes the body from JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }
}
