//! A loaded component serving one app id: what it exports, and how each kind
//! of inbound call runs in a fresh instance with limits.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use wasmtime::Store;
use wasmtime::component::InstancePre;
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::engine::Runtime;
use super::limits::{Admission, Limits, Queueing};
use super::store::HostState;
use crate::config::AppComponents;
use crate::telemetry;
use crate::wit::dapr::runtime::configuration::Item;
use crate::wit::dapr::runtime::invoke::{Request, Response};
use crate::wit::exports::dapr::runtime::actor::GuestIndices as ActorIndices;
use crate::wit::exports::dapr::runtime::handler::{
    BindingEvent, CloudEvent, EventStatus, GuestIndices, Subscription,
};
use opentelemetry::Context as TraceContext;

/// Which entry points a component exports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exports {
    /// `wasi:http/incoming-handler`.
    pub http: bool,
    /// `dapr:runtime/handler`.
    pub handler: bool,
    /// `wasi:cli/run`.
    pub command: bool,
    /// `dapr:runtime/actor`.
    pub actor: bool,
}

/// A component loaded for one app id: compiled once, instantiated per call,
/// at most its instance bound at once.
pub struct App {
    id: String,
    runtime: Arc<Runtime>,
    components: Arc<AppComponents>,
    limits: Limits,
    pub(super) admission: Admission,
    exports: Exports,
    proxy: Option<ProxyPre<HostState>>,
    handler: Option<GuestIndices>,
    command: Option<CommandPre<HostState>>,
    pub(super) actor: Option<ActorIndices>,
    pub(super) pre: InstancePre<HostState>,
    /// HTTP instances waiting for their next request (`max_instance_reuse`
    /// above 1).
    idle: Arc<Mutex<Vec<IdleInstance>>>,
}

/// An instance that served HTTP requests and may serve more.
struct IdleInstance {
    store: Store<HostState>,
    proxy: Proxy,
    served: u32,
}

impl Exports {
    /// What a pre-instantiated component exports.
    pub fn of(pre: &InstancePre<HostState>) -> Self {
        Exports {
            http: ProxyPre::new(pre.clone()).is_ok(),
            handler: GuestIndices::new(pre).is_ok(),
            command: CommandPre::new(pre.clone()).is_ok(),
            actor: ActorIndices::new(pre).is_ok(),
        }
    }
}

impl App {
    /// The app `id`: the pre-instantiated component `pre`, reaching
    /// `components` through its imports, with the runtime's limits for
    /// `id`; `fair_share` instances at once unless those limits say.
    pub fn new(
        runtime: Arc<Runtime>,
        id: &str,
        pre: InstancePre<HostState>,
        components: Arc<AppComponents>,
        fair_share: u32,
    ) -> Self {
        let limits = runtime.config.limits_of(id).clone();
        let admission = Admission::new(id, limits.max_instances.unwrap_or(fair_share), &limits);
        let proxy = ProxyPre::new(pre.clone()).ok();
        let handler = GuestIndices::new(&pre).ok();
        let command = CommandPre::new(pre.clone()).ok();
        let actor = ActorIndices::new(&pre).ok();
        let exports = Exports {
            http: proxy.is_some(),
            handler: handler.is_some(),
            command: command.is_some(),
            actor: actor.is_some(),
        };
        App {
            id: id.to_string(),
            runtime,
            components,
            limits,
            admission,
            exports,
            proxy,
            handler,
            command,
            actor,
            pre,
            idle: Arc::default(),
        }
    }

    /// The app id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the component exports.
    pub fn exports(&self) -> Exports {
        self.exports
    }

    /// What this app can reach.
    pub fn components(&self) -> &Arc<AppComponents> {
        &self.components
    }

    /// The pre-instantiated component (for benchmarks and tests).
    pub fn instance_pre(&self) -> &InstancePre<HostState> {
        &self.pre
    }

