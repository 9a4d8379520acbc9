//! Components written for other hosts, run unchanged: `wasi:keyvalue` and
//! `wasi:config` onto the building blocks, a component built with
//! wasmCloud's published SDK, and the runtime config's grants, which deny
//! before any store is touched, on both backends.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::dapr::{Daprd, free_port};
use common::serve::{Serve, exchange};

fn run(args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .env_remove("DAPR_GRPC_ENDPOINT")
        .env_remove("DAPR_GRPC_PORT")
        .stdin(Stdio::null())
        .output()
        .expect("running wasmtime-dapr")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Bytes that are not UTF-8, with a zero and a high byte.
const BYTES_HEX: &str = "00ff10e29c93c328";

/// A command importing only `wasi:keyvalue/store@0.2.0-draft2` saves
/// through the default statestore; a `dapr:runtime/state` command run with
/// the same app id reads the same bytes back.
#[test]
fn a_keyvalue_draft2_command_and_a_dapr_state_command_share_the_apps_store() {
    let data = tempfile::tempdir().unwrap();
    let writer = format!("shop={}", path(&common::guest("kv-writer.wasm")));
    let reader = format!("shop={}", path(&common::guest("state-reader.wasm")));
    let out = run(&[
        "run",
        "--data-dir",
        path(data.path()),
        &writer,
        "cart",
        BYTES_HEX,
    ]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "saved 8 bytes");
    let out = run(&["run", "--data-dir", path(data.path()), &reader, "cart"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), BYTES_HEX);
    // Another app id has its own keys.
    let other = format!("other={}", path(&common::guest("state-reader.wasm")));
    let out = run(&["run", "--data-dir", path(data.path()), &other, "cart"]);
    assert_eq!(text(&out.stdout).trim(), "missing");
}

/// The resources of the wasmCloud component: `statestore` and a
/// configuration file.
fn wasmcloud_resources(dir: &Path) -> std::path::PathBuf {
    let resources = dir.join("components");
    std::fs::create_dir_all(&resources).unwrap();
    let config = dir.join("config.yaml");
    std::fs::write(&config, "greeting: hello from config\n").unwrap();
    let db = dir.join("state.db");
    std::fs::write(
        resources.join("components.yaml"),
        format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.sqlite\n  version: v1\n  metadata:\n  - name: connectionString\n    value: \"{}\"\n---\napiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: settings\nspec:\n  type: configuration.local.file\n  version: v1\n  metadata:\n  - name: path\n    value: \"{}\"\n",
            db.display(),
            config.display()
        ),
    )
    .unwrap();
    resources
}

/// An HTTP component built with wasmCloud's published guest SDK
/// (`wasmcloud-component` from crates.io, `wasi:keyvalue@0.2.0-draft`,
/// `wasi:config@0.2.0-draft`, `wasi:http`) serves unchanged.
#[test]
fn a_component_built_with_the_wasmcloud_sdk_runs_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let resources = wasmcloud_resources(dir.path());
    let component = common::guest("wasmcloud_kv.wasm");
    let server = Serve::start(&[
        path(&component),
        "--resources-path",
        path(&resources),
        "--data-dir",
        path(&dir.path().join("data")),
    ]);
    let addr = server.addr();
    let body = [0u8, 255, 16, b'k', b'v'];
    let length = format!("content-length: {}\r\n", body.len());
    let (status, _, _) = exchange(addr, "PUT", "/kv/blob", &length, &body).unwrap();
    assert_eq!(status, 204);
    assert_eq!(server.request("GET", "/kv/blob", b""), (200, body.to_vec()));
    assert_eq!(server.request("GET", "/kv/none", b"").0, 404);
    assert_eq!(
        server.request("POST", "/count/visits", b""),
        (200, b"1".to_vec())
    );
    assert_eq!(
        server.request("POST", "/count/visits", b""),
        (200, b"2".to_vec())
    );
    assert_eq!(
        server.request("GET", "/config/greeting", b""),
        (200, b"hello from config".to_vec())
    );
    assert_eq!(server.request("GET", "/config/nothing", b"").0, 404);
    // The bytes are in the state store, under the app's prefix (its id
    // is the file stem with `_` as `-`).
    drop(server);
    let db = rusqlite::Connection::open(dir.path().join("state.db")).unwrap();
    let stored: Vec<u8> = db
        .query_row(
            "SELECT value FROM state WHERE key = 'wasmcloud-kv||blob'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, body);
}

/// A runtime config granting `statestore` alone (or nothing) to `shop`.
fn grants_file(dir: &Path, state: &[&str]) -> std::path::PathBuf {
    let file = dir.join(format!("grants-{}.toml", state.len()));
    let names: Vec<String> = state.iter().map(|s| format!("{s:?}")).collect();
    std::fs::write(
        &file,
        format!("[apps.shop.grants]\nstate = [{}]\n", names.join(", ")),
    )
    .unwrap();
    file
}

