//! Runtime benchmarks for wasmtime-dapr, with hand-rolled timing.
//!
//! ```text
//! cargo bench -p wasmtime-dapr --bench runtime -- [GROUP...]
//! ```
//!
//! Groups (all run when none is named):
//!
//! - `instantiate`: a fresh `Store` + instantiation + one trivial export
//!   call per request, against the same call on one reused instance.
//! - `state`: embedded SQLite state get/save called from a guest against the
//!   same backend called natively through the `StateStore` trait.
//! - `serve`: requests/s of `wasmtime-dapr serve hello.wasm` against
//!   `wasmtime serve hello.wasm`, one in-bench HTTP/1.1 load generator.
//! - `cold-start`: process spawn to the first HTTP 200, compile cache cold
//!   and warm.
//! - `dapr`: state get/save and publish against a real daprd + redis started
//!   here, from a guest through the host against the `dapr` crate's client,
//!   plus CPU seconds per 1,000 calls (see `support/sidecar.rs`; skipped
//!   with the reason when daprd or redis-server is unavailable).
//! - `spin`: latency of `GET /` while N requests spin in a guest that
//!   never returns, against `wasmtime serve` (see `support/spin.rs`).
//! - `languages`: Rust, AssemblyScript, Python and JavaScript guests side
//!   by side: component contents and sizes, compile time, cache load and
//!   `wasmtime-dapr run` of each seed demo with the compile cache cold and
//!   warm, instantiation and instantiate + one call per request, and the
//!   same guest-side state get/save loop in each language with its ratio to
//!   Rust (see `support/languages.rs`; a language whose components are not
//!   built is skipped with its build command).
//! - `pubsub`: delivery throughput of 10,000 events through
//!   `wasmtime-dapr serve`, with and without 1-in-7 retries, on the durable
//!   and the in-memory embedded broker and on daprd + redis (see
//!   `support/pubsub.rs`; daprd skipped with the reason when unavailable).
//! - `apps`: whole apps as their own processes behind one daprd + redis,
//!   driven over HTTP: `wasmtime-dapr serve state_loop.wasm` against a
//!   native Rust app on the `dapr` crate's client (this binary re-executed),
//!   and `wasmtime-dapr serve orders.wasm` against the same app in Node.js
//!   with the Dapr JavaScript SDK (`tests/bench-node`); req/s, latency, CPU
//!   per 1,000 requests, memory and start time (see `support/apps.rs`;
//!   skipped with the reason without redis-server, daprd or node).
//!
//! Tuning through the environment (defaults in brackets):
//! `BENCH_ITERS` [20000], `BENCH_STATE_OPS` [2000], `BENCH_STATE_ROUNDS` [15],
//! `BENCH_SERVE_CONNS` [16], `BENCH_SERVE_SECS` [10], `BENCH_SERVE_WARMUP_SECS`
//! [2], `BENCH_COLD_RUNS` [10], `WASMTIME` (path of the `wasmtime` CLI;
//! default `target/bench-tools/bin/wasmtime`); for `dapr`: `BENCH_DAPR_OPS`
//! [3000], `BENCH_DAPR_ROUNDS` [3], `BENCH_DAPR_BATCH` [50],
//! `BENCH_DAPR_CPU_CALLS` [5000], `DAPRD` (a daprd binary; default: the one
//! `tests/daprd/build.sh` prints); for `languages`: `BENCH_LANG_COLD_RUNS`
//! [2; 0 skips the start section], `BENCH_LANG_CALLS` [1000], `BENCH_LANG_OPS` [2000],
//! `BENCH_LANG_ROUNDS` [15], `BENCH_LANG_ENTRY_CALLS` [21]; for `spin`:
//! `BENCH_SPIN_SECS` [5]; for `pubsub`: `BENCH_PUBSUB_EVENTS` [10000]; for
//! `apps`: `BENCH_APPS_SECS` [5], `BENCH_APPS_WARMUP_SECS` [1],
//! `BENCH_APPS_ROUNDS` [3], `BENCH_APPS_CPU_REQUESTS` [2000],
//! `BENCH_APPS_STARTS` [5].

#[path = "support/sidecar.rs"]
mod sidecar;

#[path = "support/languages.rs"]
mod languages;

#[path = "support/spin.rs"]
mod spin;

#[path = "support/pubsub.rs"]
mod pubsub;

#[path = "support/apps.rs"]
mod apps;

use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::rt::TokioIo;
use wasmtime_dapr::backend::sidecar::SidecarOptions;
use wasmtime_dapr::blocks::EmbeddedComponent as _;
use wasmtime_dapr::blocks::state::sqlite::SqliteStateDb;
use wasmtime_dapr::blocks::state::{Concurrency, Consistency, SaveItem, StateStore, WriteOptions};
use wasmtime_dapr::runtime::{App, RuntimeConfig};
use wasmtime_dapr::wit::exports::dapr::runtime::handler::GuestIndices;
use wasmtime_dapr::{Server, ServerOptions};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

const GROUPS: &[&str] = &[
    "instantiate",
    "state",
    "serve",
    "cold-start",
    "dapr",
    "languages",
    "spin",
    "pubsub",
    "apps",
];
const WASMTIME_VERSION: &str = "48.0.8";

/// The bench binary's allocator: the system allocator, counting
/// allocations (`alloc`, `alloc_zeroed`, `realloc`) while
/// [`count_allocations`] measures.
struct CountingAllocator;

