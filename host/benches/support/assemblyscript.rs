//! Group `assemblyscript`: the same guest-side state get/save loop written
//! in Rust (`tests/guests/state-loop`, wasi:http) and in AssemblyScript
//! (`tests/guests/state-loop-as`, `handler.on-invoke`), each on the embedded
//! backend with a SQLite file of its own.
//!
//! Each round times, per op and language, one request doing `N` ops and the
//! median of `BENCH_AS_ENTRY_CALLS` requests doing none (`n=0`: a fresh
//! instance plus that language's entry path). The per-op rate of the round
//! is `N / (t(N) - t(0))`, so the different entry paths (wasi:http request
//! and response for Rust, a `handler` call for AssemblyScript) drop out and
//! the ratio compares the loops themselves: the guest code, its canonical
//! ABI lowering and lifting, and the host's state import. Medians over the
//! rounds are reported, with the component sizes.

use wasmtime_dapr::wit::dapr::runtime::invoke::{HttpVerb, Request};

use super::*;

const AS_GUEST_DIR: &str = "tests/guests/state-loop-as";
const AS_COMPONENT: &str = "build/state-loop-as.wasm";
const AS_CORE_MODULE: &str = "build/state-loop-as.core.wasm";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Rust,
    AssemblyScript,
}

impl Lang {
    fn name(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::AssemblyScript => "AssemblyScript",
        }
    }
}

/// Size facts of one component.
struct Sizes {
    component: u64,
    /// Byte length of every core module embedded in the component.
    modules: Vec<u64>,
}

fn sizes_of(path: &Path) -> Result<Sizes> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut modules = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        } = payload?
        {
            modules.push(unchecked_range.len() as u64);
        }
    }
    modules.sort_unstable_by(|a, b| b.cmp(a));
    Ok(Sizes {
        component: bytes.len() as u64,
        modules,
    })
}

