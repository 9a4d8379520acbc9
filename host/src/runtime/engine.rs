//! The engine (compiled once per process) and the linker every component is
//! linked against.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasmtime::component::Linker;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy, Store,
    UpdateDeadline,
};

use super::limits::Limits;
use super::store::{HostState, Sandbox};
use crate::config::{AppAccess, AppComponents};

/// How often the epoch advances. Running guest code yields to the async
/// scheduler at every tick, so no guest holds a worker thread for longer.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Freed pooling-allocator slots reset together (see `engine_config`).
const DECOMMIT_BATCH: usize = 32;

/// Everything that shapes how components are compiled and run.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// The limits of every app without its own entry in `app_limits`.
    pub limits: Limits,
    /// Limits of particular apps, by app id.
    pub app_limits: BTreeMap<String, Limits>,
    /// Grants, `wasi:keyvalue` labels and `wasi:config` sources of
    /// particular apps, by app id (others: Dapr's scopes alone).
    pub app_access: BTreeMap<String, AppAccess>,
    /// How many instances may live at once across all apps (sizes the
    /// pooling allocator).
    pub instance_slots: u32,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// What WASI may reach beyond the building blocks.
    pub sandbox: Sandbox,
    /// Write `/tmp/perf-PID.map` naming every compiled guest function, so
    /// that `perf` attributes guest code (on Linux).
    pub perf_map: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            limits: Limits::default(),
            app_limits: BTreeMap::new(),
            app_access: BTreeMap::new(),
            instance_slots: 256,
            cache_dir: None,
            sandbox: Sandbox::default(),
            perf_map: false,
        }
    }
}

impl RuntimeConfig {
    /// The limits of app `id`.
    pub fn limits_of(&self, id: &str) -> &Limits {
        self.app_limits.get(id).unwrap_or(&self.limits)
    }

    /// The access settings of app `id`.
    pub fn access_of(&self, id: &str) -> AppAccess {
        self.app_access.get(id).cloned().unwrap_or_default()
    }

    /// The largest per-instance memory any app may have.
    fn max_memory_bytes(&self) -> usize {
        let apps = self.app_limits.values().map(|l| l.memory_bytes);
        apps.fold(self.limits.memory_bytes, usize::max)
    }
}

/// The compiled-code engine and linker, shared by every component.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) config: RuntimeConfig,
    pooling: bool,
    ticker: Arc<AtomicBool>,
}

impl Runtime {
    /// Builds the engine (pooling allocator where the address space allows)
    /// and a linker with WASI, `wasi:http`, every `dapr:runtime` import and
    /// the WASI proposals linked onto the blocks (`crate::wasi`).
    pub fn new(config: RuntimeConfig) -> Result<Self> {
        let (engine, pooling) = match Engine::new(&engine_config(&config, true)) {
            Ok(engine) => (engine, true),
            Err(err) => {
                tracing::warn!("pooling allocator unavailable ({err:#}); allocating on demand");
                let engine = Engine::new(&engine_config(&config, false))
                    .map_err(anyhow::Error::from)
                    .context("cannot create the wasmtime engine")?;
                (engine, false)
            }
        };
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        crate::blocks::add_to_linker(&mut linker, |state| &mut state.dapr)?;
        crate::wasi::add_to_linker(&mut linker, HostState::wasi_dapr)?;
        let ticker = Arc::new(AtomicBool::new(true));
        spawn_epoch_ticker(engine.clone(), ticker.clone())?;
        Ok(Runtime {
            engine,
            linker,
            config,
            pooling,
            ticker,
        })
    }

    /// Whether instances come from the pooling allocator.
    pub fn pooling(&self) -> bool {
        self.pooling
    }

    /// The configuration this runtime was built with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl Runtime {
    /// A fresh store for one request of an app with `limits`, reaching
    /// `app`; `args` become the guest's command-line arguments. Guest code
    /// yields at every epoch tick and is interrupted once `limits.timeout`
    /// has passed since this call (or since the store's deadline was
    /// restarted).
    pub(crate) fn new_store(
        &self,
        limits: &Limits,
        app: Arc<AppComponents>,
        args: &[String],
    ) -> Result<Store<HostState>> {
        let state = HostState::new(&self.config.sandbox, limits, app, args)?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state.limits());
        store.epoch_deadline_callback(move |store| match store.data().deadline() {
            Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
            // Tokio's own yield: the task goes to the back of the queue and
            // the worker polls for I/O before running it again, so requests
            // arriving while every worker runs guest code are still seen.
            _ => Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(tokio::task::yield_now()),
            )),
        });
        store.set_epoch_deadline(1);
        Ok(store)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker.store(false, Ordering::Relaxed);
    }
}

fn engine_config(runtime: &RuntimeConfig, pooling: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    if runtime.perf_map {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        let instances = runtime.instance_slots.max(1);
        pool.total_component_instances(instances);
        // A Rust component is typically a few core instances (the program,
        // the WASI adapter, shims); leave headroom.
        pool.total_core_instances(instances.saturating_mul(8));
        pool.total_memories(instances.saturating_mul(2));
        pool.total_tables(instances.saturating_mul(8));
        pool.max_memories_per_component(4);
        pool.max_tables_per_component(16);
        pool.max_core_instances_per_component(16);
        pool.max_memory_size(runtime.max_memory_bytes());
        pool.total_stacks(instances);
        // Freed slots are reset (madvise) DECOMMIT_BATCH at a time: one
        // syscall and one TLB shootdown across the worker threads for many
        // instances instead of each (about a fifth of a fresh instance's cost
        // in the `instantiate` bench).
        pool.decommit_batch_size(DECOMMIT_BATCH);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn spawn_epoch_ticker(engine: Engine, running: Arc<AtomicBool>) -> Result<()> {
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while running.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .context("cannot start the epoch thread")?;
    Ok(())
}