static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

fn counted() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        counted();
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        counted();
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        counted();
        unsafe { std::alloc::System.realloc(ptr, layout, size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `work` and returns its output with the number of allocations the
/// whole process made meanwhile (every thread: the work's own and what
/// runs on its behalf, such as the gRPC connection's task).
async fn count_allocations<T>(work: impl Future<Output = T>) -> (T, u64) {
    let before = start_counting();
    let out = work.await;
    (out, stop_counting(before))
}

/// [`count_allocations`] of synchronous work.
fn count_allocations_of<T>(work: impl FnOnce() -> T) -> (T, u64) {
    let before = start_counting();
    let out = work();
    (out, stop_counting(before))
}

fn start_counting() -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    before
}

fn stop_counting(before: u64) -> u64 {
    COUNTING.store(false, Ordering::Relaxed);
    ALLOCATIONS.load(Ordering::Relaxed) - before
}
const HELLO_BODY: &[u8] = b"Hello, world!";

fn main() {
    // The native app of group `apps`: this binary re-executed to serve.
    if apps::serve_native_if_asked() {
        return;
    }
    // `cargo bench` passes `--bench`; everything that is not a flag is a group.
    let requested: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for group in &requested {
        if !GROUPS.contains(&group.as_str()) {
            eprintln!("unknown group `{group}`; groups: {}", GROUPS.join(", "));
            std::process::exit(2);
        }
    }
    let selected: Vec<&str> = if requested.is_empty() {
        GROUPS.to_vec()
    } else {
        GROUPS
            .iter()
            .copied()
            .filter(|g| requested.iter().any(|r| r == g))
            .collect()
    };
    println!("wasmtime-dapr runtime benchmarks");
    println!(
        "machine: {} logical CPUs, {}, {} memory",
        cpus(),
        cpu_model(),
        mem_total()
    );
    let mut failed = false;
    for group in selected {
        println!();
        println!("== {group} ==  (load average at start: {})", load_average());
        let started = Instant::now();
        let result = match group {
            "instantiate" => bench_instantiate(),
            "state" => bench_state(),
            "serve" => bench_serve(),
            "cold-start" => bench_cold_start(),
            "dapr" => sidecar::bench_dapr(),
            "languages" => languages::bench_languages(),
            "spin" => spin::bench_spin(),
            "pubsub" => pubsub::bench_pubsub(),
            "apps" => apps::bench_apps(),
            _ => unreachable!(),
        };
        match result {
            Ok(()) => println!("({group} took {:.1} s)", started.elapsed().as_secs_f64()),
            Err(err) => {
                failed = true;
                println!("group `{group}` FAILED: {err:#}");
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------
// Shared helpers

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn root_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root_dir().join("target"))
}

/// A guest component built by the guest workspace.
fn guest(name: &str) -> Result<PathBuf> {
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    if !path.is_file() {
        bail!(
            "{} is missing; build the guests first: \
             cargo build --release --target wasm32-wasip2 --manifest-path examples/Cargo.toml \
             (see guest-rust/BUILD.md)",
            path.display()
        );
    }
    Ok(path)
}

/// A compile cache shared by the in-process groups, so re-runs skip compiling.
fn shared_cache_dir() -> PathBuf {
    target_dir().join("bench-cache")
}

/// Runs `work` as a task on a worker of a multi-thread Tokio runtime (as
/// `serve` runs each connection), not on the thread calling `block_on`.
fn on_tokio_worker<F>(work: F) -> Result<()>
where
    F: Future<Output = Result<()>> + Send + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        tokio::spawn(work)
            .await
            .map_err(|e| anyhow!("benchmark task failed: {e}"))?
    })
}

/// A host on the embedded backend (`sidecar: None`), or on the sidecar given.
async fn load_host_with(
    components: &[(&str, PathBuf)],
    data_dir: &Path,
    sidecar: Option<SidecarOptions>,
) -> Result<Server> {
    Server::load(&ServerOptions {
        components: components
            .iter()
            .map(|(id, p)| (id.to_string(), p.clone()))
            .collect(),
        runtime: RuntimeConfig {
            cache_dir: Some(shared_cache_dir()),
            // `perf record` names guest functions through the perf map.
            perf_map: std::env::var_os("BENCH_PERF_MAP").is_some(),
            ..RuntimeConfig::default()
        },
        resources: None,
        data_dir: data_dir.to_path_buf(),
        sidecar,
        sidecar_timeout: Duration::from_secs(30),
    })
    .await
}

async fn load_host(components: &[(&str, PathBuf)], data_dir: &Path) -> Result<Server> {
    load_host_with(components, data_dir, None).await
}

fn empty_body()
-> impl hyper::body::Body<Data = Bytes, Error = wasmtime_wasi_http::Error> + Send + 'static {
    Empty::<Bytes>::new()
        .map_err(|never: Infallible| -> wasmtime_wasi_http::Error { match never {} })
}

fn get_request(
    path_and_query: &str,
) -> Result<
    hyper::Request<
        impl hyper::body::Body<Data = Bytes, Error = wasmtime_wasi_http::Error> + Send + 'static,
    >,
> {
    Ok(hyper::Request::get(format!("http://localhost{path_and_query}")).body(empty_body())?)
}

