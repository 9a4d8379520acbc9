//! Helpers shared by the integration tests: the guest components (built
//! once per test binary) and the CLI binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The path of a built guest component, building every guest on first use
/// (a no-op when they are up to date).
pub fn guest(file: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(build_guests);
    let path = repo().join("target/wasm32-wasip2/release").join(file);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

fn build_guests() {
    let manifest = repo().join("examples/Cargo.toml");
    let target = repo().join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `order-store` and `event-sink` enable the SDK's `handler` feature and
    // `cart-actor` its `actors` feature, which must not be unified into the
    // other components: they get invocations of their own.
    for selection in [
        &[
            "--workspace",
            "--exclude",
            "order-store",
            "--exclude",
            "event-sink",
            "--exclude",
            "cart-actor",
        ][..],
        &["-p", "order-store", "-p", "event-sink"][..],
        &["-p", "cart-actor"][..],
    ] {
        let status = Command::new(&cargo)
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--manifest-path",
            ])
            .arg(&manifest)
            .args(selection)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("running cargo to build the guest components");
        assert!(status.success(), "building the guest components failed");
    }
}

/// A component built outside cargo (AssemblyScript, Python), at `path` in the
/// repository; a missing one names the `recipe` that builds it.
pub fn built(path: &str, recipe: &str) -> PathBuf {
    let component = repo().join(path);
    assert!(
        component.is_file(),
        "{} is missing: build it with `{recipe}`",
        component.display()
    );
    component
}

/// Every key in the `state` table of the SQLite state store at `db`.
pub fn sqlite_state_keys(db: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(db).expect("opening the state database");
    let mut query = db
        .prepare("SELECT key FROM state")
        .expect("the state table");
    query
        .query_map([], |row| row.get(0))
        .and_then(|rows| rows.collect())
        .expect("reading the keys")
}

/// The `wasmtime-dapr` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasmtime-dapr"))
}

pub mod dapr;
pub mod otlp;
pub mod serve;
