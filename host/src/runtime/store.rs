//! The per-request `Store` data: WASI, `wasi:http`, limits and the Dapr
//! context, with least-privilege defaults.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::Limits;
use crate::blocks::DaprCtx;
use crate::config::AppComponents;

/// What a component may reach outside the building blocks. Everything is
/// denied by default: no files, no environment, no outbound HTTP.
#[derive(Clone, Debug, Default)]
pub struct Sandbox {
    /// Host directories preopened as `(host path, guest path)`.
    pub dirs: Vec<(PathBuf, String)>,
    /// Environment variables the guest sees.
    pub env: Vec<(String, String)>,
    /// Hosts (`host` or `host:port`) outbound `wasi:http` requests may reach;
    /// `*` allows any.
    pub allowed_http_hosts: Vec<String>,
    /// Whether the guest's stdout/stderr reach the host's.
    pub inherit_stdio: bool,
    /// Whether `wasi:sockets` may open any connection and resolve names.
    pub inherit_network: bool,
}

/// The data of one request's `Store`.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    http_policy: HttpPolicy,
    table: ResourceTable,
    limits: StoreLimits,
    /// When guest code is interrupted; each actor turn sets its own.
    deadline: Option<std::time::Instant>,
    pub(crate) dapr: DaprCtx,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}

/// Outbound HTTP allow-list.
struct HttpPolicy {
    allowed: Arc<[String]>,
}

impl HttpPolicy {
    fn allows(&self, authority: &str) -> bool {
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        self.allowed
            .iter()
            .any(|a| a == "*" || a == authority || a == host)
    }
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<wasmtime_wasi_http::WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let authority = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        if !self.allows(&authority) {
            tracing::warn!(%authority, "outbound HTTP denied (allow it with --allow-http)");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        // Allowed: send it as wasmtime-wasi-http does by default, in the
        // trace of the call the guest is serving.
        let mut request = request;
        crate::telemetry::to_http_headers(request.headers_mut());
        wasmtime_wasi_http::default_hooks().send_request(request, options, fut)
    }
}

impl HostState {
    /// The data of a fresh store: WASI as `sandbox` allows, `args` as the
    /// guest's command-line arguments, `limits` as its memory and payload
    /// caps and `app` as what its building-block imports reach.
    pub(crate) fn new(
        sandbox: &Sandbox,
        limits: &Limits,
        app: Arc<AppComponents>,
        args: &[String],
    ) -> Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.args(args);
        wasi.envs(&sandbox.env);
        if sandbox.inherit_stdio {
            wasi.inherit_stdout().inherit_stderr();
        }
        if sandbox.inherit_network {
            wasi.inherit_network().allow_ip_name_lookup(true);
        }
        for (host, guest) in &sandbox.dirs {
            wasi.preopened_dir(host, guest, FsPerms::ReadWrite)?;
        }
        Ok(HostState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy {
                allowed: sandbox.allowed_http_hosts.clone().into(),
            },
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(64)
                .tables(64)
                .memories(8)
                .trap_on_grow_failure(true)
                .build(),
            deadline: std::time::Instant::now().checked_add(limits.timeout),
            dapr: DaprCtx {
                app,
                max_body_bytes: limits.max_body_bytes,
                resources: ResourceTable::new().into(),
                actor_chain: Default::default(),
            },
        })
    }

    /// What the WASI proposals linked onto the blocks reach.
    pub(crate) fn wasi_dapr(&mut self) -> crate::wasi::WasiDapr<'_> {
        crate::wasi::WasiDapr {
            dapr: &self.dapr,
            table: &mut self.table,
        }
    }

    /// When guest code in this store is interrupted.
    pub(crate) fn deadline(&self) -> Option<std::time::Instant> {
        self.deadline
    }

    /// Gives the next call `timeout` from now (an actor instance lives on
    /// across turns, each under its own deadline).
    pub(crate) fn restart_deadline(&mut self, timeout: std::time::Duration) {
        self.deadline = std::time::Instant::now().checked_add(timeout);
    }

    /// The store's resource limiter.
    pub(crate) fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}
