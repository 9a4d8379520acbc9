//! Operating the host like a Dapr app: Prometheus metrics and health
//! probes on `serve --metrics`, scraped while apps take traffic, and traces
//! exported to an in-process OTLP collector.

mod common;

use std::time::{Duration, Instant};

use common::serve::{Serve, exchange, http};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The value of the sample `series` (name and labels, exactly as written)
/// in an OpenMetrics text.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_requests_host_calls_and_instances() {
    let data = tempfile::tempdir().unwrap();
    let counter = common::guest("counter.wasm");
    let server = Serve::start(&[
        counter.to_str().unwrap(),
        "--data-dir",
        data.path().to_str().unwrap(),
        "--metrics",
        "127.0.0.1:0",
    ]);
    let ops = server.metrics_addr();
    assert_eq!(http(ops, "GET", "/healthz", b""), (200, b"ok\n".to_vec()));
    assert_eq!(http(ops, "GET", "/readyz", b""), (200, b"ready\n".to_vec()));
    for expected in ["1", "2", "3"] {
        assert_eq!(
            server.request("GET", "/", b""),
            (200, expected.as_bytes().to_vec())
        );
    }
    assert_eq!(server.request("GET", "/nope", b"").0, 404);
    let (status, body) = http(ops, "GET", "/metrics", b"");
    assert_eq!(status, 200);
    let metrics = text(&body);
    let app = r#"app="counter""#;
    for (series, at_least) in [
        (
            format!(r#"wasmtime_dapr_inbound_calls_total{{{app},kind="http",outcome="2xx"}}"#),
            3.0,
        ),
        (
            format!(r#"wasmtime_dapr_inbound_calls_total{{{app},kind="http",outcome="4xx"}}"#),
            1.0,
        ),
        (
            format!(
                r#"wasmtime_dapr_host_calls_total{{{app},block="state",operation="get",outcome="ok"}}"#
            ),
            3.0,
        ),
        (
            format!(
                r#"wasmtime_dapr_host_calls_total{{{app},block="state",operation="save",outcome="ok"}}"#
            ),
            3.0,
        ),
        (
            format!(r#"wasmtime_dapr_instantiations_total{{{app}}}"#),
            4.0,
        ),
        (format!(r#"wasmtime_dapr_instance_limit{{{app}}}"#), 1.0),
        (
            format!(
                r#"wasmtime_dapr_inbound_call_duration_seconds_count{{{app},kind="http",outcome="2xx"}}"#
            ),
            3.0,
        ),
    ] {
        let value =
            sample(&metrics, &series).unwrap_or_else(|| panic!("{series} missing:\n{metrics}"));
        assert!(
            value >= at_least,
            "{series} = {value}, expected at least {at_least}"
        );
    }
    assert_eq!(
        sample(
            &metrics,
            &format!("wasmtime_dapr_instances_in_flight{{{app}}}")
        ),
        Some(0.0)
    );
    assert!(
        metrics.contains("wasmtime_dapr_component_loads_total{result="),
        "{metrics}"
    );
    assert_eq!(http(ops, "GET", "/nothing", b"").0, 404);
    assert_eq!(http(ops, "POST", "/metrics", b"").0, 405);
}

/// `serve faults.wasm` with `extra` flags and a data directory of its own
/// (kept as long as the server runs).
fn serve_faults(extra: &[&str]) -> (Serve, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let faults = common::guest("faults.wasm");
    let mut args = vec![
        faults.to_str().unwrap().to_string(),
        "--data-dir".into(),
        data.path().to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (Serve::start(&args), data)
}

/// With `--max-instance-reuse-count 3` an instance serves three requests,
/// then a fresh one takes over; an instance whose request trapped is
/// dropped, not reused.
#[test]
fn instances_are_reused_up_to_the_count_and_never_after_a_trap() {
    let (server, _data) = serve_faults(&[
        "--metrics",
        "127.0.0.1:0",
        "--max-instance-reuse-count",
        "3",
    ]);
    let ops = server.metrics_addr();
    let instantiations = || {
        let metrics = text(&http(ops, "GET", "/metrics", b"").1);
        sample(
            &metrics,
            r#"wasmtime_dapr_instantiations_total{app="faults"}"#,
        )
        .unwrap_or(0.0)
    };
    let ok = || assert_eq!(server.request("GET", "/ok", b""), (200, b"ok".to_vec()));
    let before = instantiations();
    ok();
    ok();
    ok();
    assert_eq!(
        instantiations() - before,
        1.0,
        "three requests, one instance"
    );
    ok();
    assert_eq!(
        instantiations() - before,
        2.0,
        "the fourth needs a fresh one"
    );
    assert_eq!(server.request("GET", "/trap", b"").0, 500);
    ok();
    assert_eq!(
        instantiations() - before,
        3.0,
        "the instance that trapped is not reused"
    );
}

/// While the only instance spins and nothing may queue, the app is not
/// ready (and refuses with 503, counted); after the deadline it is again.
#[test]
fn readiness_follows_overload_and_rejections_are_counted() {
    let (server, _data) = serve_faults(&[
        "--max-instances",
        "1",
        "--max-queued",
        "0",
        "--timeout",
        "3",
        "--metrics",
        "127.0.0.1:0",
    ]);
    let (addr, ops) = (server.addr(), server.metrics_addr());
    let spinner = std::thread::spawn(move || exchange(addr, "GET", "/loop", "", b""));
    let started = Instant::now();
    let (status, body) = loop {
        let (status, body) = http(ops, "GET", "/readyz", b"");
        if status != 200 {
            break (status, text(&body));
        }
        assert!(
            started.elapsed() < Duration::from_secs(60) && !spinner.is_finished(),
            "the app never became overloaded"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("app `faults` is overloaded"), "{body}");
    assert_eq!(
        exchange(addr, "GET", "/ok", "", b"").map(|a| a.0),
        Some(503)
    );
    spinner.join().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http(ops, "GET", "/readyz", b"").0 != 200 {
        assert!(Instant::now() < deadline, "the app stayed not ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let metrics = text(&http(ops, "GET", "/metrics", b"").1);
    let rejected = sample(
        &metrics,
        r#"wasmtime_dapr_overload_rejections_total{app="faults"}"#,
    );
    assert!(rejected.is_some_and(|n| n >= 1.0), "{metrics}");
    let overloaded =
        r#"wasmtime_dapr_inbound_calls_total{app="faults",kind="http",outcome="overloaded"}"#;
    assert!(
        sample(&metrics, overloaded).is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
}

/// The app channel's gRPC `HealthCheck` (what daprd's app health checks
/// call): unavailable while the app is not loaded, healthy once it is,
/// unavailable again while it is overloaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_channel_health_check_follows_loading_and_overload() {
    use dapr::dapr::proto::runtime::v1::app_callback_health_check_client::AppCallbackHealthCheckClient;
    use wasmtime_dapr::inbound::{AppDirectory, app_channel};
    use wasmtime_dapr::runtime::{Limits, RuntimeConfig};
    use wasmtime_dapr::{Server, ServerOptions};

    let dir = tempfile::tempdir().unwrap();
    let directory = AppDirectory::new();
    let port = common::dapr::free_port();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app_channel::serve(
        addr,
        directory.handle("faults"),
        1 << 20,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut client = loop {
        match AppCallbackHealthCheckClient::connect(format!("http://{addr}")).await {
            Ok(client) => break client,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let status = client.health_check(()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");

    let limits = Limits {
        max_instances: Some(1),
        max_queued: 0,
        timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let options = ServerOptions {
        components: vec![("faults".into(), common::guest("faults.wasm"))],
        runtime: RuntimeConfig {
            cache_dir: Some(common::repo().join("target/test-cache")),
            app_limits: [("faults".to_string(), limits)].into(),
            ..RuntimeConfig::default()
        },
        resources: None,
        data_dir: dir.path().join("data"),
        sidecar: None,
        sidecar_timeout: Duration::from_secs(1),
    };
    let server = Server::load_into(&options, directory).await.unwrap();
    client.health_check(()).await.expect("healthy once loaded");

    let app = server.app("faults").unwrap();
    let spinning = tokio::spawn(async move {
        let request = http::Request::get("http://app/loop")
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        app.handle_http(request).await.map(|_| ())
    });
    let started = Instant::now();
    let status = loop {
        match client.health_check(()).await {
            Err(status) => break status,
            Ok(_) => {
                assert!(started.elapsed() < Duration::from_secs(60) && !spinning.is_finished());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert!(status.message().contains("overloaded"), "{status:?}");
    let _ = spinning.await;
    client
        .health_check(())
        .await
        .expect("healthy after the deadline");
}

/// `--log-format json`: every log line is one JSON object; host calls are
/// logged (at debug) with the fields of their span; an error is a JSON
/// line too, and the exit code stays non-zero.
#[test]
fn json_logs_carry_the_span_fields() {
    let data = tempfile::tempdir().unwrap();
    let demo = common::guest("seed-demo.wasm");
    let run = |args: &[&str]| {
        std::process::Command::new(common::bin())
            .args(["--log-format", "json", "run", "--data-dir"])
            .arg(data.path())
            .args(args)
            .env("RUST_LOG", "wasmtime_dapr=debug")
            .env_remove("DAPR_GRPC_ENDPOINT")
            .env_remove("DAPR_GRPC_PORT")
            .output()
            .unwrap()
    };
    let out = run(&[demo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Test successfully!"));
    let lines: Vec<serde_json::Value> = text(&out.stderr)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let save = lines
        .iter()
        .find(|l| l["span"]["block"] == "state" && l["span"]["operation"] == "save")
        .unwrap_or_else(|| panic!("no state save logged: {lines:?}"));
    assert_eq!(save["span"]["app"], "seed-demo", "{save}");
    assert_eq!(save["fields"]["outcome"], "ok", "{save}");
    assert!(save["fields"]["micros"].is_u64(), "{save}");

    let out = run(&["/no/such/component.wasm"]);
    assert!(!out.status.success());
    let last: serde_json::Value =
        serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(last["level"], "ERROR", "{last}");
    assert!(
        last["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("/no/such/component.wasm: no such component file")),
        "{last}"
    );
}

/// A trace export the host cannot do is a clear error, not silence.
#[test]
fn an_unsupported_otlp_protocol_is_refused() {
    let out = std::process::Command::new(common::bin())
        .args(["run", "--no-cache"])
        .arg(common::guest("seed-demo.wasm"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL=`http/json` is not supported"),
        "{stderr}"
    );
}

/// Events and invocations are counted by kind for the app that handles
/// them, and the publish and the invocation as host calls of the caller.
#[test]
fn metrics_count_events_and_invocations_by_kind() {
    let data = tempfile::tempdir().unwrap();
    let orders = common::guest("orders.wasm");
    let store = format!(
        "order-store={}",
        common::guest("order_store.wasm").display()
    );
    let server = Serve::start(&[
        orders.to_str().unwrap(),
        &store,
        "--data-dir",
        data.path().to_str().unwrap(),
        "--metrics",
        "127.0.0.1:0",
    ]);
    let ops = server.metrics_addr();
    assert_eq!(server.request("POST", "/orders", br#"{"id":"1"}"#).0, 202);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.request("GET", "/orders/1", b"").0 != 200 {
        assert!(Instant::now() < deadline, "the order never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    let metrics = text(&http(ops, "GET", "/metrics", b"").1);
    for series in [
        r#"wasmtime_dapr_inbound_calls_total{app="order-store",kind="on-topic-event",outcome="ok"}"#,
        r#"wasmtime_dapr_inbound_calls_total{app="order-store",kind="on-invoke",outcome="ok"}"#,
        r#"wasmtime_dapr_inbound_calls_total{app="order-store",kind="subscriptions",outcome="ok"}"#,
        r#"wasmtime_dapr_host_calls_total{app="orders",block="pubsub",operation="publish",outcome="ok"}"#,
        r#"wasmtime_dapr_host_calls_total{app="orders",block="invoke",operation="invoke-method",outcome="ok"}"#,
        r#"wasmtime_dapr_host_calls_total{app="order-store",block="state",operation="save",outcome="ok"}"#,
    ] {
        assert!(
            sample(&metrics, series).is_some_and(|n| n >= 1.0),
            "{series} missing:\n{metrics}"
        );
    }
}

/// The trace id and parent span id the tests send in `traceparent`.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// Posts one order with a `traceparent` header to the `orders` app at
/// `addr`, then waits until order-store has it (read back by invocation).
fn post_traced_order(addr: std::net::SocketAddr, id: &str) {
    let order = format!(r#"{{"id":"{id}","item":"kyber crystal"}}"#);
    let headers = format!(
        "traceparent: 00-{TRACE}-{PARENT}-01\r\ncontent-length: {}\r\n",
        order.len()
    );
    let answer = exchange(addr, "POST", "/orders", &headers, order.as_bytes());
    assert_eq!(answer.as_ref().map(|a| a.0), Some(202), "{answer:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http(addr, "GET", &format!("/orders/{id}"), b"").0 != 200 {
        assert!(Instant::now() < deadline, "the order never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The host's spans of the order's trace: the HTTP request, the publish,
/// the subscriber's event and its state save. Waits for them (and for
/// whatever else `more` asks of the trace), and checks that each is the
/// child of the one before, but for the event (whose parent depends on the
/// backend). Returns them and every span of the trace.
fn order_trace(
    collector: &common::otlp::Collector,
    more: impl Fn(&[common::otlp::Span]) -> bool,
) -> ([common::otlp::Span; 4], Vec<common::otlp::Span>) {
    use common::otlp::Span;
    let find = |spans: &[Span], app: &str, name: &str| -> Option<Span> {
        spans
            .iter()
            .find(|s| s.attribute("dapr.app_id") == app && s.name.starts_with(name))
            .cloned()
    };
    let in_trace = |spans: &[Span]| -> Vec<Span> {
        spans
            .iter()
            .filter(|s| s.trace_id == TRACE)
            .cloned()
            .collect()
    };
    let spans = collector.wait_for("the order's trace", |spans| {
        let spans = in_trace(spans);
        find(&spans, "order-store", "state.save").is_some() && more(&spans)
    });
    let spans = in_trace(&spans);
    let [http, publish, event, save] = [
        ("orders", "http POST /orders"),
        ("orders", "pubsub.publish"),
        ("order-store", "on-topic-event pubsub/orders"),
        ("order-store", "state.save"),
    ]
    .map(|(app, name)| {
        find(&spans, app, name).unwrap_or_else(|| panic!("no span {name} of {app}: {spans:#?}"))
    });
    assert_eq!(http.parent_span_id, PARENT, "{http:?}");
    assert_eq!(http.attribute("wasmtime_dapr.outcome"), "2xx", "{http:?}");
    assert_eq!(publish.parent_span_id, http.span_id, "{publish:?}");
    assert_eq!(publish.attribute("wasmtime_dapr.target"), "pubsub/orders");
    assert_eq!(save.parent_span_id, event.span_id, "{save:?}");
    assert_eq!(save.attribute("wasmtime_dapr.target"), "statestore");
    assert_eq!(save.attribute("wasmtime_dapr.outcome"), "ok");
    ([http, publish, event, save], spans)
}

/// Embedded: the trace of an HTTP request (its `traceparent`) continues
/// through the guest's publish into the subscriber's event (the context
/// travels in the CloudEvent) and its state save; spans go out over
/// OTLP/HTTP, the default protocol.
#[test]
fn a_trace_runs_from_a_request_through_publish_to_the_subscriber_on_embedded() {
    let collector = common::otlp::Collector::start();
    let data = tempfile::tempdir().unwrap();
    let orders = common::guest("orders.wasm");
    let store = format!(
        "order-store={}",
        common::guest("order_store.wasm").display()
    );
    let server = Serve::start_with_env(
        &[
            orders.to_str().unwrap(),
            &store,
            "--data-dir",
            data.path().to_str().unwrap(),
            "--log-format",
            "json",
        ],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.http),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("RUST_LOG", "wasmtime_dapr=debug"),
        ],
    );
    post_traced_order(server.addr(), "1");
    let ([_, publish, event, _], spans) = order_trace(&collector, |_| true);
    assert_eq!(event.parent_span_id, publish.span_id, "{event:?}");
    assert!(
        spans.iter().all(|s| s.service == "wasmtime-dapr"),
        "{spans:#?}"
    );
    // The log lines carry the trace id in their span's fields.
    let (_, log) = server.stop("-TERM");
    let saved = log.lines().find_map(|line| {
        let line: serde_json::Value = serde_json::from_str(line).ok()?;
        let span = &line["span"];
        (span["app"] == "order-store" && span["operation"] == "save").then(|| line.clone())
    });
    let saved = saved.unwrap_or_else(|| panic!("no state save logged:\n{log}"));
    assert_eq!(saved["span"]["trace_id"], TRACE, "{saved}");
    assert_eq!(saved["span"]["target"], "statestore", "{saved}");
}

/// Through daprd: the trace continues from the request through the
/// publish into daprd (gRPC metadata), through daprd's delivery back into
/// the subscriber and its state save; daprd's own spans (exported to the
/// same collector) are part of it. Spans go out over OTLP/gRPC.
#[test]
fn a_trace_runs_from_a_request_through_daprd_to_the_subscriber() {
    use common::dapr::{Daprd, free_port};
    let collector = common::otlp::Collector::start();
    let mut front = Daprd::alone("orders", free_port(), common::dapr::FAST_REDELIVERY);
    front.trace_to(&collector.grpc);
    front.spawn();
    let mut back = Daprd::next_to(&front, "order-store", free_port());
    back.trace_to(&collector.grpc);
    back.spawn();
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.grpc.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let store = common::guest("order_store.wasm");
    let _store = Serve::start_with_env(
        &[
            &format!("order-store={}", store.display()),
            "--dapr-grpc-endpoint",
            &back.endpoint(),
            "--app-port",
            &back.app_port.to_string(),
        ],
        &env,
    );
    back.wait_for_subscription("orders");
    let orders = common::guest("orders.wasm");
    let front_serve = Serve::start_with_env(
        &[
            &format!("orders={}", orders.display()),
            "--dapr-grpc-endpoint",
            &front.endpoint(),
        ],
        &env,
    );
    post_traced_order(front_serve.addr(), "7");
    let from_daprd = |s: &common::otlp::Span| {
        !s.attributes.contains_key("wasmtime_dapr.kind")
            && !s.attributes.contains_key("wasmtime_dapr.block")
    };
    let ([_, publish, event, save], spans) = order_trace(&collector, |spans| {
        // daprd's spans, from both sidecars.
        ["/PublishEvent", "pubsub/orders", "/SaveState"]
            .iter()
            .all(|name| {
                spans
                    .iter()
                    .any(|s| from_daprd(s) && s.name.ends_with(name))
            })
    });
    let daprd_span = |name: &str| {
        spans
            .iter()
            .find(|s| from_daprd(s) && s.name.ends_with(name))
            .unwrap_or_else(|| panic!("no daprd span {name}: {spans:#?}"))
    };
    // guest publish -> daprd PublishEvent -> daprd delivery -> event -> save -> daprd SaveState
    let published = daprd_span("/PublishEvent");
    assert_eq!(published.parent_span_id, publish.span_id, "{spans:#?}");
    assert_eq!(published.service, "orders");
    let delivered = daprd_span("pubsub/orders");
    assert_eq!(delivered.service, "order-store");
    assert_eq!(delivered.parent_span_id, published.span_id, "{spans:#?}");
    assert_eq!(event.parent_span_id, delivered.span_id, "{spans:#?}");
    assert_eq!(
        daprd_span("/SaveState").parent_span_id,
        save.span_id,
        "{spans:#?}"
    );
}