/// Collects a response from the host and checks its status and body.
async fn expect_response(
    response: hyper::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>,
    body: &[u8],
) -> Result<()> {
    let status = response.status();
    let got = response
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow!("body: {e:?}"))?
        .to_bytes();
    if status != 200 || got != body {
        bail!(
            "unexpected response {status}: {:?}",
            String::from_utf8_lossy(&got)
        );
    }
    Ok(())
}

/// One `GET path_and_query` handled by `proxy` in `store`, checked to
/// answer 200 with `body`.
async fn handle_get(
    store: &mut wasmtime::Store<wasmtime_dapr::runtime::HostState>,
    proxy: &wasmtime_wasi_http::p2::bindings::Proxy,
    path_and_query: &str,
    body: &[u8],
) -> Result<()> {
    let request = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, get_request(path_and_query)?)?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let outparam = store.data_mut().http().new_response_outparam(sender)?;
    proxy
        .wasi_http_incoming_handler()
        .call_handle(&mut *store, request, outparam)
        .await?;
    let response = receiver
        .await?
        .map_err(|code| anyhow!("error code {code:?}"))?;
    expect_response(response, body).await
}

/// Latency summary of samples in nanoseconds.
struct Stats {
    n: usize,
    p50: f64,
    p99: f64,
    mean: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(mut ns: Vec<u64>) -> Stats {
        assert!(!ns.is_empty(), "no samples");
        ns.sort_unstable();
        let pct = |q: f64| ns[((ns.len() - 1) as f64 * q).round() as usize] as f64;
        Stats {
            n: ns.len(),
            p50: pct(0.50),
            p99: pct(0.99),
            mean: ns.iter().sum::<u64>() as f64 / ns.len() as f64,
            min: ns[0] as f64,
            max: ns[ns.len() - 1] as f64,
        }
    }
}

fn us(ns: f64) -> String {
    format!("{:.2}", ns / 1e3)
}

fn ms(ns: f64) -> String {
    format!("{:.1}", ns / 1e6)
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// Times `$body` (a block that may use `?`) `$iters` times after `$warmup`
/// untimed runs; evaluates to the samples in nanoseconds.
macro_rules! time_loop {
    ($warmup:expr, $iters:expr, $body:block) => {{
        for _ in 0..$warmup $body
        let mut samples = Vec::with_capacity($iters);
        for _ in 0..$iters {
            let start = Instant::now();
            $body
            samples.push(nanos(start.elapsed()));
        }
        samples
    }};
}
// A path for the macro, so the group modules declared above can use it.
pub(crate) use time_loop;

fn cpus() -> String {
    std::thread::available_parallelism()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / (1024.0 * 1024.0)))
        })
        .unwrap_or_else(|| "unknown".into())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------------------
// Group 1: instantiate

