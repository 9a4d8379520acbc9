//! The conformance scenarios (`tests/conformance/scenarios/*.json`), run by
//! the runner component of every guest language against every backend.
//! See `tests/conformance/README.md` for the format.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};
use wasmtime_dapr::runtime::{App, RuntimeConfig};
use wasmtime_dapr::{Server, ServerOptions};

/// A guest language and its runner component.
struct Language {
    name: &'static str,
    runner: PathBuf,
}

/// The runners of a scenario file: the WASI runners for the WASI
/// scenarios (`wasi-*`), every guest language's for the others.
fn runners_of(block: &str) -> Vec<Language> {
    if block.starts_with("wasi-") {
        wasi_runners()
    } else {
        languages()
    }
}

/// The WASI runners, each importing only the `wasi:keyvalue` and
/// `wasi:config` variants one other host links (named after that host).
fn wasi_runners() -> Vec<Language> {
    ["wasmtime", "wasmcloud", "spin"]
        .into_iter()
        .map(|host| Language {
            name: host,
            runner: common::guest(&format!("wasi_runner_{host}.wasm")),
        })
        .collect()
}

/// Every guest language's runner. `CONFORMANCE_LANGUAGES` (names separated
/// by commas, such as `typescript`) keeps only those languages, for a
/// quicker run while working on one; unset, all of them run.
fn languages() -> Vec<Language> {
    /// Where a language's runner is, built if needed.
    type Runner = fn() -> PathBuf;
    let all: [(&'static str, Runner); 4] = [
        ("rust", || common::guest("conformance_runner.wasm")),
        ("assemblyscript", || {
            common::built(
                "tests/guests/conformance-runner-as/build/conformance-runner-as.wasm",
                "just build-assemblyscript",
            )
        }),
        ("python", || {
            common::built(
                "tests/guests/conformance-runner-py/build/conformance-runner-py.wasm",
                "just build-python",
            )
        }),
        // TypeScript compiles to JavaScript: this runner covers both.
        ("typescript", || {
            common::built(
                "tests/guests/conformance-runner-js/build/conformance-runner-js.wasm",
                "just build-js",
            )
        }),
    ];
    let only = std::env::var("CONFORMANCE_LANGUAGES").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|only| only.split(',').any(|n| n.trim() == name))
    };
    all.into_iter()
        .filter(|(name, _)| wanted(name))
        .map(|(name, runner)| Language {
            name,
            runner: runner(),
        })
        .collect()
}

/// The backends every scenario runs against.
const BACKENDS: &[&str] = &["embedded", "daprd"];

/// The redis database that holds `configstore`'s items behind daprd.
const CONFIGURATION_DB: u32 = 1;

/// The configuration items every scenario starts with.
const INITIAL_CONFIGURATION: &[(&str, &str)] = &[("greeting", "hello"), ("color", "blue")];

/// How one scenario ended for one language and backend.
enum Outcome {
    Passed,
    Failed(String),
    Unsupported,
    /// Known not to work yet on this backend (the scenario's `pending`
    /// note), and still failing as expected.
    Pending(String),
}

/// The prefix of the environment variables `envsecrets` exposes. Only the
/// harness sets variables with it, so no other variable of the test
/// process (such as `CONFORMANCE_LOG`) becomes a secret.
const ENV_SECRETS_PREFIX: &str = "CONFORMANCE_SECRET_";

/// The environment secrets `envsecrets` holds, by name without the prefix.
const ENV_SECRETS: &[(&str, &str)] = &[("TOKEN", "t0k")];

/// A Dapr component manifest; `scopes` empty means every app.
fn manifest(name: &str, ty: &str, metadata: &[(&str, String)], scopes: &[&str]) -> String {
    let mut doc = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n"
    );
    for (k, v) in metadata {
        doc.push_str(&format!("  - name: {k}\n    value: \"{v}\"\n"));
    }
    if !scopes.is_empty() {
        doc.push_str(&format!("scopes: [{}]\n", scopes.join(", ")));
    }
    doc
}

