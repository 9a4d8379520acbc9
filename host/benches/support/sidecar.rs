//! Group `dapr`: building blocks served by a real daprd (with a private
//! redis-server), started here on free 127.0.0.1 ports and stopped at the
//! end. Each workload runs twice against that one daprd:
//!
//! - guest: a guest component through the library (`Server::load` with the
//!   sidecar, then `App::handle_http`), i.e. guest → host → daprd gRPC;
//! - native: the `dapr` crate's generated gRPC client (`DaprClient`) on a
//!   channel with the host's settings, with the same requests.
//!
//! Workloads: state get and save of key `bench` in `statestore` (64-byte
//! value) through `state_loop.wasm`, and publish of `{"id":"N"}` to
//! `pubsub`/`orders` through `orders.wasm` (`POST /orders`), each at
//! concurrency 1 and 16; then CPU seconds per 1,000 calls of this process
//! (which hosts the library or the native client), daprd and redis.

use std::collections::BTreeMap;

use ::dapr::dapr::proto::common::v1 as common;
use ::dapr::dapr::proto::runtime::v1 as proto;
use ::dapr::dapr::proto::runtime::v1::dapr_client::DaprClient;
use http_body_util::Full;
use tonic::transport::{Channel, Endpoint};

use super::*;

pub(crate) const APP_ID: &str = "bench";
const CONCURRENCY: [usize; 2] = [1, 16];
/// Target guest/native throughput with one op per call, and with a batch.
const TARGET_RATIO: f64 = 0.90;
const TARGET_RATIO_BATCH: f64 = 0.98;

/// The daprd to run, when it and `redis-server` are there; else prints why
/// the group is skipped.
pub(crate) fn redis_and_daprd() -> Option<PathBuf> {
    if !on_path("redis-server") {
        println!(
            "SKIPPED: redis-server is not on PATH (Debian/Ubuntu: apt-get install -y redis-server)"
        );
        return None;
    }
    match find_daprd() {
        Ok(path) => Some(path),
        Err(why) => {
            println!("SKIPPED: no daprd: {why:#}");
            None
        }
    }
}

pub fn bench_dapr() -> Result<()> {
    let ops = env_usize("BENCH_DAPR_OPS", 3_000).max(16);
    let rounds = env_usize("BENCH_DAPR_ROUNDS", 3).max(1);
    let batch = env_usize("BENCH_DAPR_BATCH", 50).max(1);
    let cpu_calls = env_usize("BENCH_DAPR_CPU_CALLS", 5_000).max(16);
    let state_loop = guest("state_loop")?;
    let orders = guest("orders")?;
    let Some(daprd) = redis_and_daprd() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let sidecar = Daprd::start(&daprd, dir.path())?;
    println!(
        "daprd {} (pid {}, gRPC 127.0.0.1:{}, --app-id {APP_ID}), redis-server {} (pid {}, 127.0.0.1:{})",
        version_of(&daprd),
        sidecar.daprd.child.id(),
        sidecar.grpc_port,
        version_of(Path::new("redis-server")),
        sidecar.redis.child.id(),
        sidecar.redis_port
    );
    println!(
        "{ops} ops per measurement, {rounds} rounds after 1 warm-up round, guest and native alternating first; \
         latency: one op per call (guest: one `GET /get?n=1` / `GET /save?n=1` / `POST /orders` request \
         in a fresh instance; native: one gRPC call); throughput: also {batch} ops per guest request \
         (native: {batch} sequential calls per batch)"
    );
    let endpoint = format!("http://127.0.0.1:{}", sidecar.grpc_port);
    let (daprd_pid, redis_pid) = (sidecar.daprd.child.id(), sidecar.redis.child.id());
    let data_dir = dir.path().join("data");
    let result = on_tokio_worker(async move {
        let options = SidecarOptions {
            api_token: None,
            ..SidecarOptions::at(&endpoint)
        };
        let state_host =
            load_host_with(&[(APP_ID, state_loop)], &data_dir, Some(options.clone())).await?;
        let orders_host = load_host_with(&[(APP_ID, orders)], &data_dir, Some(options)).await?;
        let guest = Target::Guest {
            state: state_host.apps()[APP_ID].clone(),
            orders: orders_host.apps()[APP_ID].clone(),
        };
        let native = Target::Native(native_client(endpoint)?);
        // The key must exist before the gets.
        native.call(Op::Save, 1, 0).await?;
        guest.call(Op::Get, 1, 0).await?;

        measure(&guest, &native, ops, rounds, batch).await?;
        allocations(&guest, &native, batch).await?;
        cpu(&guest, &native, cpu_calls, daprd_pid, redis_pid).await
    });
    drop(sidecar);
    result
}

