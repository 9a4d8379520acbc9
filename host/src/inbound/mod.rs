//! How inbound traffic reaches guests: the app directory and its handles
//! (topic events, input bindings, configuration updates, invocations),
//! HTTP requests (`wasi:http`), daprd's app channel, its streamed topic
//! subscriptions and its actor stream, and the operations listener
//! (metrics and health probes).

pub mod actor_stream;
pub mod app_channel;
pub mod directory;
pub mod http;
mod invoke;
pub mod ops;
pub mod topic_stream;

pub use directory::{AppDirectory, AppHandle};

/// The next connection on `listener`, or `None` once `shutdown` resolves;
/// a failed accept is logged (as `what`'s) and skipped.
pub(crate) async fn accept(
    listener: &tokio::net::TcpListener,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    what: &str,
) -> Option<tokio::net::TcpStream> {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => return Some(stream),
                Err(err) => tracing::warn!("{what}: accept failed: {err}"),
            },
            () = shutdown.as_mut() => return None,
        }
    }
}