/// The components of the same type on every backend (see the README's
/// table), with their files under `dir`. `ticker_schedule` is the backend's
/// cron schedule for `ticker`.
fn components_of_every_backend(dir: &Path, ticker_schedule: &str) -> Result<Vec<String>> {
    let files = dir.join("files");
    let secrets = dir.join("secrets.json");
    std::fs::create_dir_all(&files)?;
    std::fs::write(
        &secrets,
        r#"{"db-password": "s3cret", "nested": {"inner": "v"}}"#,
    )?;
    Ok(vec![
        manifest("memstore", "state.in-memory", &[], &[]),
        manifest("private", "state.in-memory", &[], &["someone-else"]),
        manifest(
            "files",
            "bindings.localstorage",
            &[("rootPath", files.display().to_string())],
            &[],
        ),
        manifest(
            "secretstore",
            "secretstores.local.file",
            &[
                ("secretsFile", secrets.display().to_string()),
                ("nestedSeparator", ":".into()),
            ],
            &[],
        ),
        manifest(
            "envsecrets",
            "secretstores.local.env",
            &[("prefix", ENV_SECRETS_PREFIX.into())],
            &[],
        ),
        manifest(
            "ticker",
            "bindings.cron",
            &[("schedule", ticker_schedule.into())],
            &[],
        ),
        manifest("echo", "conversation.echo", &[], &[]),
        manifest(
            "localkeys",
            "crypto.dapr.localstorage",
            &[("path", crypto_keys().display().to_string())],
            &[],
        ),
    ])
}

/// The folder of `localkeys`'s keys: small keys made for these tests only.
fn crypto_keys() -> PathBuf {
    common::repo().join("tests/conformance/crypto-keys")
}

/// The resources every embedded scenario gets (see the README's table).
fn write_resources(dir: &Path) -> Result<()> {
    let db = dir.join("state.db");
    let config = dir.join("config.yaml");
    write_configuration(&config, INITIAL_CONFIGURATION)?;
    let mut docs = vec![
        manifest(
            "statestore",
            "state.sqlite",
            &[
                ("connectionString", db.display().to_string()),
                ("actorStateStore", "true".into()),
            ],
            &[],
        ),
        manifest(
            "pubsub",
            "pubsub.in-memory",
            &[
                ("maxRetries", "3".into()),
                ("initialRetryIntervalMs", "50".into()),
                ("maxRetryIntervalMs", "200".into()),
                // The publish-order scenario needs Dapr's `single` mode.
                ("concurrencyMode", "single".into()),
            ],
            &[],
        ),
        manifest(
            "configstore",
            "configuration.local.file",
            &[
                ("path", config.display().to_string()),
                ("pollIntervalMs", "50".into()),
            ],
            &[],
        ),
        manifest("lockstore", "lock.in-memory", &[], &[]),
    ];
    docs.extend(components_of_every_backend(dir, "@every 200ms")?);
    std::fs::create_dir_all(dir.join("components"))?;
    std::fs::write(dir.join("components/components.yaml"), docs.join("---\n"))?;
    Ok(())
}

fn write_configuration(path: &Path, items: &[(&str, &str)]) -> Result<()> {
    let text: String = items.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The manifests of the non-redis components a daprd scenario gets (the
/// redis ones are `common::dapr`'s). daprd's cron takes whole seconds.
/// `envsecrets` reads daprd's environment, which it inherits from this
/// process (`set_env_secrets`).
fn daprd_extra_resources(dir: &Path) -> String {
    components_of_every_backend(dir, "@every 1s")
        .expect("writing the daprd resources")
        .join("---\n")
}

/// The runner's runtime-config settings (README: "The components every
/// scenario gets"): the `wasi:keyvalue` label `cache` for `memstore`, and
/// `wasi:config` reading `configstore`, then `secretstore` (not
/// `envsecrets`: daprd's `secretstores.local.env` answers every missing
/// key with an empty value, so it would have every key). No grants: Dapr's
/// scopes decide.
fn runner_access() -> wasmtime_dapr::config::AppAccess {
    wasmtime_dapr::config::AppAccess {
        grants: None,
        keyvalue: [("cache".to_string(), "memstore".to_string())].into(),
        config_sources: Some(wasmtime_dapr::config::ConfigSources {
            configuration: vec!["configstore".into()],
            secrets: vec!["secretstore".into()],
        }),
    }
}

/// Runs one step in a fresh instance of the runner.
async fn execute(app: &App, step: &Value) -> Result<Value> {
    execute_text(app, &step.to_string()).await
}

/// Runs one step, given as JSON text, in a fresh instance of the runner.
async fn execute_text(app: &App, step: &str) -> Result<Value> {
    let mut store = app.new_store(&[])?;
    let instance = app.instance_pre().instantiate_async(&mut store).await?;
    let func = instance.get_typed_func::<(String,), (String,)>(&mut store, "execute")?;
    let (answer,) = func.call_async(&mut store, (step.to_string(),)).await?;
    serde_json::from_str(&answer)
        .with_context(|| format!("the runner answered invalid JSON: {answer}"))
}

/// Whether `actual` matches the `expected` pattern (README: "expect").
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(p), _) if p == "*" => true,
        (Value::String(p), Value::String(a)) if p.ends_with('*') => {
            a.starts_with(&p[..p.len() - 1])
        }
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(ev, av)| matches(ev, av))
        }
        _ => expected == actual,
    }
}

