//! A server: the components served together, the backend that serves their
//! building blocks, and the wiring of inbound traffic to them. [`serve`] is
//! what `wasmtime-dapr serve` does, callable by tests and embedders.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use crate::backend::BackendKind;
use crate::backend::sidecar::{Sidecar, SidecarOptions};
use crate::blocks::bindings::BindingsBlock;
use crate::blocks::configuration::ConfigurationSink;
use crate::blocks::pubsub::{PubSubBlock, Subscription};
use crate::config::{self, Registry};
use crate::inbound::ops::Readiness;
use crate::inbound::{AppDirectory, app_channel};
use crate::runtime::{App, Exports, Runtime, RuntimeConfig};

/// What to load and how.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The components, each with its app id.
    pub components: Vec<(String, PathBuf)>,
    /// Engine, limits and sandbox.
    pub runtime: RuntimeConfig,
    /// A directory of Dapr component manifests; `None` for the defaults.
    pub resources: Option<PathBuf>,
    /// Where the default components keep their data.
    pub data_dir: PathBuf,
    /// The Dapr sidecar serving the building blocks; `None` for the
    /// embedded backend.
    pub sidecar: Option<SidecarOptions>,
    /// How long to wait for the sidecar at start.
    pub sidecar_timeout: Duration,
}

/// Components loaded into an app directory and wired to their backend.
pub struct Server {
    runtime: Arc<Runtime>,
    registry: Registry,
    directory: Arc<AppDirectory>,
}

impl Server {
    /// Loads every component and the backend: the sidecar (waiting for it
    /// for at most `sidecar_timeout`) or the embedded one.
    pub async fn load(options: &ServerOptions) -> Result<Server> {
        Server::load_into(options, AppDirectory::new()).await
    }

    /// Like [`Server::load`], adding the apps to `directory`, whose handles
    /// may already be in use (an app channel listening before the sidecar
    /// is ready).
    pub async fn load_into(
        options: &ServerOptions,
        directory: Arc<AppDirectory>,
    ) -> Result<Server> {
        let runtime = Arc::new(Runtime::new(options.runtime.clone())?);
        let registry = match &options.sidecar {
            Some(sidecar) => {
                if options.components.len() > 1 {
                    bail!(
                        "with a Dapr sidecar, serve one component per process (one app per sidecar)"
                    );
                }
                if options.resources.is_some() {
                    bail!(
                        "--resources-path configures the embedded backend; with a sidecar, pass it to daprd"
                    );
                }
                let sidecar = Sidecar::new(sidecar)?;
                let metadata = sidecar.wait_ready(options.sidecar_timeout).await?;
                if let Some((id, _)) = options.components.first()
                    && !metadata.id.is_empty()
                    && metadata.id != *id
                {
                    tracing::warn!(
                        "app id `{id}` differs from the sidecar's app id `{}`",
                        metadata.id
                    );
                }
                Registry::sidecar(&sidecar, &metadata)
            }
            None => config::embedded_registry(
                options.resources.as_deref(),
                &options.data_dir,
                directory.invoker(),
            )?,
        };
        let mut loaded = BTreeMap::new();
        // Apps without their own instance bound split the slots evenly.
        let apps = u32::try_from(options.components.len().max(1)).unwrap_or(u32::MAX);
        let fair_share = (options.runtime.instance_slots / apps).max(1);
        for (id, path) in &options.components {
            if loaded.contains_key(id) {
                bail!("two components use app id `{id}`; give one another id with ID=PATH");
            }
            let (_, pre) = runtime.load(path)?;
            let updates = Exports::of(&pre)
                .handler
                .then(|| directory.handle(id) as Arc<dyn ConfigurationSink>);
            let access = options.runtime.access_of(id);
            let components = Arc::new(registry.for_app(id, updates, access));
            loaded.insert(
                id.clone(),
                App::new(runtime.clone(), id, pre, components, fair_share),
            );
        }
        for app in loaded.into_values() {
            directory.insert(Arc::new(app));
        }
        Ok(Server {
            runtime,
            registry,
            directory,
        })
    }