fn bench_instantiate() -> Result<()> {
    let iters = env_usize("BENCH_ITERS", 20_000);
    let warmup = (iters / 10).max(100);
    let runner_path = guest("conformance_runner")?;
    let hello_path = guest("hello")?;
    let data = tempfile::tempdir()?;
    let data_dir = data.path().to_path_buf();
    on_tokio_worker(async move {
        let host = load_host(&[("runner", runner_path), ("hello", hello_path)], &data_dir).await?;
        let runner = host.apps()["runner"].clone();
        let hello = host.apps()["hello"].clone();
        println!(
            "pooling allocator: {}   iterations: {iters} (after {warmup} warm-up)   on a tokio multi-thread worker",
            host.runtime().pooling()
        );
        let expected = vec!["ticker".to_string()];
        if runner.input_bindings().await? != expected {
            bail!("conformance_runner input-bindings() did not return [\"ticker\"]");
        }

        let mut rows: Vec<(String, Stats)> = Vec::new();

        // handler export, the public per-call path.
        let samples = time_loop!(warmup, iters, {
            let got = runner.input_bindings().await?;
            debug_assert_eq!(got, expected);
            std::hint::black_box(got);
        });
        rows.push((
            "handler input-bindings: App::input_bindings (fresh Store + instantiate + call)".into(),
            Stats::of(samples),
        ));

        // The same, by phase.
        let indices = GuestIndices::new(runner.instance_pre())?;
        let (mut store_ns, mut inst_ns, mut call_ns, mut total_ns) = (
            Vec::with_capacity(iters),
            Vec::with_capacity(iters),
            Vec::with_capacity(iters),
            Vec::with_capacity(iters),
        );
        for i in 0..warmup + iters {
            let t0 = Instant::now();
            let mut store = runner.new_store(&[])?;
            let t1 = Instant::now();
            let instance = runner.instance_pre().instantiate_async(&mut store).await?;
            let guest = indices.load(&mut store, &instance)?;
            let t2 = Instant::now();
            let got = guest.call_input_bindings(&mut store).await?;
            let t3 = Instant::now();
            drop(store);
            let t4 = Instant::now();
            std::hint::black_box(got);
            if i >= warmup {
                store_ns.push(nanos(t1 - t0));
                inst_ns.push(nanos(t2 - t1));
                call_ns.push(nanos(t3 - t2));
                total_ns.push(nanos(t4 - t0));
            }
        }
        rows.push(("  phase: App::new_store".into(), Stats::of(store_ns)));
        rows.push((
            "  phase: InstancePre::instantiate_async + export lookup".into(),
            Stats::of(inst_ns),
        ));
        rows.push(("  phase: call input-bindings".into(), Stats::of(call_ns)));
        rows.push(("  all phases + drop(Store)".into(), Stats::of(total_ns)));

        // Reference: one instance, reused.
        {
            let mut store = runner.new_store(&[])?;
            let instance = runner.instance_pre().instantiate_async(&mut store).await?;
            let guest = indices.load(&mut store, &instance)?;
            let samples = time_loop!(warmup, iters, {
                let got = guest.call_input_bindings(&mut store).await?;
                std::hint::black_box(got);
            });
            rows.push((
                "handler input-bindings: ONE reused instance (call only)".into(),
                Stats::of(samples),
            ));
        }

        // wasi:http handler of hello, the public per-request path.
        let samples = time_loop!(warmup, iters, {
            let response = hello.handle_http(get_request("/")?).await?;
            expect_response(response, HELLO_BODY).await?;
        });
        rows.push((
            "http hello: App::handle_http (fresh Store + instantiate + handle + body)".into(),
            Stats::of(samples),
        ));

        // The same without the task `handle_http` spawns per request.
        let proxy_pre = ProxyPre::new(hello.instance_pre().clone())?;
        let samples = time_loop!(warmup, iters, {
            let mut store = hello.new_store(&[])?;
            let request = store
                .data_mut()
                .http()
                .new_incoming_request(Scheme::Http, get_request("/")?)?;
            let (sender, receiver) = tokio::sync::oneshot::channel();
            let outparam = store.data_mut().http().new_response_outparam(sender)?;
            let proxy = proxy_pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, outparam)
                .await?;
            let response = receiver
                .await?
                .map_err(|code| anyhow!("error code {code:?}"))?;
            expect_response(response, HELLO_BODY).await?;
        });
        rows.push((
            "http hello: fresh Store + instantiate + handle + body, no task spawn".into(),
            Stats::of(samples),
        ));

        // Reference: one hello instance, reused for every request.
        let reused_http = async {
            let proxy_pre = ProxyPre::new(hello.instance_pre().clone())?;
            let mut store = hello.new_store(&[])?;
            let proxy = proxy_pre.instantiate_async(&mut store).await?;
            let samples = time_loop!(warmup, iters, {
                handle_get(&mut store, &proxy, "/", HELLO_BODY).await?;
            });
            anyhow::Ok(Stats::of(samples))
        };
        match reused_http.await {
            Ok(stats) => rows.push((
                "http hello: ONE reused instance (handle + body)".into(),
                stats,
            )),
            Err(err) => println!("(http hello on one reused instance skipped: {err:#})"),
        }

        print_latency_table(&rows);
        // Allocations of the two public per-call paths.
        const COUNTED: u64 = 1_000;
        let (handler, handler_allocations) = count_allocations(async {
            for _ in 0..COUNTED {
                std::hint::black_box(runner.input_bindings().await?);
            }
            anyhow::Ok(())
        })
        .await;
        let (http, http_allocations) = count_allocations(async {
            for _ in 0..COUNTED {
                let response = hello.handle_http(get_request("/")?).await?;
                expect_response(response, HELLO_BODY).await?;
            }
            anyhow::Ok(())
        })
        .await;
        handler?;
        http?;
        println!(
            "allocations per fresh instance + call ({COUNTED} calls): handler {:.1}, http {:.1} \
             (http includes the bench's request and response)",
            handler_allocations as f64 / COUNTED as f64,
            http_allocations as f64 / COUNTED as f64
        );
        let fresh = &rows[0].1;
        let reused = rows
            .iter()
            .find(|(n, _)| n.starts_with("handler input-bindings: ONE"))
            .map(|(_, s)| s);
        if let Some(reused) = reused {
            println!(
                "ratio handler fresh/reused: p50 {:.1}x  mean {:.1}x  (instantiation overhead p50 {} us)",
                fresh.p50 / reused.p50,
                fresh.mean / reused.mean,
                us(fresh.p50 - reused.p50)
            );
        }
        let http_fresh = rows
            .iter()
            .find(|(n, _)| n.starts_with("http hello: App::handle_http"))
            .map(|(_, s)| s);
        let http_reused = rows
            .iter()
            .find(|(n, _)| n.starts_with("http hello: ONE"))
            .map(|(_, s)| s);
        if let (Some(f), Some(r)) = (http_fresh, http_reused) {
            println!(
                "ratio http fresh/reused: p50 {:.1}x  mean {:.1}x  (instantiation overhead p50 {} us)",
                f.p50 / r.p50,
                f.mean / r.mean,
                us(f.p50 - r.p50)
            );
        }
        // Targets in ns: a fresh instance and its call, at the median.
        for (label, stats, target) in [
            ("handler", Some(fresh), 10_000.0),
            ("http", http_fresh, 15_000.0),
        ] {
            if let Some(s) = stats {
                println!(
                    "target instantiate + call <= {} us median ({label}): {} (p50 {} us)",
                    us(target),
                    if s.p50 <= target { "MET" } else { "MISSED" },
                    us(s.p50)
                );
            }
        }
        Ok(())
    })
}

fn print_latency_table(rows: &[(String, Stats)]) {
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(10);
    println!(
        "{:<width$}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
        "measurement", "n", "p50 us", "p99 us", "mean us", "min us", "max us"
    );
    for (name, s) in rows {
        println!(
            "{:<width$}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
            name,
            s.n,
            us(s.p50),
            us(s.p99),
            us(s.mean),
            us(s.min),
            us(s.max)
        );
    }
}

