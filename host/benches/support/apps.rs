//! Group `apps`: whole apps, each its own process on a free 127.0.0.1 port,
//! behind one daprd (with a private redis-server) started here, driven over
//! HTTP by the load generator of group `serve` at concurrency 1 and 16.
//!
//! - Pair 1, state through daprd. A: `wasmtime-dapr serve
//!   bench=state_loop.wasm` with the sidecar. B: a native Rust app, this
//!   bench binary re-executed with `BENCH_NATIVE_APP` set (hyper 1 and the
//!   `dapr` crate's `DaprClient` on one tonic channel), with the guest's
//!   routes and answers: `GET /get?n=N` and `GET /save?n=N` make `N`
//!   sequential GetState / SaveState calls and answer 200 with `N`. Per
//!   workload: req/s, ops/s, latency, and CPU seconds per 1,000 requests of
//!   the app process, daprd and redis.
//! - Pair 2, the orders front end. A: `wasmtime-dapr serve
//!   bench=orders.wasm`. B: `tests/bench-node/orders.js` (Node.js, express
//!   and the Dapr JavaScript SDK). `POST /orders` with `{"id":"N"}`
//!   publishes it to `pubsub`/`orders` and answers 202. req/s, latency, CPU
//!   per 1,000 requests, resident memory and process start to the first 202.
//!
//! Both apps of a pair are started before its measurements and stopped
//! after them; only one is under load at a time, A and B alternating which
//! goes first, over several rounds; the tables show medians over the rounds.

use std::collections::BTreeMap;

use ::dapr::dapr::proto::runtime::v1::dapr_client::DaprClient;
use hyper::body::Incoming;
use hyper::service::service_fn;
use tonic::transport::Channel;

use super::sidecar::{
    APP_ID, Daprd, clock_ticks_per_s, cpu_ticks, http_status, http_status_of, native_client,
    native_get, native_save, on_path, version_of,
};
use super::*;

/// Set to the address to listen on when this binary runs as the native
/// state app.
const NATIVE_APP_ENV: &str = "BENCH_NATIVE_APP";
/// The daprd gRPC endpoint of the native state app.
const NATIVE_DAPR_ENV: &str = "BENCH_NATIVE_APP_DAPR";

const CONCURRENCY: [usize; 2] = [1, 16];
/// The concurrency of the CPU measurements.
const CPU_CONCURRENCY: usize = 16;
/// Pair 1's workloads: route and state ops per request (`BENCH_APPS_STATE`
/// picks some, as `get:50,save:1`).
const STATE_WORKLOADS: [(&str, usize); 4] = [("get", 1), ("get", 50), ("save", 1), ("save", 50)];
/// How often readiness is polled (also while timing starts).
const POLL: Duration = Duration::from_micros(500);
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// The upper bound of a CPU measurement, which counts requests.
const CPU_TIME_LIMIT: Duration = Duration::from_secs(600);

/// The knobs of the group, from the environment.
struct Knobs {
    warmup: Duration,
    secs: Duration,
    rounds: usize,
    cpu_requests: u64,
    starts: usize,
    /// Pair 1's workloads.
    state: Vec<(&'static str, usize)>,
}

impl Knobs {
    fn from_env() -> Knobs {
        Knobs {
            warmup: Duration::from_secs(env_usize("BENCH_APPS_WARMUP_SECS", 1) as u64),
            secs: Duration::from_secs(env_usize("BENCH_APPS_SECS", 5).max(1) as u64),
            rounds: env_usize("BENCH_APPS_ROUNDS", 3).max(1),
            cpu_requests: env_usize("BENCH_APPS_CPU_REQUESTS", 2_000).max(CPU_CONCURRENCY) as u64,
            starts: env_usize("BENCH_APPS_STARTS", 5).max(1),
            state: state_workloads(),
        }
    }

    /// Requests per CPU measurement of a workload with `n` ops per request:
    /// a tenth for the 50-op requests.
    fn cpu_requests_for(&self, n: usize) -> u64 {
        if n == 1 {
            self.cpu_requests
        } else {
            (self.cpu_requests / 10).max(CPU_CONCURRENCY as u64)
        }
    }