// ---------------------------------------------------------------------------
// The workloads

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    Get,
    Save,
    Publish,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Get => "state get",
            Op::Save => "state save",
            Op::Publish => "publish",
        }
    }
}

#[derive(Clone)]
enum Target {
    Guest { state: Arc<App>, orders: Arc<App> },
    Native(DaprClient<Channel>),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Guest { .. } => "guest",
            Target::Native(_) => "native",
        }
    }

    /// One call: `n` ops (one guest request, or `n` sequential gRPC calls);
    /// `id` numbers published orders. Publish is always one op per call.
    async fn call(&self, op: Op, n: usize, id: usize) -> Result<()> {
        match self {
            Target::Guest { state, orders } => match op {
                Op::Publish => {
                    let body = format!("{{\"id\":\"{id}\"}}");
                    let request = hyper::Request::post("http://localhost/orders")
                        .header("content-type", "application/json")
                        .body(full_body(body.into_bytes()))?;
                    let response = orders.handle_http(request).await?;
                    let status = response.status();
                    let got = response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| anyhow!("body: {e:?}"))?
                        .to_bytes();
                    if status != 202 {
                        bail!(
                            "guest publish: {status}: {:?}",
                            String::from_utf8_lossy(&got)
                        );
                    }
                }
                Op::Get | Op::Save => {
                    let path = if op == Op::Get { "get" } else { "save" };
                    let response = state
                        .handle_http(get_request(&format!("/{path}?n={n}"))?)
                        .await?;
                    expect_response(response, n.to_string().as_bytes())
                        .await
                        .with_context(|| format!("guest /{path}"))?;
                }
            },
            Target::Native(client) => {
                let mut client = client.clone();
                for _ in 0..n {
                    match op {
                        Op::Get => {
                            let r = native_get(&mut client).await?;
                            if r.data.is_empty() {
                                bail!("native get: key `bench` missing");
                            }
                            std::hint::black_box(r);
                        }
                        Op::Save => native_save(&mut client).await?,
                        Op::Publish => {
                            client
                                .publish_event(proto::PublishEventRequest {
                                    pubsub_name: "pubsub".into(),
                                    topic: "orders".into(),
                                    data: format!("{{\"id\":\"{id}\"}}").into_bytes(),
                                    data_content_type: "application/json".into(),
                                    metadata: Default::default(),
                                })
                                .await?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The `dapr` crate's client on one channel with the host's settings (lazy
/// connect, `TCP_NODELAY`).
pub(crate) fn native_client(endpoint: String) -> Result<DaprClient<Channel>> {
    let channel = Endpoint::from_shared(endpoint)?
        .connect_timeout(Duration::from_secs(2))
        .tcp_nodelay(true)
        .connect_lazy();
    Ok(DaprClient::new(channel))
}

/// `GetState` of key `bench` in `statestore`, eventual consistency.
pub(crate) async fn native_get(
    client: &mut DaprClient<Channel>,
) -> Result<proto::GetStateResponse> {
    Ok(client
        .get_state(proto::GetStateRequest {
            store_name: "statestore".into(),
            key: "bench".into(),
            consistency: common::state_options::StateConsistency::ConsistencyEventual as i32,
            metadata: Default::default(),
        })
        .await?
        .into_inner())
}

/// `SaveState` of 64 bytes `x` to key `bench` in `statestore`, last-write,
/// eventual consistency.
pub(crate) async fn native_save(client: &mut DaprClient<Channel>) -> Result<()> {
    let options = common::StateOptions {
        concurrency: common::state_options::StateConcurrency::ConcurrencyLastWrite as i32,
        consistency: common::state_options::StateConsistency::ConsistencyEventual as i32,
    };
    client
        .save_state(proto::SaveStateRequest {
            store_name: "statestore".into(),
            states: vec![common::StateItem {
                key: "bench".into(),
                value: vec![b'x'; 64],
                etag: None,
                metadata: Default::default(),
                options: Some(options),
            }],
        })
        .await?;
    Ok(())
}

fn full_body(
    data: Vec<u8>,
) -> impl hyper::body::Body<Data = Bytes, Error = wasmtime_wasi_http::Error> + Send + 'static {
    Full::new(Bytes::from(data))
        .map_err(|never: Infallible| -> wasmtime_wasi_http::Error { match never {} })
}

/// `conc` tasks, each making `calls` calls of `n` ops; returns the wall
/// time and each call's latency.
async fn run(
    target: &Target,
    op: Op,
    conc: usize,
    n: usize,
    calls: usize,
) -> Result<(Duration, Vec<u64>)> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let start = Instant::now();
    let tasks: Vec<_> = (0..conc)
        .map(|_| {
            let target = target.clone();
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed) as usize;
                    let t = Instant::now();
                    target
                        .call(op, n, id)
                        .await
                        .with_context(|| format!("{} {}", target.name(), op.name()))?;
                    samples.push(nanos(t.elapsed()));
                }
                anyhow::Ok(samples)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(conc * calls);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((start.elapsed(), all))
}

#[derive(Default)]
struct Cell {
    ops_per_s: Vec<f64>,
    latency_ns: Vec<u64>,
}

async fn measure(
    guest: &Target,
    native: &Target,
    ops: usize,
    rounds: usize,
    batch: usize,
) -> Result<()> {
    // (op, conc, ops per call, side) -> results
    let mut cells: BTreeMap<(Op, usize, usize, &'static str), Cell> = BTreeMap::new();
    // Guest requests making no daprd call (`GET /get?n=0`), by concurrency.
    let mut overhead: BTreeMap<usize, Cell> = BTreeMap::new();
    for round in 0..=rounds {
        for conc in CONCURRENCY {
            let calls = (ops / conc).max(2);
            let (elapsed, samples) = run(guest, Op::Get, conc, 0, calls).await?;
            if round > 0 {
                let cell = overhead.entry(conc).or_default();
                cell.ops_per_s
                    .push((conc * calls) as f64 / elapsed.as_secs_f64());
                cell.latency_ns.extend(samples);
            }
        }
        for op in [Op::Get, Op::Save, Op::Publish] {
            for conc in CONCURRENCY {
                let sizes: &[usize] = if op == Op::Publish { &[1] } else { &[1, batch] };
                for &n in sizes {
                    let calls = (ops / (conc * n)).max(2);
                    let order = if round % 2 == 0 {
                        [guest, native]
                    } else {
                        [native, guest]
                    };
                    for target in order {
                        let (elapsed, samples) = run(target, op, conc, n, calls).await?;
                        if round > 0 {
                            let cell = cells.entry((op, conc, n, target.name())).or_default();
                            cell.ops_per_s
                                .push((conc * calls * n) as f64 / elapsed.as_secs_f64());
                            cell.latency_ns.extend(samples);
                        }
                    }
                }
            }
        }
    }

    println!(
        "{:<10}  {:>4}  {:>8}  {:>10}  {:>11}  {:>8}  {:>8}  {:>10}  {:>11}  {:>8}  {:>8}  {:>13}  {:>12}",
        "op",
        "conc",
        "ops/call",
        "guest op/s",
        "native op/s",
        "guest",
        "guest",
        "native",
        "native",
        "ratio",
        "target",
        "p50 latency",
        "p99 latency"
    );
    println!(
        "{:<10}  {:>4}  {:>8}  {:>10}  {:>11}  {:>8}  {:>8}  {:>10}  {:>11}  {:>8}  {:>8}  {:>13}  {:>12}",
        "",
        "",
        "",
        "",
        "",
        "p50 us",
        "p99 us",
        "p50 us",
        "p99 us",
        "op/s g/n",
        "(see end)",
        "ratio n/g",
        "ratio n/g"
    );
    let mut missed = Vec::new();
    for ((op, conc, n, side), guest_cell) in &cells {
        if *side != "guest" {
            continue;
        }
        let native_cell = &cells[&(*op, *conc, *n, "native")];
        let (g, nat) = (
            median(&guest_cell.ops_per_s),
            median(&native_cell.ops_per_s),
        );
        let ratio = g / nat;
        let met = ratio
            >= if *n == 1 {
                TARGET_RATIO
            } else {
                TARGET_RATIO_BATCH
            };
        if !met {
            missed.push(format!("{} c={conc} {n} op/call: {ratio:.3}", op.name()));
        }
        let (gl, nl) = (
            Stats::of(guest_cell.latency_ns.clone()),
            Stats::of(native_cell.latency_ns.clone()),
        );
        // Latency is per call: per op only at 1 op per call.
        let lat = |v: f64| if *n == 1 { us(v) } else { "-".into() };
        let ratio_lat = |num: f64, den: f64| {
            if *n == 1 {
                format!("{:.2}", num / den)
            } else {
                "-".into()
            }
        };
        println!(
            "{:<10}  {:>4}  {:>8}  {:>10.0}  {:>11.0}  {:>8}  {:>8}  {:>10}  {:>11}  {:>8.3}  {:>8}  {:>13}  {:>12}",
            op.name(),
            conc,
            n,
            g,
            nat,
            lat(gl.p50),
            lat(gl.p99),
            lat(nl.p50),
            lat(nl.p99),
            ratio,
            if met { "MET" } else { "MISSED" },
            ratio_lat(nl.p50, gl.p50),
            ratio_lat(nl.p99, gl.p99)
        );
    }
    println!(
        "(op/s: median over {rounds} rounds; latency: all calls of all rounds; `ratio n/g` latency = native / guest, \
         so < 1 means the guest path is slower)"
    );
    for (conc, cell) in &overhead {
        let s = Stats::of(cell.latency_ns.clone());
        println!(
            "guest request without a daprd call (`GET /get?n=0`: fresh instance + wasi:http request/response), conc {conc}: \
             {:.0} req/s, p50 {} us, p99 {} us",
            median(&cell.ops_per_s),
            us(s.p50),
            us(s.p99)
        );
    }
    if missed.is_empty() {
        println!(
            "target guest/native op/s >= {TARGET_RATIO} (1 op/call), >= {TARGET_RATIO_BATCH} (batch): MET everywhere"
        );
    } else {
        println!(
            "target guest/native op/s >= {TARGET_RATIO} (1 op/call), >= {TARGET_RATIO_BATCH} (batch): MISSED for {}",
            missed.join("; ")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// CPU per 1,000 calls

/// Allocations per op of each side, counted over calls of one op and of
/// `batch` ops at concurrency 1 (the whole process: the guest's request
/// and instance, or the native call, and the gRPC connection's work).
async fn allocations(guest: &Target, native: &Target, batch: usize) -> Result<()> {
    const CALLS: usize = 200;
    println!();
    println!(
        "allocations per op (heap allocations of this process, {CALLS} calls at concurrency 1, \
         after the warm-up; guest: one request of n ops; native: n gRPC calls)"
    );
    println!(
        "{:<10}  {:>3}  {:>10}  {:>10}  {:>10}",
        "op", "n", "guest", "native", "guest - native"
    );
    for op in [Op::Get, Op::Save, Op::Publish] {
        for n in [1, batch] {
            if op == Op::Publish && n > 1 {
                continue;
            }
            let mut per_op = [0.0; 2];
            for (i, target) in [guest, native].into_iter().enumerate() {
                let (done, allocations) = count_allocations(run(target, op, 1, n, CALLS)).await;
                done?;
                per_op[i] = allocations as f64 / (CALLS * n) as f64;
            }
            println!(
                "{:<10}  {:>3}  {:>10.1}  {:>10.1}  {:>10.1}",
                op.name(),
                n,
                per_op[0],
                per_op[1],
                per_op[0] - per_op[1]
            );
        }
    }
    Ok(())
}

async fn cpu(guest: &Target, native: &Target, calls: usize, daprd: u32, redis: u32) -> Result<()> {
    let tick = clock_ticks_per_s();
    let conc = 16;
    println!();
    println!(
        "CPU: {calls} calls of one op each at concurrency {conc}, per side and op; utime+stime from /proc/<pid>/stat \
         ({tick} ticks/s) before and after; `bench process` hosts the library (guest rows) or the native client"
    );
    println!(
        "{:<10}  {:<6}  {:>7}  {:>18}  {:>18}  {:>18}  {:>13}",
        "op", "side", "op/s", "bench process s/1k", "daprd s/1k", "redis s/1k", "bench / daprd"
    );
    for op in [Op::Get, Op::Save, Op::Publish] {
        for target in [guest, native] {
            let before = [
                cpu_ticks("self")?,
                cpu_ticks(&daprd.to_string())?,
                cpu_ticks(&redis.to_string())?,
            ];
            let (elapsed, _) = run(target, op, conc, 1, calls / conc).await?;
            let after = [
                cpu_ticks("self")?,
                cpu_ticks(&daprd.to_string())?,
                cpu_ticks(&redis.to_string())?,
            ];
            let done = (calls / conc * conc) as f64;
            let per_k = |i: usize| (after[i] - before[i]) as f64 / tick / done * 1000.0;
            println!(
                "{:<10}  {:<6}  {:>7.0}  {:>18.3}  {:>18.3}  {:>18.3}  {:>13.2}",
                op.name(),
                target.name(),
                done / elapsed.as_secs_f64(),
                per_k(0),
                per_k(1),
                per_k(2),
                per_k(0) / per_k(1)
            );
        }
    }
    Ok(())
}

/// utime + stime of `/proc/<pid>/stat`, in clock ticks (all threads).
pub(crate) fn cpu_ticks(pid: &str) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("/proc/{pid}/stat"))?;
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let rest = &stat[stat
        .rfind(')')
        .ok_or_else(|| anyhow!("bad /proc/{pid}/stat"))?
        + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}

pub(crate) fn clock_ticks_per_s() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------
// daprd + redis

pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

pub(crate) fn version_of(binary: &Path) -> String {
    Command::new(binary)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// `DAPRD`, else the binary `tests/daprd/build.sh` prints (cached; built
/// with Go on the first run).
pub(crate) fn find_daprd() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("DAPRD") {
        return Ok(PathBuf::from(path));
    }
    let script = root_dir().join("tests/daprd/build.sh");
    println!(
        "daprd: {} (cached; the first run builds it with Go, for minutes)",
        script.display()
    );
    let out = Command::new(&script)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        bail!(
            "{} failed ({}):\n{}",
            script.display(),
            out.status,
            tail.join("\n")
        );
    }
    let path = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_string();
    if path.is_empty() || !Path::new(&path).is_file() {
        bail!("{} printed no daprd path", script.display());
    }
    Ok(PathBuf::from(path))
}

/// daprd and its redis; both killed (daprd first) when dropped.
pub(crate) struct Daprd {
    pub(crate) daprd: ChildGuard,
    pub(crate) redis: ChildGuard,
    pub(crate) grpc_port: u16,
    pub(crate) http_port: u16,
    pub(crate) redis_port: u16,
}

impl Daprd {
    /// daprd for app `APP_ID` without an app channel.
    pub(crate) fn start(daprd: &Path, dir: &Path) -> Result<Daprd> {
        Self::start_for(daprd, dir, APP_ID, None, "")
    }

    /// daprd for app `app_id`, calling its app channel on `app_port` (gRPC)
    /// if given, with `extra` YAML documents in its resources.
    pub(crate) fn start_for(
        daprd: &Path,
        dir: &Path,
        app_id: &str,
        app_port: Option<u16>,
        extra: &str,
    ) -> Result<Daprd> {
        let port = || -> Result<u16> { Ok(free_addr()?.port()) };
        let redis_port = port()?;
        let mut command = Command::new(root_dir().join("tests/daprd/redis.sh"));
        command.arg(redis_port.to_string()).arg(dir.join("redis"));
        let mut redis = spawn_logged(command, dir.join("redis.log"))?;
        wait_until(&mut redis, "redis-server", Duration::from_secs(30), || {
            redis_ping(redis_port)
        })?;

        let resources = dir.join("resources");
        std::fs::create_dir_all(&resources)?;
        let component = |name: &str, ty: &str| {
            format!(
                "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n  - name: redisHost\n    value: \"127.0.0.1:{redis_port}\"\n  - name: redisPassword\n    value: \"\"\n"
            )
        };
        std::fs::write(
            resources.join("components.yaml"),
            [
                component("statestore", "state.redis"),
                component("pubsub", "pubsub.redis"),
            ]
            .join("---\n"),
        )?;
        if !extra.is_empty() {
            std::fs::write(resources.join("extra.yaml"), extra)?;
        }
        std::fs::write(
            dir.join("config.yaml"),
            format!(
                "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: bench\nspec:\n  nameResolution:\n    component: sqlite\n    configuration:\n      connectionString: {}\n",
                dir.join("names.db").display()
            ),
        )?;
        let (grpc_port, http_port, internal_port) = (port()?, port()?, port()?);
        let mut command = Command::new(daprd);
        command
            .args(["--app-id", app_id])
            .args([
                "--dapr-grpc-port",
                &grpc_port.to_string(),
                "--dapr-http-port",
                &http_port.to_string(),
            ])
            .args(["--dapr-internal-grpc-port", &internal_port.to_string()])
            .args([
                "--dapr-listen-addresses",
                "127.0.0.1",
                "--dapr-internal-grpc-listen-address",
                "127.0.0.1",
            ])
            .args(["--enable-metrics=false", "--log-level", "warn"])
            .args(app_port.iter().flat_map(|port| {
                [
                    "--app-port".to_string(),
                    port.to_string(),
                    "--app-protocol".to_string(),
                    "grpc".to_string(),
                ]
            }))
            .arg("--resources-path")
            .arg(&resources)
            .arg("--config")
            .arg(dir.join("config.yaml"))
            .env_remove("DAPR_API_TOKEN")
            .env_remove("DAPR_SCHEDULER_HOST_ADDRESS")
            .env_remove("DAPR_SCHEDULER_HOST_ADDRESS_DNS_A");
        let mut daprd = spawn_logged(command, dir.join("daprd.log"))?;
        let health = SocketAddr::from(([127, 0, 0, 1], http_port));
        wait_until(&mut daprd, "daprd", Duration::from_secs(60), || {
            http_status(health, "/v1.0/healthz/outbound") == Some(204)
        })?;
        Ok(Daprd {
            daprd,
            redis,
            grpc_port,
            http_port,
            redis_port,
        })
    }
}

/// Spawns `command` with stdout and stderr in `log`.
fn spawn_logged(mut command: Command, log: PathBuf) -> Result<ChildGuard> {
    let file = std::fs::File::create(&log)?;
    command
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    Ok(ChildGuard { child, log })
}

/// Waits until `ready` (polled every 50 ms), failing when `process` exits
/// or `timeout` passes first.
pub(crate) fn wait_until(
    process: &mut ChildGuard,
    name: &str,
    timeout: Duration,
    ready: impl FnMut() -> bool,
) -> Result<()> {
    process
        .poll_until(name, timeout, Duration::from_millis(50), ready)
        .map(drop)
}

fn redis_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = [0u8; 7];
    stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// The status of one `GET path` on a fresh connection.
pub(crate) fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    http_status_of(addr, "GET", path, None)
}

/// The status of one `method path` on a fresh connection, with a JSON
/// `body` if given.
pub(crate) fn http_status_of(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    let mut request = request.into_bytes();
    request.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&request).ok()?;
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}