// ---------------------------------------------------------------------------
// Group 2: state

fn bench_state() -> Result<()> {
    let n = env_usize("BENCH_STATE_OPS", 2_000);
    let rounds = env_usize("BENCH_STATE_ROUNDS", 15).max(1);
    let state_loop = guest("state_loop")?;
    let dir = tempfile::tempdir()?;
    let guest_data = dir.path().join("guest");
    let native_db = dir.path().join("native").join("state.db");
    let raw_db = dir.path().join("raw.db");
    std::fs::create_dir_all(native_db.parent().unwrap())?;
    on_tokio_worker(async move {
        // The default `statestore` of `serve`: state.sqlite in <data-dir>/state.db.
        let host = load_host(&[("state-loop", state_loop)], &guest_data).await?;
        let app = host.apps()["state-loop"].clone();
        // The same backend type and settings, in a file of its own.
        let db = SqliteStateDb::open("statestore", &native_db)?;
        let native = db.for_app("state-loop");
        let raw = RawSqlite::open(&raw_db)?;
        println!(
            "{n} ops per round, {rounds} rounds after 1 warm-up round, interleaved guest/native; \
             sqlite files: {}, {} and {}",
            guest_data.join("state.db").display(),
            native_db.display(),
            raw_db.display()
        );

        // [save, get][guest, native, sqlite transaction only]
        let mut results: [[Vec<f64>; 3]; 2] = Default::default();
        for round in 0..=rounds {
            for (op_index, op) in ["save", "get"].into_iter().enumerate() {
                let guest_elapsed = guest_round(&app, op, n).await?;
                let native_elapsed = native_round(&*native, op, n).await?;
                let sqlite_elapsed = raw.round(op, n)?;
                if round > 0 {
                    for (i, elapsed) in [guest_elapsed, native_elapsed, sqlite_elapsed]
                        .into_iter()
                        .enumerate()
                    {
                        results[op_index][i].push(n as f64 / elapsed.as_secs_f64());
                    }
                }
            }
        }
        println!(
            "{:<5}  {:>12}  {:>12}  {:>12}  {:>11}  {:>12}  {:>10}  {:>12}  {:>13}",
            "op",
            "guest ops/s",
            "native ops/s",
            "sqlite ops/s",
            "guest us/op",
            "native us/op",
            "raw us/op",
            "guest/native",
            "guest/sqlite"
        );
        for (op_index, op) in [(1, "get"), (0, "save")] {
            let guest = median(&results[op_index][0]);
            let native = median(&results[op_index][1]);
            let sqlite = median(&results[op_index][2]);
            println!(
                "{:<5}  {:>12.0}  {:>12.0}  {:>12.0}  {:>11.2}  {:>12.2}  {:>10.2}  {:>12.2}  {:>13.2}",
                op,
                guest,
                native,
                sqlite,
                1e6 / guest,
                1e6 / native,
                1e6 / sqlite,
                guest / native,
                guest / sqlite
            );
        }
        println!(
            "(medians over {rounds} rounds; native: the same store type through its StateStore API; \
             sqlite: raw rusqlite on the calling thread, the same rows and settings without etag or TTL rules)"
        );
        let (guest_gets, raw_gets) = (median(&results[1][0]), median(&results[1][2]));
        println!(
            "target guest gets >= 100000/s and >= 0.5x raw sqlite: {} ({guest_gets:.0}/s, {:.2}x)",
            if guest_gets >= 100_000.0 && guest_gets >= 0.5 * raw_gets {
                "MET"
            } else {
                "MISSED"
            },
            guest_gets / raw_gets
        );
        println!(
            "allocations per op (heap allocations of this process over one round of {n} ops):"
        );
        println!(
            "{:<5}  {:>7}  {:>7}  {:>7}",
            "op", "guest", "native", "sqlite"
        );
        for op in ["get", "save"] {
            let (guest, a) = count_allocations(guest_round(&app, op, n)).await;
            let (native, b) = count_allocations(native_round(&*native, op, n)).await;
            let (raw, c) = count_allocations_of(|| raw.round(op, n));
            guest?;
            native?;
            raw?;
            let per_op = |count: u64| count as f64 / n as f64;
            println!(
                "{op:<5}  {:>7.1}  {:>7.1}  {:>7.1}",
                per_op(a),
                per_op(b),
                per_op(c)
            );
        }
        for (op_index, op) in [(1, "get"), (0, "save")] {
            let range = |v: &Vec<f64>| {
                let (lo, hi) = v
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
                format!("{lo:.0}..{hi:.0}")
            };
            println!(
                "  {op} ops/s range over rounds: guest {}  native {}  sqlite {}",
                range(&results[op_index][0]),
                range(&results[op_index][1]),
                range(&results[op_index][2])
            );
        }
        Ok(())
    })
}

/// One guest request doing `n` ops; the time includes one instantiation.
async fn guest_round(app: &App, op: &str, n: usize) -> Result<Duration> {
    let request = get_request(&format!("/{op}?n={n}"))?;
    let start = Instant::now();
    let response = app.handle_http(request).await?;
    expect_response(response, n.to_string().as_bytes())
        .await
        .with_context(|| format!("guest /{op}"))?;
    Ok(start.elapsed())
}

