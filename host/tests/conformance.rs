//! The conformance scenarios (`tests/conformance/scenarios/*.json`), run by
//! the runner component of every guest language against every backend.
//! See `tests/conformance/README.md` for the format.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};
use wasmtime_dapr::runtime::{App, RuntimeConfig};
use wasmtime_dapr::{Host, HostOptions};

/// A guest language and its runner component.
struct Language {
    name: &'static str,
    runner: PathBuf,
}

fn languages() -> Vec<Language> {
    vec![Language { name: "rust", runner: common::guest("conformance_runner.wasm") }]
}

/// The backends every scenario runs against.
const BACKENDS: &[&str] = &["embedded"];

/// How one scenario ended for one language and backend.
enum Outcome {
    Passed,
    Failed(String),
    Unsupported,
}

/// The resources every scenario gets (see the README's table).
fn write_resources(dir: &Path) -> Result<()> {
    let db = dir.join("state.db");
    let files = dir.join("files");
    let secrets = dir.join("secrets.json");
    let config = dir.join("config.yaml");
    std::fs::write(&secrets, r#"{"db-password": "s3cret", "nested": {"inner": "v"}}"#)?;
    std::fs::write(&config, "greeting: hello\ncolor: blue\n")?;
    let component = |name: &str, ty: &str, metadata: &[(&str, String)], scopes: &[&str]| {
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
    };
    let docs = [
        component("statestore", "state.sqlite", &[("connectionString", db.display().to_string())], &[]),
        component("memstore", "state.in-memory", &[], &[]),
        component("private", "state.in-memory", &[], &["someone-else"]),
        component(
            "pubsub",
            "pubsub.in-memory",
            &[("maxRetries", "3".into()), ("initialRetryIntervalMs", "50".into()), ("maxRetryIntervalMs", "200".into())],
            &[],
        ),
        component("files", "bindings.localstorage", &[("rootPath", files.display().to_string())], &[]),
        component("secretstore", "secretstores.local.file", &[("secretsFile", secrets.display().to_string())], &[]),
        component("envsecrets", "secretstores.local.env", &[("prefix", "CONFORMANCE_".into())], &[]),
        component(
            "configstore",
            "configuration.local.file",
            &[("path", config.display().to_string()), ("pollIntervalMs", "50".into())],
            &[],
        ),
        component("lockstore", "lock.in-memory", &[], &[]),
    ];
    std::fs::create_dir_all(dir.join("components"))?;
    std::fs::write(dir.join("components/components.yaml"), docs.join("---\n"))?;
    Ok(())
}

/// Runs one step in a fresh instance of the runner.
async fn execute(app: &App, step: &Value) -> Result<Value> {
    let mut store = app.new_store(&[])?;
    let instance = app.instance_pre().instantiate_async(&mut store).await?;
    let func = instance.get_typed_func::<(String,), (String,)>(&mut store, "execute")?;
    let (answer,) = func.call_async(&mut store, (step.to_string(),)).await?;
    serde_json::from_str(&answer).with_context(|| format!("the runner answered invalid JSON: {answer}"))
}

/// Whether `actual` matches the `expected` pattern (README: "expect").
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(p), _) if p == "*" => true,
        (Value::String(p), Value::String(a)) if p.ends_with('*') => a.starts_with(&p[..p.len() - 1]),
        (Value::Object(e), Value::Object(a)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (Value::Array(e), Value::Array(a)) => e.len() == a.len() && e.iter().zip(a).all(|(ev, av)| matches(ev, av)),
        _ => expected == actual,
    }
}

/// Replaces `${name}` in every string of `value` by the captured values.
fn substitute(value: &Value, captured: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, v) in captured {
                let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                out = out.replace(&format!("${{{name}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, captured)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, captured))).collect()),
        other => other.clone(),
    }
}

/// Carries out a `host.*` step.
fn host_step(op: &str, args: &Value, dir: &Path) -> Result<()> {
    match op {
        "host.write-file" => {
            let name = args["name"].as_str().context("host.write-file needs a name")?;
            let text = args["text"].as_str().context("host.write-file needs a text")?;
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, dir.join(name))?;
            Ok(())
        }
        other => bail!("unknown harness op `{other}`"),
    }
}