pub fn bench_assemblyscript() -> Result<()> {
    let n = env_usize("BENCH_AS_OPS", 2_000).max(1);
    let rounds = env_usize("BENCH_AS_ROUNDS", 15).max(1);
    let entry_calls = env_usize("BENCH_AS_ENTRY_CALLS", 21).max(1);
    let as_dir = root_dir().join(AS_GUEST_DIR);
    let as_path = as_dir.join(AS_COMPONENT);
    if !as_path.is_file() {
        println!(
            "SKIPPED: {} is missing. Build it with:\n  \
             cd {} && npm ci && npm run build\n\
             (needs Node.js >= 20 and target/release/wasmtime-dapr: `cargo build --release -p wasmtime-dapr`; \
             or `just build-assemblyscript`)",
            as_path.display(),
            as_dir.display()
        );
        return Ok(());
    }
    let rust_path = guest("state_loop")?;
    let rust_sizes = sizes_of(&rust_path)?;
    let as_sizes = sizes_of(&as_path)?;
    let as_core = std::fs::metadata(as_dir.join(AS_CORE_MODULE))
        .map(|m| m.len())
        .ok();

    let dir = tempfile::tempdir()?;
    let rust_data = dir.path().join("rust");
    let as_data = dir.path().join("assemblyscript");
    println!(
        "{n} ops per request, {rounds} rounds after 1 warm-up round; per round, op and language: \
         t(0) = median of {entry_calls} requests with n=0, t(N) = one request with n={n}; \
         ops/s = N / (t(N) - t(0)); languages alternate which goes first"
    );
    println!(
        "embedded backend, one host and sqlite file per language: {} and {}",
        rust_data.join("state.db").display(),
        as_data.join("state.db").display()
    );
    println!(
        "Rust:           {} via App::handle_http GET /{{get,save}}?n=N",
        rust_path.display()
    );
    println!(
        "AssemblyScript: {} via App::on_invoke method get/save, query n=N",
        as_path.display()
    );

    on_tokio_worker(async move {
        let rust_host = load_host(&[("state-loop", rust_path)], &rust_data).await?;
        let as_host = load_host(&[("state-loop", as_path)], &as_data).await?;
        let rust = rust_host.apps()["state-loop"].clone();
        let asc = as_host.apps()["state-loop"].clone();
        if !asc.exports().handler {
            bail!("state-loop-as.wasm does not export dapr:runtime/handler");
        }

        // [save, get][Rust, AssemblyScript]: per-op ops/s, raw ops/s (no
        // entry subtraction), entry cost in ns.
        let mut per_op: [[Vec<f64>; 2]; 2] = Default::default();
        let mut raw: [[Vec<f64>; 2]; 2] = Default::default();
        let mut entry: [[Vec<f64>; 2]; 2] = Default::default();
        for round in 0..=rounds {
            let order = if round % 2 == 0 {
                [Lang::Rust, Lang::AssemblyScript]
            } else {
                [Lang::AssemblyScript, Lang::Rust]
            };
            for (op_index, op) in ["save", "get"].into_iter().enumerate() {
                for lang in order {
                    let app = if lang == Lang::Rust { &rust } else { &asc };
                    let mut zero = Vec::with_capacity(entry_calls);
                    for _ in 0..entry_calls {
                        zero.push(call(app, lang, op, 0).await?.as_nanos() as f64);
                    }
                    let t0 = median(&zero);
                    let tn = call(app, lang, op, n).await?.as_nanos() as f64;
                    if round > 0 {
                        let l = lang as usize;
                        per_op[op_index][l].push(n as f64 / ((tn - t0).max(1.0) / 1e9));
                        raw[op_index][l].push(n as f64 / (tn / 1e9));
                        entry[op_index][l].push(t0);
                    }
                }
            }
        }

        println!(
            "{:<5}  {:>11}  {:>11}  {:>11}  {:>11}  {:>13}  {:>14}  {:>14}  {:>13}  {:>13}",
            "op",
            "Rust ops/s",
            "AS ops/s",
            "Rust us/op",
            "AS us/op",
            "ratio AS/Rust",
            "Rust t(0) us",
            "AS t(0) us",
            "Rust raw/s",
            "AS raw/s"
        );
        for (op_index, op) in [(1, "get"), (0, "save")] {
            let r = median(&per_op[op_index][0]);
            let a = median(&per_op[op_index][1]);
            println!(
                "{:<5}  {:>11.0}  {:>11.0}  {:>11.2}  {:>11.2}  {:>13.3}  {:>14.2}  {:>14.2}  {:>13.0}  {:>13.0}",
                op,
                r,
                a,
                1e6 / r,
                1e6 / a,
                a / r,
                median(&entry[op_index][0]) / 1e3,
                median(&entry[op_index][1]) / 1e3,
                median(&raw[op_index][0]),
                median(&raw[op_index][1])
            );
        }
        println!(
            "(medians over {rounds} rounds; ops/s = N / (t(N) - t(0)); `raw/s` = N / t(N) without \
             subtracting the entry cost)"
        );
        for (op_index, op) in [(1, "get"), (0, "save")] {
            let range = |v: &Vec<f64>| {
                let (lo, hi) = v
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
                format!("{lo:.0}..{hi:.0}")
            };
            let ratios: Vec<f64> = per_op[op_index][1]
                .iter()
                .zip(&per_op[op_index][0])
                .map(|(a, r)| a / r)
                .collect();
            let (lo, hi) = ratios
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            println!(
                "  {op} ops/s range over rounds: Rust {}  AS {}  per-round ratio AS/Rust {lo:.3}..{hi:.3} (median {:.3})",
                range(&per_op[op_index][0]),
                range(&per_op[op_index][1]),
                median(&ratios)
            );
        }

        println!();
        println!(
            "{:<15}  {:>15}  {:>12}  {:>22}  {:>20}",
            "component",
            "component bytes",
            "core modules",
            "largest core module",
            "all core modules"
        );
        for (lang, s) in [(Lang::Rust, &rust_sizes), (Lang::AssemblyScript, &as_sizes)] {
            println!(
                "{:<15}  {:>15}  {:>12}  {:>22}  {:>20}",
                lang.name(),
                s.component,
                s.modules.len(),
                s.modules.first().copied().unwrap_or(0),
                s.modules.iter().sum::<u64>()
            );
        }
        for (lang, s) in [(Lang::Rust, &rust_sizes), (Lang::AssemblyScript, &as_sizes)] {
            let each: Vec<String> = s.modules.iter().map(u64::to_string).collect();
            println!(
                "  {} core module bytes, largest first: {}",
                lang.name(),
                each.join(", ")
            );
        }
        if let Some(core) = as_core {
            println!("AssemblyScript core module as asc wrote it ({AS_CORE_MODULE}): {core} bytes");
        }
        println!(
            "size ratio AS/Rust: component {:.2}",
            as_sizes.component as f64 / rust_sizes.component as f64
        );
        Ok(())
    })
}

/// One request doing `n` ops of `op` in a fresh instance, checked; its time.
async fn call(app: &App, lang: Lang, op: &str, n: usize) -> Result<Duration> {
    match lang {
        Lang::Rust => guest_round(app, op, n).await,
        Lang::AssemblyScript => {
            let request = Request {
                method: op.to_string(),
                verb: HttpVerb::Get,
                query: vec![("n".to_string(), n.to_string())],
                headers: Vec::new(),
                content_type: None,
                data: Vec::new(),
            };
            let start = Instant::now();
            let response = app.on_invoke(request).await?;
            let elapsed = start.elapsed();
            if response.status != 200 || response.data != n.to_string().as_bytes() {
                bail!(
                    "AssemblyScript {op}?n={n}: unexpected response {}: {:?}",
                    response.status,
                    String::from_utf8_lossy(&response.data)
                );
            }
            Ok(elapsed)
        }
    }
}
