//! A real Dapr sidecar for tests: the slim daprd built by
//! `tests/daprd/build.sh` and a private redis-server, on free loopback
//! ports, stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::repo;

/// A free loopback port.
///
/// Ports come from below the kernel's ephemeral range (32768 and up on
/// Linux), each at most once per test process, from a block chosen by the
/// process id: a port picked here and bound a moment later by daprd,
/// redis or placement is then not handed meanwhile to an outbound
/// connection or to another test of the same process. A port some other
/// process holds is skipped.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 10_000;
    const SPAN: u32 = 22_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        (std::process::id() % 44) * 500,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The path the repository script `script` prints last (it builds or
/// installs something, cached across runs), panicking if it fails.
fn made_by(script: &str) -> PathBuf {
    let out = Command::new(repo().join(script))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running {script}: {e}"));
    assert!(out.status.success(), "{script} failed");
    let stdout = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(
        stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("{script} prints a path"))
            .trim(),
    )
}

/// The daprd binary, built (or taken from the cache) once per test process.
pub fn daprd() -> PathBuf {
    static DAPRD: OnceLock<PathBuf> = OnceLock::new();
    DAPRD
        .get_or_init(|| made_by("tests/daprd/build.sh"))
        .clone()
}

/// A child process killed (and reaped) on drop.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private redis-server.
pub struct Redis {
    pub port: u16,
    _process: Option<Process>,
}