    /// This app's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many instances of this app are running now.
    pub fn busy_instances(&self) -> u32 {
        self.admission.busy()
    }

    /// Whether this app refuses calls now (every instance busy, the queue
    /// full): it is then not ready for more traffic.
    pub fn overloaded(&self) -> bool {
        self.admission.saturated()
    }

    /// How many instances of this app may run at once.
    pub fn max_instances(&self) -> u32 {
        self.admission.instances()
    }

    /// A fresh store for one call of this app (its deadline starts now).
    pub fn new_store(&self, args: &[String]) -> Result<Store<HostState>> {
        if self.limits.max_instance_reuse > 1 {
            // Idle HTTP instances give way, so that with this one the app
            // holds no more instance slots than its limit.
            let (limit, busy) = (self.admission.instances(), self.admission.busy());
            let mut idle = self.idle.lock().unwrap();
            while !idle.is_empty() && idle.len() + busy as usize > limit as usize {
                idle.pop();
            }
        }
        self.components.metrics.instantiation();
        self.runtime
            .new_store(&self.limits, self.components.clone(), args)
    }

    /// Runs `call` in an instance slot (waiting for one as `queueing` says;
    /// an [`Overloaded`](super::Overloaded) error when refused) under the
    /// request deadline: guest code is interrupted at the deadline by its
    /// store, and host calls still pending then are cancelled here. The
    /// call is one inbound call of kind `what` about `target`: traced as a
    /// child of `parent`, logged in its span, recorded in the metrics.
    pub(super) async fn bounded<T>(
        &self,
        what: &'static str,
        target: &str,
        parent: opentelemetry::Context,
        queueing: Queueing,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let call = self.bounded_call(what, queueing, call);
        self.inbound(what, target, &parent, call, outcome_of).await
    }

    /// Runs `work`, one inbound call of kind `kind` about `target`, in its
    /// trace span (a child of `parent`) and its log span (with the same
    /// fields), and records it in the metrics with the outcome `outcome`
    /// gives its result.
    pub(crate) async fn inbound<T>(
        &self,
        kind: &'static str,
        target: &str,
        parent: &opentelemetry::Context,
        work: impl Future<Output = T>,
        outcome: impl FnOnce(&T) -> &'static str,
    ) -> T {
        use tracing::Instrument;
        let traced = telemetry::inbound(&self.id, kind, target, parent);
        let span = tracing::info_span!("inbound", app = %self.id, kind, target, trace_id = tracing::field::Empty);
        traced.record_trace_id(&span);
        let started = std::time::Instant::now();
        let result = traced.run(work.instrument(span)).await;
        let outcome = outcome(&result);
        self.record(kind, outcome, started.elapsed());
        traced.end(outcome);
        result
    }

    async fn bounded_call<T>(
        &self,
        what: &str,
        queueing: Queueing,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let _slot = self.admission.admit(queueing).await?;
        let timeout = self.limits.timeout;
        match tokio::time::timeout(grace(timeout), call).await {
            Ok(result) => result.with_context(|| format!("app `{}`: {what} failed", self.id)),
            Err(_) => Err(anyhow!(
                "app `{}`: {what} exceeded the {timeout:?} deadline",
                self.id
            )),
        }
    }

    /// Records one inbound call of `kind` in the metrics (and an overload
    /// rejection as such).
    pub(crate) fn record(
        &self,
        kind: &'static str,
        outcome: &'static str,
        took: std::time::Duration,
    ) {
        if outcome == "overloaded" {
            crate::metrics::metrics().overload(&self.id);
        }
        self.components.metrics.inbound(kind, outcome, took);
    }

    fn handler(&self) -> Result<&GuestIndices> {
        self.handler
            .as_ref()
            .ok_or_else(|| anyhow!("app `{}` does not export dapr:runtime/handler", self.id))
    }