    /// One measured run (after the warm-up) of `workload` against `app`.
    fn run(&self, app: &AppProcess, workload: &Workload, conc: usize) -> Result<LoadResult> {
        drive_with(
            app.addr,
            workload,
            conc,
            self.warmup,
            self.secs,
            MAX_REQUESTS,
        )
        .with_context(|| {
            format!(
                "{} {} at concurrency {conc}",
                app.label, workload.path_and_query
            )
        })
    }
}

/// Pair 1's workloads: those `BENCH_APPS_STATE` lists (`OP:N`, comma
/// separated, OP `get` or `save`), or all of [`STATE_WORKLOADS`]; exits
/// with a message on a malformed list.
fn state_workloads() -> Vec<(&'static str, usize)> {
    let Ok(list) = std::env::var("BENCH_APPS_STATE") else {
        return STATE_WORKLOADS.to_vec();
    };
    let mut picked = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let found = item.split_once(':').and_then(|(op, n)| {
            let n: usize = n.parse().ok()?;
            let op = ["get", "save"].into_iter().find(|o| *o == op)?;
            (n >= 1).then_some((op, n))
        });
        match found {
            Some(workload) => picked.push(workload),
            None => {
                eprintln!("BENCH_APPS_STATE: `{item}` is not OP:N (OP get or save, N at least 1)");
                std::process::exit(2);
            }
        }
    }
    picked
}

pub fn bench_apps() -> Result<()> {
    let knobs = Knobs::from_env();
    let state_loop = guest("state_loop")?;
    let orders = guest("orders")?;
    let Some(daprd) = super::sidecar::redis_and_daprd() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let sidecar_dir = dir.path().join("daprd");
    std::fs::create_dir_all(&sidecar_dir)?;
    let sidecar = Daprd::start(&daprd, &sidecar_dir)?;
    println!(
        "daprd {} (pid {}, gRPC 127.0.0.1:{}, HTTP 127.0.0.1:{}, --app-id {APP_ID}), redis-server {} (pid {}, 127.0.0.1:{})",
        version_of(&daprd),
        sidecar.daprd.child.id(),
        sidecar.grpc_port,
        sidecar.http_port,
        version_of(Path::new("redis-server")),
        sidecar.redis.child.id(),
        sidecar.redis_port
    );
    println!(
        "load: the `serve` group's generator (hyper HTTP/1.1, keep-alive connections, one tokio \
         current-thread runtime) at concurrency {CONCURRENCY:?}, {} s warm-up then {} s measured per run; \
         {} rounds, A and B alternating which goes first; every response's status (and body) checked",
        knobs.warmup.as_secs(),
        knobs.secs.as_secs(),
        knobs.rounds
    );
    println!(
        "CPU: utime+stime from /proc/<pid>/stat ({} ticks/s) before and after a fixed number of requests \
         at concurrency {CPU_CONCURRENCY} (BENCH_APPS_CPU_REQUESTS = {}, a tenth for 50 ops per request), \
         per round; medians",
        clock_ticks_per_s(),
        knobs.cpu_requests
    );
    let pids = Pids {
        daprd: sidecar.daprd.child.id(),
        redis: sidecar.redis.child.id(),
    };
    let endpoint = format!("http://127.0.0.1:{}", sidecar.grpc_port);
    println!();
    state_pair(&knobs, &pids, &endpoint, &state_loop, dir.path())?;
    println!();
    orders_pair(
        &knobs,
        &pids,
        &endpoint,
        sidecar.http_port,
        &orders,
        dir.path(),
    )?;
    drop(sidecar);
    Ok(())
}

/// The processes behind the apps.
struct Pids {
    daprd: u32,
    redis: u32,
}

// ---------------------------------------------------------------------------
// Pair 1: state through daprd

