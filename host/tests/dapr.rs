//! End-to-end tests through a real daprd (slim build) with redis: the
//! examples, interop with daprd's HTTP API, invocation between two sidecars
//! (of an app with a handler and of an HTTP-only app), daprd's errors as the
//! guest sees them, daprd's app health checks, and a sidecar that goes away
//! and comes back (also under a steady load of saves).

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::dapr::{ControlPlane, Daprd, free_port};
use common::serve::Serve;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(b)))
}

/// Tries `attempt` every 100 ms until it succeeds, for at most 30 s, then
/// fails with its last explanation.
fn eventually<T>(mut attempt: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match attempt() {
            Ok(value) => return value,
            Err(why) => assert!(Instant::now() < deadline, "{why}"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `serve` for the guest component `file` as app `id` behind `daprd`,
/// with its app channel on the port daprd calls.
fn serve_behind(daprd: &Daprd, id: &str, file: &str) -> Serve {
    let component = common::guest(file);
    Serve::start(&[
        &format!("{id}={}", component.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
        "--app-port",
        &daprd.app_port.to_string(),
    ])
}

#[test]
fn seed_demo_through_daprd_is_read_back_by_the_http_api() {
    let daprd = Daprd::start("seed-demo", free_port(), "");
    let demo = common::guest("seed-demo.wasm");
    let out = Command::new(common::bin())
        .args(["run", "--dapr-grpc-endpoint", &daprd.endpoint()])
        .arg(format!("seed-demo={}", demo.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}\ndaprd: {}",
        text(&out.stderr),
        daprd.log()
    );
    assert!(text(&out.stdout).contains("Test successfully!"));

    // A non-Wasm Dapr client (daprd's HTTP API) sees plain JSON values.
    let (status, body) = daprd.http_get("/v1.0/state/statestore/weapon");
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(json(&body), serde_json::json!("Death Star"));
    let (status, body) = daprd.http_get("/v1.0/state/statestore/planets");
    assert_eq!(status, 200);
    assert_eq!(
        json(&body),
        serde_json::json!({"name": "Tatooine", "test": 123})
    );
}

#[test]
fn a_value_written_through_the_http_api_is_read_by_the_guest_and_survives_a_sidecar_restart() {
    let mut daprd = Daprd::start("counter", free_port(), "");
    let (status, body) = daprd.http(
        "POST",
        "/v1.0/state/statestore",
        br#"[{"key":"counter","value":41}]"#,
    );
    assert_eq!(status, 204, "{}", text(&body));

    let counter = common::guest("counter.wasm");
    let serve = Serve::start(&[
        &format!("counter={}", counter.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
        "--timeout",
        "10",
    ]);
    assert_eq!(serve.request("GET", "/", b""), (200, b"42".to_vec()));

    // The sidecar goes away: the guest gets `unavailable`, the host lives on.
    daprd.kill();
    let (status, body) = serve.request("GET", "/", b"");
    assert!(status >= 500, "{status}");
    assert!(text(&body).contains("unavailable"), "{}", text(&body));

    // It comes back: calls succeed again and the acknowledged write is there.
    daprd.spawn();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = serve.request("GET", "/", b"");
        if status == 200 {
            assert_eq!(body, b"43".to_vec());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never recovered: {status} {}",
            text(&body)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn orders_flow_across_two_sidecars() {
    let front = Daprd::start("orders", free_port(), "");
    let back = Daprd::start_next_to(&front, "order-store", free_port());
    let _store = serve_behind(&back, "order-store", "order_store.wasm");
    back.wait_for_subscription("orders");
    let orders = common::guest("orders.wasm");
    let front_serve = Serve::start(&[
        &format!("orders={}", orders.display()),
        "--dapr-grpc-endpoint",
        &front.endpoint(),
    ]);

    let order = br#"{"id":"7","item":"kyber crystal"}"#;
    let (status, body) = front_serve.request("POST", "/orders", order);
    assert_eq!(status, 202, "{}", text(&body));
    let body = eventually(|| match front_serve.request("GET", "/orders/7", b"") {
        (200, body) => Ok(body),
        (status, body) => Err(format!(
            "order never arrived: {status} {}\n{}",
            text(&body),
            back.log()
        )),
    });
    assert_eq!(json(&body), json(order));
    // Redis holds it under the back end's app id, as any Dapr client expects.
    let (status, body) = back.http_get("/v1.0/state/statestore/order:7");
    assert_eq!(status, 200);
    assert_eq!(json(&body), json(order));
    assert_eq!(front_serve.request("GET", "/orders/404", b"").0, 404);
}

/// daprd's app health checks (`--enable-app-health-check`) probe the app
/// channel's `HealthCheck`: healthy once the app is loaded, unhealthy while
/// its only instance is busy and nothing may queue, healthy again after.
#[test]
fn daprd_s_app_health_checks_follow_the_app_s_load() {
    let mut daprd = Daprd::alone("faults", free_port(), "");
    daprd.with_args(&[
        "--enable-app-health-check",
        "--app-health-probe-interval",
        "1",
        "--app-health-threshold",
        "1",
        "--log-level",
        "info",
    ]);
    daprd.spawn();
    let faults = common::guest("faults.wasm");
    let serve = Serve::start(&[
        &format!("faults={}", faults.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
        "--app-port",
        &daprd.app_port.to_string(),
        "--max-instances",
        "1",
        "--max-queued",
        "0",
        "--timeout",
        "4",
    ]);
    let entered = |status: &str| {
        daprd
            .log()
            .matches(&format!("App entered {status} status"))
            .count()
    };
    let wait_for = |status: &str, count: usize| {
        eventually(|| match entered(status) {
            n if n >= count => Ok(()),
            n => Err(format!(
                "daprd saw the app {status} {n} times, not {count}:\n{}",
                daprd.log()
            )),
        })
    };
    wait_for("healthy", 1);
    assert_eq!(entered("un-healthy"), 0, "{}", daprd.log());
    // The only instance spins until the 4 s deadline; meanwhile the app is
    // overloaded.
    let addr = serve.addr();
    let busy = std::thread::spawn(move || common::serve::http(addr, "GET", "/loop", b"").0);
    wait_for("un-healthy", 1);
    assert_eq!(busy.join().unwrap(), 500);
    wait_for("healthy", 2);
}

#[test]
fn an_http_only_app_is_invoked_through_its_sidecar() {
    let caller = Daprd::start("caller", free_port(), "");
    let back = Daprd::start_next_to(&caller, "hello", free_port());
    let _hello = serve_behind(&back, "hello", "hello.wasm");
    // daprd's HTTP API calls the app channel over gRPC, which hands the
    // call to the app's HTTP handler at `/greet`.
    let body = eventually(
        || match caller.http_get("/v1.0/invoke/hello/method/greet") {
            (200, body) => Ok(body),
            (status, body) => Err(format!(
                "hello never answered: {status} {}\n{}",
                text(&body),
                back.log()
            )),
        },
    );
    assert_eq!(text(&body), "Hello, world!");
}

#[test]
fn a_message_over_the_sidecars_size_limit_is_an_invalid_argument_naming_the_setting() {
    let daprd = Daprd::start("orders", free_port(), "");
    let orders = common::guest("orders.wasm");
    let item = "x".repeat(5 << 20);
    let order = format!(r#"{{"id":"big","item":"{item}"}}"#);
    // The host's own limit matches daprd's default: refused at the door.
    let serve = Serve::start(&[
        &format!("orders={}", orders.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
    ]);
    let (status, body) = serve.request("POST", "/orders", order.as_bytes());
    assert_eq!(status, 413, "{}", text(&body));
    drop(serve);
    // Raised on the host only: daprd accepts at most 4 MiB per message.
    let serve = Serve::start(&[
        &format!("orders={}", orders.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
        "--max-body-size",
        "16Mi",
    ]);
    let (status, body) = serve.request("POST", "/orders", order.as_bytes());
    let body = text(&body);
    assert_eq!(status, 502, "{body}");
    assert!(body.starts_with("invalid-argument: "), "{body}");
    assert!(body.contains("(4 MiB)"), "{body}");
    assert!(body.contains("--max-body-size"), "{body}");
}

/// A steady stream of saves while daprd is killed and restarted: every save
/// the guest saw acknowledged is in redis afterwards, and saves succeed
/// again once daprd is back.
#[test]
fn acknowledged_writes_survive_a_sidecar_restart_under_load() {
    let mut daprd = Daprd::start("faults", free_port(), "");
    let faults = common::guest("faults.wasm");
    let serve = Serve::start(&[
        &format!("faults={}", faults.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
        "--timeout",
        "10",
    ]);
    let addr = serve.addr();
    let running = Arc::new(AtomicBool::new(true));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (running, acknowledged, refused) =
                (running.clone(), acknowledged.clone(), refused.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if !running.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("w{writer}-{i}");
                    let path = format!("/save?key={key}");
                    match common::serve::try_http(addr, "POST", &path, key.as_bytes()) {
                        Some((200, _)) => acknowledged.lock().unwrap().push(key),
                        _ => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let acked = || acknowledged.lock().unwrap().len();
    eventually(|| {
        (acked() >= 200)
            .then_some(())
            .ok_or("no saves yet".to_string())
    });
    daprd.kill();
    eventually(|| {
        (refused.load(Ordering::Relaxed) > 0)
            .then_some(())
            .ok_or("saves still succeed with daprd down".to_string())
    });
    let before_restart = acked();
    daprd.spawn();
    eventually(|| {
        (acked() >= before_restart + 200)
            .then_some(())
            .ok_or(format!(
                "no saves since the restart ({} acknowledged)",
                acked()
            ))
    });
    running.store(false, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap();
    eprintln!(
        "{} saves acknowledged ({before_restart} before the restart), {} refused",
        acknowledged.len(),
        refused.load(Ordering::Relaxed)
    );
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|key| {
            let field = daprd
                .redis
                .command(&["HGET", &format!("faults||{key}"), "data"]);
            // The first reply line: `$LEN` for a value, `$-1` for none.
            field.as_deref().is_none_or(|f| f == "$-1")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged saves are not in redis, such as {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(5)]
    );
}

/// Placement and scheduler, built from the same Dapr module as daprd, run
/// on loopback ports (both answer their health checks); daprd connects to
/// the scheduler, which keeps a job scheduled through daprd's API. (The
/// actor runtime connects to placement once an app hosting actors is
/// listening.)
#[test]
fn daprd_runs_with_the_placement_and_scheduler_built_with_it() {
    let plane = ControlPlane::start();
    let daprd = Daprd::start_with_control_plane("jobs", free_port(), "", &plane);
    let (status, body) = daprd.http(
        "POST",
        "/v1.0/jobs/nightly",
        br#"{"schedule": "@every 1h", "data": {"greeting": "hello"}}"#,
    );
    assert_eq!(status, 204, "{}\n{}", text(&body), plane.log("scheduler"));
    let (status, body) = daprd.http_get("/v1.0/jobs/nightly");
    assert_eq!(status, 200, "{}", text(&body));
    let job = json(&body);
    assert_eq!(job["schedule"], "@every 1h", "{job}");
    assert_eq!(job["data"]["value"]["greeting"], "hello", "{job}");
    let (_, body) = daprd.http_get("/v1.0/metadata");
    let metadata = json(&body);
    assert_eq!(
        metadata["scheduler"]["connected_addresses"],
        serde_json::json!([plane.scheduler]),
        "{metadata}"
    );
}