/// Expands every `{"$repeat": TEXT, "times": N}` in `value` to the string
/// TEXT repeated N times (large payloads without large scenario files).
fn expand(value: &Value) -> Value {
    match value {
        Value::Object(map) => match (map.get("$repeat"), map.get("times")) {
            (Some(Value::String(text)), Some(times)) if map.len() == 2 => {
                Value::String(text.repeat(times.as_u64().unwrap_or(0) as usize))
            }
            _ => Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect()),
        },
        Value::Array(items) => Value::Array(items.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// Replaces `${name}` in every string of `value` by the captured values.
fn substitute(value: &Value, captured: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, v) in captured {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                out = out.replace(&format!("${{{name}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, captured)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, captured)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Where a scenario runs: the host with the runner, and the backend's own
/// handles for `host.*` steps.
struct Fixture {
    host: Server,
    dir: tempfile::TempDir,
    daprd: Option<common::dapr::Daprd>,
    _channel: Option<tokio::sync::oneshot::Sender<()>>,
    _actors: Option<tokio::sync::oneshot::Sender<()>>,
    _hello: Option<SidecarApp>,
    /// Placement and scheduler, for the blocks that need them (dropped last).
    _plane: Option<common::dapr::ControlPlane>,
}

/// An app served behind its own daprd: the host, the sidecar and the app
/// channel between them (closed on drop).
struct SidecarApp {
    host: Server,
    daprd: common::dapr::Daprd,
    _channel: tokio::sync::oneshot::Sender<()>,
    /// Ends the actor stream, for an app that hosts actors.
    _actors: Option<tokio::sync::oneshot::Sender<()>>,
}

impl SidecarApp {
    /// Serves `component` as app `id` behind the daprd `start_daprd` starts
    /// for the given app-channel port; with `host_actors` (a daprd with a
    /// placement service), registers its actor types through daprd's actor
    /// stream.
    async fn start(
        id: &str,
        component: PathBuf,
        dir: &Path,
        host_actors: bool,
        start_daprd: impl FnOnce(u16) -> common::dapr::Daprd,
    ) -> Result<SidecarApp> {
        use wasmtime_dapr::inbound::{AppDirectory, app_channel};
        let directory = AppDirectory::new();
        let app_port = common::dapr::free_port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], app_port));
        let limit = wasmtime_dapr::runtime::DEFAULT_MAX_BODY_BYTES;
        tokio::spawn(app_channel::serve(
            addr,
            directory.handle(id),
            limit,
            async move {
                let _ = stopped.await;
            },
        ));
        let daprd = tokio::task::block_in_place(|| start_daprd(app_port));
        let mut options = Fixture::host_options(vec![(id.into(), component)], dir);
        options.resources = None;
        options.sidecar = Some(wasmtime_dapr::backend::sidecar::SidecarOptions::at(
            &daprd.endpoint(),
        ));
        let host = Server::load_into(&options, directory).await?;
        let mut actors = None;
        if host_actors && host.app(id)?.exports().actor {
            let sidecar = wasmtime_dapr::backend::sidecar::Sidecar::new(
                options.sidecar.as_ref().expect("a sidecar"),
            )?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            host.start_actor_stream(&sidecar, async move {
                let _ = stopped.await;
            })
            .await?;
            actors = Some(stop);
        }
        Ok(SidecarApp {
            host,
            daprd,
            _channel: stop,
            _actors: actors,
        })
    }
}

impl Fixture {
    fn host_options(components: Vec<(String, PathBuf)>, dir: &Path) -> ServerOptions {
        ServerOptions {
            components,
            runtime: RuntimeConfig {
                cache_dir: Some(common::repo().join("target/test-cache")),
                app_access: [("runner".to_string(), runner_access())].into(),
                ..Default::default()
            },
            resources: Some(dir.join("components")),
            data_dir: dir.join("data"),
            sidecar: None,
            sidecar_timeout: Duration::from_secs(30),
        }
    }

    /// The runner and `hello` on the embedded backend, fresh resources.
    async fn embedded(language: &Language) -> Result<Fixture> {
        let dir = tempfile::tempdir()?;
        write_resources(dir.path())?;
        let components = vec![
            ("runner".into(), language.runner.clone()),
            ("hello".into(), common::guest("hello.wasm")),
        ];
        let host = Server::load(&Self::host_options(components, dir.path())).await?;
        host.start_subscriptions().await?;
        host.start_input_bindings().await?;
        host.start_jobs()?;
        host.start_actors().await?;
        Ok(Fixture {
            host,
            dir,
            daprd: None,
            _channel: None,
            _actors: None,
            _hello: None,
            _plane: None,
        })
    }

    /// The runner behind a real daprd with redis, and `hello` (an
    /// HTTP-only app) behind a second daprd with the same redis and name
    /// resolution, for the runner to invoke. With `control_plane`, the
    /// runner's daprd uses a placement and a scheduler of its own (jobs).
    async fn daprd(language: &Language, control_plane: bool) -> Result<Fixture> {
        let dir = tempfile::tempdir()?;
        let extra = daprd_extra_resources(dir.path());
        let plane =
            control_plane.then(|| tokio::task::block_in_place(common::dapr::ControlPlane::start));
        let runner = SidecarApp::start(
            "runner",
            language.runner.clone(),
            dir.path(),
            control_plane,
            |port| match &plane {
                Some(plane) => {
                    common::dapr::Daprd::start_with_control_plane("runner", port, &extra, plane)
                }
                None => common::dapr::Daprd::start("runner", port, &extra),
            },
        )
        .await?;
        let daprd = &runner.daprd;
        // configuration.redis watches keys through keyspace notifications.
        daprd
            .redis
            .command(&["CONFIG", "SET", "notify-keyspace-events", "KA"])
            .context("enabling keyspace events")?;
        let seed: Vec<(&str, String)> = INITIAL_CONFIGURATION
            .iter()
            .map(|(k, v)| (*k, format!("{v}||1")))
            .collect();
        daprd
            .redis
            .set_in_db(CONFIGURATION_DB, &seed)
            .context("seeding the configuration")?;
        let hello = SidecarApp::start(
            "hello",
            common::guest("hello.wasm"),
            dir.path(),
            false,
            |port| common::dapr::Daprd::start_next_to(daprd, "hello", port),
        )
        .await?;
        // Wait until daprd has asked the app for its subscriptions (a
        // runner without `handler`, such as the WASI ones, has none).
        let deadline = Instant::now() + Duration::from_secs(30);
        if runner.host.app("runner")?.exports().handler {
            loop {
                let (_, body) = tokio::task::block_in_place(|| daprd.http_get("/v1.0/metadata"));
                let metadata: Value = serde_json::from_slice(&body).unwrap_or_default();
                if metadata["subscriptions"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty())
                {
                    break;
                }
                if Instant::now() > deadline {
                    bail!("daprd never subscribed the runner:\n{}", daprd.log());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(Fixture {
            host: runner.host,
            dir,
            daprd: Some(runner.daprd),
            _channel: Some(runner._channel),
            _actors: runner._actors,
            _hello: Some(hello),
            _plane: plane,
        })
    }

    fn runner(&self) -> std::sync::Arc<App> {
        self.host.app("runner").expect("the runner is loaded")
    }

    /// Carries out a `host.*` step.
    fn host_step(&self, op: &str, args: &Value) -> Result<()> {
        match op {
            "host.set-configuration" => {
                let items = args["items"]
                    .as_object()
                    .context("host.set-configuration needs items")?;
                match &self.daprd {
                    Some(daprd) => {
                        let changes: Vec<(&str, String)> = items
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str(), format!("{}||2", v.as_str().unwrap_or_default()))
                            })
                            .collect();
                        daprd
                            .redis
                            .set_in_db(CONFIGURATION_DB, &changes)
                            .context("setting configuration")?;
                    }
                    None => {
                        let mut all: Vec<(String, String)> = INITIAL_CONFIGURATION
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        for (k, v) in items {
                            let v = v.as_str().unwrap_or_default().to_string();
                            match all.iter_mut().find(|(key, _)| key == k) {
                                Some(entry) => entry.1 = v,
                                None => all.push((k.clone(), v)),
                            }
                        }
                        let all: Vec<(&str, &str)> =
                            all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        write_configuration(&self.dir.path().join("config.yaml"), &all)?;
                    }
                }
                Ok(())
            }
            "host.sleep" => {
                let ms = args["ms"].as_u64().context("host.sleep needs ms")?;
                std::thread::sleep(Duration::from_millis(ms));
                Ok(())
            }
            other => bail!("unknown harness op `{other}`"),
        }
    }
}

async fn run_scenario(fixture: &Fixture, scenario: &Value) -> Result<()> {
    let app = fixture.runner().clone();
    let mut captured = Map::new();
    let steps = scenario["steps"]
        .as_array()
        .context("a scenario needs steps")?;
    for (index, step) in steps.iter().enumerate() {
        let op = step["op"].as_str().context("a step needs an op")?;
        let args = expand(&substitute(
            step.get("args").unwrap_or(&Value::Null),
            &captured,
        ));
        let at = || format!("step {} ({op})", index + 1);
        if op.starts_with("host.") {
            fixture.host_step(op, &args).with_context(at)?;
            continue;
        }
        let request = serde_json::json!({"op": op, "args": args});
        let (pattern, deadline) = match (step.get("await"), step.get("expect")) {
            (Some(p), _) => (Some(expand(p)), step["timeout_ms"].as_u64().unwrap_or(5000)),
            (None, p) => (p.map(expand), 0),
        };
        let pattern = pattern.as_ref();
        if let Some(times) = step.get("concurrently").and_then(Value::as_u64) {
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..times {
                let (app, request) = (app.clone(), request.clone());
                calls.spawn(async move { execute(&app, &request).await });
            }
            while let Some(answer) = calls.join_next().await {
                let answer = answer?.with_context(at)?;
                if let Some(p) = pattern
                    && !matches(p, &answer)
                {
                    bail!("{}: expected {p} from every call, got {answer}", at());
                }
            }
            continue;
        }
        let started = Instant::now();
        let answer = loop {
            let answer = execute(&app, &request).await.with_context(at)?;
            match pattern {
                Some(p)
                    if !matches(p, &answer)
                        && started.elapsed() < Duration::from_millis(deadline) =>
                {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                _ => break answer,
            }
        };
        if let Some(p) = pattern
            && !matches(p, &answer)
        {
            bail!("{}: expected {p}, got {answer}", at());
        }
        if let Some(captures) = step.get("capture").and_then(Value::as_object) {
            for (name, pointer) in captures {
                let pointer = pointer.as_str().context("a capture is a JSON pointer")?;
                let value = answer
                    .pointer(pointer)
                    .with_context(|| format!("{}: nothing at {pointer} in {answer}", at()))?;
                captured.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(())
}

/// Runs every scenario of one block file for every language and backend,
/// prints a row per run, and fails if any run failed.
async fn run_block(block: &str) {
    set_env_secrets();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CONFORMANCE_LOG"))
        .with_test_writer()
        .try_init();
    let path = common::repo().join(format!("tests/conformance/scenarios/{block}.json"));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("scenario file"))
        .expect("valid JSON");
    let scenarios = file["scenarios"].as_array().expect("scenarios");
    let control_plane = file["control-plane"].as_bool().unwrap_or(false);
    assert!(!scenarios.is_empty(), "{block}: no scenarios");
    let mut failures = Vec::new();
    let (mut passed, mut unsupported, mut pending_count) = (0, 0, 0);
    for language in runners_of(block) {
        for backend in BACKENDS {
            // The daprd fixture is shared by the block's scenarios (each
            // writes its own keys); the embedded one is fresh per scenario.
            let mut shared: Option<Fixture> = None;
            for scenario in scenarios {
                let name = scenario["name"].as_str().unwrap_or("<unnamed>");
                let limited_to = |field: &str, name: &str| {
                    scenario
                        .get(field)
                        .and_then(Value::as_array)
                        .is_none_or(|list| list.iter().any(|b| b == name))
                };
                let supported =
                    limited_to("backends", backend) && limited_to("runners", language.name);
                let pending = scenario
                    .get("pending")
                    .and_then(|p| p.get(*backend))
                    .and_then(Value::as_str);
                let outcome = if !supported {
                    Outcome::Unsupported
                } else {
                    let fixture = match (*backend, shared.take()) {
                        ("daprd", Some(f)) => Ok(f),
                        ("daprd", None) => Fixture::daprd(&language, control_plane).await,
                        _ => Fixture::embedded(&language).await,
                    };
                    match fixture {
                        Err(err) => Outcome::Failed(format!("{err:#}")),
                        Ok(fixture) => {
                            let result =
                                run_scenario(&fixture, scenario).await.map_err(
                                    |err| match &fixture.daprd {
                                        Some(daprd) => {
                                            let log = daprd.log();
                                            let tail: Vec<&str> =
                                                log.lines().rev().take(15).collect();
                                            err.context(format!(
                                                "daprd log (last lines, newest first):\n{}",
                                                tail.join("\n")
                                            ))
                                        }
                                        None => err,
                                    },
                                );
                            if *backend == "daprd" {
                                shared = Some(fixture);
                            }
                            match result {
                                Ok(()) => Outcome::Passed,
                                Err(err) => Outcome::Failed(format!("{err:#}")),
                            }
                        }
                    }
                };
                // A pending scenario that passes must lose its mark.
                let outcome = match (outcome, pending) {
                    (Outcome::Failed(_), Some(why)) => Outcome::Pending(why.to_string()),
                    (Outcome::Passed, Some(_)) => {
                        Outcome::Failed("passes now: remove its `pending` mark".to_string())
                    }
                    (outcome, _) => outcome,
                };
                let row = format!("{block:<14} {:<14} {backend:<9} {name}", language.name);
                match outcome {
                    Outcome::Passed => {
                        passed += 1;
                        println!("pass         {row}");
                    }
                    Outcome::Unsupported => {
                        unsupported += 1;
                        println!("unsupported  {row}");
                    }
                    Outcome::Pending(why) => {
                        pending_count += 1;
                        println!("pending      {row}: {why}");
                    }
                    Outcome::Failed(why) => {
                        println!("FAIL         {row}: {why}");
                        failures.push(format!("{row}: {why}"));
                    }
                }
            }
        }
    }
    println!(
        "{block}: {passed} passed, {} failed, {unsupported} unsupported, {pending_count} pending",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "failed scenarios:\n{}",
        failures.join("\n")
    );
}

/// Sets the environment secrets `envsecrets` exposes, in this process and
/// so in every daprd it starts.
fn set_env_secrets() {
    static SET: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before any scenario (and so any reader) starts.
    SET.call_once(|| {
        for (name, value) in ENV_SECRETS {
            unsafe { std::env::set_var(format!("{ENV_SECRETS_PREFIX}{name}"), value) }
        }
    });
}

macro_rules! blocks {
    ($($block:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $block() {
            run_block(stringify!($block)).await;
        }
    )*};
}

blocks!(
    state,
    pubsub,
    invoke,
    bindings,
    secrets,
    configuration,
    lock,
    metadata,
    jobs,
    conversation,
    crypto,
    actors
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_keyvalue() {
    run_block("wasi-keyvalue").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_config() {
    run_block("wasi-config").await;
}

/// Payloads the scenario files cannot spell: a 1 MiB value and non-ASCII
/// text round-trip unchanged through every language's runner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_and_non_ascii_payloads_round_trip() {
    let big: String = "Tatooine ☀☀ 日本 🚀 ".repeat((1 << 20) / 24 + 1);
    for language in languages() {
        let fixture = Fixture::embedded(&language).await.unwrap();
        for (key, data) in [
            ("big", big.as_str()),
            ("emoji-🚀-星", "星球大战 🌌 Ω"),
            ("empty", ""),
        ] {
            let save = serde_json::json!({"op": "state.save", "args": {"store": "statestore", "items": [{"key": key, "data": data}]}});
            let answer = execute(&fixture.runner(), &save).await.unwrap();
            assert_eq!(
                answer,
                serde_json::json!({"ok": null}),
                "{}: save {key}",
                language.name
            );
            let get =
                serde_json::json!({"op": "state.get", "args": {"store": "statestore", "key": key}});
            let answer = execute(&fixture.runner(), &get).await.unwrap();
            assert!(
                answer["ok"]["data"] == data,
                "{}: {key} did not round-trip ({} bytes back)",
                language.name,
                answer["ok"]["data"].as_str().map_or(0, str::len)
            );
        }
        let bulk = serde_json::json!({"op": "state.get-bulk", "args": {"store": "statestore", "keys": []}});
        assert_eq!(
            execute(&fixture.runner(), &bulk).await.unwrap(),
            serde_json::json!({"ok": []}),
            "{}",
            language.name
        );
    }
}

/// A lone UTF-16 surrogate cannot become a WIT string: the call fails
/// cleanly (the Rust and the Python runner refuse it while parsing; an
/// AssemblyScript string holding one traps at the boundary) and nothing
/// corrupt is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_surrogate_is_refused_not_corrupted() {
    // serde_json keeps lone surrogates out of `Value`s: the step goes as text.
    const SAVE_LONE_SURROGATE: &str = r#"{"op": "state.save", "args": {"store": "statestore", "items": [{"key": "lone-\ud800", "data": "x"}]}}"#;
    for language in languages() {
        let fixture = Fixture::embedded(&language).await.unwrap();
        match execute_text(&fixture.runner(), SAVE_LONE_SURROGATE).await {
            Ok(answer) => {
                println!("{}: refused: {answer}", language.name);
                assert!(
                    answer["err"]["invalid-argument"].is_string(),
                    "{}: {answer}",
                    language.name
                );
            }
            Err(err) => {
                let message = wasmtime_dapr::runtime::failure_message(&err);
                println!("{}: failed cleanly: {message}", language.name);
                assert!(
                    message.to_lowercase().contains("utf-16")
                        || message.to_lowercase().contains("surrogate")
                        || message.contains("trapped"),
                    "{}: {message}",
                    language.name
                );
            }
        }
        // The next call works, and finds no key with the surrogate replaced
        // by U+FFFD (what a lossy decoding would store).
        let bulk = serde_json::json!({"op": "state.get-bulk", "args": {"store": "statestore", "keys": ["lone-\u{fffd}"]}});
        let answer = execute(&fixture.runner(), &bulk).await.unwrap();
        assert_eq!(
            answer["ok"][0]["value"],
            serde_json::json!({"ok": null}),
            "{}",
            language.name
        );
        // Nor any other key: `statestore`'s fresh database is still empty.
        let keys = common::sqlite_state_keys(&fixture.dir.path().join("state.db"));
        assert!(keys.is_empty(), "{}: stored {keys:?}", language.name);
    }
}

/// Payloads over the host's body limit (4 MiB by default, as daprd's):
/// every call carrying one fails with `invalid-argument` naming the limit
/// and the flag, in every language on every backend, and nothing is
/// written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_over_the_body_limit_are_invalid_arguments() {
    let over = "x".repeat(wasmtime_dapr::runtime::DEFAULT_MAX_BODY_BYTES + 1);
    let steps = [
        serde_json::json!({"op": "state.save", "args": {"store": "statestore", "items": [{"key": "too-big", "data": over}]}}),
        serde_json::json!({"op": "state.transact", "args": {"store": "statestore", "operations": [{"upsert": {"key": "too-big", "data": over}}]}}),
        serde_json::json!({"op": "pubsub.publish", "args": {"pubsub": "pubsub", "topic": "orders", "data": over}}),
        serde_json::json!({"op": "invoke.invoke-method", "args": {"app-id": "hello", "request": {"method": "echo", "data": over}}}),
    ];
    for language in languages() {
        for (backend, fixture) in [
            ("embedded", Fixture::embedded(&language).await.unwrap()),
            ("daprd", Fixture::daprd(&language, false).await.unwrap()),
        ] {
            for step in &steps {
                let answer = execute(&fixture.runner(), step).await.unwrap();
                let message = answer["err"]["invalid-argument"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    message.contains("over the 4 MiB limit") && message.contains("--max-body-size"),
                    "{} on {backend}: {} answered {answer}",
                    language.name,
                    step["op"]
                );
            }
            let get = serde_json::json!({"op": "state.get", "args": {"store": "statestore", "key": "too-big"}});
            assert_eq!(
                execute(&fixture.runner(), &get).await.unwrap(),
                serde_json::json!({"ok": null}),
                "{} on {backend}",
                language.name
            );
        }
    }
}