fn state_pair(
    knobs: &Knobs,
    pids: &Pids,
    endpoint: &str,
    component: &Path,
    dir: &Path,
) -> Result<()> {
    println!(
        "-- pair 1: state through daprd: A wasmtime-dapr serve state_loop.wasm, B native Rust (hyper + dapr crate) --  \
         (load average: {})",
        load_average()
    );
    let ready = |addr: SocketAddr| move || http_status(addr, "/get?n=0") == Some(200);

    let addr = free_addr()?;
    let mut command = serve_command(component, addr, &dir.join("state-a"), &shared_cache_dir());
    command.arg("--dapr-grpc-endpoint").arg(endpoint);
    println!("A: {}", describe(&command));
    let (a, _) = AppProcess::start("A", command, addr, dir.join("state-a.log"), ready(addr))?;

    let addr = free_addr()?;
    let mut command = Command::new(std::env::current_exe()?);
    without_dapr_env(&mut command)
        .env(NATIVE_APP_ENV, addr.to_string())
        .env(NATIVE_DAPR_ENV, endpoint);
    println!(
        "B: {NATIVE_APP_ENV}={addr} {NATIVE_DAPR_ENV}={endpoint} {} (this bench binary; 2 tokio workers)",
        describe(&command)
    );
    let (b, _) = AppProcess::start("B", command, addr, dir.join("state-b.log"), ready(addr))?;
    let apps = [&a, &b];
    let idle = [memory_kib(a.pid())?.0, memory_kib(b.pid())?.0];

    // Both answer alike beyond the measured routes.
    for (path, status) in [("/nope", 404), ("/get?n=x", 400), ("/save?n=1", 200)] {
        for app in apps {
            let got = http_status(app.addr, path);
            if got != Some(status) {
                bail!("{}: GET {path} answered {got:?}, not {status}", app.label);
            }
        }
    }

    // (workload, conc, side) and (workload, side)
    let mut runs: BTreeMap<(usize, usize, usize), Runs> = BTreeMap::new();
    let mut cpu: BTreeMap<(usize, usize), Vec<CpuSample>> = BTreeMap::new();
    for round in 0..knobs.rounds {
        for (w, &(op, n)) in knobs.state.iter().enumerate() {
            let workload = Workload::get(&format!("/{op}?n={n}"), n.to_string().as_bytes());
            for conc in CONCURRENCY {
                for side in order(round) {
                    let result = knobs.run(apps[side], &workload, conc)?;
                    runs.entry((w, conc, side)).or_default().add(&result);
                }
            }
            for side in order(round) {
                let sample = cpu_per_1k(apps[side], &workload, knobs.cpu_requests_for(n), pids)?;
                cpu.entry((w, side)).or_default().push(sample);
            }
        }
        println!("(round {} of {} done)", round + 1, knobs.rounds);
    }

    println!(
        "{:<5} {:>3} {:>5}  {:>8} {:>8}  {:>8} {:>8}  {:>9} {:>9}  {:>9} {:>9}  {:>9} {:>7} {:>7}  {:>9}",
        "op",
        "n",
        "conc",
        "A req/s",
        "B req/s",
        "A ops/s",
        "B ops/s",
        "A p50 us",
        "A p99 us",
        "B p50 us",
        "B p99 us",
        "req/s A/B",
        "p50 A/B",
        "p99 A/B",
        "errors A/B"
    );
    for (w, &(op, n)) in knobs.state.iter().enumerate() {
        for conc in CONCURRENCY {
            let (ra, rb) = (&runs[&(w, conc, 0)], &runs[&(w, conc, 1)]);
            let ((a_rps, a_p50, a_p99), (b_rps, b_p50, b_p99)) = (ra.medians(), rb.medians());
            println!(
                "{:<5} {:>3} {:>5}  {:>8.0} {:>8.0}  {:>8.0} {:>8.0}  {:>9} {:>9}  {:>9} {:>9}  {:>9.3} {:>7.2} {:>7.2}  {:>9}",
                op,
                n,
                conc,
                a_rps,
                b_rps,
                a_rps * n as f64,
                b_rps * n as f64,
                us(a_p50),
                us(a_p99),
                us(b_p50),
                us(b_p99),
                a_rps / b_rps,
                a_p50 / b_p50,
                a_p99 / b_p99,
                format!("{}/{}", ra.errors, rb.errors)
            );
        }
    }
    println!(
        "(req/s, p50, p99: medians over {} rounds of {} s; ops/s = req/s x n; errors: all rounds)",
        knobs.rounds,
        knobs.secs.as_secs()
    );

    println!(
        "CPU seconds per 1,000 requests at concurrency {CPU_CONCURRENCY} (medians over {} rounds):",
        knobs.rounds
    );
    println!(
        "{:<5} {:>3} {:>8}  {:>8} {:>8}  {:>10} {:>10} {:>9}  {:>12} {:>12}  {:>12} {:>12}",
        "op",
        "n",
        "requests",
        "A req/s",
        "B req/s",
        "A app s/1k",
        "B app s/1k",
        "app A/B",
        "A daprd s/1k",
        "B daprd s/1k",
        "A redis s/1k",
        "B redis s/1k"
    );
    for (w, &(op, n)) in knobs.state.iter().enumerate() {
        let (ca, cb) = (CpuSummary::of(&cpu[&(w, 0)]), CpuSummary::of(&cpu[&(w, 1)]));
        println!(
            "{:<5} {:>3} {:>8}  {:>8.0} {:>8.0}  {:>10.3} {:>10.3} {:>9.2}  {:>12.3} {:>12.3}  {:>12.3} {:>12.3}",
            op,
            n,
            knobs.cpu_requests_for(n),
            ca.rps,
            cb.rps,
            ca.app,
            cb.app,
            ca.app / cb.app,
            ca.daprd,
            cb.daprd,
            ca.redis,
            cb.redis
        );
    }
    print_memory(&apps, idle)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Pair 2: the orders front end, Wasm vs Node.js

fn orders_pair(
    knobs: &Knobs,
    pids: &Pids,
    endpoint: &str,
    dapr_http_port: u16,
    component: &Path,
    dir: &Path,
) -> Result<()> {
    println!(
        "-- pair 2: the orders front end: A wasmtime-dapr serve orders.wasm, B Node.js (express + @dapr/dapr) --  \
         (load average: {})",
        load_average()
    );
    let node = match NodeApp::prepare() {
        Ok(node) => node,
        Err(why) => {
            println!("pair 2 SKIPPED: {why:#}");
            return Ok(());
        }
    };
    let cache = dir.join("orders-cache");
    let wasm = |addr: SocketAddr, cache: &Path| {
        let mut command = serve_command(component, addr, &dir.join("orders-a"), cache);
        command.arg("--dapr-grpc-endpoint").arg(endpoint);
        command
    };
    let ready = |addr: SocketAddr| {
        move || {
            http_status_of(addr, "POST", "/orders", Some(br#"{"id":"ready"}"#))
                .is_some_and(|status| (200..300).contains(&status))
        }
    };
    println!("A: {}", describe(&wasm(free_addr()?, &cache)));
    println!(
        "B: {}   (node {}, @dapr/dapr {}, express {}; the SDK's default protocol, HTTP, to daprd's HTTP port)",
        describe(&node.command(free_addr()?, dapr_http_port)),
        node.node_version,
        node.sdk_version,
        node.express_version
    );

    // Process start to the first 202: the first start of each is not
    // counted (it fills the compile cache and the page cache).
    let mut starts: [Vec<u64>; 3] = Default::default();
    for i in 0..=knobs.starts {
        let mut kinds: Vec<(usize, Command, SocketAddr)> = Vec::new();
        if i > 0 {
            let addr = free_addr()?;
            let cold_cache = dir.join(format!("orders-cold-cache-{i}"));
            kinds.push((0, wasm(addr, &cold_cache), addr));
        }
        let addr = free_addr()?;
        kinds.push((1, wasm(addr, &cache), addr));
        let addr = free_addr()?;
        kinds.push((2, node.command(addr, dapr_http_port), addr));
        for (kind, command, addr) in kinds {
            let log = dir.join(format!("orders-start-{kind}-{i}.log"));
            let label = ["A cold", "A warm", "B"][kind];
            let (app, took) = AppProcess::start(label, command, addr, log, ready(addr))?;
            drop(app);
            if i > 0 {
                starts[kind].push(nanos(took));
            }
        }
    }

    let addr = free_addr()?;
    let (a, _) = AppProcess::start(
        "A",
        wasm(addr, &cache),
        addr,
        dir.join("orders-a.log"),
        ready(addr),
    )?;
    let addr = free_addr()?;
    let (b, _) = AppProcess::start(
        "B",
        node.command(addr, dapr_http_port),
        addr,
        dir.join("orders-b.log"),
        ready(addr),
    )?;
    let apps = [&a, &b];
    let idle = [memory_kib(a.pid())?.0, memory_kib(b.pid())?.0];
    for (body, status) in [(&br#"{"name":"x"}"#[..], 400), (b"not json", 400)] {
        for app in apps {
            let got = http_status_of(app.addr, "POST", "/orders", Some(body));
            if got != Some(status) {
                bail!(
                    "{}: POST /orders {:?} answered {got:?}, not {status}",
                    app.label,
                    String::from_utf8_lossy(body)
                );
            }
        }
    }

    let workload = Workload {
        method: hyper::Method::POST,
        path_and_query: "/orders".into(),
        body: Some(|seq| format!("{{\"id\":\"{seq}\"}}")),
        status: 202,
        answer: Some(Bytes::new()),
    };
    let mut runs: BTreeMap<(usize, usize), Runs> = BTreeMap::new();
    let mut cpu: BTreeMap<usize, Vec<CpuSample>> = BTreeMap::new();
    for round in 0..knobs.rounds {
        for conc in CONCURRENCY {
            for side in order(round) {
                let result = knobs.run(apps[side], &workload, conc)?;
                runs.entry((conc, side)).or_default().add(&result);
            }
        }
        for side in order(round) {
            let sample = cpu_per_1k(apps[side], &workload, knobs.cpu_requests, pids)?;
            cpu.entry(side).or_default().push(sample);
        }
        println!("(round {} of {} done)", round + 1, knobs.rounds);
    }

    println!(
        "{:<5}  {:>8} {:>8} {:>9}  {:>9} {:>9}  {:>9} {:>9}  {:>7} {:>7}  {:>10}",
        "conc",
        "A req/s",
        "B req/s",
        "req/s A/B",
        "A p50 us",
        "A p99 us",
        "B p50 us",
        "B p99 us",
        "p50 A/B",
        "p99 A/B",
        "errors A/B"
    );
    for conc in CONCURRENCY {
        let (ra, rb) = (&runs[&(conc, 0)], &runs[&(conc, 1)]);
        let ((a_rps, a_p50, a_p99), (b_rps, b_p50, b_p99)) = (ra.medians(), rb.medians());
        println!(
            "{:<5}  {:>8.0} {:>8.0} {:>9.3}  {:>9} {:>9}  {:>9} {:>9}  {:>7.2} {:>7.2}  {:>10}",
            conc,
            a_rps,
            b_rps,
            a_rps / b_rps,
            us(a_p50),
            us(a_p99),
            us(b_p50),
            us(b_p99),
            a_p50 / b_p50,
            a_p99 / b_p99,
            format!("{}/{}", ra.errors, rb.errors)
        );
    }
    println!(
        "(medians over {} rounds of {} s; errors: all rounds, of {} / {} requests)",
        knobs.rounds,
        knobs.secs.as_secs(),
        runs.iter()
            .filter(|((_, side), _)| *side == 0)
            .map(|(_, r)| r.requests)
            .sum::<u64>(),
        runs.iter()
            .filter(|((_, side), _)| *side == 1)
            .map(|(_, r)| r.requests)
            .sum::<u64>()
    );
    let (ca, cb) = (CpuSummary::of(&cpu[&0]), CpuSummary::of(&cpu[&1]));
    println!(
        "CPU seconds per 1,000 requests at concurrency {CPU_CONCURRENCY} ({} requests, medians over {} rounds):",
        knobs.cpu_requests, knobs.rounds
    );
    println!(
        "{:<4}  {:>8}  {:>10}  {:>10}  {:>10}",
        "side", "req/s", "app s/1k", "daprd s/1k", "redis s/1k"
    );
    for (side, c) in [("A", &ca), ("B", &cb)] {
        println!(
            "{:<4}  {:>8.0}  {:>10.3}  {:>10.3}  {:>10.3}",
            side, c.rps, c.app, c.daprd, c.redis
        );
    }
    println!(
        "ratio A/B: app CPU {:.2}x   daprd CPU {:.2}x",
        ca.app / cb.app,
        ca.daprd / cb.daprd
    );
    print_memory(&apps, idle)?;

    println!(
        "process start to the first 202 on POST /orders ({} starts each, polled every {} us on new connections):",
        knobs.starts,
        POLL.as_micros()
    );
    println!(
        "{:<38}  {:>4}  {:>8}  {:>8}  {:>8}",
        "start", "runs", "p50 ms", "min ms", "max ms"
    );
    let stats = starts.map(Stats::of);
    for (name, s) in [
        ("A cold (empty --cache-dir)", &stats[0]),
        ("A warm (compiled component cached)", &stats[1]),
        ("B node orders.js", &stats[2]),
    ] {
        println!(
            "{:<38}  {:>4}  {:>8}  {:>8}  {:>8}",
            name,
            s.n,
            ms(s.p50),
            ms(s.min),
            ms(s.max)
        );
    }
    println!(
        "ratio A/B start p50: warm {:.3}x   cold {:.3}x",
        stats[1].p50 / stats[2].p50,
        stats[0].p50 / stats[2].p50
    );
    Ok(())
}

/// `tests/bench-node`: the orders app in Node.js.
struct NodeApp {
    dir: PathBuf,
    node_version: String,
    sdk_version: String,
    express_version: String,
}

impl NodeApp {
    /// Checks for node and installs the app's dependencies (`npm ci`) when
    /// they are missing.
    fn prepare() -> Result<NodeApp> {
        let dir = root_dir().join("tests/bench-node");
        let install = format!("(cd {} && npm ci --no-audit --no-fund)", dir.display());
        if !on_path("node") {
            bail!(
                "node is not on PATH (Debian/Ubuntu: apt-get install -y nodejs npm), then: {install}"
            );
        }
        let modules = dir.join("node_modules");
        let installed = |package: &str| modules.join(package).join("package.json").is_file();
        if !installed("@dapr/dapr") || !installed("express") {
            if !on_path("npm") {
                bail!(
                    "npm is not on PATH and {} is missing; install npm, then: {install}",
                    modules.display()
                );
            }
            println!("installing the Node.js app's dependencies: {install}");
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .stdin(Stdio::null())
                .output()
                .context("cannot run npm")?;
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let lines: Vec<&str> = stderr.lines().collect();
                bail!(
                    "`{install}` failed ({}):\n{}",
                    out.status,
                    lines[lines.len().saturating_sub(10)..].join("\n")
                );
            }
        }
        let version = |package: &str| -> String {
            std::fs::read_to_string(modules.join(package).join("package.json"))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|v| v["version"].as_str().map(str::to_string))
                .unwrap_or_else(|| "?".into())
        };
        Ok(NodeApp {
            node_version: version_of(Path::new("node")),
            sdk_version: version("@dapr/dapr"),
            express_version: version("express"),
            dir,
        })
    }

    /// `node orders.js` listening on `addr`, with daprd's HTTP port.
    fn command(&self, addr: SocketAddr, dapr_http_port: u16) -> Command {
        let mut command = Command::new("node");
        command
            .arg(self.dir.join("orders.js"))
            .current_dir(&self.dir);
        without_dapr_env(&mut command)
            .env("HOST", addr.ip().to_string())
            .env("PORT", addr.port().to_string())
            .env("DAPR_HOST", "127.0.0.1")
            .env("DAPR_HTTP_PORT", dapr_http_port.to_string())
            .env("NODE_ENV", "production");
        command
    }
}

// ---------------------------------------------------------------------------
// Processes and measurements

/// One app under test, running as its own process.
struct AppProcess {
    label: &'static str,
    server: ChildGuard,
    addr: SocketAddr,
}

impl AppProcess {
    /// Spawns `command` (serving on `addr`) and polls `ready` until it
    /// holds; also returns the time from spawn to then.
    fn start(
        label: &'static str,
        command: Command,
        addr: SocketAddr,
        log: PathBuf,
        ready: impl FnMut() -> bool,
    ) -> Result<(AppProcess, Duration)> {
        let start = Instant::now();
        let mut server = ChildGuard::spawn(command, log)?;
        let ready_at = server.poll_until(label, READY_TIMEOUT, POLL, ready)?;
        Ok((
            AppProcess {
                label,
                server,
                addr,
            },
            ready_at - start,
        ))
    }

    fn pid(&self) -> u32 {
        self.server.child.id()
    }
}

/// `wasmtime-dapr serve bench=COMPONENT` on `addr`, its environment cleared
/// of Dapr settings, each instance serving `BENCH_APPS_REUSE` requests
/// (default 1: a fresh instance per request, `serve`'s default); with
/// `BENCH_PERF_MAP` set, it writes a perf map (`--profile perfmap`) for
/// `perf record -p PID`.
fn serve_command(component: &Path, addr: SocketAddr, data_dir: &Path, cache_dir: &Path) -> Command {
    let mut command = dapr_serve_command(
        format!("{APP_ID}={}", component.display()),
        addr,
        data_dir,
        cache_dir,
    );
    let reuse = env_usize("BENCH_APPS_REUSE", 1).max(1);
    command
        .arg("--max-instance-reuse-count")
        .arg(reuse.to_string());
    if std::env::var_os("BENCH_PERF_MAP").is_some() {
        command.arg("--profile").arg("perfmap");
    }
    without_dapr_env(&mut command);
    command
}

/// Removes the variables that would point an app at another daprd or
/// change its Dapr client's defaults.
fn without_dapr_env(command: &mut Command) -> &mut Command {
    for name in [
        "DAPR_GRPC_ENDPOINT",
        "DAPR_GRPC_PORT",
        "DAPR_HTTP_ENDPOINT",
        "DAPR_HTTP_PORT",
        "DAPR_HOST",
        "DAPR_PROTOCOL",
        "DAPR_API_TOKEN",
        "APP_PORT",
        "APP_ID",
        "NODE_OPTIONS",
    ] {
        command.env_remove(name);
    }
    command
}

/// A first, then B in even rounds; B first in odd ones.
fn order(round: usize) -> [usize; 2] {
    if round.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    }
}

/// The runs of one cell over the rounds.
#[derive(Default)]
struct Runs {
    rps: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    errors: u64,
    requests: u64,
}

impl Runs {
    fn add(&mut self, result: &LoadResult) {
        self.rps.push(result.rps);
        self.p50.push(result.latency.p50);
        self.p99.push(result.latency.p99);
        self.errors += result.errors;
        self.requests += result.latency.n as u64 + result.errors;
    }

    /// The medians over the rounds: req/s, p50 and p99 latency.
    fn medians(&self) -> (f64, f64, f64) {
        (median(&self.rps), median(&self.p50), median(&self.p99))
    }
}

/// CPU seconds per 1,000 requests of the app, daprd and redis, and the
/// request rate, in one measurement.
struct CpuSample {
    per_k: [f64; 3],
    rps: f64,
}

/// Medians of CPU samples.
struct CpuSummary {
    app: f64,
    daprd: f64,
    redis: f64,
    rps: f64,
}

impl CpuSummary {
    fn of(samples: &[CpuSample]) -> CpuSummary {
        let of = |f: &dyn Fn(&CpuSample) -> f64| median(&samples.iter().map(f).collect::<Vec<_>>());
        CpuSummary {
            app: of(&|s| s.per_k[0]),
            daprd: of(&|s| s.per_k[1]),
            redis: of(&|s| s.per_k[2]),
            rps: of(&|s| s.rps),
        }
    }
}

/// `requests` requests of `workload` against `app` at concurrency 16, with
/// the CPU time of the app, daprd and redis read before and after.
fn cpu_per_1k(
    app: &AppProcess,
    workload: &Workload,
    requests: u64,
    pids: &Pids,
) -> Result<CpuSample> {
    let tick = clock_ticks_per_s();
    let processes = [app.pid(), pids.daprd, pids.redis];
    let ticks = || -> Result<Vec<u64>> {
        processes
            .iter()
            .map(|pid| cpu_ticks(&pid.to_string()))
            .collect()
    };
    let before = ticks()?;
    let result = drive_with(
        app.addr,
        workload,
        CPU_CONCURRENCY,
        Duration::ZERO,
        CPU_TIME_LIMIT,
        requests,
    )
    .with_context(|| format!("{} CPU run of {}", app.label, workload.path_and_query))?;
    let after = ticks()?;
    if result.errors > 0 {
        bail!(
            "{} CPU run of {}: {} errors",
            app.label,
            workload.path_and_query,
            result.errors
        );
    }
    let done = result.latency.n as f64;
    let per_k = |i: usize| (after[i] - before[i]) as f64 / tick / done * 1000.0;
    Ok(CpuSample {
        per_k: [per_k(0), per_k(1), per_k(2)],
        rps: result.rps,
    })
}

/// `VmRSS` and `VmHWM` of process `pid`, in KiB.
fn memory_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The memory of both apps now, and `idle` (VmRSS after the start, in KiB).
fn print_memory(apps: &[&AppProcess; 2], idle: [u64; 2]) -> Result<()> {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let now = [memory_kib(apps[0].pid())?, memory_kib(apps[1].pid())?];
    println!(
        "memory (/proc/<pid>/status): {:<4}  {:>16}  {:>20}  {:>14}",
        "app", "VmRSS idle MiB", "VmRSS after load MiB", "VmHWM MiB"
    );
    for (i, app) in apps.iter().enumerate() {
        println!(
            "                             {:<4}  {:>16.1}  {:>20.1}  {:>14.1}",
            app.label,
            mib(idle[i]),
            mib(now[i].0),
            mib(now[i].1)
        );
    }
    println!(
        "ratio A/B: VmRSS after load {:.2}x   VmHWM {:.2}x",
        now[0].0 as f64 / now[1].0 as f64,
        now[0].1 as f64 / now[1].1 as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The native state app (pair 1's B)

/// Serves the native state app when this process was started as one
/// (`BENCH_NATIVE_APP` set); returns whether it was.
pub(crate) fn serve_native_if_asked() -> bool {
    let Some(listen) = std::env::var_os(NATIVE_APP_ENV) else {
        return false;
    };
    let result = (|| -> Result<()> {
        let listen: SocketAddr = listen
            .to_str()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("{NATIVE_APP_ENV} is not an address: {listen:?}"))?;
        let endpoint = std::env::var(NATIVE_DAPR_ENV)
            .with_context(|| format!("{NATIVE_DAPR_ENV} is not set"))?;
        // Like `serve`: a multi-thread runtime, one worker per core.
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve_native(listen, endpoint))
    })();
    if let Err(err) = result {
        eprintln!("native app: {err:#}");
        std::process::exit(1);
    }
    true
}

async fn serve_native(listen: SocketAddr, endpoint: String) -> Result<()> {
    let client = native_client(endpoint)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let client = client.clone();
        let service = service_fn(move |request: hyper::Request<Incoming>| {
            let client = client.clone();
            async move { Ok::<_, Infallible>(answer_native(client, &request).await) }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The routes and answers of the state-loop guest (`tests/guests/state-loop`).
async fn answer_native(
    mut client: DaprClient<Channel>,
    request: &hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let query = request.uri().query().unwrap_or("");
    let n = match query_param(query, "n").map(str::parse::<u32>) {
        None => 1,
        Some(Ok(n)) => n,
        Some(Err(_)) => return text(400, "n must be a non-negative integer".into()),
    };
    let save = match (request.method(), request.uri().path()) {
        (&hyper::Method::GET, "/get") => false,
        (&hyper::Method::GET, "/save") => true,
        _ => {
            return hyper::Response::builder()
                .status(404)
                .body(Full::new(Bytes::new()))
                .expect("a valid response");
        }
    };
    // `n` calls one after another, stopping at the first error.
    for _ in 0..n {
        let call = if save {
            native_save(&mut client).await
        } else {
            native_get(&mut client).await.map(drop)
        };
        if let Err(err) = call {
            return text(500, format!("{err:#}"));
        }
    }
    text(200, n.to_string())
}

/// The value of query parameter `name`, as the guest SDK's `query_param`.
fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find_map(|(key, value)| (key == name).then_some(value))
}

fn text(status: u16, body: String) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}
