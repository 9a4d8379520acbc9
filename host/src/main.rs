//! The `wasmtime-dapr` command line: parse, then call the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use wasmtime_dapr::backend::sidecar::SidecarOptions;
use wasmtime_dapr::config::RuntimeFile;
use wasmtime_dapr::runtime::{ByteSize, Limits, Runtime, RuntimeConfig, Sandbox};
use wasmtime_dapr::{Listen, Server, ServerOptions, default_app_id};

/// Run WebAssembly components with Dapr's building blocks.
#[derive(Parser)]
#[command(name = "wasmtime-dapr", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines (and serve's progress lines and errors) are written:
    /// text, or json (one object a line, with the fields of the current
    /// span, for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// The format of the log on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve components: HTTP, pub/sub events and service invocations.
    Serve(ServeArgs),
    /// Run a `wasi:cli` command component; its exit code becomes ours.
    Run(RunArgs),
    /// Write the `dapr:runtime` WIT package (to stdout, or as files to --out).
    Wit {
        /// Directory to write the package and its WASI deps into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show what a component imports and exports, and whether it can run here.
    Inspect {
        /// The component file.
        component: PathBuf,
    },
    /// Start a guest project: NAME/ with starter code for a world, its build
    /// files and a README saying how to build, run and test it.
    #[command(after_help = NEW_HELP)]
    New(NewArgs),
    /// Generate guest bindings of the dapr:runtime world for a language
    /// without Component Model tooling.
    Bindgen {
        #[command(subcommand)]
        language: BindgenLanguage,
    },
    /// Turn a core WebAssembly module (such as asc's output) into a
    /// dapr:runtime component.
    Componentize {
        /// The core module.
        module: PathBuf,
        /// Where to write the component.
        #[arg(short, long)]
        out: PathBuf,
        /// The world the module implements: app, client, http-app or
        /// actor-app (or a world of the package in --wit).
        #[arg(long, default_value = "app")]
        world: String,
        /// A WIT package directory defining --world (it may include the
        /// dapr:runtime worlds), for worlds beyond app, client, http-app and
        /// actor-app.
        #[arg(long, value_name = "DIR")]
        wit: Option<PathBuf>,
        /// The string encoding of the module's canonical ABI: utf16 (AssemblyScript) or utf8.
        #[arg(long, default_value = "utf16")]
        encoding: wasmtime_dapr_guest_tools::componentize::Encoding,
    },
}

#[derive(Subcommand)]
enum BindgenLanguage {
    /// AssemblyScript bindings (canonical-ABI glue with UTF-16 strings).
    Assemblyscript {
        /// Directory to write the bindings into.
        #[arg(long)]
        out: PathBuf,
        /// The world: app, client, http-app or actor-app. Several (`--world app --world
        /// http-app`, or `--world app,http-app`) share one set of bindings:
        /// the first world's exports go to exports.ts, each other world's to
        /// exports-WORLD.ts.
        #[arg(long, default_value = "app", value_delimiter = ',')]
        world: Vec<String>,
    },
}

/// How `new` finds the SDKs, after its options.
const NEW_HELP: &str = "\
Worlds: client is a command (`wasmtime-dapr run`) that saves values to `statestore`, \
reads them back and prints `Test successfully!`; app subscribes to a topic, stores \
its events and answers invocations from state; http-app serves JSON items at \
/items/{id} (GET, POST) backed by state (`wasmtime-dapr serve`).

The project builds against the SDK in a checkout of the wasmtime-dapr repository: \
--sdk DIR, else WASMTIME_DAPR_SDK, else the checkout this binary was built from.

Examples:
  wasmtime-dapr new hello --lang rust
  wasmtime-dapr new orders --lang python --world app
  wasmtime-dapr new items --lang rust --world http-app --out services/items";

