//! Group `languages`: the guest languages side by side, in one run, on the
//! embedded backend. Per language (Rust, AssemblyScript, Python,
//! JavaScript; TypeScript is bundled to JavaScript before componentize-js,
//! so its components are JavaScript ones):
//!
//! - what is in its components: bytes on disk, core modules, the bytes of
//!   their data segments and initial memories, start functions (what the
//!   build pre-initialized, and what instantiation still does);
//! - start: `wasmtime-dapr run <seed demo>` from spawn to exit with an empty
//!   compile cache and with a warm one, and in process the engine, the
//!   compilation (`Component::new`), the cache load and the bare
//!   `Component::deserialize` of the same artifact;
//! - per request: a fresh store and instance alone, and a fresh instance
//!   plus one handler call (the state loop with `n=0`), as the host does
//!   per request;
//! - the state loop: per-op ops/s of state get/save in a loop inside the
//!   guest, and the ratio against Rust.
//!
//! The state-loop guests enter differently (Rust, Python and JavaScript
//! through `wasi:http`, AssemblyScript through `handler.on-invoke`), so the
//! entry cost is measured and subtracted: per round, op and language,
//! `t(0)` is the median of some requests with `n=0` and `t(N)` one request
//! with `n=N`; the round's rate is `N / (t(N) - t(0))`. Medians over the
//! rounds are reported; the languages rotate which goes first.

use wasmtime::component::Component;
use wasmtime_dapr::runtime::Runtime;
use wasmtime_dapr::wit::dapr::runtime::invoke::{HttpVerb, Request};

use super::*;

/// How the bench enters a state-loop guest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// `GET /{op}?n=N` through `App::handle_http` (`wasi:http`).
    Http,
    /// Method `op`, query `n=N`, through `App::on_invoke` (`handler`).
    Invoke,
}

/// One guest language: its components and the command that builds them.
struct Language {
    name: &'static str,
    /// The seed demo, a `wasi:cli` command (`wasmtime-dapr run`).
    seed_demo: PathBuf,
    /// The state-loop guest (`tests/guests/state-loop*`).
    state_loop: PathBuf,
    entry: Entry,
    build: &'static str,
}

fn languages() -> Vec<Language> {
    let root = root_dir();
    let rust = target_dir().join("wasm32-wasip2/release");
    let built = |dir: &str, name: &str| root.join(dir).join("build").join(name);
    vec![
        Language {
            name: "Rust",
            seed_demo: rust.join("seed-demo.wasm"),
            state_loop: rust.join("state_loop.wasm"),
            entry: Entry::Http,
            build: "just build-guests",
        },
        Language {
            name: "AssemblyScript",
            seed_demo: built("examples/seed-demo-as", "seed-demo-as.wasm"),
            state_loop: built("tests/guests/state-loop-as", "state-loop-as.wasm"),
            entry: Entry::Invoke,
            build: "just build-assemblyscript",
        },
        Language {
            name: "Python",
            seed_demo: built("examples/seed-demo-py", "seed-demo-py.wasm"),
            state_loop: built("tests/guests/state-loop-py", "state-loop-py.wasm"),
            entry: Entry::Http,
            build: "just build-python",
        },
        Language {
            name: "JavaScript",
            seed_demo: built("examples/seed-demo-js", "seed-demo-js.wasm"),
            state_loop: built("tests/guests/state-loop-js", "state-loop-js.wasm"),
            entry: Entry::Http,
            build: "just build-js",
        },
    ]
}

/// The TypeScript seed demo, whose component is compared with the
/// JavaScript one (sizes only).
fn typescript_seed_demo() -> PathBuf {
    root_dir().join("examples/seed-demo-ts/build/seed-demo-ts.wasm")
}

/// What one core module inside a component holds.
#[derive(Default)]
struct CoreModule {
    bytes: u64,
    /// Bytes of its data segments: memory contents written at instantiation.
    data: u64,
    /// Bytes of the memories it defines, at their initial size.
    memory: u64,
    /// Bytes of its data segments that wasmtime cannot turn into a
    /// copy-on-write memory image, so copies at every instantiation: those
    /// into a memory the module imports (it defines none) or at an offset
    /// that is not a constant (`global.get $__memory_base`).
    copied: u64,
    /// Whether it defines a memory.
    defines_memory: bool,
    /// Its imports: each is resolved against another module's exports or
    /// a host function at every instantiation.
    imports: u64,
    /// Whether it defines a table (element segments into an imported one
    /// are applied at every instantiation).
    defines_table: bool,
    /// Table elements written at every instantiation: active element
    /// segments that wasmtime cannot precompute into its lazily initialized
    /// table image (into an imported table, or at an offset that is not a
    /// constant, `global.get $__table_base`).
    eager_elements: u64,
    /// Whether it has a start function (run at every instantiation).
    start: bool,
}

