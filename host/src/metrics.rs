//! Process-wide metrics in the Prometheus (OpenMetrics) text format, as
//! `--metrics ADDR` serves them on `/metrics`: inbound calls, host calls
//! (building-block imports), instances in flight, instantiations,
//! compile-cache hits and overload rejections, each by app.
//!
//! The instrumented layers record into [`metrics()`]; [`encode`] renders
//! them with the current instance counts of the apps given.

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The prefix of every metric name.
const PREFIX: &str = "wasmtime_dapr";

/// Labels of an inbound call: which app, which kind (`http`,
/// `on-topic-event`, `on-invoke`, ...), and how it ended (`ok`, `error`,
/// `overloaded`, or an HTTP status class such as `2xx`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InboundLabels {
    /// The app id.
    pub app: String,
    /// The kind of call.
    pub kind: String,
    /// How it ended.
    pub outcome: String,
}

/// Labels of a host call: which app called which operation of which block
/// (`state`/`get`, `wasi-keyvalue`/`get`, ...), and how it ended (`ok` or
/// the WIT error case).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HostCallLabels {
    /// The app id.
    pub app: String,
    /// The building block (or linked WASI interface).
    pub block: String,
    /// The operation.
    pub operation: String,
    /// `ok` or the error case.
    pub outcome: String,
}

/// Labels naming one app.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AppLabels {
    /// The app id.
    pub app: String,
}

/// Labels of a component load: whether the compile cache had it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    /// `hit`, `miss` or `off`.
    pub result: String,
}

/// Builds a latency histogram: 10 µs to about 42 s, doubling.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.000_01, 2.0, 23))
}