    /// Calls one `handler` export in a fresh instance (an inbound call of
    /// kind `what` about `target`, traced as a child of `parent`).
    async fn call_handler<T>(
        &self,
        what: &'static str,
        target: &str,
        parent: opentelemetry::Context,
        queueing: Queueing,
        call: impl AsyncFnOnce(
            &crate::wit::exports::dapr::runtime::handler::Guest,
            &mut Store<HostState>,
        ) -> Result<T>,
    ) -> Result<T> {
        let indices = self.handler()?;
        self.bounded(what, target, parent, queueing, async {
            let mut store = self.new_store(&[])?;
            let instance = self.pre.instantiate_async(&mut store).await?;
            let guest = indices.load(&mut store, &instance)?;
            call(&guest, &mut store).await
        })
        .await
    }

    /// The app's topic subscriptions (`handler.subscriptions`).
    ///
    /// A subscription the runtime config's grants do not allow (its
    /// pub/sub, its topic or its dead-letter topic) is an error.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        let subscriptions = self
            .call_handler(
                "subscriptions",
                "",
                TraceContext::current(),
                Queueing::Wait,
                async |g, s| Ok(g.call_subscriptions(s).await?),
            )
            .await?;
        let access = &self.components().access;
        for s in &subscriptions {
            let unit = &crate::blocks::pubsub::UNIT;
            access
                .check(self.id(), unit.name, unit.label, &s.pubsub)
                .and_then(|()| access.check_topic(self.id(), &s.pubsub, &s.topic))
                .and_then(|()| match &s.dead_letter_topic {
                    Some(dead) => access.check_topic(self.id(), &s.pubsub, dead),
                    None => Ok(()),
                })
                .map_err(|e| anyhow!(e.describe()))?;
            if s.bulk.is_some_and(|b| b.max_messages == 0) {
                bail!(
                    "the bulk subscription to `{}` of `{}` has max-messages 0; it must be at least 1",
                    s.topic,
                    s.pubsub
                );
            }
        }
        Ok(subscriptions)
    }

    /// The app's input bindings (`handler.input-bindings`).
    pub async fn input_bindings(&self) -> Result<Vec<String>> {
        self.call_handler(
            "input-bindings",
            "",
            TraceContext::current(),
            Queueing::Wait,
            async |g, s| Ok(g.call_input_bindings(s).await?),
        )
        .await
    }

    /// Delivers one topic event, in the trace it runs in or else the one
    /// its `traceparent` attribute names.
    pub async fn on_topic_event(&self, event: CloudEvent) -> Result<EventStatus> {
        let parent = telemetry::parent_or(|| telemetry::from_pairs(&event.extensions));
        let target = format!("{}/{}", event.pubsub, event.topic);
        self.call_handler(
            "on-topic-event",
            &target,
            parent,
            Queueing::Wait,
            async |g, s| Ok(g.call_on_topic_event(s, &event).await?),
        )
        .await
    }

    /// Delivers a batch of events of a bulk subscription, in the trace it
    /// runs in or else the one its first event's `traceparent` names. A
    /// status list of another length than `events` is an error (every event
    /// is then retried).
    pub async fn on_bulk_topic_event(&self, events: Vec<CloudEvent>) -> Result<Vec<EventStatus>> {
        let Some(first) = events.first() else {
            return Ok(Vec::new());
        };
        let parent = telemetry::parent_or(|| telemetry::from_pairs(&first.extensions));
        let target = format!("{}/{}", first.pubsub, first.topic);
        let statuses = self
            .call_handler(
                "on-bulk-topic-event",
                &target,
                parent,
                Queueing::Wait,
                async |g, s| Ok(g.call_on_bulk_topic_event(s, &events).await?),
            )
            .await?;
        if statuses.len() != events.len() {
            bail!(
                "on-bulk-topic-event answered {} statuses for {} events",
                statuses.len(),
                events.len()
            );
        }
        Ok(statuses)
    }

    /// Delivers one service invocation, in the trace it runs in or else
    /// the one its `traceparent` header names.
    pub async fn on_invoke(&self, request: Request) -> Result<Response> {
        let parent = telemetry::parent_or(|| telemetry::from_pairs(&request.headers));
        let target = request.method.clone();
        self.call_handler(
            "on-invoke",
            &target,
            parent,
            Queueing::Bounded,
            async |g, s| Ok(g.call_on_invoke(s, &request).await?),
        )
        .await
    }

    /// Delivers one input-binding event.
    pub async fn on_binding_event(&self, event: BindingEvent) -> Result<Result<Vec<u8>, String>> {
        let target = event.name.clone();
        let parent = TraceContext::current();
        self.call_handler(
            "on-binding-event",
            &target,
            parent,
            Queueing::Wait,
            async |g, s| Ok(g.call_on_binding_event(s, &event).await?),
        )
        .await
    }

    /// Delivers changed configuration items.
    pub async fn on_configuration_update(
        &self,
        store: &str,
        id: &str,
        items: Vec<Item>,
    ) -> Result<()> {
        let parent = TraceContext::current();
        self.call_handler(
            "on-configuration-update",
            store,
            parent,
            Queueing::Wait,
            async |g, s| Ok(g.call_on_configuration_update(s, store, id, &items).await?),
        )
        .await
    }

    /// Delivers one trigger of job `name`: `Ok(Err(..))` is the app's own
    /// failure answer.
    pub async fn on_job_event(&self, name: &str, data: Vec<u8>) -> Result<Result<(), String>> {
        let parent = TraceContext::current();
        self.call_handler(
            "on-job-event",
            name,
            parent,
            Queueing::Wait,
            async |g, s| Ok(g.call_on_job_event(s, name, &data).await?),
        )
        .await
    }

    /// Handles one HTTP request in a fresh instance. The response head is
    /// returned as soon as the guest sets it; the body streams afterwards.
    pub async fn handle_http<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let proxy_pre = self.proxy.clone().ok_or_else(|| {
            anyhow!(
                "app `{}` does not export wasi:http/incoming-handler",
                self.id
            )
        })?;
        let slot = self.admission.admit(Queueing::Bounded).await?;
        let timeout = self.limits.timeout;
        let idle = self.idle.lock().unwrap().pop();
        let (mut store, instance, served) = match idle {
            Some(IdleInstance {
                mut store,
                proxy,
                served,
            }) => {
                store.data_mut().restart_deadline(timeout);
                (store, Some(proxy), served)
            }
            None => (self.new_store(&[])?, None, 0),
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(
            wasmtime_wasi_http::p2::bindings::http::types::Scheme::Http,
            request,
        )?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        // An instance that served this request well serves the next one too,
        // up to the reuse count; at most `max_instances` wait, so idle and
        // running ones together stay within the app's share of the slots.
        let keep = (served + 1 < self.limits.max_instance_reuse)
            .then(|| (self.idle.clone(), self.admission.instances() as usize));
        // The guest runs on this task until it sets the response; only if it
        // is still running then (streaming the body) does it move to its own
        // task, holding the instance slot until it ends. Small responses
        // thus cost no task spawn.
        // The call keeps the current trace context even after it moves to
        // a task of its own.
        let mut call = Box::pin(opentelemetry::trace::FutureExt::with_context(
            async move {
                let _slot = slot;
                let call = async {
                    let proxy = match instance {
                        Some(proxy) => proxy,
                        None => proxy_pre.instantiate_async(&mut store).await?,
                    };
                    proxy
                        .wasi_http_incoming_handler()
                        .call_handle(&mut store, request, outparam)
                        .await?;
                    anyhow::Ok(proxy)
                };
                let proxy = match tokio::time::timeout(grace(timeout), call).await {
                    Ok(result) => result?,
                    Err(_) => return Err(anyhow!("exceeded the {timeout:?} deadline")),
                };
                if let Some((idle, most)) = keep {
                    let mut idle = idle.lock().unwrap();
                    if idle.len() < most {
                        idle.push(IdleInstance {
                            store,
                            proxy,
                            served: served + 1,
                        });
                    }
                }
                Ok(())
            },
            TraceContext::current(),
        ));
        let mut receiver = receiver;
        let (response, finished) = tokio::select! {
            biased;
            response = &mut receiver => (response.ok(), None),
            result = &mut call => (receiver.try_recv().ok(), Some(result)),
        };
        let failed = |err: anyhow::Error| {
            Err(err.context(format!("app `{}`: HTTP request failed", self.id)))
        };
        match (response, finished) {
            (Some(Ok(response)), None) => {
                let id = self.id.clone();
                tokio::spawn(async move {
                    if let Err(err) = call.await {
                        tracing::warn!(app = %id, "request failed after its response began: {}", failure_message(&err));
                    }
                });
                Ok(response)
            }
            (Some(Ok(response)), Some(result)) => {
                if let Err(err) = result {
                    tracing::warn!(app = %self.id, "request failed after its response began: {}", failure_message(&err));
                }
                Ok(response)
            }
            (Some(Err(code)), _) => Err(anyhow!(
                "app `{}` answered with an HTTP error: {code:?}",
                self.id
            )),
            (None, Some(Err(err))) => failed(err),
            (None, Some(Ok(()))) => {
                failed(anyhow!("the handler returned without setting a response"))
            }
            (None, None) => match call.await {
                Err(err) => failed(err),
                Ok(()) => failed(anyhow!("the handler returned without setting a response")),
            },
        }
    }

    /// Runs the component as a `wasi:cli` command with `args` (the first is
    /// the program name); returns its exit code.
    pub async fn run_command(&self, args: &[String]) -> Result<i32> {
        let command = self.command.as_ref().ok_or_else(|| {
            anyhow!(
                "app `{}` does not export wasi:cli/run; it is not a command",
                self.id
            )
        })?;
        self.bounded("run", "", TraceContext::current(), Queueing::Wait, async {
            let mut store = self.new_store(args)?;
            let command = command.instantiate_async(&mut store).await?;
            match command.wasi_cli_run().call_run(&mut store).await {
                Ok(Ok(())) => Ok(0),
                Ok(Err(())) => Ok(1),
                Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                    Some(exit) => Ok(exit.0),
                    None => Err(err.into()),
                },
            }
        })
        .await
    }
}