/// Whether a segment's offset is a constant (not `global.get` of an
/// imported base).
fn is_constant(offset: &wasmparser::ConstExpr) -> Result<bool> {
    Ok(matches!(
        offset.get_operators_reader().read()?,
        wasmparser::Operator::I32Const { .. } | wasmparser::Operator::I64Const { .. }
    ))
}

/// What a component file holds.
struct Contents {
    bytes: u64,
    modules: Vec<CoreModule>,
}

impl Contents {
    fn of(path: &Path) -> Result<Contents> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mut modules: Vec<CoreModule> = Vec::new();
        // Which nesting the payloads belong to: `true` for a core module.
        let mut nesting: Vec<bool> = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            let in_module = nesting.last() == Some(&true);
            match payload? {
                wasmparser::Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    nesting.push(true);
                    modules.push(CoreModule {
                        bytes: unchecked_range.len() as u64,
                        ..CoreModule::default()
                    });
                }
                wasmparser::Payload::ComponentSection { .. } => nesting.push(false),
                wasmparser::Payload::End(_) => {
                    nesting.pop();
                }
                wasmparser::Payload::DataSection(reader) if in_module => {
                    let module = modules.last_mut().expect("inside a module");
                    for data in reader {
                        let data = data?;
                        let len = data.data.len() as u64;
                        module.data += len;
                        if let wasmparser::DataKind::Active { offset_expr, .. } = data.kind
                            && (!is_constant(&offset_expr)? || !module.defines_memory)
                        {
                            module.copied += len;
                        }
                    }
                }
                wasmparser::Payload::ImportSection(reader) if in_module => {
                    let module = modules.last_mut().expect("inside a module");
                    for import in reader.into_imports() {
                        import?;
                        module.imports += 1;
                    }
                }
                wasmparser::Payload::TableSection(reader) if in_module => {
                    modules.last_mut().expect("inside a module").defines_table = reader.count() > 0;
                }
                wasmparser::Payload::ElementSection(reader) if in_module => {
                    let module = modules.last_mut().expect("inside a module");
                    for element in reader {
                        let element = element?;
                        if let wasmparser::ElementKind::Active { offset_expr, .. } = element.kind
                            && (!is_constant(&offset_expr)? || !module.defines_table)
                        {
                            module.eager_elements += u64::from(match element.items {
                                wasmparser::ElementItems::Functions(items) => items.count(),
                                wasmparser::ElementItems::Expressions(_, items) => items.count(),
                            });
                        }
                    }
                }
                wasmparser::Payload::MemorySection(reader) if in_module => {
                    let module = modules.last_mut().expect("inside a module");
                    module.defines_memory = true;
                    for memory in reader {
                        let memory = memory?;
                        let page = 1u64 << memory.page_size_log2.unwrap_or(16);
                        module.memory += memory.initial * page;
                    }
                }
                wasmparser::Payload::StartSection { .. } if in_module => {
                    modules.last_mut().expect("inside a module").start = true;
                }
                _ => {}
            }
        }
        modules.sort_unstable_by_key(|m| std::cmp::Reverse(m.bytes));
        Ok(Contents {
            bytes: bytes.len() as u64,
            modules,
        })
    }

    fn sum(&self, field: impl Fn(&CoreModule) -> u64) -> u64 {
        self.modules.iter().map(field).sum()
    }
}

/// In-process start-up costs of one component, in nanoseconds.
#[derive(Default)]
struct StartCosts {
    /// `Runtime::new`: the engine (pooling allocator) and the linker.
    engine: Vec<u64>,
    /// `Runtime::compile` with an empty cache: `Component::new` plus
    /// writing the entry.
    compile: Vec<u64>,
    /// `Runtime::compile` with that entry cached: read, verify, deserialize.
    cache_load: Vec<u64>,
    /// `Component::deserialize` of the same artifact already in memory.
    deserialize: Vec<u64>,
    /// `wasmtime-dapr run` from spawn to exit, empty cache directory.
    run_cold: Vec<u64>,
    /// The same with the cache the cold run filled.
    run_warm: Vec<u64>,
}