/// What a command printed and whether it succeeded.
fn outcome(out: &Output) -> (bool, String) {
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// Runs the seed demo and the keyvalue writer as app `shop` with `grants`,
/// on the backend `backend_args` selects.
fn run_granted(backend_args: &[&str], grants: &Path) -> [(bool, String); 2] {
    let demo = format!("shop={}", path(&common::guest("seed-demo.wasm")));
    let writer = format!("shop={}", path(&common::guest("kv-writer.wasm")));
    let config = ["--runtime-config", path(grants)];
    let mut seed = vec!["run"];
    seed.extend_from_slice(backend_args);
    seed.extend_from_slice(&config);
    let mut kv = seed.clone();
    seed.push(&demo);
    kv.extend_from_slice(&[&writer, "cart", BYTES_HEX]);
    [outcome(&run(&seed)), outcome(&run(&kv))]
}

fn assert_denied([seed, kv]: &[(bool, String); 2]) {
    assert!(!seed.0, "the seed demo was not denied: {}", seed.1);
    assert!(
        seed.1.contains("not granted state store `statestore`")
            && seed.1.contains("[apps.shop.grants] state"),
        "{}",
        seed.1
    );
    assert!(!kv.0, "the keyvalue writer was not denied: {}", kv.1);
    assert!(kv.1.contains("AccessDenied"), "{}", kv.1);
}

fn assert_allowed([seed, kv]: &[(bool, String); 2]) {
    assert!(
        seed.0 && seed.1.contains("Test successfully!"),
        "{}",
        seed.1
    );
    assert!(kv.0 && kv.1.contains("saved 8 bytes"), "{}", kv.1);
}

/// Embedded: a denied call fails with `denied` naming the grant, and the
/// SQLite file holds none of its keys; granted, the same commands work.
#[test]
fn grants_deny_before_the_embedded_store_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backend = ["--data-dir", path(&data)];
    let denied = run_granted(&backend, &grants_file(dir.path(), &[]));
    assert_denied(&denied);
    let keys = common::sqlite_state_keys(&data.join("state.db"));
    assert!(keys.is_empty(), "denied calls stored {keys:?}");
    let allowed = run_granted(&backend, &grants_file(dir.path(), &["statestore"]));
    assert_allowed(&allowed);
}

/// Through daprd: the same denials, and redis holds none of the keys;
/// granted, the same commands work and the keys are there.
#[test]
fn grants_deny_before_daprd_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let daprd = Daprd::start("shop", free_port(), "");
    let endpoint = daprd.endpoint();
    let backend = ["--dapr-grpc-endpoint", endpoint.as_str()];
    let keys = ["shop||weapon", "shop||planets", "shop||cart"];
    let exists = |key: &str| daprd.redis.command(&["EXISTS", key]);
    let denied = run_granted(&backend, &grants_file(dir.path(), &[]));
    assert_denied(&denied);
    for key in keys {
        assert_eq!(exists(key).as_deref(), Some(":0"), "{key} reached redis");
    }
    let allowed = run_granted(&backend, &grants_file(dir.path(), &["statestore"]));
    assert_allowed(&allowed);
    for key in keys {
        assert_eq!(exists(key).as_deref(), Some(":1"), "{key} is not in redis");
    }
}

/// Starts `serve` for the orders example (`orders` publishes and invokes
/// `order-store`, which subscribes and stores) with the runtime config
/// `grants`; the log if it does not start.
fn orders_with(dir: &Path, grants: &str) -> Result<Serve, String> {
    let file = dir.join("orders.toml");
    std::fs::write(&file, grants).unwrap();
    let orders = common::guest("orders.wasm");
    let store = format!("order-store={}", path(&common::guest("order_store.wasm")));
    let data = dir.join("data");
    Serve::try_start(&[
        path(&orders),
        &store,
        "--data-dir",
        path(&data),
        "--runtime-config",
        path(&file),
    ])
}

/// What `order-store` needs; `orders` gets the grants given after it.
const ORDER_STORE_GRANTS: &str = "[apps.order-store.grants]\npubsub = [\"pubsub\"]\ntopics = [\"pubsub/orders\"]\nstate = [\"statestore\"]\n";

/// Topic and app-id grants: a publish to a topic, or an invocation of an
/// app, that is not granted fails with `denied` naming the grant; granted,
/// the same flow works; a subscription to a topic not granted stops
/// `serve` with that error.
#[test]
fn grants_cover_topics_app_ids_and_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let order = br#"{"id":"7","item":"towel"}"#;
    let closed = format!(
        "{ORDER_STORE_GRANTS}[apps.orders.grants]\npubsub = [\"pubsub\"]\ntopics = [\"pubsub/audit\"]\n"
    );
    let server = orders_with(dir.path(), &closed).unwrap();
    let (status, body) = server.request("POST", "/orders", order);
    let body = text(&body);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("not granted topic `orders` of pubsub `pubsub`")
            && body.contains("[apps.orders.grants] topics"),
        "{body}"
    );
    let (status, body) = server.request("GET", "/orders/7", b"");
    let body = text(&body);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("not granted app `order-store`") && body.contains("] invoke"),
        "{body}"
    );
    drop(server);

    let open = format!(
        "{ORDER_STORE_GRANTS}[apps.orders.grants]\npubsub = [\"pubsub\"]\ntopics = [\"orders\"]\ninvoke = [\"order-store\"]\n"
    );
    let server = orders_with(dir.path(), &open).unwrap();
    assert_eq!(server.request("POST", "/orders", order).0, 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.request("GET", "/orders/7", b"").0 != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the order never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(server);

    let unsubscribable =
        "[apps.order-store.grants]\npubsub = [\"pubsub\"]\nstate = [\"statestore\"]\n";
    let log = orders_with(dir.path(), unsubscribable)
        .err()
        .expect("serve started with a subscription that is not granted");
    assert!(
        log.contains("not granted topic `orders` of pubsub `pubsub`")
            && log.contains("[apps.order-store.grants] topics"),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}