    /// The apps, by id.
    pub fn apps(&self) -> BTreeMap<String, Arc<App>> {
        self.directory.apps()
    }

    /// The app `id`.
    pub fn app(&self, id: &str) -> Result<Arc<App>> {
        self.directory
            .get(id)
            .ok_or_else(|| anyhow!("no app `{id}` in this server"))
    }

    /// The runtime.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The component registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Which backend serves the building blocks.
    pub fn backend(&self) -> BackendKind {
        self.registry.backend()
    }

    /// Asks every app that exports `handler` for its subscriptions and
    /// subscribes it on the embedded brokers; returns a summary line per
    /// subscription. (With a sidecar, daprd asks through the app channel.)
    pub async fn start_subscriptions(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps().values().filter(|a| a.exports().handler) {
            for subscription in app.subscriptions().await? {
                let line = subscription_line(app.id(), &subscription);
                let context = || {
                    format!(
                        "app `{}` subscribes to `{}` of `{}`",
                        app.id(),
                        subscription.topic,
                        subscription.pubsub
                    )
                };
                let pubsub = app
                    .components()
                    .get::<PubSubBlock>(&subscription.pubsub)
                    .map_err(|e| anyhow!(e.describe()))
                    .with_context(context)?
                    .clone();
                let handle = self.directory.handle(app.id());
                pubsub
                    .subscribe(subscription.clone(), handle)
                    .with_context(context)?;
                lines.push(line);
            }
        }
        Ok(lines)
    }

    /// Asks every app that exports `handler` for its subscriptions and
    /// subscribes it through `sidecar`'s streams (for an app without an app
    /// channel); returns a summary line per subscription. Each stream ends
    /// when the future `stopped` makes resolves.
    pub async fn start_topic_streams<F: Future<Output = ()> + Send + 'static>(
        &self,
        sidecar: &Sidecar,
        stopped: impl Fn() -> F,
    ) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps().values().filter(|a| a.exports().handler) {
            for subscription in app.subscriptions().await? {
                let mut line = subscription_line(app.id(), &subscription);
                line.push_str(if subscription.bulk.is_some() {
                    " (streamed from daprd, which does not batch streams: one event per batch; serve with --app-port for batches)"
                } else {
                    " (streamed from daprd)"
                });
                let handle = self.directory.handle(app.id());
                crate::inbound::topic_stream::subscribe(sidecar, handle, subscription, stopped())
                    .await?;
                lines.push(line);
            }
        }
        Ok(lines)
    }

    /// Asks every app that exports `handler` for its input bindings and
    /// starts them; returns a summary line per binding.
    pub async fn start_input_bindings(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps().values().filter(|a| a.exports().handler) {
            for name in app.input_bindings().await? {
                let context = || format!("app `{}` reads input binding `{name}`", app.id());
                let binding = app
                    .components()
                    .get::<BindingsBlock>(&name)
                    .map_err(|e| anyhow!(e.describe()))
                    .with_context(context)?;
                binding
                    .start_input(self.directory.handle(app.id()))
                    .with_context(context)?;
                lines.push(format!("{} <- {name}", app.id()));
            }
        }
        Ok(lines)
    }

    /// Starts delivering the jobs of every app that exports `handler` (a
    /// job scheduled by an app without it waits for one that has it);
    /// returns a summary line per app.
    pub fn start_jobs(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps().values().filter(|a| a.exports().handler) {
            app.components()
                .jobs
                .start_delivery(self.directory.handle(app.id()))
                .with_context(|| format!("app `{}`: cannot deliver its jobs", app.id()))?;
            lines.push(app.id().to_string());
        }
        Ok(lines)
    }

    /// Asks every app that exports `actor` for its actor types and hosts
    /// them (activations through the app's handle, reminders from the
    /// scheduler); returns a summary line per app.
    pub async fn start_actors(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps().values().filter(|a| a.exports().actor) {
            let types = app.actor_types().await?;
            let names = self
                .registry
                .actors()
                .host(
                    app.id(),
                    types,
                    self.directory.handle(app.id()),
                    app.limits().actor_idle_timeout,
                )
                .with_context(|| format!("app `{}`: cannot host its actors", app.id()))?;
            lines.push(format!("{} hosts {}", app.id(), names.join(", ")));
        }
        Ok(lines)
    }

    /// Hosts the actor types of every app that exports `actor` (as
    /// [`Server::start_actors`]) and registers them with daprd through
    /// `sidecar`'s actor stream, which serves them until `stopped`
    /// resolves; returns a summary line per app.
    pub async fn start_actor_stream(
        &self,
        sidecar: &Sidecar,
        stopped: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Vec<String>> {
        let Some(actors) = self.registry.sidecar_actors() else {
            bail!("the actor stream needs a Dapr sidecar");
        };
        let lines = self.start_actors().await?;
        if !lines.is_empty() {
            crate::inbound::actor_stream::serve(sidecar, actors.clone(), stopped).await?;
        }
        Ok(lines)
    }

    /// What `serve` prints about the backend, components and apps.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "wasmtime-dapr {}: {} backend",
            env!("CARGO_PKG_VERSION"),
            self.backend()
        )];
        for spec in self.registry.specs() {
            let scopes = if spec.scopes.is_empty() {
                String::new()
            } else {
                format!(" scopes: {}", spec.scopes.join(","))
            };
            lines.push(format!(
                "  component {} ({}){scopes}",
                spec.name, spec.component_type
            ));
        }
        for (id, app) in self.apps() {
            let e = app.exports();
            let serves: Vec<&str> = [
                (e.http, "http"),
                (e.handler, "events, invocations"),
                (e.actor, "actors"),
            ]
            .into_iter()
            .filter_map(|(yes, what)| yes.then_some(what))
            .collect();
            lines.push(format!("  app {id}: {}", serves.join(", ")));
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The apps hold handles into the directory; clearing it lets them go.
        self.directory.clear();
    }
}