/// The arguments of `new`.
#[derive(Args)]
struct NewArgs {
    /// The project name: a lowercase letter, then lowercase letters, digits,
    /// `-` and `_` (it names the package, the component and the app id).
    name: String,
    /// The language.
    #[arg(long, value_enum)]
    lang: wasmtime_dapr::scaffold::Language,
    /// What the component is: a command, an app (events, invocations) or an
    /// HTTP app.
    #[arg(long, value_enum, default_value = "client")]
    world: wasmtime_dapr::scaffold::World,
    /// The directory to create (default: ./NAME); it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A checkout of the wasmtime-dapr repository whose SDK the project uses.
    #[arg(long, value_name = "DIR", env = "WASMTIME_DAPR_SDK")]
    sdk: Option<PathBuf>,
}

/// How guest code is shown to a native profiler (`--profile`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Profile {
    /// A perf map (/tmp/perf-PID.map) for Linux `perf`.
    Perfmap,
}

/// Options shared by `serve` and `run`.
#[derive(Args)]
struct CommonArgs {
    /// Directory of Dapr component manifests (YAML), as daprd's --resources-path.
    #[arg(long, value_name = "DIR")]
    resources_path: Option<PathBuf>,
    /// Where the default components keep their data.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Memory limit per request, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    memory_limit: usize,
    /// Deadline per request, event or command, in seconds; a guest still
    /// running then is interrupted.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    timeout: f64,
    /// Instances of one app running at once (default: the 256 instance
    /// slots shared evenly by the apps).
    #[arg(long, value_name = "N")]
    max_instances: Option<u32>,
    /// Requests and invocations that may wait for a busy app's instance;
    /// past it they get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_queued: u32,
    /// The largest HTTP or invocation body, state value or message, and
    /// gRPC message to and from daprd (match daprd's --max-body-size).
    #[arg(long, value_name = "SIZE", default_value = "4Mi")]
    max_body_size: ByteSize,
    /// How many HTTP requests one instance serves (1: a fresh instance
    /// for every request). Only for apps that keep nothing across requests:
    /// a request sees what earlier ones left in the instance's memory.
    /// Not for JavaScript components, which answer one request per instance.
    #[arg(long, value_name = "N", default_value_t = 1)]
    max_instance_reuse_count: u32,
    /// A TOML file of per-app settings (`[apps.ID]`: timeout, memory-limit,
    /// max-instances, max-queued, max-body-size, max-instance-reuse-count)
    /// over the flags above.
    #[arg(long, value_name = "FILE")]
    runtime_config: Option<PathBuf>,
    /// Preopen a host directory: HOST or HOST::GUEST.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Pass an environment variable: NAME=VALUE, or NAME to copy the host's.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Allow outbound wasi:http requests to HOST (or HOST:PORT); `*` for any.
    #[arg(long = "allow-http", value_name = "HOST")]
    allow_http: Vec<String>,
    /// Let wasi:sockets connect anywhere and resolve names (denied by default).
    #[arg(long)]
    inherit_network: bool,
    /// Where compiled components are cached.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Make guest code visible to a native profiler: `perfmap` writes
    /// /tmp/perf-PID.map, which `perf report` reads to name guest functions.
    #[arg(long, value_enum, value_name = "STRATEGY")]
    profile: Option<Profile>,
    /// Do not cache compiled components.
    #[arg(long)]
    no_cache: bool,
    /// Serve the building blocks through the Dapr sidecar at this gRPC
    /// endpoint (default: DAPR_GRPC_ENDPOINT or DAPR_GRPC_PORT if set,
    /// else the embedded backend).
    #[arg(long, value_name = "URL")]
    dapr_grpc_endpoint: Option<String>,
    /// How long to wait for the sidecar at start, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    sidecar_timeout: f64,
}