impl Redis {
    /// Starts redis on a free port and waits for PING.
    pub fn start(dir: &Path) -> Redis {
        let port = free_port();
        let child = Command::new(repo().join("tests/daprd/redis.sh"))
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("starting redis");
        let redis = Redis {
            port,
            _process: Some(Process(child)),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while redis.command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(Instant::now() < deadline, "redis did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        redis
    }

    /// Sends one command; returns the first line of the reply.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        self.pipeline(&[args])
    }

    /// Sets `key` = `value` pairs in database `db` (one connection, so the
    /// `SELECT` applies to them).
    pub fn set_in_db(&self, db: u32, items: &[(&str, String)]) -> Option<String> {
        let db = db.to_string();
        let mut commands: Vec<Vec<&str>> = vec![vec!["SELECT", &db]];
        commands.extend(items.iter().map(|(k, v)| vec!["SET", k, v.as_str()]));
        let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
        self.pipeline(&commands)
    }

    /// Sends commands on one connection (so `SELECT` applies to the rest);
    /// returns the first line of the replies.
    pub fn pipeline(&self, commands: &[&[&str]]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = String::new();
        for args in commands {
            request.push_str(&format!("*{}\r\n", args.len()));
            for a in *args {
                request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
            }
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reply = Vec::new();
        let mut buf = [0u8; 512];
        while reply.iter().filter(|b| **b == b'\n').count() < commands.len() {
            let n = stream.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&reply)
            .lines()
            .next()
            .map(str::to_string)
    }
}

/// A running daprd with its redis.
pub struct Daprd {
    pub grpc_port: u16,
    pub http_port: u16,
    pub app_port: u16,
    pub redis: Redis,
    pub dir: tempfile::TempDir,
    process: Option<Process>,
    app_id: String,
    /// Flags naming the control plane daprd uses, if any.
    control_plane: Vec<String>,
    /// Whether daprd calls the app on `app_port`.
    app_channel: bool,
    /// More flags, after the fixture's own (so they win).
    extra_args: Vec<String>,
}

/// Dapr's placement and scheduler services (built with daprd by
/// `tests/daprd/build.sh`) on free loopback ports, stopped on drop.
pub struct ControlPlane {
    /// The placement service's gRPC address.
    pub placement: String,
    /// The scheduler service's gRPC address.
    pub scheduler: String,
    dir: tempfile::TempDir,
    _processes: [Process; 2],
}

impl ControlPlane {
    /// Starts placement and scheduler and waits until both are healthy.
    pub fn start() -> ControlPlane {
        let dir = tempfile::tempdir().unwrap();
        let bin = |name: &str| daprd().with_file_name(name);
        let ports: [u16; 8] = std::array::from_fn(|_| free_port());
        let port = |i: usize| ports[i].to_string();
        let spawn = |name: &str, args: Vec<String>| {
            let log = std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap();
            Process(
                Command::new(bin(name))
                    .args(args)
                    .current_dir(dir.path())
                    .stdout(log.try_clone().unwrap())
                    .stderr(log)
                    .spawn()
                    .unwrap_or_else(|e| panic!("starting {name}: {e}")),
            )
        };
        let loopback = |flag: &str| vec![format!("--{flag}"), "127.0.0.1".to_string()];
        let placement = spawn(
            "placement",
            [
                vec!["--port".into(), port(0), "--healthz-port".into(), port(1)],
                loopback("listen-address"),
                loopback("healthz-listen-address"),
                vec![
                    "--enable-metrics=false".into(),
                    "--initial-cluster".into(),
                    format!("dapr-placement-0=127.0.0.1:{}", port(2)),
                ],
            ]
            .concat(),
        );
        let scheduler = spawn(
            "scheduler",
            [
                vec!["--port".into(), port(3), "--healthz-port".into(), port(4)],
                loopback("listen-address"),
                loopback("healthz-listen-address"),
                loopback("etcd-client-listen-address"),
                vec![
                    "--enable-metrics=false".into(),
                    "--etcd-client-port".into(),
                    port(5),
                    "--etcd-initial-cluster".into(),
                    format!("dapr-scheduler-server-0=http://127.0.0.1:{}", port(6)),
                    "--etcd-data-dir".into(),
                    dir.path().join("etcd").display().to_string(),
                ],
            ]
            .concat(),
        );
        let plane = ControlPlane {
            placement: format!("127.0.0.1:{}", port(0)),
            scheduler: format!("127.0.0.1:{}", port(3)),
            dir,
            _processes: [placement, scheduler],
        };
        for (name, healthz) in [("placement", ports[1]), ("scheduler", ports[4])] {
            let deadline = Instant::now() + Duration::from_secs(60);
            while super::serve::try_http(
                std::net::SocketAddr::from(([127, 0, 0, 1], healthz)),
                "GET",
                "/healthz",
                b"",
            )
            .map(|(status, _)| status)
                != Some(200)
            {
                assert!(
                    Instant::now() < deadline,
                    "{name} did not start:\n{}",
                    plane.log(name)
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        plane
    }

    /// The log of `placement` or `scheduler`.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }
}

/// The metadata of the test `pubsub` (redis streams): pending messages are
/// reclaimed quickly, so that a restarted sidecar redelivers them soon.
pub const FAST_REDELIVERY: &str = "  - name: redeliverInterval\n    value: \"200\"\n  - name: processingTimeout\n    value: \"300\"\n";

/// Component manifests for the redis-backed test components (`pubsub` with
/// the metadata lines `pubsub_metadata`), plus `extra` YAML documents.
fn resources(dir: &Path, redis_port: u16, extra: &str, pubsub_metadata: &str) -> PathBuf {
    let resources = dir.join("resources");
    std::fs::create_dir_all(&resources).unwrap();
    let redis = |name: &str, ty: &str, more: &str| {
        format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n  - name: redisHost\n    value: \"127.0.0.1:{redis_port}\"\n  - name: redisPassword\n    value: \"\"\n{more}"
        )
    };
    let docs = [
        redis("statestore", "state.redis", ""),
        redis("pubsub", "pubsub.redis", pubsub_metadata),
        redis(
            "configstore",
            "configuration.redis",
            "  - name: redisDB\n    value: \"1\"\n",
        ),
        redis("lockstore", "lock.redis", ""),
        extra.to_string(),
    ];
    std::fs::write(resources.join("components.yaml"), docs.join("\n---\n")).unwrap();
    // Redelivery of events the app answers with `retry`: with a dead-letter
    // topic, daprd retries only as its resiliency policy says.
    std::fs::write(
        resources.join("resiliency.yaml"),
        "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: pubsub-retries\nspec:\n  policies:\n    retries:\n      redeliver:\n        policy: constant\n        duration: 100ms\n        maxRetries: 5\n  targets:\n    components:\n      pubsub:\n        inbound:\n          retry: redeliver\n",
    )
    .unwrap();
    resources
}

impl Daprd {
    /// Starts redis and a daprd for `app_id` whose app channel is `app_port`
    /// (gRPC), with the redis components and `extra` manifests.
    pub fn start(app_id: &str, app_port: u16, extra: &str) -> Daprd {
        Self::start_with_pubsub(app_id, app_port, extra, FAST_REDELIVERY)
    }

    /// Like [`Daprd::start`], with `pubsub_metadata` (YAML metadata lines)
    /// for the `pubsub` component instead of [`FAST_REDELIVERY`].
    pub fn start_with_pubsub(
        app_id: &str,
        app_port: u16,
        extra: &str,
        pubsub_metadata: &str,
    ) -> Daprd {
        let mut daprd = Self::prepare_alone(app_id, app_port, extra, pubsub_metadata);
        daprd.spawn();
        daprd
    }

    /// A daprd with its own redis and name-resolution database, not started.
    fn prepare_alone(app_id: &str, app_port: u16, extra: &str, pubsub_metadata: &str) -> Daprd {
        let dir = tempfile::tempdir().unwrap();
        let redis = Redis::start(&dir.path().join("redis"));
        let names = dir.path().join("names.db");
        Self::prepare(app_id, app_port, extra, pubsub_metadata, dir, redis, &names)
    }

    /// Like [`Daprd::start`], using the placement and scheduler of `plane`
    /// (actors and jobs), with `statestore` as the actor state store.
    pub fn start_with_control_plane(
        app_id: &str,
        app_port: u16,
        extra: &str,
        plane: &ControlPlane,
    ) -> Daprd {
        let mut daprd = Self::prepare_alone(app_id, app_port, extra, FAST_REDELIVERY);
        daprd.use_control_plane(plane);
        daprd.spawn();
        daprd
    }

    /// Makes daprd use the placement and scheduler of `plane`, with
    /// `statestore` as the actor state store; before [`Daprd::spawn`].
    pub fn use_control_plane(&mut self, plane: &ControlPlane) {
        let components = self.dir.path().join("resources/components.yaml");
        let text = std::fs::read_to_string(&components).unwrap();
        let store = "  name: statestore\nspec:\n  type: state.redis\n  version: v1\n  metadata:\n";
        let marked = format!("{store}  - name: actorStateStore\n    value: \"true\"\n");
        std::fs::write(&components, text.replacen(store, &marked, 1)).unwrap();
        self.control_plane = vec![
            "--placement-host-address".into(),
            plane.placement.clone(),
            "--scheduler-host-address".into(),
            plane.scheduler.clone(),
        ];
    }

    /// Starts a second daprd for another app next to `first`: the same redis
    /// (so the same state and topics) and the same name-resolution database
    /// (so the apps can invoke each other).
    pub fn start_next_to(first: &Daprd, app_id: &str, app_port: u16) -> Daprd {
        let mut daprd = Self::next_to(first, app_id, app_port);
        daprd.spawn();
        daprd
    }

    /// Like [`Daprd::start_with_pubsub`] (no extra manifests), not started
    /// yet (see [`Daprd::spawn`]).
    pub fn alone(app_id: &str, app_port: u16, pubsub_metadata: &str) -> Daprd {
        Self::prepare_alone(app_id, app_port, "", pubsub_metadata)
    }

    /// Makes daprd run without an app channel (no `--app-port`): the app
    /// reaches it, never the other way; before [`Daprd::spawn`].
    pub fn without_app_channel(&mut self) {
        self.app_channel = false;
    }

    /// Adds flags to daprd's command line (they override the fixture's own,
    /// such as `--log-level`); before [`Daprd::spawn`].
    pub fn with_args(&mut self, args: &[&str]) {
        self.extra_args.extend(args.iter().map(|a| a.to_string()));
    }

    /// Like [`Daprd::start_next_to`], not started yet (see [`Daprd::spawn`]).
    pub fn next_to(first: &Daprd, app_id: &str, app_port: u16) -> Daprd {
        let dir = tempfile::tempdir().unwrap();
        let redis = Redis {
            port: first.redis.port,
            _process: None,
        };
        Self::prepare(
            app_id,
            app_port,
            "",
            FAST_REDELIVERY,
            dir,
            redis,
            &first.dir.path().join("names.db"),
        )
    }

    /// Makes daprd trace every call (sampling rate 1) and export its spans
    /// over OTLP/gRPC to `endpoint` (`http://host:port`); before
    /// [`Daprd::spawn`].
    pub fn trace_to(&mut self, endpoint: &str) {
        let address = endpoint.trim_start_matches("http://");
        let config = self.dir.path().join("config.yaml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "  tracing:\n    samplingRate: \"1\"\n    otel:\n      endpointAddress: \"{address}\"\n      isSecure: false\n      protocol: grpc\n"
        ));
        std::fs::write(config, text).unwrap();
    }

    /// Writes daprd's resources and configuration; does not start it.
    fn prepare(
        app_id: &str,
        app_port: u16,
        extra: &str,
        pubsub_metadata: &str,
        dir: tempfile::TempDir,
        redis: Redis,
        names: &Path,
    ) -> Daprd {
        resources(dir.path(), redis.port, extra, pubsub_metadata);
        std::fs::write(
            dir.path().join("config.yaml"),
            format!(
                "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: test\nspec:\n  nameResolution:\n    component: sqlite\n    configuration:\n      connectionString: {}\n",
                names.display()
            ),
        )
        .unwrap();
        Daprd {
            grpc_port: free_port(),
            http_port: free_port(),
            app_port,
            redis,
            dir,
            process: None,
            app_id: app_id.to_string(),
            control_plane: Vec::new(),
            app_channel: true,
            extra_args: Vec::new(),
        }
    }

    /// (Re)starts the daprd process and waits until its APIs answer. Its
    /// internal port is picked afresh, and again if another process took
    /// it between picking and binding (ports are only reserved by use).
    pub fn spawn(&mut self) {
        for _ in 0..5 {
            if self.try_spawn() {
                return;
            }
        }
        panic!("daprd found no free internal port:\n{}", self.log());
    }

    /// One start; false if daprd exited because its internal port was taken.
    fn try_spawn(&mut self) -> bool {
        let internal = free_port();
        let log = std::fs::File::create(self.dir.path().join("daprd.log")).unwrap();
        let app_port = self.app_port.to_string();
        let app_channel = ["--app-port", &app_port, "--app-protocol", "grpc"];
        let child = Command::new(daprd())
            .args(["--app-id", &self.app_id])
            .args(if self.app_channel {
                &app_channel[..]
            } else {
                &[]
            })
            .args([
                "--dapr-grpc-port",
                &self.grpc_port.to_string(),
                "--dapr-http-port",
                &self.http_port.to_string(),
            ])
            .args(["--dapr-internal-grpc-port", &internal.to_string()])
            .args([
                "--dapr-listen-addresses",
                "127.0.0.1",
                "--dapr-internal-grpc-listen-address",
                "127.0.0.1",
            ])
            .args(["--enable-metrics=false", "--log-level", "warn"])
            .args(&self.control_plane)
            .args(&self.extra_args)
            .arg("--resources-path")
            .arg(self.dir.path().join("resources"))
            .arg("--config")
            .arg(self.dir.path().join("config.yaml"))
            .env_remove("DAPR_API_TOKEN")
            .env_remove("DAPR_SCHEDULER_HOST_ADDRESS")
            .env_remove("DAPR_SCHEDULER_HOST_ADDRESS_DNS_A")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting daprd");
        self.process = Some(Process(child));
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.http_get("/v1.0/healthz/outbound").0 != 204 {
            let exited = self
                .process
                .as_mut()
                .is_some_and(|p| matches!(p.0.try_wait(), Ok(Some(_))));
            let taken = format!("127.0.0.1:{internal}: bind: address already in use");
            if exited && self.log().contains(&taken) {
                return false;
            }
            assert!(
                !exited && Instant::now() < deadline,
                "daprd did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Kills the daprd process (redis stays up).
    pub fn kill(&mut self) {
        self.process = None;
    }

    /// The gRPC endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// daprd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daprd.log")).unwrap_or_default()
    }

    /// A request to daprd's HTTP API: (status, body).
    pub fn http(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.http_port));
        super::serve::try_http(addr, method, path, body).unwrap_or((0, Vec::new()))
    }

    /// Waits (up to 30 s) until daprd lists a subscription to `topic` in
    /// its metadata (it asked the app for them).
    pub fn wait_for_subscription(&self, topic: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let listed = format!("\"topic\":\"{topic}\"");
        while !String::from_utf8_lossy(&self.http_get("/v1.0/metadata").1).contains(&listed) {
            assert!(
                Instant::now() < deadline,
                "daprd never subscribed the app to {topic}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// GET on daprd's HTTP API.
    pub fn http_get(&self, path: &str) -> (u16, Vec<u8>) {
        self.http("GET", path, b"")
    }
}

/// The Python of a virtual environment with the Python Dapr SDK
/// (`tests/python-client/venv.sh`, made once per machine).
pub fn python_with_dapr_sdk() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| made_by("tests/python-client/venv.sh"))
        .clone()
}
