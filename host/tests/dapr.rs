//! End-to-end tests through a real daprd (slim build) with redis: the
//! examples, interop with daprd's HTTP API, invocation between two sidecars
//! (of an app with a handler and of an HTTP-only app), daprd's errors as the
//! guest sees them, and a sidecar that goes away and comes back.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::dapr::{Daprd, free_port};
use common::serve::Serve;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(b)))
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
    let store_port = free_port();
    let front = Daprd::start("orders", free_port(), "");
    let back = Daprd::start_next_to(&front, "order-store", store_port);
    let (orders, store) = (
        common::guest("orders.wasm"),
        common::guest("order_store.wasm"),
    );
    let _store = Serve::start(&[
        &format!("order-store={}", store.display()),
        "--dapr-grpc-endpoint",
        &back.endpoint(),
        "--app-port",
        &store_port.to_string(),
    ]);
    // Wait until the back end's sidecar has subscribed it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !text(&back.http_get("/v1.0/metadata").1).contains("\"topic\":\"orders\"") {
        assert!(
            Instant::now() < deadline,
            "order-store never subscribed:\n{}",
            back.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let front_serve = Serve::start(&[
        &format!("orders={}", orders.display()),
        "--dapr-grpc-endpoint",
        &front.endpoint(),
    ]);

    let order = br#"{"id":"7","item":"kyber crystal"}"#;
    let (status, body) = front_serve.request("POST", "/orders", order);
    assert_eq!(status, 202, "{}", text(&body));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = front_serve.request("GET", "/orders/7", b"");
        if status == 200 {
            assert_eq!(json(&body), json(order));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "order never arrived: {status} {}\n{}",
            text(&body),
            back.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Redis holds it under the back end's app id, as any Dapr client expects.
    let (status, body) = back.http_get("/v1.0/state/statestore/order:7");
    assert_eq!(status, 200);
    assert_eq!(json(&body), json(order));
    assert_eq!(front_serve.request("GET", "/orders/404", b"").0, 404);
}

#[test]
fn an_http_only_app_is_invoked_through_its_sidecar() {
    let hello_port = free_port();
    let caller = Daprd::start("caller", free_port(), "");
    let back = Daprd::start_next_to(&caller, "hello", hello_port);
    let hello = common::guest("hello.wasm");
    let _hello = Serve::start(&[
        &format!("hello={}", hello.display()),
        "--dapr-grpc-endpoint",
        &back.endpoint(),
        "--app-port",
        &hello_port.to_string(),
    ]);
    // daprd's HTTP API calls the app channel over gRPC, which hands the
    // call to the app's HTTP handler at `/greet`.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = caller.http_get("/v1.0/invoke/hello/method/greet");
        if status == 200 {
            assert_eq!(text(&body), "Hello, world!");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "hello never answered: {status} {}\n{}",
            text(&body),
            back.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_message_over_the_sidecars_size_limit_is_an_invalid_argument_naming_the_setting() {
    let daprd = Daprd::start("orders", free_port(), "");
    let orders = common::guest("orders.wasm");
    let serve = Serve::start(&[
        &format!("orders={}", orders.display()),
        "--dapr-grpc-endpoint",
        &daprd.endpoint(),
    ]);
    // daprd accepts at most 4 MiB per message by default.
    let item = "x".repeat(5 << 20);
    let order = format!(r#"{{"id":"big","item":"{item}"}}"#);
    let (status, body) = serve.request("POST", "/orders", order.as_bytes());
    let body = text(&body);
    assert_eq!(status, 502, "{body}");
    assert!(body.starts_with("invalid-argument: "), "{body}");
    assert!(body.contains("(4 MiB)"), "{body}");
    assert!(body.contains("--max-body-size"), "{body}");
}
