//! Group `pubsub`: delivery throughput of `event-sink.wasm` (subscriber and
//! HTTP publisher in one app, see `tests/guests/event-sink`), served by the
//! `wasmtime-dapr serve` binary on three backends:
//!
//! - durable: the default `pubsub` (`pubsub.sqlite` in `--data-dir`);
//! - in-memory: `pubsub.in-memory` (with `state.sqlite` as the store);
//! - daprd + redis: the same binary behind a daprd (`pubsub.redis`,
//!   `state.redis`, Dapr's default reclaim times) with an inbound Resiliency
//!   retry policy (constant 100 ms, 5 retries), started here.
//!
//! Each run publishes `BENCH_PUBSUB_EVENTS` events through the guest
//! (`POST /publish`, 1,000 `publish` calls per request, sequential) and
//! waits until the guest counts that many distinct effects (`GET /count`,
//! polled every 100 ms), without retries and with a `retry` answered on the
//! first delivery of every 7th event. Throughput is events over the time
//! from the first publish to the last effect; every run also checks that no
//! effect was applied twice.

use std::collections::BTreeMap;

use super::sidecar::{Daprd, find_daprd, http_status, on_path, version_of, wait_until};
use super::*;

/// Events per `POST /publish` request.
const BATCH: usize = 1_000;
/// How often the effects are counted while waiting.
const POLL: Duration = Duration::from_millis(100);
/// The app id of the guest.
const SINK: &str = "event-sink";

pub fn bench_pubsub() -> Result<()> {
    let events = env_usize("BENCH_PUBSUB_EVENTS", 10_000).max(BATCH);
    let sink = guest("event_sink")?;
    let dir = tempfile::tempdir()?;
    println!(
        "{events} events per run, published in requests of {BATCH} (sequential `publish` calls); \
         retries: the first delivery of every 7th event answers `retry`"
    );
    println!(
        "{:<14} {:>8} {:>12} {:>12} {:>10}",
        "backend", "retries", "publish s", "total s", "events/s"
    );
    let mut results = BTreeMap::new();
    for (backend, retry) in [
        ("durable", 0),
        ("durable", 7),
        ("in-memory", 0),
        ("in-memory", 7),
    ] {
        let run_dir = dir.path().join(format!("{backend}-{retry}"));
        std::fs::create_dir_all(&run_dir)?;
        let (mut command, addr) = sink_command(&sink, &run_dir)?;
        if backend == "in-memory" {
            command
                .arg("--resources-path")
                .arg(in_memory_resources(&run_dir)?);
        }
        let run = Run::start(command, addr, &run_dir)?;
        let result = run.measure(0, events, retry)?;
        result.print(backend, retry);
        results.insert((backend, retry), result.rate());
    }
    match daprd_runs(&sink, dir.path(), events) {
        Ok(rates) => results.extend(rates),
        Err(err) => println!("daprd + redis SKIPPED: {err:#}"),
    }
    let rate = |k: (&str, u32)| results.get(&k).copied();
    if let (Some(with), Some(without)) = (rate(("durable", 7)), rate(("durable", 0))) {
        println!(
            "durable, retries vs none: {:.2}x the time (target: at most 2x)",
            without / with
        );
    }
    if let (Some(durable), Some(dapr)) = (rate(("durable", 7)), rate(("daprd+redis", 7))) {
        println!(
            "with retries, durable vs daprd + redis: {:.2}x the throughput (target: at least 1x)",
            durable / dapr
        );
    }
    Ok(())
}

