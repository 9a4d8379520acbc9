//! The engine (compiled once per process) and the linker every component is
//! linked against.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use super::store::{HostState, Sandbox};
use crate::config::AppComponents;

/// How often the epoch advances; deadlines are measured in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Per-request resource limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most linear memory one request's instance may have, in bytes.
    pub memory_bytes: usize,
    /// How long one request (or event, or command) may run.
    pub timeout: Duration,
    /// How many instances may live at once (sizes the pooling allocator).
    pub max_concurrent_instances: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 << 20,
            timeout: Duration::from_secs(30),
            max_concurrent_instances: 256,
        }
    }
}

/// Everything that shapes how components are compiled and run.
#[derive(Clone, Debug, Default)]
pub struct RuntimeConfig {
    /// Per-request limits.
    pub limits: Limits,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// What WASI may reach beyond the building blocks.
    pub sandbox: Sandbox,
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
    /// and a linker with WASI, `wasi:http` and every `dapr:runtime` import.
    pub fn new(config: RuntimeConfig) -> Result<Self> {
        let (engine, pooling) = match Engine::new(&engine_config(&config.limits, true)) {
            Ok(engine) => (engine, true),
            Err(err) => {
                tracing::warn!("pooling allocator unavailable ({err:#}); allocating on demand");
                let engine = Engine::new(&engine_config(&config.limits, false))
                    .map_err(anyhow::Error::from)
                    .context("cannot create the wasmtime engine")?;
                (engine, false)
            }
        };
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        crate::blocks::add_to_linker(&mut linker, |state| &mut state.dapr)?;
        let ticker = Arc::new(AtomicBool::new(true));
        spawn_epoch_ticker(engine.clone(), ticker.clone());
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
    /// A fresh store for one request of `app`, with limits and a deadline.
    /// `args` become the guest's command-line arguments.
    pub(crate) fn new_store(
        &self,
        app: Arc<AppComponents>,
        args: &[String],
    ) -> Result<Store<HostState>> {
        let limits = &self.config.limits;
        let state = HostState::new(&self.config.sandbox, limits.memory_bytes, app, args)?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state.limits());
        let ticks = (limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();
        Ok(store)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker.store(false, Ordering::Relaxed);
    }
}

fn engine_config(limits: &Limits, pooling: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        let instances = limits.max_concurrent_instances;
        pool.total_component_instances(instances);
        // A Rust component is typically a few core instances (the program,
        // the WASI adapter, shims); leave headroom.
        pool.total_core_instances(instances * 8);
        pool.total_memories(instances * 2);
        pool.total_tables(instances * 8);
        pool.max_memories_per_component(4);
        pool.max_tables_per_component(16);
        pool.max_core_instances_per_component(16);
        pool.max_memory_size(limits.memory_bytes);
        pool.total_stacks(instances);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn spawn_epoch_ticker(engine: Engine, running: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while running.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch thread");
}