/// One round of the in-process start-up costs of `component`, with `cache`
/// (an empty directory) as the compile cache.
fn measure_compile(component: &Path, cache: &Path, costs: &mut StartCosts) -> Result<()> {
    let config = RuntimeConfig {
        cache_dir: Some(cache.to_path_buf()),
        ..RuntimeConfig::default()
    };
    let start = Instant::now();
    let runtime = Runtime::new(config.clone())?;
    costs.engine.push(nanos(start.elapsed()));
    let start = Instant::now();
    let compiled = runtime.compile(component)?;
    costs.compile.push(nanos(start.elapsed()));
    drop(runtime);

    let runtime = Runtime::new(config)?;
    let start = Instant::now();
    runtime.compile(component)?;
    costs.cache_load.push(nanos(start.elapsed()));
    let artifact = compiled.serialize()?;
    let start = Instant::now();
    // SAFETY: `artifact` is what `Component::serialize` just wrote for an
    // engine with the same settings, in this process's memory.
    let loaded = unsafe { Component::deserialize(runtime.engine(), &artifact) }?;
    costs.deserialize.push(nanos(start.elapsed()));
    drop(loaded);
    Ok(())
}

/// `wasmtime-dapr run` of a seed demo, from spawn to exit; checks that it
/// succeeded and printed the demo's success line.
fn run_seed_demo(seed_demo: &Path, data: &Path, cache: &Path) -> Result<u64> {
    let mut command = Command::new(dapr_binary());
    command
        .arg("run")
        .arg("--data-dir")
        .arg(data)
        .arg("--cache-dir")
        .arg(cache)
        .arg(seed_demo)
        .stdin(Stdio::null())
        .env_remove("RUST_LOG");
    let start = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("cannot start {}", describe(&command)))?;
    let elapsed = nanos(start.elapsed());
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !stdout.contains("Test successfully!") {
        bail!(
            "{} exited with {}; stdout: {stdout:?}; stderr: {:?}",
            describe(&command),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(elapsed)
}

/// One request doing `n` ops of `op` in a fresh instance, checked; its time.
async fn call(app: &App, entry: Entry, op: &str, n: usize) -> Result<Duration> {
    match entry {
        Entry::Http => guest_round(app, op, n).await,
        Entry::Invoke => {
            let request = invoke_request(op, n);
            let start = Instant::now();
            let response = app.on_invoke(request).await?;
            let elapsed = start.elapsed();
            if response.status != 200 || response.data != n.to_string().as_bytes() {
                bail!(
                    "invoke {op}?n={n}: unexpected response {}: {:?}",
                    response.status,
                    String::from_utf8_lossy(&response.data)
                );
            }
            Ok(elapsed)
        }
    }
}

/// The `n=0` request of [`call`] repeated `calls` times (after `warmup`)
/// on ONE instance: what a call costs without instantiation, and without
/// whatever the first call into an instance does once.
async fn reused_calls(app: &App, entry: Entry, warmup: usize, calls: usize) -> Result<Vec<u64>> {
    let mut store = app.new_store(&[])?;
    Ok(match entry {
        Entry::Http => {
            let proxy = ProxyPre::new(app.instance_pre().clone())?
                .instantiate_async(&mut store)
                .await?;
            time_loop!(warmup, calls, {
                handle_get(&mut store, &proxy, "/get?n=0", b"0").await?;
            })
        }
        Entry::Invoke => {
            let indices = GuestIndices::new(app.instance_pre())?;
            let instance = app.instance_pre().instantiate_async(&mut store).await?;
            let guest = indices.load(&mut store, &instance)?;
            time_loop!(warmup, calls, {
                let response = guest
                    .call_on_invoke(&mut store, &invoke_request("get", 0))
                    .await?;
                if response.status != 200 || response.data != b"0" {
                    bail!(
                        "invoke get?n=0 on a reused instance: status {}",
                        response.status
                    );
                }
            })
        }
    })
}

/// The invocation the AssemblyScript state loop answers: `op` `n` times.
fn invoke_request(op: &str, n: usize) -> Request {
    Request {
        method: op.to_string(),
        verb: HttpVerb::Get,
        query: vec![("n".to_string(), n.to_string())],
        headers: Vec::new(),
        content_type: None,
        data: Vec::new(),
    }
}

/// Per-request and state-loop results of one language.
#[derive(Default)]
struct Loop {
    /// A fresh store and instance, nothing called, dropped.
    instantiate: Vec<u64>,
    /// A fresh instance and one handler call (`get` with `n=0`).
    call: Vec<u64>,
    /// The same call on one reused instance (empty when that failed).
    reused: Vec<u64>,
    /// [save, get]: per-op ops/s of each round.
    per_op: [Vec<f64>; 2],
    /// [save, get]: the entry cost `t(0)` of each round, in ns.
    entry: [Vec<f64>; 2],
}

const OPS: [&str; 2] = ["save", "get"];

pub fn bench_languages() -> Result<()> {
    let cold_runs = env_usize("BENCH_LANG_COLD_RUNS", 2);
    let calls = env_usize("BENCH_LANG_CALLS", 1_000).max(1);
    let n = env_usize("BENCH_LANG_OPS", 2_000).max(1);
    let rounds = env_usize("BENCH_LANG_ROUNDS", 15).max(1);
    let entry_calls = env_usize("BENCH_LANG_ENTRY_CALLS", 21).max(1);

    let mut langs = Vec::new();
    for lang in languages() {
        let missing: Vec<String> = [&lang.seed_demo, &lang.state_loop]
            .into_iter()
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if missing.is_empty() {
            langs.push(lang);
        } else if lang.name == "Rust" {
            bail!(
                "{} missing; build it with `{}` (Rust is the reference of the ratios)",
                missing.join(" and "),
                lang.build
            );
        } else {
            println!(
                "SKIPPED {}: {} missing; build with `{}`",
                lang.name,
                missing.join(" and "),
                lang.build
            );
        }
    }

    // What the components hold.
    println!("-- components (bytes; core modules counted inside the component with wasmparser)");
    println!(
        "{:<15}  {:<10}  {:>11}  {:>7}  {:>13}  {:>11}  {:>11}  {:>13}  {:>6}  {:>7}  {:>14}",
        "language",
        "component",
        "bytes",
        "modules",
        "largest module",
        "data bytes",
        "copied",
        "memory bytes",
        "starts",
        "imports",
        "eager elements"
    );
    let mut contents = Vec::new();
    for lang in &langs {
        for (kind, path) in [
            ("seed demo", &lang.seed_demo),
            ("state loop", &lang.state_loop),
        ] {
            let c = Contents::of(path)?;
            println!(
                "{:<15}  {:<10}  {:>11}  {:>7}  {:>13}  {:>11}  {:>11}  {:>13}  {:>6}  {:>7}  {:>14}",
                lang.name,
                kind,
                c.bytes,
                c.modules.len(),
                c.modules.first().map_or(0, |m| m.bytes),
                c.sum(|m| m.data),
                c.sum(|m| m.copied),
                c.sum(|m| m.memory),
                c.modules.iter().filter(|m| m.start).count(),
                c.sum(|m| m.imports),
                c.sum(|m| m.eager_elements)
            );
            if kind == "seed demo" {
                contents.push(c);
            }
        }
    }
    let ts = typescript_seed_demo();
    if langs.iter().any(|l| l.name == "JavaScript") && ts.is_file() {
        let c = Contents::of(&ts)?;
        println!(
            "(TypeScript seed demo {}: {} bytes, {} core modules, {} data bytes: a JavaScript \
             component, esbuild having stripped the types)",
            ts.display(),
            c.bytes,
            c.modules.len(),
            c.sum(|m| m.data)
        );
    }
    println!(
        "(`data bytes`: the data segments of every core module, the memory contents at \
         instantiation; `copied`: those wasmtime cannot map copy-on-write from a memory image \
         (into an imported memory, or at a non-constant offset), copied at every instantiation; \
         `memory bytes`: the initial size of the memories defined; `starts`: core modules with a \
         start function, run at every instantiation; `imports`: core imports, each resolved at \
         every instantiation; `eager elements`: table entries written at every instantiation \
         (element segments into an imported table or at a non-constant offset) instead of \
         initialized lazily)"
    );

    // Start-up: compile, cache load, and `wasmtime-dapr run` of the seed demo.
    if cold_runs > 0 {
        bench_start(&langs, &contents, cold_runs)?;
    }
    bench_requests(&langs, calls, n, rounds, entry_calls)
}

/// Compile, cache load and `wasmtime-dapr run` of each seed demo.
fn bench_start(langs: &[Language], contents: &[Contents], cold_runs: usize) -> Result<()> {
    println!();
    println!(
        "-- start: {cold_runs} runs per language; each: in process, Runtime::new then \
         Runtime::compile(seed demo) with an empty cache dir (compile) and again in a new \
         Runtime (cache load), then Component::deserialize of the same artifact in memory; \
         then `{} run --data-dir D --cache-dir C <seed demo>` from spawn to exit with a new \
         empty C (cold) and again with that C (warm)",
        dapr_binary().display()
    );
    let mut starts: Vec<StartCosts> = langs.iter().map(|_| StartCosts::default()).collect();
    for _ in 0..cold_runs {
        for (lang, costs) in langs.iter().zip(&mut starts) {
            let dir = tempfile::tempdir()?;
            measure_compile(&lang.seed_demo, &dir.path().join("in-process"), costs)?;
            let (data, cache) = (dir.path().join("data"), dir.path().join("cache"));
            costs
                .run_cold
                .push(run_seed_demo(&lang.seed_demo, &data, &cache)?);
            costs
                .run_warm
                .push(run_seed_demo(&lang.seed_demo, &data, &cache)?);
        }
    }
    println!(
        "{:<15}  {:>11}  {:>10}  {:>11}  {:>13}  {:>13}  {:>14}  {:>14}",
        "language",
        "seed bytes",
        "engine ms",
        "compile ms",
        "cache load ms",
        "deserialize ms",
        "run cold ms",
        "run warm ms"
    );
    for ((lang, costs), c) in langs.iter().zip(&starts).zip(contents) {
        let p50 = |v: &Vec<u64>| ms(Stats::of(v.clone()).p50);
        let spread = |v: &Vec<u64>| {
            let s = Stats::of(v.clone());
            format!("{} ({}..{})", ms(s.p50), ms(s.min), ms(s.max))
        };
        println!(
            "{:<15}  {:>11}  {:>10}  {:>11}  {:>13}  {:>14}  {:>14}  {:>14}",
            lang.name,
            c.bytes,
            p50(&costs.engine),
            p50(&costs.compile),
            p50(&costs.cache_load),
            p50(&costs.deserialize),
            spread(&costs.run_cold),
            spread(&costs.run_warm)
        );
    }
    println!("(medians over {cold_runs} runs; `run` columns: median (min..max))");
    Ok(())
}

/// Per request and the state loop, all languages in one process.
fn bench_requests(
    langs: &[Language],
    calls: usize,
    n: usize,
    rounds: usize,
    entry_calls: usize,
) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let warmup = (calls / 10).max(10);
    println!();
    println!(
        "-- per request: {calls} fresh instances per language after {warmup} warm-up, state-loop \
         guest, embedded backend (one host and sqlite file per language); `instantiate`: \
         App::new_store + InstancePre::instantiate_async + drop; `instantiate + call`: the \
         language's entry path with n=0 (Rust, Python, JavaScript: App::handle_http GET \
         /get?n=0; AssemblyScript: App::on_invoke method get, n=0)"
    );
    let specs: Vec<(String, PathBuf, Entry, PathBuf)> = langs
        .iter()
        .map(|l| {
            (
                l.name.to_string(),
                l.state_loop.clone(),
                l.entry,
                dir.path().join(l.name),
            )
        })
        .collect();
    let results = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let shared = results.clone();
    on_tokio_worker(async move {
        let mut apps = Vec::new();
        for (name, path, entry, data) in &specs {
            let host = load_host(&[("state-loop", path.clone())], data).await?;
            let app = host.apps()["state-loop"].clone();
            if *entry == Entry::Invoke && !app.exports().handler {
                bail!(
                    "{name}: {} does not export dapr:runtime/handler",
                    path.display()
                );
            }
            apps.push((host, app, *entry, name.clone()));
        }
        let mut loops: Vec<Loop> = apps.iter().map(|_| Loop::default()).collect();
        for ((_, app, entry, name), result) in apps.iter().zip(&mut loops) {
            result.instantiate = time_loop!(warmup, calls, {
                let mut store = app.new_store(&[])?;
                let instance = app.instance_pre().instantiate_async(&mut store).await?;
                std::hint::black_box(instance);
                drop(store);
            });
            result.call = time_loop!(warmup, calls, {
                call(app, *entry, "get", 0).await?;
            });
            // A guest that does not answer a second request on its instance
            // must not hang the group.
            let patience = Duration::from_secs(10);
            match tokio::time::timeout(patience, reused_calls(app, *entry, warmup, calls)).await {
                Ok(Ok(samples)) => result.reused = samples,
                Ok(Err(err)) => {
                    println!("({name}: the calls on one reused instance failed: {err:#})")
                }
                Err(_) => println!(
                    "({name}: no answer within {patience:?} on one reused instance; not measured)"
                ),
            }
        }
        for round in 0..=rounds {
            for (op_index, op) in OPS.into_iter().enumerate() {
                for i in 0..apps.len() {
                    let index = (i + round) % apps.len();
                    let (_, app, entry, _) = &apps[index];
                    let mut zero = Vec::with_capacity(entry_calls);
                    for _ in 0..entry_calls {
                        zero.push(call(app, *entry, op, 0).await?.as_nanos() as f64);
                    }
                    let t0 = median(&zero);
                    let tn = call(app, *entry, op, n).await?.as_nanos() as f64;
                    if round > 0 {
                        let result = &mut loops[index];
                        result.per_op[op_index].push(n as f64 / ((tn - t0).max(1.0) / 1e9));
                        result.entry[op_index].push(t0);
                    }
                }
            }
        }
        *shared.lock().map_err(|_| anyhow!("poisoned"))? = loops;
        Ok(())
    })?;
    let loops = std::mem::take(&mut *results.lock().map_err(|_| anyhow!("poisoned"))?);

    println!(
        "{:<15}  {:>18}  {:>18}  {:>21}  {:>21}  {:>17}  {:>17}",
        "language",
        "instantiate p50 us",
        "instantiate p99 us",
        "instantiate+call p50",
        "instantiate+call p99",
        "reused call p50",
        "reused call p99"
    );
    for (lang, result) in langs.iter().zip(&loops) {
        let (inst, call) = (
            Stats::of(result.instantiate.clone()),
            Stats::of(result.call.clone()),
        );
        let (reused_p50, reused_p99) = if result.reused.is_empty() {
            ("-".to_string(), "-".to_string())
        } else {
            let reused = Stats::of(result.reused.clone());
            (us(reused.p50), us(reused.p99))
        };
        println!(
            "{:<15}  {:>18}  {:>18}  {:>21}  {:>21}  {:>17}  {:>17}",
            lang.name,
            us(inst.p50),
            us(inst.p99),
            us(call.p50),
            us(call.p99),
            reused_p50,
            reused_p99
        );
    }
    println!(
        "(microseconds; `reused call`: the same request repeated on ONE instance, as a \
         reference for what instantiation and an instance's first call add)"
    );

    println!();
    println!(
        "-- state loop: {n} ops per request, {rounds} rounds after 1 warm-up round; per round, op \
         and language: t(0) = median of {entry_calls} requests with n=0, t(N) = one request with \
         n={n}; ops/s = N / (t(N) - t(0)); the languages rotate which goes first"
    );
    println!(
        "{:<15}  {:>11}  {:>10}  {:>14}  {:>11}  {:>10}  {:>15}  {:>14}",
        "language",
        "get ops/s",
        "get us/op",
        "get vs Rust",
        "save ops/s",
        "save us/op",
        "save vs Rust",
        "t(0) get us"
    );
    let rust = &loops[0];
    for (lang, result) in langs.iter().zip(&loops) {
        let rate = |op: usize| median(&result.per_op[op]);
        let ratio = |op: usize| {
            let ratios: Vec<f64> = result.per_op[op]
                .iter()
                .zip(&rust.per_op[op])
                .map(|(a, r)| a / r)
                .collect();
            let (lo, hi) = ratios
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            // The ratio of the medians, and the range of the per-round ratios.
            format!(
                "{:.2} ({lo:.2}..{hi:.2})",
                rate(op) / median(&rust.per_op[op])
            )
        };
        println!(
            "{:<15}  {:>11.0}  {:>10.2}  {:>14}  {:>11.0}  {:>10.2}  {:>15}  {:>14.2}",
            lang.name,
            rate(1),
            1e6 / rate(1),
            ratio(1),
            rate(0),
            1e6 / rate(0),
            ratio(0),
            median(&result.entry[1]) / 1e3
        );
    }
    println!(
        "(medians over {rounds} rounds; `vs Rust`: ratio of the median rates, and the range of \
         the per-round ratios)"
    );
    Ok(())
}