/// The same `n` ops through the `StateStore` trait: one call per op, like
/// the guest's.
async fn native_round(store: &dyn StateStore, op: &str, n: usize) -> Result<Duration> {
    let start = Instant::now();
    for _ in 0..n {
        match op {
            "save" => store
                .save(vec![SaveItem {
                    key: "bench".to_string(),
                    data: vec![b'x'; 64],
                    etag: None,
                    options: WriteOptions {
                        concurrency: Concurrency::LastWrite,
                        consistency: Consistency::Eventual,
                    },
                    metadata: Vec::new(),
                }])
                .await
                .map_err(|e| anyhow!("native save: {}", e.describe()))?,
            _ => {
                let value = store
                    .get("bench", Consistency::Eventual, &Vec::new())
                    .await
                    .map_err(|e| anyhow!("native get: {}", e.describe()))?;
                if value.is_none() {
                    bail!("native get: key `bench` missing");
                }
                std::hint::black_box(value);
            }
        }
    }
    Ok(start.elapsed())
}

/// Raw SQLite on the calling thread, the bar for the embedded store: one
/// rusqlite connection to a file of its own with the store's schema and
/// settings (WAL, `synchronous=NORMAL`, SQLite's default checkpoints), the
/// statements prepared once. A save is the store's transaction without its
/// etag and TTL rules: `BEGIN IMMEDIATE`, read the row, upsert it,
/// `COMMIT`; a get is one `SELECT`.
struct RawSqlite {
    conn: rusqlite::Connection,
}