async fn run_scenario(language: &Language, scenario: &Value) -> Result<()> {
    let dir = tempfile::tempdir()?;
    write_resources(dir.path())?;
    let options = HostOptions {
        components: vec![
            ("runner".into(), language.runner.clone()),
            ("hello".into(), common::guest("hello.wasm")),
        ],
        runtime: RuntimeConfig { cache_dir: Some(common::repo().join("target/test-cache")), ..Default::default() },
        resources: Some(dir.path().join("components")),
        data_dir: dir.path().join("data"),
        sidecar: None,
        sidecar_timeout: std::time::Duration::from_secs(30),
    };
    let host = Host::load(&options).await?;
    host.start_subscriptions().await?;
    let app = host.apps()["runner"].clone();
    let mut captured = Map::new();
    let steps = scenario["steps"].as_array().context("a scenario needs steps")?;
    for (index, step) in steps.iter().enumerate() {
        let op = step["op"].as_str().context("a step needs an op")?;
        let args = substitute(step.get("args").unwrap_or(&Value::Null), &captured);
        let at = || format!("step {} ({op})", index + 1);
        if op.starts_with("host.") {
            host_step(op, &args, dir.path()).with_context(at)?;
            continue;
        }
        let request = serde_json::json!({"op": op, "args": args});
        let (pattern, deadline) = match (step.get("await"), step.get("expect")) {
            (Some(p), _) => (Some(p), step["timeout_ms"].as_u64().unwrap_or(5000)),
            (None, p) => (p, 0),
        };
        let started = Instant::now();
        let answer = loop {
            let answer = execute(&app, &request).await.with_context(at)?;
            match pattern {
                Some(p) if !matches(p, &answer) && started.elapsed() < Duration::from_millis(deadline) => {
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
    unsafe_set_env();
    let path = common::repo().join(format!("tests/conformance/scenarios/{block}.json"));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("scenario file")).expect("valid JSON");
    let scenarios = file["scenarios"].as_array().expect("scenarios");
    assert!(!scenarios.is_empty(), "{block}: no scenarios");
    let mut failures = Vec::new();
    let (mut passed, mut unsupported) = (0, 0);
    for language in languages() {
        for backend in BACKENDS {
            for scenario in scenarios {
                let name = scenario["name"].as_str().unwrap_or("<unnamed>");
                let supported = scenario
                    .get("backends")
                    .and_then(Value::as_array)
                    .is_none_or(|list| list.iter().any(|b| b == backend));
                let outcome = if !supported {
                    Outcome::Unsupported
                } else {
                    match run_scenario(&language, scenario).await {
                        Ok(()) => Outcome::Passed,
                        Err(err) => Outcome::Failed(format!("{err:#}")),
                    }
                };
                let row = format!("{block:<14} {:<6} {backend:<9} {name}", language.name);
                match outcome {
                    Outcome::Passed => {
                        passed += 1;
                        println!("pass         {row}");
                    }
                    Outcome::Unsupported => {
                        unsupported += 1;
                        println!("unsupported  {row}");
                    }
                    Outcome::Failed(why) => {
                        println!("FAIL         {row}: {why}");
                        failures.push(format!("{row}: {why}"));
                    }
                }
            }
        }
    }
    println!("{block}: {passed} passed, {} failed, {unsupported} unsupported", failures.len());
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}

/// The environment secret the `envsecrets` store exposes.
fn unsafe_set_env() {
    static SET: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before any scenario (and so any reader) starts.
    SET.call_once(|| unsafe { std::env::set_var("CONFORMANCE_TOKEN", "t0k") });
}

macro_rules! blocks {
    ($($block:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $block() {
            run_block(stringify!($block)).await;
        }
    )*};
}

blocks!(state, pubsub, invoke, bindings, secrets, configuration, lock, metadata);
