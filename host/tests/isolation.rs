//! Isolation in time and under load: guests that spin do not hold back
//! other apps' requests, a busy app answers `503` and recovers, and bodies
//! over the limit are refused with the limit named.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::serve::{Serve, exchange};
use http_body_util::{BodyExt, Empty};
use wasmtime_dapr::runtime::{App, Limits, RuntimeConfig};
use wasmtime_dapr::{Server, ServerOptions};

/// The guest components `apps` (app id, file) on the embedded backend with
/// `runtime`, keeping data in `dir`.
fn embedded(apps: &[(&str, &str)], runtime: RuntimeConfig, dir: &Path) -> ServerOptions {
    ServerOptions {
        components: apps
            .iter()
            .map(|(id, file)| (id.to_string(), common::guest(file)))
            .collect(),
        runtime: RuntimeConfig {
            cache_dir: Some(common::repo().join("target/test-cache")),
            ..runtime
        },
        resources: None,
        data_dir: dir.join("data"),
        sidecar: None,
        sidecar_timeout: Duration::from_secs(1),
    }
}

/// One `GET path` to `app` in a fresh instance: the status and body.
async fn get(app: &App, path: &str) -> anyhow::Result<(u16, String)> {
    let request = http::Request::get(format!("http://app{path}")).body(Empty::<Bytes>::new())?;
    let response = app.handle_http(request).await?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// More spinning guests than worker threads, while another app serves
/// requests: every one of the other app's requests completes while all
/// the spinners are still running, and the spinners end at their deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinning_guests_do_not_hold_back_other_apps() {
    const SPINNERS: u32 = 4;
    let dir = tempfile::tempdir().unwrap();
    let spin_limits = Limits {
        timeout: Duration::from_secs(20),
        ..Limits::default()
    };
    let options = embedded(
        &[("spin", "faults.wasm"), ("hello", "hello.wasm")],
        RuntimeConfig {
            app_limits: BTreeMap::from([("spin".to_string(), spin_limits)]),
            ..RuntimeConfig::default()
        },
        dir.path(),
    );
    let server = Server::load(&options).await.unwrap();
    let (spin, hello) = (server.app("spin").unwrap(), server.app("hello").unwrap());
    let spinners: Vec<_> = (0..SPINNERS)
        .map(|_| {
            let spin = spin.clone();
            tokio::spawn(async move { get(&spin, "/loop").await })
        })
        .collect();
    let started = std::time::Instant::now();
    while spin.busy_instances() < SPINNERS {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the spinners never all ran"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // On a worker thread, as every request is served.
    let requests = tokio::spawn(async move {
        for _ in 0..20 {
            let answer = get(&hello, "/").await.unwrap();
            assert_eq!(answer, (200, "Hello, world!".to_string()));
        }
    });
    requests.await.unwrap();
    let finished = spinners.iter().filter(|s| s.is_finished()).count();
    assert_eq!(
        finished, 0,
        "a spinner ended before the other app's requests"
    );
    for spinner in spinners {
        let err = spinner.await.unwrap().unwrap_err();
        let message = wasmtime_dapr::runtime::failure_message(&err);
        assert!(message.contains("deadline"), "{message}");
    }
}

/// A `serve` of `faults` that runs one instance at a time and queues none.
fn one_at_a_time(extra: &[&str]) -> (Serve, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let faults = common::guest("faults.wasm");
    let mut args = vec![
        faults.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--max-instances",
        "1",
        "--max-queued",
        "0",
    ];
    args.extend_from_slice(extra);
    (Serve::start(&args), dir)
}

/// Once a spinning request holds the app's only instance (and nothing may
/// queue), the next request is refused with `503` and `Retry-After`; after
/// the spinner's deadline the app answers again.
#[test]
fn an_overloaded_app_answers_503_and_recovers() {
    let (server, _dir) = one_at_a_time(&["--timeout", "3"]);
    let addr = server.addr();
    // The spinner may itself be refused while a probe below holds the
    // instance: it asks again until it is admitted.
    let spinner = std::thread::spawn(move || {
        let started = Instant::now();
        loop {
            let answer = exchange(addr, "GET", "/loop", "", b"").expect("the spinner's answer");
            if answer.0 != 503 || started.elapsed() > Duration::from_secs(60) {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    // Probes until one is refused: only the admitted spinner can hold the
    // instance then.
    let started = Instant::now();
    let (status, head, body) = loop {
        let answer = exchange(addr, "GET", "/ok", "", b"").expect("an answer");
        if answer.0 != 200 {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60) && !spinner.is_finished(),
            "no request was refused while the spinner ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 503, "{head}\n{body}");
    assert!(head.contains("retry-after: 1"), "{head}");
    assert!(
        body.contains("overloaded") && body.contains("--max-instances"),
        "{body}"
    );
    let (status, _, body) = spinner.join().unwrap();
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("deadline"));
    let (status, _, body) = exchange(addr, "GET", "/ok", "", b"").unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
}

#[test]
fn bodies_over_the_limit_are_refused_with_the_limit_named() {
    let (server, _dir) = one_at_a_time(&["--max-body-size", "1Ki"]);
    let addr = server.addr();
    let small = vec![b'x'; 1024];
    let (status, _, body) =
        exchange(addr, "POST", "/echo", "content-length: 1024\r\n", &small).expect("an answer");
    assert_eq!((status, body.len()), (200, 1024));
    // Declared too large: refused before the guest runs.
    let big = vec![b'x'; 1025];
    let (status, _, body) =
        exchange(addr, "POST", "/echo", "content-length: 1025\r\n", &big).unwrap();
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("1 KiB") && text.contains("--max-body-size"),
        "{text}"
    );
    // Chunked, with no declared length: the guest's read fails at the limit.
    let chunked = format!("{:x}\r\n{}\r\n0\r\n\r\n", big.len(), "x".repeat(big.len()));
    let (status, _, body) = exchange(
        addr,
        "POST",
        "/echo",
        "transfer-encoding: chunked\r\n",
        chunked.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
}

/// The instance slots are shared evenly by apps without their own bound.
#[tokio::test]
async fn apps_share_the_instance_slots() {
    let dir = tempfile::tempdir().unwrap();
    let options = embedded(
        &[
            ("a", "hello.wasm"),
            ("b", "hello.wasm"),
            ("c", "hello.wasm"),
        ],
        RuntimeConfig {
            instance_slots: 10,
            app_limits: BTreeMap::from([(
                "c".to_string(),
                Limits {
                    max_instances: Some(7),
                    ..Limits::default()
                },
            )]),
            ..RuntimeConfig::default()
        },
        dir.path(),
    );
    let server = Server::load(&options).await.unwrap();
    let apps: Vec<Arc<App>> = server.apps().into_values().collect();
    let bounds: Vec<u32> = apps.iter().map(|a| a.max_instances()).collect();
    assert_eq!(bounds, [3, 3, 7]);
    for app in &apps {
        assert_eq!(get(app, "/").await.unwrap().0, 200);
        assert_eq!(app.busy_instances(), 0);
    }
}

/// With instance reuse, an idle HTTP instance holds a pooling slot; when
/// the app needs a fresh instance for an event, the idle one gives way.
/// Here the pool has one slot: the event finds it taken by the idle
/// instance the first request left, and is served only if that one goes.
#[tokio::test]
async fn idle_instances_give_way_to_an_event() {
    use wasmtime_dapr::wit::exports::dapr::runtime::handler::{CloudEvent, EventStatus};
    let dir = tempfile::tempdir().unwrap();
    let options = embedded(
        &[("sink", "event_sink.wasm")],
        RuntimeConfig {
            instance_slots: 1,
            limits: Limits {
                max_instances: Some(1),
                max_instance_reuse: 10,
                ..Limits::default()
            },
            ..RuntimeConfig::default()
        },
        dir.path(),
    );
    let server = Server::load(&options).await.unwrap();
    let sink = server.app("sink").unwrap();
    let counted = |body: &str| body.contains(r#""distinct":1"#);
    let (status, body) = get(&sink, "/count?n=1&from=5").await.unwrap();
    assert_eq!((status, counted(&body)), (200, false), "{body}");
    let event = CloudEvent {
        path: "numbers".into(),
        id: "5".into(),
        source: "test".into(),
        event_type: "com.dapr.event.sent".into(),
        spec_version: "1.0".into(),
        data_content_type: "application/json".into(),
        data: br#"{"n":5,"retryEvery":0}"#.to_vec(),
        topic: "numbers".into(),
        pubsub: "pubsub".into(),
        extensions: Vec::new(),
    };
    let status = sink.on_topic_event(event).await;
    assert!(
        matches!(status, Ok(EventStatus::Success)),
        "the event found no instance slot: {status:?}"
    );
    let (status, body) = get(&sink, "/count?n=1&from=5").await.unwrap();
    assert_eq!((status, counted(&body)), (200, true), "{body}");
}