impl RawSqlite {
    fn open(path: &Path) -> Result<Self> {
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE state (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL,
                 etag TEXT NOT NULL, expires_at INTEGER);
             CREATE INDEX state_expires_at ON state (expires_at) WHERE expires_at IS NOT NULL;",
        )?;
        Ok(RawSqlite { conn })
    }

    fn round(&self, op: &str, n: usize) -> Result<Duration> {
        const KEY: &str = "state-loop||bench";
        const LOAD: &str = "SELECT value, etag, expires_at FROM state WHERE key = ?1";
        let load = |conn: &rusqlite::Connection| -> rusqlite::Result<Option<(Vec<u8>, String)>> {
            use rusqlite::OptionalExtension;
            conn.prepare_cached(LOAD)?
                .query_row([KEY], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        };
        let start = Instant::now();
        for _ in 0..n {
            if op == "save" {
                let conn = &self.conn;
                conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
                std::hint::black_box(load(conn)?);
                conn.prepare_cached(
                    "INSERT INTO state (key, value, etag, expires_at) VALUES (?1, ?2, ?3, NULL)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                         etag = excluded.etag, expires_at = excluded.expires_at",
                )?
                .execute(rusqlite::params![KEY, vec![b'x'; 64], "1"])?;
                conn.prepare_cached("COMMIT")?.execute([])?;
            } else {
                let row = load(&self.conn)?;
                if row.is_none() {
                    bail!("raw sqlite get: key `{KEY}` missing");
                }
                std::hint::black_box(row);
            }
        }
        Ok(start.elapsed())
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

// ---------------------------------------------------------------------------
// Servers as child processes

/// A child process killed (by its own handle) when dropped.
struct ChildGuard {
    child: Child,
    log: PathBuf,
}

impl ChildGuard {
    fn spawn(mut command: Command, log: PathBuf) -> Result<ChildGuard> {
        let file = std::fs::File::create(&log)?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .env_remove("RUST_LOG");
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        Ok(ChildGuard { child, log })
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// Polls `GET /` until it answers 200; returns when that happened.
    fn wait_ready(&mut self, addr: SocketAddr, timeout: Duration) -> Result<Instant> {
        self.poll_until("server", timeout, Duration::from_micros(500), || {
            http_get_200(addr)
        })
    }

    /// Calls `ready` every `interval` until it returns true; returns when
    /// that happened. Fails when the process exits or `timeout` passes first.
    fn poll_until(
        &mut self,
        name: &str,
        timeout: Duration,
        interval: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{name} exited with {status} before it was ready; its log:\n{}",
                    self.log_tail()
                );
            }
            if ready() {
                return Ok(Instant::now());
            }
            if Instant::now() > deadline {
                bail!(
                    "{name} was not ready within {timeout:?}; its log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(interval);
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released).
fn free_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// One blocking `GET /` on a fresh connection; true on a 200.
fn http_get_200(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    buf.starts_with(b"HTTP/1.1 200")
}

fn dapr_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wasmtime-dapr"))
}

fn dapr_serve_command(
    component: impl AsRef<std::ffi::OsStr>,
    addr: SocketAddr,
    data_dir: &Path,
    cache_dir: &Path,
) -> Command {
    let mut command = Command::new(dapr_binary());
    command
        .arg("serve")
        .arg(component)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--cache-dir")
        .arg(cache_dir);
    command
}

// ---------------------------------------------------------------------------
// Group 3: serve

fn wasmtime_cli() -> PathBuf {
    std::env::var_os("WASMTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("bench-tools/bin/wasmtime"))
}

fn bench_serve() -> Result<()> {
    let conns = env_usize("BENCH_SERVE_CONNS", 16).max(1);
    let secs = env_usize("BENCH_SERVE_SECS", 10).max(1) as u64;
    let warmup_secs = env_usize("BENCH_SERVE_WARMUP_SECS", 2) as u64;
    let reuse = env_usize("BENCH_SERVE_REUSE", 1000).max(2);
    let hello = guest("hello")?;
    let wasmtime = wasmtime_cli();
    if !wasmtime.is_file() {
        println!(
            "SKIPPED: {} is missing. Install it with:\n  \
             cargo install --locked wasmtime-cli@{WASMTIME_VERSION} --root {}\n\
             (or point WASMTIME at a wasmtime {WASMTIME_VERSION} binary)",
            wasmtime.display(),
            target_dir().join("bench-tools").display()
        );
        return Ok(());
    }
    let version = Command::new(&wasmtime).arg("--version").output()?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    if !version.contains(WASMTIME_VERSION) {
        println!(
            "WARNING: {} reports `{version}`, not {WASMTIME_VERSION}",
            wasmtime.display()
        );
    }
    let dir = tempfile::tempdir()?;
    println!(
        "load: {conns} keep-alive HTTP/1.1 connections (hyper client, one tokio current-thread runtime), \
         GET / on 127.0.0.1, {warmup_secs} s warm-up then {secs} s measured per server"
    );
    println!(
        "both servers given the same --max-instance-reuse-count: 1 (a fresh instance per request, \
         the default of both) then {reuse} (BENCH_SERVE_REUSE)"
    );
    for reuse in [1, reuse] {
        println!("-- --max-instance-reuse-count {reuse}");
        let mut results = Vec::new();
        // wasmtime-dapr serve
        {
            let addr = free_addr()?;
            let mut command = dapr_serve_command(
                &hello,
                addr,
                &dir.path().join("data"),
                &dir.path().join("cache"),
            );
            command
                .arg("--max-instance-reuse-count")
                .arg(reuse.to_string());
            println!("server A: {}", describe(&command));
            let mut server = ChildGuard::spawn(command, dir.path().join("dapr.log"))?;
            server.wait_ready(addr, Duration::from_secs(120))?;
            results.push((
                "wasmtime-dapr serve".to_string(),
                drive(addr, conns, warmup_secs, secs)?,
            ));
        }
        // wasmtime serve
        {
            let addr = free_addr()?;
            let mut command = Command::new(&wasmtime);
            command
                .arg("serve")
                .arg("-S")
                .arg("cli=y")
                .arg("--max-instance-reuse-count")
                .arg(reuse.to_string())
                .arg("--addr")
                .arg(addr.to_string())
                .arg(&hello);
            println!("server B: {}   ({version})", describe(&command));
            let mut server = ChildGuard::spawn(command, dir.path().join("wasmtime.log"))?;
            server.wait_ready(addr, Duration::from_secs(120))?;
            results.push((
                format!(
                    "wasmtime serve {}",
                    version.split_whitespace().nth(1).unwrap_or("")
                ),
                drive(addr, conns, warmup_secs, secs)?,
            ));
        }

        println!(
            "{:<24}  {:>9}  {:>6}  {:>10}  {:>9}  {:>9}  {:>9}",
            "server", "requests", "errors", "req/s", "p50 us", "p99 us", "mean us"
        );
        for (name, r) in &results {
            println!(
                "{:<24}  {:>9}  {:>6}  {:>10.0}  {:>9}  {:>9}  {:>9}",
                name,
                r.latency.n,
                r.errors,
                r.rps,
                us(r.latency.p50),
                us(r.latency.p99),
                us(r.latency.mean)
            );
        }
        let (a, b) = (&results[0].1, &results[1].1);
        println!(
            "ratio wasmtime-dapr / wasmtime (reuse {reuse}): req/s {:.2}x   p50 latency {:.2}x   p99 latency {:.2}x",
            a.rps / b.rps,
            a.latency.p50 / b.latency.p50,
            a.latency.p99 / b.latency.p99
        );
    }
    Ok(())
}

fn describe(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

struct LoadResult {
    rps: f64,
    errors: u64,
    latency: Stats,
}

/// What every request of the load generator sends and the answer it
/// expects; anything else counts as an error.
#[derive(Clone)]
struct Workload {
    method: hyper::Method,
    path_and_query: String,
    /// The JSON body of the request with this sequence number, if any.
    body: Option<fn(u64) -> String>,
    status: u16,
    /// The whole body expected, if checked.
    answer: Option<Bytes>,
}

impl Workload {
    /// `GET path_and_query`, answered 200 with `answer`.
    fn get(path_and_query: &str, answer: &[u8]) -> Workload {
        Workload {
            method: hyper::Method::GET,
            path_and_query: path_and_query.to_string(),
            body: None,
            status: 200,
            answer: Some(Bytes::copy_from_slice(answer)),
        }
    }

    fn request(&self, seq: u64) -> Result<hyper::Request<Full<Bytes>>> {
        let request = hyper::Request::builder()
            .method(self.method.clone())
            .uri(&self.path_and_query)
            .header(hyper::header::HOST, "127.0.0.1");
        Ok(match self.body {
            Some(body) => request
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body(seq))))?,
            None => request.body(Full::new(Bytes::new()))?,
        })
    }

    fn expects(&self, status: hyper::StatusCode, body: &[u8]) -> bool {
        status == self.status && self.answer.as_ref().is_none_or(|answer| answer == body)
    }
}

/// Warm-up, then the measured run of `GET /` answered `Hello, world!`,
/// against `addr`.
fn drive(addr: SocketAddr, conns: usize, warmup_secs: u64, secs: u64) -> Result<LoadResult> {
    drive_with(
        addr,
        &Workload::get("/", HELLO_BODY),
        conns,
        Duration::from_secs(warmup_secs),
        Duration::from_secs(secs),
        MAX_REQUESTS,
    )
}

/// `workload` against `addr` on `conns` keep-alive connections: `warmup`
/// unmeasured, then measured until `duration` has passed or `limit`
/// requests were sent.
fn drive_with(
    addr: SocketAddr,
    workload: &Workload,
    conns: usize,
    warmup: Duration,
    duration: Duration,
    limit: u64,
) -> Result<LoadResult> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if !warmup.is_zero() {
            load(addr, workload, conns, warmup, MAX_REQUESTS).await?;
        }
        load(addr, workload, conns, duration, limit).await
    })
}