/// Where `serve` listens.
#[derive(Clone, Debug)]
pub struct Listen {
    /// The HTTP address for the app exporting `wasi:http`.
    pub http: SocketAddr,
    /// The port of the gRPC app channel daprd calls (with a sidecar only).
    pub app_port: Option<u16>,
    /// Where `/metrics`, `/healthz` and `/readyz` are served, if anywhere.
    pub metrics: Option<SocketAddr>,
}

/// A summary line for `subscription` of app `app_id`.
fn subscription_line(app_id: &str, subscription: &Subscription) -> String {
    let mut line = format!("{app_id} <- {}/{}", subscription.pubsub, subscription.topic);
    if let Some(dlt) = &subscription.dead_letter_topic {
        let _ = write!(line, " (dead letter: {dlt})");
    }
    if let Some(bulk) = subscription.bulk {
        let _ = write!(
            line,
            " (bulk: up to {} per batch, waiting up to {} ms)",
            bulk.max_messages, bulk.max_await_ms
        );
    }
    line
}

/// Serves `options`' components until `shutdown` resolves: the app channel
/// (with a sidecar and an app port) listens first, then the components
/// load, the embedded subscriptions and input bindings start, and HTTP is
/// served for the one app that exports it. Progress lines go to `report`.
pub async fn serve(
    options: &ServerOptions,
    listen: &Listen,
    shutdown: impl Future<Output = ()> + Send + 'static,
    report: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    };
    // daprd waits for the app channel before it is ready, so the channel
    // listens before the sidecar is awaited; calls wait for the app to load.
    let directory = AppDirectory::new();
    let mut channel = None;
    if let (Some(port), Some(_), Some((id, _))) = (
        listen.app_port,
        &options.sidecar,
        options.components.first(),
    ) {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on the app port {addr}"))?;
        drop(listener);
        channel = Some(tokio::spawn(app_channel::serve(
            addr,
            directory.handle(id),
            options.runtime.limits_of(id).max_body_bytes,
            stopped(),
        )));
        report(&format!("App channel (gRPC) on {addr}"));
    }
    // Liveness answers while the components load; readiness once they are.
    if let Some(addr) = listen.metrics {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for metrics on {addr}"))?;
        let sidecar = options.sidecar.as_ref().map(Sidecar::new).transpose()?;
        let ids = options
            .components
            .iter()
            .map(|(id, _)| id.clone())
            .collect();
        let readiness = Arc::new(Readiness::new(directory.clone(), ids, sidecar));
        report(&format!(
            "Serving metrics and health probes on http://{}/ (/metrics, /healthz, /readyz)",
            listener.local_addr()?
        ));
        tokio::spawn(crate::inbound::ops::serve(listener, readiness, stopped()));
    }
    if let Some(sidecar) = &options.sidecar {
        report(&format!(
            "Waiting for the Dapr sidecar at {}",
            sidecar.endpoint
        ));
    }
    let server = Server::load_into(options, directory).await?;
    for line in server.summary() {
        report(&line);
    }
    let apps = server.apps();
    if let Some((id, _)) = apps.iter().find(|(_, app)| {
        let e = app.exports();
        !e.http && !e.handler && !e.actor
    }) {
        bail!(
            "app `{id}` exports none of wasi:http/incoming-handler, dapr:runtime/handler and dapr:runtime/actor; nothing to serve (use `run` for commands)"
        );
    }
    if let Some(options) = options
        .sidecar
        .as_ref()
        .filter(|_| server.backend() == BackendKind::Sidecar)
    {
        let sidecar = Sidecar::new(options)?;
        match server.start_actor_stream(&sidecar, stopped()).await {
            Ok(lines) => {
                for line in lines {
                    report(&format!(
                        "  actors: {line} (registered with daprd through its actor stream)"
                    ));
                }
            }
            // The app's other traffic is still served.
            Err(err) => report(&format!("  actors: not hosted: {err:#}")),
        }
    }
    match server.backend() {
        BackendKind::Sidecar if channel.is_some() => report(
            "  subscriptions, events, invocations, input bindings and jobs go through daprd's app channel",
        ),
        BackendKind::Sidecar => {
            if let Some(options) = &options.sidecar {
                let sidecar = Sidecar::new(options)?;
                for line in server.start_topic_streams(&sidecar, &stopped).await? {
                    report(&format!("  subscription {line}"));
                }
            }
            report(
                "  no --app-port: daprd cannot deliver invocations, input bindings or jobs to this app",
            )
        }
        BackendKind::Embedded => {
            for line in server.start_subscriptions().await? {
                report(&format!("  subscription {line}"));
            }
            for line in server.start_input_bindings().await? {
                report(&format!("  input binding {line}"));
            }
            for line in server.start_actors().await? {
                report(&format!("  actors: {line}"));
            }
            for id in server.start_jobs()? {
                report(&format!(
                    "  jobs of {id} (scheduler: {})",
                    options.data_dir.join("scheduler.db").display()
                ));
            }
        }
    }
    let http_apps: Vec<&Arc<App>> = apps.values().filter(|a| a.exports().http).collect();
    match http_apps.as_slice() {
        [] => {
            report("No HTTP app; serving events and invocations until interrupted");
            stopped().await;
        }
        [app] => {
            let listener = tokio::net::TcpListener::bind(listen.http)
                .await
                .with_context(|| format!("cannot listen on {}", listen.http))?;
            report(&format!(
                "Serving HTTP on http://{}/ (app {})",
                listener.local_addr()?,
                app.id()
            ));
            crate::inbound::http::serve(listener, (*app).clone(), stopped()).await?;
        }
        many => bail!(
            "{} components export wasi:http ({}); serve one HTTP app per process and reach the others by service invocation",
            many.len(),
            many.iter().map(|a| a.id()).collect::<Vec<_>>().join(", ")
        ),
    }
    if let Some(channel) = channel {
        channel.await??;
    }
    report("Stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// The app id a component file gets when none is given: its file stem,
/// lower-cased, with `_` turned into `-` (`order_store.wasm` → `order-store`).
pub fn default_app_id(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_lowercase().replace('_', "-"))
        .unwrap_or_else(|| "app".to_string())
}
