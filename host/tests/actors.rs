//! Actors end to end with the cart example (`examples/cart-actor`): items
//! added and read back through the actor, state surviving a deactivation,
//! the `expire` reminder clearing a cart, and a reminder registered before
//! the host stopped firing after a new `serve` starts on the same data
//! directory; then the same through a real daprd (with placement and
//! scheduler): the Python Dapr SDK calling the cart hosted in Wasm, an
//! actor hosted in Wasm calling one the Python Dapr SDK hosts, and a
//! reminder firing after the host and daprd restarted.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::dapr::{
    ControlPlane, Daprd, FAST_REDELIVERY, Process, free_port, python_with_dapr_sdk,
};
use common::serve::Serve;
use wasmtime_dapr::blocks::actors::{ActorClient, ActorRef, CallChain};
use wasmtime_dapr::runtime::{Limits, RuntimeConfig, Sandbox};
use wasmtime_dapr::{Server, ServerOptions};

/// Polls `check` every 50 ms for at most `within`; whether it held.
async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The cart of `user` as the actor answers `items`.
async fn items(client: &dyn ActorClient, user: &str) -> Vec<String> {
    let cart = ActorRef {
        actor_type: "cart".into(),
        id: user.into(),
    };
    let answer = client
        .invoke(&cart, "items", Vec::new(), &CallChain::default())
        .await
        .unwrap();
    serde_json::from_slice(&answer).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carts_keep_their_items_across_deactivation_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        actor_idle_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let options = ServerOptions {
        components: vec![("shop".into(), common::guest("cart_actor.wasm"))],
        runtime: RuntimeConfig {
            cache_dir: Some(common::repo().join("target/test-cache")),
            app_limits: [("shop".to_string(), limits)].into(),
            sandbox: Sandbox {
                env: vec![("CART_EXPIRY".into(), "3s".into())],
                ..Sandbox::default()
            },
            ..RuntimeConfig::default()
        },
        resources: None,
        data_dir: dir.path().join("data"),
        sidecar: None,
        sidecar_timeout: Duration::from_secs(1),
    };
    let server = Server::load(&options).await.unwrap();
    assert_eq!(server.start_actors().await.unwrap(), ["shop hosts cart"]);
    let shop = server.app("shop").unwrap();
    let client = server.registry().actors().clone().for_app(
        "client",
        Err(wasmtime_dapr::wit::Error::NotFound("no state".into())),
    );
    let alice = ActorRef {
        actor_type: "cart".into(),
        id: "alice".into(),
    };
    let none = CallChain::default();
    for item in ["apple", "pear"] {
        client
            .invoke(&alice, "add", item.as_bytes().to_vec(), &none)
            .await
            .unwrap();
    }
    assert_eq!(items(&*client, "alice").await, ["apple", "pear"]);
    assert!(items(&*client, "bob").await.is_empty());
    let unknown = client.invoke(&alice, "checkout", Vec::new(), &none).await;
    assert!(
        matches!(&unknown, Err(wasmtime_dapr::wit::Error::Internal(m)) if m.contains("no method `checkout`")),
        "{unknown:?}"
    );
    // Idle for its 300 ms: both carts are deactivated (their instance slots
    // are free again), and alice's items are still there.
    assert!(eventually(Duration::from_secs(5), async || shop.busy_instances() == 0).await);
    assert_eq!(items(&*client, "alice").await, ["apple", "pear"]);
    // The `expire` reminder clears the cart 3 s after the last addition.
    let cleared = eventually(Duration::from_secs(10), async || {
        items(&*client, "alice").await.is_empty()
    });
    assert!(cleared.await, "the expire reminder never cleared the cart");
}

