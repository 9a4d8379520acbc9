//! End-to-end tests of the `wasmtime-dapr` binary: the examples, bad input,
//! and faults that must fail only their own request.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::serve::Serve;

fn run(args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running wasmtime-dapr")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a one-line, non-panicking error that contains `needle`.
fn assert_clean_error(output: &Output, needle: &str) {
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "expected a failure, got success; stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "expected one error line: {stderr}");
    assert!(
        error_lines[0].contains(needle),
        "expected `{needle}` in: {stderr}"
    );
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn seed_demo_prints_test_successfully_and_a_failure_is_exit_code_1() {
    assert_seed_demo(&common::guest("seed-demo.wasm"));
}

/// The seed demo prints `Test successfully!` and exits 0; pointed at a
/// store that does not exist it exits 1, so a command's exit code becomes
/// ours.
fn assert_seed_demo(demo: &Path) {
    let data = tempfile::tempdir().unwrap();
    let out = run(&["run", path(demo), "--data-dir", path(data.path())]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Test successfully!"),
        "stdout: {}",
        text(&out.stdout)
    );
    let out = run(&[
        "run",
        path(demo),
        "--data-dir",
        path(data.path()),
        "no-such-store",
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Test successfully!"));
}

#[test]
fn counter_keeps_counting_across_restarts() {
    assert_counter(&common::guest("counter.wasm"));
}

#[test]
fn python_counter_keeps_counting_across_restarts() {
    assert_counter(&common::built(
        "examples/counter-py/build/counter-py.wasm",
        "just build-python",
    ));
}

#[test]
fn typescript_counter_keeps_counting_across_restarts() {
    assert_counter(&common::built(
        "examples/counter-ts/build/counter-ts.wasm",
        "just build-js",
    ));
}

/// Each `GET /` of the counter answers the next number, also after a
/// restart; any other path is 404.
fn assert_counter(counter: &Path) {
    let data = tempfile::tempdir().unwrap();
    let args = [path(counter), "--data-dir", path(data.path())];
    let server = Serve::start(&args);
    assert_eq!(server.request("GET", "/", b""), (200, b"1".to_vec()));
    assert_eq!(server.request("GET", "/", b""), (200, b"2".to_vec()));
    let (status, _) = server.stop("-TERM");
    assert!(status.success());
    let server = Serve::start(&args);
    assert_eq!(server.request("GET", "/", b""), (200, b"3".to_vec()));
    assert_eq!(server.request("GET", "/nope", b"").0, 404);
}

#[test]
fn orders_flow_publishes_stores_and_invokes() {
    let store = common::guest("order_store.wasm");
    assert_orders_flow(&format!("order-store={}", path(&store)));
}

/// POST /orders on the Rust `orders` front end publishes; the `order-store`
/// app (`store_arg`, as `order-store=PATH`) stores it; GET invokes it.
fn assert_orders_flow(store_arg: &str) {
    assert_orders_flow_through(&common::guest("orders.wasm"), store_arg);
}

/// The TypeScript front end (an http-app on StarlingMonkey) publishes, the
/// Python store (a handler app on CPython) subscribes and saves, and the
/// front end reads the order back by invoking the store.
#[test]
fn typescript_front_and_python_store_run_the_orders_flow() {
    let front = common::built("examples/orders-ts/build/orders-ts.wasm", "just build-js");
    let store = common::built(
        "examples/order-store-py/build/order-store-py.wasm",
        "just build-python",
    );
    assert_orders_flow_through(&front, &format!("order-store={}", path(&store)));
}

/// POST /orders on the front end `orders` publishes; the `order-store` app
/// (`store_arg`, as `order-store=PATH`) stores it; GET invokes it.
fn assert_orders_flow_through(orders: &Path, store_arg: &str) {
    let data = tempfile::tempdir().unwrap();
    let server = Serve::start(&[path(orders), store_arg, "--data-dir", path(data.path())]);
    let order = br#"{"id":"42","item":"hyperdrive"}"#;
    assert_eq!(server.request("POST", "/orders", order).0, 202);
    let got: serde_json::Value = serde_json::from_slice(&await_order(&server, "42")).unwrap();
    assert_eq!(
        got,
        serde_json::from_slice::<serde_json::Value>(order).unwrap()
    );
    assert_eq!(server.request("GET", "/orders/missing", b"").0, 404);
}

/// The body of `GET /orders/{id}` once the order has gone through pub/sub
/// to the store (the delivery is asynchronous; ten seconds at most).
fn await_order(server: &Serve, id: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = server.request("GET", &format!("/orders/{id}"), b"");
        if status == 200 {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "order {id} never arrived: {status} {}",
            text(&body)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The orders flow in AssemblyScript alone: the HTTP front end
/// (`orders-as`, world `http-app`) checks and publishes, the AssemblyScript
/// store saves, and `GET` relays what it stored; bodies over 64 KiB go
/// both ways through the front end's `wasi:io` streams.
#[test]
fn assemblyscript_http_orders_flow() {
    let front = common::built(
        "examples/orders-as/build/orders-as.wasm",
        "just build-assemblyscript",
    );
    let store = common::built(
        "examples/order-store-as/build/order-store-as.wasm",
        "just build-assemblyscript",
    );
    let data = tempfile::tempdir().unwrap();
    let store_arg = format!("order-store={}", path(&store));
    let server = Serve::start(&[path(&front), &store_arg, "--data-dir", path(data.path())]);

    let (status, body) = server.request("POST", "/orders", br#"{"item":"no id"}"#);
    assert_eq!(status, 400, "{}", text(&body));
    assert!(
        text(&body).contains("`id` string or number"),
        "{}",
        text(&body)
    );
    assert_eq!(server.request("POST", "/orders", b"not json").0, 400);
    assert_eq!(server.request("PUT", "/orders", b"{}").0, 404);
    assert_eq!(server.request("GET", "/elsewhere", b"").0, 404);
    assert_eq!(server.request("GET", "/orders/", b"").0, 404);

    let small = br#"{"id":7,"item":"hyperdrive"}"#;
    assert_eq!(server.request("POST", "/orders", small), (202, Vec::new()));
    // 200 KiB and more, non-ASCII included, so that every chunk boundary of
    // the front end's reads and 4 KiB writes is crossed many times.
    let item: String = (0..150_000)
        .map(|i| ['a', 'é', 'z', '✓', '0'][i % 5])
        .collect();
    let big = format!(r#"{{"id":"big","item":"{item}"}}"#);
    assert!(big.len() > 200 * 1024, "{}", big.len());
    assert_eq!(
        server.request("POST", "/orders", big.as_bytes()),
        (202, Vec::new())
    );

    assert_eq!(await_order(&server, "big"), big.as_bytes());
    assert_eq!(await_order(&server, "7"), small);
    assert_eq!(server.request("GET", "/orders/missing", b"").0, 404);

    let mut keys = common::sqlite_state_keys(&data.path().join("state.db"));
    keys.sort();
    assert_eq!(
        keys,
        ["order-store||order:7", "order-store||order:big"],
        "the store's keys"
    );
}

#[test]
fn graceful_shutdown_on_sigint() {
    let data = tempfile::tempdir().unwrap();
    let hello = common::guest("hello.wasm");
    let server = Serve::start(&[path(&hello), "--data-dir", path(data.path())]);
    assert_eq!(
        server.request("GET", "/", b""),
        (200, b"Hello, world!".to_vec())
    );
    let (status, log) = server.stop("-INT");
    assert!(status.success(), "exit: {status:?}");
    assert!(log.contains("Stopped"), "log: {log}");
}

#[test]
fn faults_fail_only_their_own_request() {
    let data = tempfile::tempdir().unwrap();
    let faults = common::guest("faults.wasm");
    let server = Serve::start(&[
        path(&faults),
        "--data-dir",
        path(data.path()),
        "--timeout",
        "2",
        "--memory-limit",
        "64",
        // Room for the 10 MiB bodies and values below.
        "--max-body-size",
        "16Mi",
    ]);
    assert_eq!(server.request("GET", "/ok", b""), (200, b"ok".to_vec()));

    let (status, body) = server.request("GET", "/trap", b"");
    assert_eq!(status, 500, "{}", text(&body));
    assert_eq!(server.request("GET", "/ok", b"").0, 200);

    let started = Instant::now();
    let (status, body) = server.request("GET", "/loop", b"");
    assert_eq!(status, 500, "{}", text(&body));
    assert!(
        text(&body).contains("interrupt") || text(&body).contains("deadline"),
        "{}",
        text(&body)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(server.request("GET", "/ok", b"").0, 200);

    let (status, body) = server.request("GET", "/grow", b"");
    assert_eq!(status, 500, "{}", text(&body));
    assert_eq!(server.request("GET", "/ok", b"").0, 200);

    let big: Vec<u8> = (0..10 << 20).map(|i| (i % 251) as u8).collect();
    let (status, echoed) = server.request("POST", "/echo", &big);
    assert_eq!(status, 200);
    assert!(
        echoed == big,
        "the 10 MiB body did not round-trip ({} bytes back)",
        echoed.len()
    );

    let (status, body) = server.request("POST", "/save", &big);
    assert_eq!(status, 200, "{}", text(&body));
    let (status, loaded) = server.request("GET", "/load", b"");
    assert_eq!(status, 200);
    assert!(
        loaded == big,
        "the 10 MiB value did not round-trip ({} bytes back)",
        loaded.len()
    );

    assert_eq!(server.request("GET", "/ok", b""), (200, b"ok".to_vec()));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let missing = dir.path().join("missing.wasm");
    assert_clean_error(&run(&["run", path(&missing)]), "no such component file");

    let not_wasm = write("notes.wasm", b"hello, I am text");
    assert_clean_error(&run(&["run", path(&not_wasm)]), "is not a WebAssembly file");

    let core = write("core.wasm", b"\0asm\x01\0\0\0");
    assert_clean_error(
        &run(&["run", path(&core)]),
        "core WebAssembly module, not a component",
    );

    let corrupt = write("corrupt.wasm", b"\0asm\x0d\0\x01\0\xff\xff\xff");
    assert_clean_error(&run(&["run", path(&corrupt)]), "is not a valid component");

    let unknown = write(
        "unknown.wat",
        br#"(component (import "acme:rockets/launch@1.0.0" (instance)))"#,
    );
    assert_clean_error(&run(&["run", path(&unknown)]), "acme:rockets/launch@1.0.0");

    let empty = write("empty.wat", b"(component)");
    assert_clean_error(&run(&["run", path(&empty)]), "not a command");
    assert_clean_error(
        &run(&["serve", path(&empty), "--listen", "127.0.0.1:0"]),
        "nothing to serve",
    );

    let demo = common::guest("seed-demo.wasm");
    assert_clean_error(
        &run(&["serve", path(&demo), "--listen", "127.0.0.1:0"]),
        "nothing to serve",
    );

    let resources = dir.path().join("resources");
    std::fs::create_dir(&resources).unwrap();
    std::fs::write(
        resources.join("redis.yaml"),
        "kind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.redis\n  version: v1\n",
    )
    .unwrap();
    assert_clean_error(
        &run(&["run", path(&demo), "--resources-path", path(&resources)]),
        "run with a Dapr sidecar",
    );
}

#[test]
fn wit_and_inspect_describe_the_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["wit", "--out", path(dir.path())]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let worlds = std::fs::read_to_string(dir.path().join("worlds.wit")).unwrap();
    assert!(worlds.contains("world http-app"));
    assert!(dir.path().join("deps/http/http.wit").is_file());

    let out = run(&["wit"]);
    assert!(text(&out.stdout).starts_with("package dapr:runtime@0.1.0;"));

    let counter = common::guest("counter.wasm");
    let out = run(&["inspect", path(&counter)]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("wasi:http/incoming-handler@"), "{stdout}");
    assert!(stdout.contains("dapr:runtime/state@0.1.0"), "{stdout}");
    assert!(stdout.contains("all imports are provided"), "{stdout}");
}

#[test]
fn assemblyscript_seed_demo_prints_test_successfully() {
    assert_seed_demo(&common::built(
        "examples/seed-demo-as/build/seed-demo-as.wasm",
        "just build-assemblyscript",
    ));
}

#[test]
fn python_seed_demo_prints_test_successfully() {
    assert_seed_demo(&common::built(
        "examples/seed-demo-py/build/seed-demo-py.wasm",
        "just build-python",
    ));
}

#[test]
fn javascript_seed_demo_prints_test_successfully() {
    assert_seed_demo(&common::built(
        "examples/seed-demo-js/build/seed-demo-js.wasm",
        "just build-js",
    ));
}

#[test]
fn typescript_seed_demo_prints_test_successfully() {
    assert_seed_demo(&common::built(
        "examples/seed-demo-ts/build/seed-demo-ts.wasm",
        "just build-js",
    ));
}

#[test]
fn c_seed_demo_prints_test_successfully() {
    assert_seed_demo(&common::built(
        "examples/seed-demo-c/build/seed-demo-c.wasm",
        "just build-c",
    ));
}

#[test]
fn checked_in_assemblyscript_bindings_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "bindgen",
        "assemblyscript",
        "--out",
        path(dir.path()),
        "--world",
        "app,http-app,actor-app",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let checked_in = common::repo().join("guest-assemblyscript/assembly/bindings");
    let mut stale = Vec::new();
    for entry in walk(dir.path()) {
        let relative = entry.strip_prefix(dir.path()).unwrap();
        let committed = std::fs::read(checked_in.join(relative)).unwrap_or_default();
        if std::fs::read(&entry).unwrap() != committed {
            stale.push(relative.display().to_string());
        }
    }
    assert_eq!(
        walk(&checked_in).len(),
        walk(dir.path()).len(),
        "files were added or removed"
    );
    assert!(
        stale.is_empty(),
        "stale AssemblyScript bindings (run `npm run bindgen` in guest-assemblyscript): {stale:?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn componentize_explains_a_module_that_is_not_a_guest() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("plain.wat");
    std::fs::write(
        &module,
        b"(module (import \"env\" \"abort\" (func (param i32 i32 i32 i32))))",
    )
    .unwrap();
    let out = dir.path().join("out.wasm");
    assert_clean_error(
        &run(&[
            "componentize",
            path(&module),
            "-o",
            path(&out),
            "--world",
            "client",
        ]),
        "componentize",
    );
    assert!(!out.exists());
}

#[test]
fn orders_flow_with_the_assemblyscript_store() {
    let store = common::built(
        "examples/order-store-as/build/order-store-as.wasm",
        "just build-assemblyscript",
    );
    assert_orders_flow(&format!("order-store={}", path(&store)));
}

/// An AssemblyScript HTTP app (`tests/guests/http-echo-as`) sees the
/// method, path, query, headers and body sent, answers with the status,
/// headers and body it chose, and stores and reads back bodies over 64 KiB
/// (every byte value) in state; answers the host refuses become a clear 500.
#[test]
fn assemblyscript_http_app_echoes_and_stores() {
    let echo = common::built(
        "tests/guests/http-echo-as/build/http-echo-as.wasm",
        "just build-assemblyscript",
    );
    let data = tempfile::tempdir().unwrap();
    let server = Serve::start(&[path(&echo), "--data-dir", path(data.path())]);
    let addr = server.addr();

    let (status, head, body) = common::serve::exchange(
        addr,
        "PATCH",
        "/echo/a?b=c&d",
        "x-test: h\u{e9}llo\r\ncontent-length: 5\r\n",
        b"body!",
    )
    .expect("an answer");
    assert_eq!((status, body.as_slice()), (200, &b"body!"[..]), "{head}");
    for line in [
        "x-method: patch",
        "x-path: /echo/a",
        "x-query: b=c&d",
        "x-test: h\u{e9}llo",
        "x-length: 5",
        "content-type: application/octet-stream",
    ] {
        assert!(head.contains(line), "`{line}` in {head}");
    }
    let (_, head, body) =
        common::serve::exchange(addr, "GET", "/echo", "", b"").expect("an answer");
    assert!(
        head.contains("x-test: -") && head.contains("x-length: 0"),
        "{head}"
    );
    assert!(body.is_empty());

    // 300 KiB with every byte value (not UTF-8), both ways.
    let big: Vec<u8> = (0..300 * 1024).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(server.request("POST", "/echo", &big), (200, big.clone()));
    assert_eq!(server.request("PUT", "/state/big", &big), (204, Vec::new()));
    assert_eq!(
        server.request("PUT", "/state/small", b"42"),
        (204, Vec::new())
    );
    assert_eq!(server.request("GET", "/state/big", b""), (200, big));
    assert_eq!(
        server.request("GET", "/state/small", b""),
        (200, b"42".to_vec())
    );
    assert_eq!(server.request("GET", "/state/none", b"").0, 404);
    let mut keys = common::sqlite_state_keys(&data.path().join("state.db"));
    keys.sort();
    assert_eq!(keys, ["http-echo-as||big", "http-echo-as||small"]);

    let (status, body) = server.request("GET", "/bad-header", b"");
    assert_eq!(status, 500);
    assert_eq!(text(&body), "invalid response header (invalid-syntax)");
    let (status, body) = server.request("GET", "/bad-status", b"");
    assert_eq!(status, 500);
    assert_eq!(text(&body), "invalid response status 1000");
    assert_eq!(server.request("GET", "/elsewhere", b"").0, 404);
}

#[test]
fn outbound_http_is_denied_unless_allowed() {
    let data = tempfile::tempdir().unwrap();
    let (faults, hello) = (common::guest("faults.wasm"), common::guest("hello.wasm"));
    let target = Serve::start(&[path(&hello), "--data-dir", path(data.path())]);
    let fetch = format!("/fetch?authority={}", target.addr());

    let sandboxed = Serve::start(&[path(&faults), "--data-dir", path(data.path())]);
    let (status, body) = sandboxed.request("GET", &fetch, b"");
    assert_eq!(status, 502, "{}", text(&body));
    assert!(text(&body).contains("HttpRequestDenied"), "{}", text(&body));

    let allowed = Serve::start(&[
        path(&faults),
        "--data-dir",
        path(data.path()),
        "--allow-http",
        "127.0.0.1",
    ]);
    assert_eq!(
        allowed.request("GET", &fetch, b""),
        (200, b"Hello, world!".to_vec())
    );
}
