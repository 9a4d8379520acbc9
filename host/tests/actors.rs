//! Actors end to end with the cart example (`examples/cart-actor`): items
//! added and read back through the actor, state surviving a deactivation,
//! the `expire` reminder clearing a cart, and a reminder registered before
//! the host stopped firing after a new `serve` starts on the same data
//! directory.

mod common;

use std::time::{Duration, Instant};

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