#[derive(Args)]
struct ServeArgs {
    /// Components to serve, each as PATH or APP_ID=PATH.
    #[arg(required = true, value_name = "[APP_ID=]COMPONENT")]
    components: Vec<String>,
    /// Address for HTTP.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Port of the gRPC app channel daprd calls (`daprd --app-port`, with
    /// `--app-protocol grpc`); only with a sidecar.
    #[arg(long, env = "APP_PORT", value_name = "PORT")]
    app_port: Option<u16>,
    /// Serve Prometheus metrics (`/metrics`) and health probes (`/healthz`,
    /// `/readyz`) on this address.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args)]
struct RunArgs {
    /// The command component, as PATH or APP_ID=PATH.
    #[arg(value_name = "[APP_ID=]COMPONENT")]
    component: String,
    /// Arguments for the command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "wasmtime_dapr=info".into())
    };
    let format = cli.log_format;
    match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(dispatch(cli.command, format)));
    match result {
        Ok(code) => code,
        Err(err) => {
            let message = wasmtime_dapr::runtime::failure_message(&err);
            match format {
                LogFormat::Text => eprintln!("error: {message}"),
                LogFormat::Json => tracing::error!("{message}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, format: LogFormat) -> Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(args, format).await.map(|()| ExitCode::SUCCESS),
        Command::Run(args) => run(args).await,
        Command::Wit { out } => write_wit(out.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::Inspect { component } => inspect(&component).map(|()| ExitCode::SUCCESS),
        Command::New(args) => new_project(args).map(|()| ExitCode::SUCCESS),
        Command::Bindgen {
            language: BindgenLanguage::Assemblyscript { out, world },
        } => {
            let files = wasmtime_dapr_guest_tools::assemblyscript::write_assemblyscript(
                wasmtime_dapr::wit_files::FILES,
                &out,
                &world.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
            eprintln!(
                "Wrote {} AssemblyScript files to {}",
                files.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Componentize {
            module,
            out,
            world,
            wit,
            encoding,
        } => {
            use wasmtime_dapr_guest_tools::componentize::{componentize, componentize_with_wit};
            let wit_files = wasmtime_dapr::wit_files::FILES;
            let bytes = std::fs::read(&module)
                .with_context(|| format!("cannot read {}", module.display()))?;
            let component = match &wit {
                Some(dir) => componentize_with_wit(&bytes, wit_files, dir, &world, encoding),
                None => componentize(&bytes, wit_files, &world, encoding),
            }
            .with_context(|| format!("cannot componentize {}", module.display()))?;
            std::fs::write(&out, component)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("Wrote {} (world {world})", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A number of seconds from a flag, as a duration (too large is an error).
fn seconds(flag: &str, value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("{flag} {value} is not a usable number of seconds"))
}

/// Splits `APP_ID=PATH` (or a bare `PATH`) into an app id and a path.
fn parse_component(spec: &str) -> Result<(String, PathBuf)> {
    let (id, path) = match spec.split_once('=') {
        Some((id, path)) => (id.to_string(), PathBuf::from(path)),
        None => (default_app_id(Path::new(spec)), PathBuf::from(spec)),
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        bail!("invalid app id `{id}`: use letters, digits, `-`, `_` and `.`");
    }
    if !path.is_file() {
        bail!("{}: no such component file", path.display());
    }
    Ok((id, path))
}

fn options(
    common: CommonArgs,
    components: Vec<(String, PathBuf)>,
    inherit_stdio: bool,
) -> Result<ServerOptions> {
    if !common.timeout.is_finite() || common.timeout <= 0.0 {
        bail!("--timeout must be a positive number of seconds");
    }
    if !common.sidecar_timeout.is_finite() || common.sidecar_timeout < 0.0 {
        bail!("--sidecar-timeout must be a non-negative number of seconds");
    }
    if common.memory_limit == 0 {
        bail!("--memory-limit must be at least 1 MiB");
    }
    if common.max_instances == Some(0) {
        bail!("--max-instances must be at least 1");
    }
    if common.max_instance_reuse_count == 0 {
        bail!("--max-instance-reuse-count must be at least 1");
    }
    let memory_bytes = common
        .memory_limit
        .checked_mul(1 << 20)
        .context("--memory-limit is too large")?;
    let limits = Limits {
        memory_bytes,
        timeout: seconds("--timeout", common.timeout)?,
        max_instances: common.max_instances,
        max_queued: common.max_queued,
        max_body_bytes: common.max_body_size.0,
        max_instance_reuse: common.max_instance_reuse_count,
        ..Limits::default()
    };
    let runtime_file = match &common.runtime_config {
        Some(path) => RuntimeFile::load(path)?,
        None => RuntimeFile::default(),
    };
    let app_limits = runtime_file.app_limits(&limits)?;
    let app_access = runtime_file.app_access()?;
    if let Some(unknown) = app_limits
        .keys()
        .find(|id| !components.iter().any(|(c, _)| c == *id))
    {
        tracing::warn!("the runtime config has settings for app `{unknown}`, which is not served");
    }
    let explicit: u32 = components
        .iter()
        .filter_map(|(id, _)| app_limits.get(id).unwrap_or(&limits).max_instances)
        .fold(0, u32::saturating_add);
    let instance_slots = explicit.max(RuntimeConfig::default().instance_slots);
    // With a sidecar there is one app; its gRPC limit is its body limit.
    let sidecar_message_bytes = components.first().map_or(limits.max_body_bytes, |(id, _)| {
        app_limits.get(id).unwrap_or(&limits).max_body_bytes
    });
    let dirs = common
        .dirs
        .iter()
        .map(|d| match d.split_once("::") {
            Some((host, guest)) => (PathBuf::from(host), guest.to_string()),
            None => (PathBuf::from(d), d.clone()),
        })
        .collect();
    let env = common
        .env
        .iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e.clone(), std::env::var(e).unwrap_or_default()),
        })
        .collect();
    let cache_dir = if common.no_cache {
        None
    } else {
        wasmtime_dapr::runtime::choose_cache_dir(common.cache_dir)?
    };
    Ok(ServerOptions {
        components,
        runtime: RuntimeConfig {
            limits,
            app_limits,
            app_access,
            instance_slots,
            cache_dir,
            sandbox: Sandbox {
                dirs,
                env,
                allowed_http_hosts: common.allow_http,
                inherit_stdio,
                inherit_network: common.inherit_network,
            },
            perf_map: common.profile == Some(Profile::Perfmap),
        },
        resources: common.resources_path,
        data_dir: common
            .data_dir
            .or_else(wasmtime_dapr::config::default_data_dir)
            .context(
                "neither XDG_DATA_HOME nor HOME is set: choose where the default components keep their data with --data-dir",
            )?,
        sidecar: match common.dapr_grpc_endpoint {
            Some(endpoint) => Some(SidecarOptions::at(&endpoint)),
            None => SidecarOptions::from_env(),
        }
        .map(|sidecar| SidecarOptions {
            max_message_bytes: sidecar_message_bytes,
            ..sidecar
        }),
        sidecar_timeout: seconds("--sidecar-timeout", common.sidecar_timeout)?,
    })
}

async fn serve(args: ServeArgs, format: LogFormat) -> Result<()> {
    let components = args
        .components
        .iter()
        .map(|c| parse_component(c))
        .collect::<Result<Vec<_>>>()?;
    let options = options(args.common, components, true)?;
    let listen = Listen {
        http: args.listen,
        app_port: args.app_port,
        metrics: args.metrics,
    };
    exporting_traces(&options.components, async {
        wasmtime_dapr::serve(
            &options,
            &listen,
            wasmtime_dapr::shutdown_signal(),
            &|line| match format {
                LogFormat::Text => eprintln!("{line}"),
                LogFormat::Json => tracing::info!("{line}"),
            },
        )
        .await
    })
    .await
}

/// Runs `work` with spans exported as the `OTEL_EXPORTER_OTLP_*` variables
/// say (nothing when unset), under the service name of the only app, or
/// `wasmtime-dapr` for several; exports what is left at the end.
async fn exporting_traces<T>(
    apps: &[(String, PathBuf)],
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    let service = match apps {
        [(id, _)] => id.as_str(),
        _ => "wasmtime-dapr",
    };
    let export = wasmtime_dapr::telemetry::export_from_env(service)?;
    let result = work.await;
    if let Some(export) = export {
        export.shutdown(std::time::Duration::from_secs(5)).await;
    }
    result
}

async fn run(args: RunArgs) -> Result<ExitCode> {
    let (id, path) = parse_component(&args.component)?;
    let mut argv = vec![
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    ];
    argv.extend(args.args);
    let options = options(args.common, vec![(id.clone(), path)], true)?;
    exporting_traces(&options.components, async {
        let server = Server::load(&options).await?;
        let app = server.app(&id)?;
        if !app.exports().command {
            bail!(
                "{} does not export wasi:cli/run, so it is not a command; use `serve` for apps",
                args.component
            );
        }
        let code = app.run_command(&argv).await?;
        Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
    })
    .await
}

fn new_project(args: NewArgs) -> Result<()> {
    use wasmtime_dapr::scaffold;
    // Check what needs no file system first, so that bad input is reported
    // the same way wherever the SDK is.
    scaffold::check_name(&args.name)?;
    scaffold::template(args.lang, args.world)?;
    let sdk = scaffold::find_sdk(args.sdk.as_deref(), args.lang)?;
    let dir = args.out.unwrap_or_else(|| PathBuf::from(&args.name));
    let created = scaffold::create(&args.name, args.lang, args.world, &dir, &sdk)?;
    eprintln!(
        "Created {} ({} {}, SDK in {}):",
        created.dir.display(),
        args.lang,
        args.world,
        sdk.display()
    );
    for file in &created.files {
        eprintln!("  {file}");
    }
    eprintln!(
        "See {} for how to build, run and test it.",
        created.dir.join("README.md").display()
    );
    Ok(())
}

fn write_wit(out: Option<&Path>) -> Result<()> {
    let Some(dir) = out else {
        print!("{}", wasmtime_dapr::wit_files::package_document());
        return Ok(());
    };
    for (path, text) in wasmtime_dapr::wit_files::FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    eprintln!(
        "Wrote {} WIT files to {}",
        wasmtime_dapr::wit_files::FILES.len(),
        dir.display()
    );
    Ok(())
}

fn inspect(path: &Path) -> Result<()> {
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let component = runtime.compile(path)?;
    let (imports, exports) = wasmtime_dapr::runtime::interfaces(&component, runtime.engine());
    println!("{}", path.display());
    println!("imports:");
    for name in &imports {
        println!("  {name}");
    }
    println!("exports:");
    for name in &exports {
        println!("  {name}");
    }
    let has = |prefix: &str| exports.iter().any(|e| e.starts_with(prefix));
    let mut worlds = Vec::new();
    if has("wasi:http/incoming-handler@") {
        worlds.push("http-app (serve)");
    }
    if has("dapr:runtime/handler@") {
        worlds.push("app (serve)");
    }
    if has("dapr:runtime/actor@") {
        worlds.push("actor-app (serve)");
    }
    if has("wasi:cli/run@") {
        worlds.push("client command (run)");
    }
    println!(
        "targets: {}",
        if worlds.is_empty() {
            "nothing this host can call".to_string()
        } else {
            worlds.join(", ")
        }
    );
    let grants = wasmtime_dapr::config::grants_used(&imports);
    if !grants.is_empty() {
        println!("grants it uses (runtime config [apps.ID.grants]):");
        for (key, users) in &grants {
            println!("  {key}: {}", users.join(", "));
        }
    }
    let unknown = wasmtime_dapr::runtime::unknown_imports(&component, runtime.engine());
    if unknown.is_empty() {
        println!("all imports are provided by this host");
    } else {
        println!("imports this host does not provide: {}", unknown.join(", "));
    }
    Ok(())
}