/// The daprd + redis runs; skipped when either is missing.
fn daprd_runs(
    sink: &Path,
    dir: &Path,
    events: usize,
) -> Result<BTreeMap<(&'static str, u32), f64>> {
    if !on_path("redis-server") {
        bail!("redis-server is not on PATH (Debian/Ubuntu: apt-get install -y redis-server)");
    }
    let daprd = find_daprd()?;
    let dapr_dir = dir.join("daprd");
    std::fs::create_dir_all(&dapr_dir)?;
    let app_port = free_addr()?.port();
    let resiliency = "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: pubsub-retries\nspec:\n  policies:\n    retries:\n      redeliver:\n        policy: constant\n        duration: 100ms\n        maxRetries: 5\n  targets:\n    components:\n      pubsub:\n        inbound:\n          retry: redeliver\n";
    let sidecar = Daprd::start_for(&daprd, &dapr_dir, SINK, Some(app_port), resiliency)?;
    println!(
        "  (daprd {} pid {}, redis-server {} pid {})",
        version_of(&daprd),
        sidecar.daprd.child.id(),
        version_of(Path::new("redis-server")),
        sidecar.redis.child.id()
    );
    let (mut command, addr) = sink_command(sink, &dapr_dir)?;
    command
        .arg("--dapr-grpc-endpoint")
        .arg(format!("http://127.0.0.1:{}", sidecar.grpc_port))
        .arg("--app-port")
        .arg(app_port.to_string());
    let run = Run::start(command, addr, &dapr_dir)?;
    // daprd subscribes the app once its app channel answers.
    let metadata = SocketAddr::from(([127, 0, 0, 1], sidecar.http_port));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http_body(metadata, "GET", "/v1.0/metadata")
        .is_some_and(|b| b.contains("\"topic\":\"numbers\""))
    {
        if Instant::now() > deadline {
            bail!("daprd never subscribed the app");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut rates = BTreeMap::new();
    // redis keeps the effects: each run counts its own range of numbers.
    for (i, retry) in [0u32, 7].into_iter().enumerate() {
        let result = run.measure(i * events, events, retry)?;
        result.print("daprd+redis", retry);
        rates.insert(("daprd+redis", retry), result.rate());
    }
    drop(run);
    drop(sidecar);
    Ok(rates)
}

/// `serve` for the sink on a free port (returned), its data in `dir`.
fn sink_command(sink: &Path, dir: &Path) -> Result<(Command, SocketAddr)> {
    let addr = free_addr()?;
    let mut command = Command::new(dapr_binary());
    command
        .arg("serve")
        .arg(format!("{SINK}={}", sink.display()))
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--cache-dir")
        .arg(shared_cache_dir());
    Ok((command, addr))
}

/// Manifests for `statestore` (`state.sqlite`) and `pubsub`
/// (`pubsub.in-memory`) in `dir`.
fn in_memory_resources(dir: &Path) -> Result<PathBuf> {
    let resources = dir.join("resources");
    std::fs::create_dir_all(&resources)?;
    std::fs::write(
        resources.join("components.yaml"),
        format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.sqlite\n  version: v1\n  metadata:\n  - name: connectionString\n    value: \"{}\"\n---\napiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.in-memory\n  version: v1\n  metadata: []\n",
            dir.join("state.db").display()
        ),
    )?;
    Ok(resources)
}

/// One running `serve` of the sink.
struct Run {
    _server: ChildGuard,
    addr: SocketAddr,
}

/// The outcome of one measurement.
struct Measured {
    events: usize,
    publish: Duration,
    total: Duration,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.events as f64 / self.total.as_secs_f64()
    }

    fn print(&self, backend: &str, retry: u32) {
        let retries = if retry == 0 {
            "none".to_string()
        } else {
            format!("1 in {retry}")
        };
        println!(
            "{backend:<14} {retries:>8} {:>12.2} {:>12.2} {:>10.0}",
            self.publish.as_secs_f64(),
            self.total.as_secs_f64(),
            self.rate()
        );
    }
}

impl Run {
    /// Starts `command`, serving on `addr`, and waits until the guest
    /// answers.
    fn start(command: Command, addr: SocketAddr, dir: &Path) -> Result<Run> {
        let mut server = ChildGuard::spawn(command, dir.join("serve.log"))?;
        wait_until(&mut server, "serve", Duration::from_secs(120), || {
            http_status(addr, "/count?n=0") == Some(200)
        })?;
        Ok(Run {
            _server: server,
            addr,
        })
    }

    /// Publishes `from..from + events` and waits for every effect.
    fn measure(&self, from: usize, events: usize, retry: u32) -> Result<Measured> {
        let start = Instant::now();
        let mut next = from;
        while next < from + events {
            let end = (next + BATCH).min(from + events);
            let path = format!("/publish?from={next}&to={end}&retry={retry}");
            let body = http_body(self.addr, "POST", &path).context("publish failed")?;
            if body.trim() != (end - next).to_string() {
                bail!("publish: {body}");
            }
            next = end;
        }
        let publish = start.elapsed();
        let deadline = start + Duration::from_secs(600);
        loop {
            let (distinct, total) = self.count(from, events)?;
            if distinct == events as u64 {
                let total_time = start.elapsed();
                if total != distinct {
                    bail!("{} effects applied twice", total - distinct);
                }
                return Ok(Measured {
                    events,
                    publish,
                    total: total_time,
                });
            }
            if Instant::now() > deadline {
                bail!("only {distinct} of {events} events arrived");
            }
            std::thread::sleep(POLL);
        }
    }

    /// `(distinct, total)` effects of `from..from + events`.
    fn count(&self, from: usize, events: usize) -> Result<(u64, u64)> {
        let body = http_body(self.addr, "GET", &format!("/count?from={from}&n={events}"))
            .context("count failed")?;
        let v: serde_json::Value =
            serde_json::from_str(&body).with_context(|| format!("count: {body}"))?;
        let field = |name: &str| v[name].as_u64().with_context(|| format!("count: {body}"));
        Ok((field("distinct")?, field("total")?))
    }
}

/// One request on a fresh connection; the body of a 200 answer.
fn http_body(addr: SocketAddr, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .ok()?;
    stream
        .write_all(
            format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            )
            .as_bytes(),
        )
        .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    if head.split(' ').nth(1)? != "200" {
        return None;
    }
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some(body)
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut data: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = data.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        data = rest[size..].trim_start_matches("\r\n");
    }
    out
}