/// A cart's `expire` reminder, registered before the host stopped, fires
/// after a new `serve` starts on the same data directory.
#[test]
fn a_reminder_fires_after_a_restart() {
    let cart = common::guest("cart_actor.wasm");
    let data = tempfile::tempdir().unwrap();
    let app = format!("shop={}", cart.display());
    let args = [
        app.as_str(),
        "--data-dir",
        data.path().to_str().unwrap(),
        "--env",
        "CART_EXPIRY=2s",
    ];
    let first = Serve::start(&args);
    assert_eq!(first.request("POST", "/carts/alice", b"apple").0, 200);
    let (status, body) = first.request("GET", "/carts/alice", b"");
    assert_eq!((status, body.as_slice()), (200, br#"["apple"]"#.as_slice()));
    first.stop("-KILL");
    // Down past the reminder's due time.
    std::thread::sleep(Duration::from_secs(3));
    let second = Serve::start(&args);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = second.request("GET", "/carts/alice", b"");
        assert_eq!(status, 200);
        if body == b"[]" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reminder never fired after the restart: {}",
            String::from_utf8_lossy(&body)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A daprd for app `id` with the placement and scheduler of `plane` and
/// no app channel (actors come through the actor stream).
fn daprd_for_actors(plane: &ControlPlane, id: &str) -> Daprd {
    let mut daprd = Daprd::alone(id, free_port(), FAST_REDELIVERY);
    daprd.without_app_channel();
    daprd.use_control_plane(plane);
    daprd.spawn();
    daprd
}

/// `serve` for the cart example as app `shop` behind `daprd`: idle carts
/// are deactivated after a second, carts expire `expiry` after their last
/// addition; the actor stream's debug lines are logged.
fn serve_cart(daprd: &Daprd, dir: &Path, expiry: &str) -> Serve {
    let config = dir.join("runtime.toml");
    std::fs::write(&config, "[apps.shop]\nactor-idle-timeout = 1\n").unwrap();
    let cart = common::guest("cart_actor.wasm");
    let serve = Serve::start_with_env(
        &[
            &format!("shop={}", cart.display()),
            "--dapr-grpc-endpoint",
            &daprd.endpoint(),
            "--runtime-config",
            config.to_str().unwrap(),
            "--env",
            &format!("CART_EXPIRY={expiry}"),
        ],
        &[(
            "RUST_LOG",
            "info,wasmtime_dapr::inbound::actor_stream=debug",
        )],
    );
    let registered = "actors: shop hosts cart (registered with daprd through its actor stream)";
    assert!(
        serve.startup.iter().any(|l| l.contains(registered)),
        "{:?}\n{}",
        serve.startup,
        daprd.log()
    );
    serve
}

/// `tests/python-client/<script>` run by the Python Dapr SDK's venv,
/// reaching the daprd whose HTTP port is `daprd_http_port`.
fn python_script(script: &str, daprd_http_port: u16) -> Command {
    let mut command = Command::new(python_with_dapr_sdk());
    command
        .arg(common::repo().join("tests/python-client").join(script))
        .env("DAPR_HTTP_PORT", daprd_http_port.to_string())
        .env_remove("DAPR_API_TOKEN");
    command
}

/// Runs `tests/python-client/cart.py` with `args` against `daprd`; its output.
fn python_cart(daprd: &Daprd, args: &[&str]) -> String {
    let out = python_script("cart.py", daprd.http_port)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cart.py {args:?} failed: {}\ndaprd: {}",
        String::from_utf8_lossy(&out.stderr),
        daprd.log()
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The Python Dapr SDK's actor client calls the cart hosted in Wasm
/// through daprd, and the cart keeps its items across the deactivation
/// daprd decides after the idle timeout.
#[test]
fn the_python_sdk_calls_a_wasm_actor_whose_state_survives_deactivation() {
    let dir = tempfile::tempdir().unwrap();
    let plane = ControlPlane::start();
    let daprd = daprd_for_actors(&plane, "shop");
    let serve = serve_cart(&daprd, dir.path(), "1h");
    assert_eq!(
        python_cart(&daprd, &["add", "alice", "apple", "pear"]),
        "1\n2\n"
    );
    // Idle past its second: daprd deactivates the cart (it says so down
    // the stream, and the host logs it).
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        python_cart(&daprd, &["items", "alice"]),
        "[\"apple\",\"pear\"]\n"
    );
    let (_, log) = serve.stop("-TERM");
    assert!(
        log.lines()
            .any(|l| l.contains("deactivated by daprd") && l.contains("cart/alice")),
        "no deactivation in the log:\n{log}"
    );
}

/// A cart's `expire` reminder, registered through daprd, fires after the
/// host and daprd were stopped past its due time and started again
/// (daprd's scheduler keeps it).
#[test]
fn a_reminder_fires_after_the_host_and_daprd_restart() {
    let dir = tempfile::tempdir().unwrap();
    let plane = ControlPlane::start();
    let mut daprd = daprd_for_actors(&plane, "shop");
    let first = serve_cart(&daprd, dir.path(), "3s");
    assert_eq!(first.request("POST", "/carts/alice", b"apple").0, 200);
    let (status, body) = first.request("GET", "/carts/alice", b"");
    assert_eq!((status, body.as_slice()), (200, br#"["apple"]"#.as_slice()));
    first.stop("-KILL");
    daprd.kill();
    // Down past the reminder's due time.
    std::thread::sleep(Duration::from_secs(4));
    daprd.spawn();
    let second = serve_cart(&daprd, dir.path(), "3s");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = second.request("GET", "/carts/alice", b"");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        if body == b"[]" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reminder never fired after the restart: {}\n{}",
            String::from_utf8_lossy(&body),
            daprd.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts `tests/python-client/ledger.py` (the actor type `Ledger`, hosted
/// natively by the Python Dapr SDK) on `port`, with its actor state through
/// `daprd_http_port`; waits until it answers.
fn start_ledger(port: u16, daprd_http_port: u16) -> Process {
    let ledger = Process(
        python_script("ledger.py", daprd_http_port)
            .arg(port.to_string())
            .spawn()
            .unwrap(),
    );
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(60);
    while common::serve::try_http(addr, "GET", "/healthz", b"").map(|(s, _)| s) != Some(200) {
        assert!(Instant::now() < deadline, "ledger.py did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    ledger
}

/// An actor hosted in Wasm (the Rust conformance runner's
/// `conformance-actor`, whose `call` method invokes another actor) calls
/// the actor type `Ledger` that the Python Dapr SDK hosts natively behind
/// another daprd: placement finds it, its answers come back through the
/// Wasm actor, and its state lasts from call to call.
#[test]
fn a_wasm_actor_calls_an_actor_the_python_sdk_hosts() {
    let plane = ControlPlane::start();
    let wasm_side = daprd_for_actors(&plane, "wasm-side");
    let ledger_port = free_port();
    let mut native_side = Daprd::next_to(&wasm_side, "ledger", ledger_port);
    native_side.with_args(&["--app-protocol", "http"]);
    native_side.use_control_plane(&plane);
    // daprd first: the SDK waits for its sidecar before it serves; daprd
    // waits for the app before it asks for its actor types.
    native_side.spawn();
    let _ledger = start_ledger(ledger_port, native_side.http_port);
    let runner = common::guest("conformance_runner.wasm");
    let serve = Serve::start(&[
        &format!("wasm-side={}", runner.display()),
        "--dapr-grpc-endpoint",
        &wasm_side.endpoint(),
    ]);
    let hosted = "actors: wasm-side hosts conformance-actor";
    assert!(
        serve.startup.iter().any(|l| l.contains(hosted)),
        "{:?}",
        serve.startup
    );
    let call = |target: &str| {
        wasm_side.http(
            "PUT",
            "/v1.0/actors/conformance-actor/relay-1/method/call",
            target.as_bytes(),
        )
    };
    // The first call waits for placement to hand both sidecars the table
    // that has both types in it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        let answer = call("Ledger/alice/add/\"apple\"");
        if answer.0 == 200 || Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text =
        |(status, body): (u16, Vec<u8>)| (status, String::from_utf8_lossy(&body).into_owned());
    assert_eq!(
        text(first),
        (200, "1".to_owned()),
        "wasm side: {}\nnative side: {}",
        wasm_side.log(),
        native_side.log()
    );
    assert_eq!(
        text(call("Ledger/alice/add/\"pear\"")),
        (200, "2".to_owned())
    );
    assert_eq!(
        text(call("Ledger/alice/items")),
        (200, r#"["apple","pear"]"#.to_owned())
    );
    assert_eq!(text(call("Ledger/bob/items")), (200, "[]".to_owned()));
}