/// The outcome of an inbound call that ended with `result`: `ok`,
/// `overloaded` or `error`.
pub(crate) fn outcome_of<T>(result: &Result<T>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) if err.downcast_ref::<super::Overloaded>().is_some() => "overloaded",
        Err(_) => "error",
    }
}

/// How long a call may take in all: its deadline plus a tenth, so that the
/// store's own interruption (a clearer error) comes first.
pub(super) fn grace(timeout: std::time::Duration) -> std::time::Duration {
    timeout.saturating_add(timeout / 10)
}

/// A one-line description of a failed call for logs and error responses:
/// the error chain without the wasm backtrace, with traps explained.
pub fn failure_message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        // Wasmtime attaches the wasm backtrace as a context layer.
        if cause
            .to_string()
            .starts_with("error while executing at wasm backtrace")
        {
            continue;
        }
        let text = match cause.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => {
                "the guest ran past its deadline and was interrupted".to_string()
            }
            Some(wasmtime::Trap::UnreachableCodeReached) => {
                "the guest trapped (unreachable; a Rust guest panicked)".to_string()
            }
            Some(trap) => format!("the guest trapped: {trap}"),
            None if cause
                .to_string()
                .starts_with("forcing trap when growing memory") =>
            {
                format!("{cause} (past the per-request memory limit, --memory-limit)")
            }
            None => cause.to_string(),
        };
        if !parts.contains(&text) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}