/// At most this many requests per run, whatever the duration.
const MAX_REQUESTS: u64 = 20_000_000;

async fn load(
    addr: SocketAddr,
    workload: &Workload,
    conns: usize,
    duration: Duration,
    limit: u64,
) -> Result<LoadResult> {
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = Vec::with_capacity(conns);
    for _ in 0..conns {
        let issued = issued.clone();
        let workload = workload.clone();
        tasks.push(tokio::spawn(async move {
            connection_loop(addr, &workload, until, issued, limit).await
        }));
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (s, e) = task.await??;
        samples.extend(s);
        errors += e;
    }
    let elapsed = start.elapsed();
    if samples.is_empty() {
        bail!("no successful request in {duration:?} ({errors} errors)");
    }
    Ok(LoadResult {
        rps: samples.len() as f64 / elapsed.as_secs_f64(),
        errors,
        latency: Stats::of(samples),
    })
}

/// Sends requests one after another on one keep-alive connection until
/// `until` or until `issued` reaches `limit`; returns the latencies of the
/// successful ones and the error count.
async fn connection_loop(
    addr: SocketAddr,
    workload: &Workload,
    until: Instant,
    issued: Arc<AtomicU64>,
    limit: u64,
) -> Result<(Vec<u64>, u64)> {
    let mut samples = Vec::with_capacity(1 << 16);
    let mut errors = 0u64;
    'connect: while Instant::now() < until {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .context("connect")?;
        stream.set_nodelay(true)?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        loop {
            if Instant::now() >= until {
                break 'connect;
            }
            let seq = issued.fetch_add(1, Ordering::Relaxed);
            if seq >= limit {
                break 'connect;
            }
            if sender.ready().await.is_err() {
                errors += 1;
                continue 'connect;
            }
            let request = workload.request(seq)?;
            let start = Instant::now();
            // A server that never answers ends the run (as errors) shortly
            // after its end instead of hanging it.
            let answer = async {
                let response = sender.send_request(request).await?;
                let status = response.status();
                let body = response.into_body().collect().await?.to_bytes();
                anyhow::Ok(workload.expects(status, &body))
            };
            let patience = tokio::time::Instant::from_std(until + Duration::from_secs(10));
            let outcome = match tokio::time::timeout_at(patience, answer).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    errors += 1;
                    break 'connect;
                }
            };
            let elapsed = nanos(start.elapsed());
            match outcome {
                Ok(true) => samples.push(elapsed),
                Ok(false) => errors += 1,
                Err(_) => {
                    errors += 1;
                    continue 'connect;
                }
            }
        }
    }
    Ok((samples, errors))
}

// ---------------------------------------------------------------------------
// Group 4: cold-start

fn bench_cold_start() -> Result<()> {
    let runs = env_usize("BENCH_COLD_RUNS", 10).max(1);
    let hello = guest("hello")?;
    let binary = dapr_binary();
    println!(
        "{runs} runs; each: spawn `{} serve hello.wasm` with a fresh empty --cache-dir (cold), \
         then again with that same cache dir (warm); timed from spawn() to the first 200 on GET / \
         (polled every 0.5 ms on new connections)",
        binary.display()
    );
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = tempfile::tempdir()?;
        let cache = dir.path().join("cache");
        let data = dir.path().join("data");
        for (phase, samples) in [("cold", &mut cold), ("warm", &mut warm)] {
            let addr = free_addr()?;
            let command = dapr_serve_command(&hello, addr, &data, &cache);
            if run == 0 && phase == "cold" {
                println!("command: {}", describe(&command));
            }
            let start = Instant::now();
            let mut server = ChildGuard::spawn(command, dir.path().join(format!("{phase}.log")))?;
            let ready = server.wait_ready(addr, Duration::from_secs(120))?;
            samples.push(nanos(ready - start));
            drop(server);
            if phase == "cold" {
                let entries = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
                if entries == 0 {
                    bail!(
                        "the cold start left no compiled component in {}",
                        cache.display()
                    );
                }
            }
        }
    }
    let (cold, warm) = (Stats::of(cold), Stats::of(warm));
    println!(
        "{:<28}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}",
        "start", "runs", "p50 ms", "min ms", "mean ms", "max ms"
    );
    for (name, s) in [
        ("cold (empty --cache-dir)", &cold),
        ("warm (same --cache-dir)", &warm),
    ] {
        println!(
            "{:<28}  {:>4}  {:>8}  {:>8}  {:>8}  {:>8}",
            name,
            s.n,
            ms(s.p50),
            ms(s.min),
            ms(s.mean),
            ms(s.max)
        );
    }
    println!(
        "ratio cold/warm: p50 {:.1}x  min {:.1}x",
        cold.p50 / warm.p50,
        cold.min / warm.min
    );
    Ok(())
}
