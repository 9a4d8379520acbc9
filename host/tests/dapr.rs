//! End-to-end tests through a real daprd (slim build) with redis: the
//! examples, interop with daprd's HTTP API, invocation between two sidecars,
//! and a sidecar that goes away and comes back.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::dapr::{Daprd, free_port};

/// A `wasmtime-dapr serve` bound to a sidecar, killed when dropped.
struct Serve {
    child: Child,
    addr: Option<SocketAddr>,
}

impl Serve {
    /// Starts `serve` with `args`, waiting for its HTTP address (when it
    /// serves HTTP) or for the app channel to be set up.
    fn start(args: &[&str], http: bool) -> Serve {
        let mut child = Command::new(common::bin())
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("DAPR_GRPC_ENDPOINT")
            .env_remove("DAPR_GRPC_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting serve");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("serve: {line}");
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve did not start");
            };
            if let Some(rest) = line.strip_prefix("Serving HTTP on http://") {
                let addr = rest.split('/').next().unwrap().parse().unwrap();
                return Serve {
                    child,
                    addr: Some(addr),
                };
            }
            if !http && line.starts_with("No HTTP app") {
                return Serve { child, addr: None };
            }
        }
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        http(self.addr.expect("an HTTP app"), "GET", path, b"")
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        http(self.addr.expect("an HTTP app"), "POST", path, body)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = common::dechunk(&body);
    }
    (status, body)
}

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
    let serve = Serve::start(
        &[
            &format!("counter={}", counter.display()),
            "--dapr-grpc-endpoint",
            &daprd.endpoint(),
            "--timeout",
            "10",
        ],
        true,
    );
    assert_eq!(serve.get("/"), (200, b"42".to_vec()));

    // The sidecar goes away: the guest gets `unavailable`, the host lives on.
    daprd.kill();
    let (status, body) = serve.get("/");
    assert!(status >= 500, "{status}");
    assert!(text(&body).contains("unavailable"), "{}", text(&body));

    // It comes back: calls succeed again and the acknowledged write is there.
    daprd.spawn();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = serve.get("/");
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
    let _store = Serve::start(
        &[
            &format!("order-store={}", store.display()),
            "--dapr-grpc-endpoint",
            &back.endpoint(),
            "--app-port",
            &store_port.to_string(),
        ],
        false,
    );
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
    let front_serve = Serve::start(
        &[
            &format!("orders={}", orders.display()),
            "--dapr-grpc-endpoint",
            &front.endpoint(),
        ],
        true,
    );

    let order = br#"{"id":"7","item":"kyber crystal"}"#;
    let (status, body) = front_serve.post("/orders", order);
    assert_eq!(status, 202, "{}", text(&body));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = front_serve.get("/orders/7");
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
    assert_eq!(front_serve.get("/orders/404").0, 404);
}