type Latencies<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every metric this host records.
pub struct Metrics {
    registry: Registry,
    inbound: Family<InboundLabels, Counter>,
    inbound_seconds: Latencies<InboundLabels>,
    host_calls: Family<HostCallLabels, Counter>,
    host_call_seconds: Latencies<HostCallLabels>,
    instantiations: Family<AppLabels, Counter>,
    overloaded: Family<AppLabels, Counter>,
    compile_cache: Family<CacheLabels, Counter>,
    instances: Family<AppLabels, Gauge>,
    instance_bound: Family<AppLabels, Gauge>,
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        /// Registers a fresh metric under `name` and returns it (metrics
        /// share their state with their clones).
        fn add<M: prometheus_client::registry::Metric + Clone>(
            registry: &mut Registry,
            name: &str,
            help: &str,
            metric: M,
        ) -> M {
            registry.register(name, help, metric.clone());
            metric
        }
        let r = &mut registry;
        Metrics {
            inbound: add(
                r,
                "inbound_calls",
                "Requests, events and invocations delivered to apps",
                Family::default(),
            ),
            inbound_seconds: add(
                r,
                "inbound_call_duration_seconds",
                "Time from admission to the end of an inbound call",
                Family::new_with_constructor(latency),
            ),
            host_calls: add(
                r,
                "host_calls",
                "Building-block calls made by guests",
                Family::default(),
            ),
            host_call_seconds: add(
                r,
                "host_call_duration_seconds",
                "Time spent in building-block calls",
                Family::new_with_constructor(latency),
            ),
            instantiations: add(
                r,
                "instantiations",
                "Fresh instances created",
                Family::default(),
            ),
            overloaded: add(
                r,
                "overload_rejections",
                "Calls refused because the app's instances and queue were full",
                Family::default(),
            ),
            compile_cache: add(
                r,
                "component_loads",
                "Components loaded, by compile-cache result",
                Family::default(),
            ),
            instances: add(
                r,
                "instances_in_flight",
                "Instances running now",
                Family::default(),
            ),
            instance_bound: add(
                r,
                "instance_limit",
                "Instances an app may run at once",
                Family::default(),
            ),
            registry,
        }
    }

    /// The count and latencies of `app`'s inbound calls of `kind` ending
    /// in `outcome`.
    fn inbound_of(&self, app: &str, kind: &str, outcome: &str) -> Calls {
        let labels = InboundLabels {
            app: app.to_string(),
            kind: kind.to_string(),
            outcome: outcome.to_string(),
        };
        Calls {
            count: self.inbound.get_or_create(&labels).clone(),
            seconds: self.inbound_seconds.get_or_create(&labels).clone(),
        }
    }

    /// The count and latencies of `app`'s host calls of `operation` of
    /// `block` ending in `outcome`.
    fn host_calls_of(&self, app: &str, block: &str, operation: &str, outcome: &str) -> Calls {
        let labels = HostCallLabels {
            app: app.to_string(),
            block: block.to_string(),
            operation: operation.to_string(),
            outcome: outcome.to_string(),
        };
        Calls {
            count: self.host_calls.get_or_create(&labels).clone(),
            seconds: self.host_call_seconds.get_or_create(&labels).clone(),
        }
    }

    /// Records one call of `app` refused as overloaded.
    pub fn overload(&self, app: &str) {
        self.overloaded.get_or_create(&app_labels(app)).inc();
    }

    /// Records one component load: `hit` or `miss` of the compile cache, or
    /// `off` without one.
    pub fn component_load(&self, result: &str) {
        let labels = CacheLabels {
            result: result.to_string(),
        };
        self.compile_cache.get_or_create(&labels).inc();
    }

    /// The metrics as OpenMetrics text, with `apps` as `(app id, instances
    /// running, instance limit)`.
    pub fn encode(&self, apps: impl IntoIterator<Item = (String, u32, u32)>) -> String {
        for (app, busy, bound) in apps {
            let labels = app_labels(&app);
            self.instances.get_or_create(&labels).set(busy.into());
            self.instance_bound.get_or_create(&labels).set(bound.into());
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The counter and latency histogram of one label set (handles on the
/// series in the registry).
struct Calls {
    count: Counter,
    seconds: Histogram,
}

impl Calls {
    fn record(&self, took: Duration) {
        self.count.inc();
        self.seconds.observe(took.as_secs_f64());
    }
}

/// One app's handles on the process's [`metrics()`], each label set
/// resolved once: recording a call then allocates nothing and looks up
/// its series by its static label values (the operation and outcome names).
pub struct AppMetrics {
    metrics: &'static Metrics,
    app: String,
    instantiations: Counter,
    inbound: RwLock<HashMap<(&'static str, &'static str), Calls>>,
    host_calls: RwLock<HashMap<(&'static str, &'static str, &'static str), Calls>>,
}

impl AppMetrics {
    /// The metrics of app `app`, in the process's [`metrics()`].
    pub fn new(app: &str) -> Self {
        Self::in_registry(metrics(), app)
    }

    /// The metrics of app `app` in `metrics`.
    fn in_registry(metrics: &'static Metrics, app: &str) -> Self {
        let instantiations = metrics
            .instantiations
            .get_or_create(&app_labels(app))
            .clone();
        AppMetrics {
            metrics,
            app: app.to_string(),
            instantiations,
            inbound: RwLock::default(),
            host_calls: RwLock::default(),
        }
    }

    /// Records one inbound call of `kind` that ended in `outcome`.
    pub fn inbound(&self, kind: &'static str, outcome: &'static str, took: Duration) {
        record(&self.inbound, (kind, outcome), took, || {
            self.metrics.inbound_of(&self.app, kind, outcome)
        });
    }

    /// Records one host call of `operation` of `block` that ended in
    /// `outcome`.
    pub fn host_call(
        &self,
        block: &'static str,
        operation: &'static str,
        outcome: &'static str,
        took: Duration,
    ) {
        record(&self.host_calls, (block, operation, outcome), took, || {
            self.metrics
                .host_calls_of(&self.app, block, operation, outcome)
        });
    }

    /// Records one fresh instance.
    pub fn instantiation(&self) {
        self.instantiations.inc();
    }
}

/// Records a call that took `took` in the series of `key` in `cache`,
/// resolved by `resolve` the first time.
fn record<K: std::hash::Hash + Eq>(
    cache: &RwLock<HashMap<K, Calls>>,
    key: K,
    took: Duration,
    resolve: impl FnOnce() -> Calls,
) {
    let read = cache.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(calls) = read.get(&key) {
        calls.record(took);
        return;
    }
    drop(read);
    let mut write = cache.write().unwrap_or_else(PoisonError::into_inner);
    write.entry(key).or_insert_with(resolve).record(took);
}

fn app_labels(app: &str) -> AppLabels {
    AppLabels {
        app: app.to_string(),
    }
}

/// The result of a host call, as the outcome label of its metrics: `ok`
/// or the error case of its interface.
pub trait Outcome {
    /// `ok` or the error case.
    fn outcome(&self) -> &'static str;
}

impl<T> Outcome for Result<T, crate::wit::Error> {
    fn outcome(&self) -> &'static str {
        use crate::wit::Error;
        match self {
            Ok(_) => "ok",
            Err(Error::NotFound(_)) => "not-found",
            Err(Error::Denied(_)) => "denied",
            Err(Error::EtagMismatch(_)) => "etag-mismatch",
            Err(Error::InvalidArgument(_)) => "invalid-argument",
            Err(Error::Unavailable(_)) => "unavailable",
            Err(Error::Unsupported(_)) => "unsupported",
            Err(Error::Internal(_)) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_by_their_labels_and_instances_read_at_encoding() {
        let m: &'static Metrics = Box::leak(Box::new(Metrics::new()));
        let app = AppMetrics::in_registry(m, "a");
        app.inbound("http", "2xx", Duration::from_micros(50));
        app.inbound("http", "2xx", Duration::from_micros(70));
        app.host_call("state", "get", "not-found", Duration::from_micros(5));
        app.host_call("state", "get", "ok", Duration::from_micros(5));
        app.host_call("state", "get", "ok", Duration::from_micros(5));
        app.instantiation();
        m.overload("a");
        m.component_load("hit");
        let text = m.encode([("a".to_string(), 2, 8)]);
        for line in [
            r#"wasmtime_dapr_inbound_calls_total{app="a",kind="http",outcome="2xx"} 2"#,
            r#"wasmtime_dapr_host_calls_total{app="a",block="state",operation="get",outcome="not-found"} 1"#,
            r#"wasmtime_dapr_host_calls_total{app="a",block="state",operation="get",outcome="ok"} 2"#,
            r#"wasmtime_dapr_host_call_duration_seconds_count{app="a",block="state",operation="get",outcome="ok"} 2"#,
            r#"wasmtime_dapr_instantiations_total{app="a"} 1"#,
            r#"wasmtime_dapr_overload_rejections_total{app="a"} 1"#,
            r#"wasmtime_dapr_component_loads_total{result="hit"} 1"#,
            r#"wasmtime_dapr_instances_in_flight{app="a"} 2"#,
            r#"wasmtime_dapr_instance_limit{app="a"} 8"#,
            r#"wasmtime_dapr_inbound_call_duration_seconds_count{app="a",kind="http",outcome="2xx"} 2"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from:\n{text}"
            );
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
