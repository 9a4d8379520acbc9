//! Loading a component file: clear errors for everything that is not a
//! component this host can run, then compilation (through the cache) and
//! pre-instantiation against the linker.

use std::path::Path;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre};

use super::engine::Runtime;
use super::store::HostState;

/// Why a component could not be loaded. Each message is one line meant for
/// the person who ran the command.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not WebAssembly at all.
    #[error("{path} is not a WebAssembly file (no `\\0asm` header)")]
    NotWasm {
        /// The file.
        path: String,
    },
    /// The file is a core module, not a component.
    #[error(
        "{path} is a core WebAssembly module, not a component; build it for `wasm32-wasip2`, \
         or wrap it with `wasm-tools component new {path} -o component.wasm` \
         (AssemblyScript: `wasmtime-dapr componentize`)"
    )]
    CoreModule {
        /// The file.
        path: String,
    },
    /// Wasmtime rejected the component.
    #[error("{path} is not a valid component: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Wasmtime's explanation.
        reason: String,
    },
    /// The component imports interfaces this host does not provide.
    #[error("{path} imports interfaces this host does not provide: {}", missing.join(", "))]
    UnknownImports {
        /// The file.
        path: String,
        /// The missing interfaces.
        missing: Vec<String>,
    },
    /// Linking failed for another reason.
    #[error("{path} cannot be linked: {reason}")]
    Link {
        /// The file.
        path: String,
        /// Wasmtime's explanation.
        reason: String,
    },
}

/// Interface packages the host implements, with the versions it accepts.
const PROVIDED: &[(&str, &str)] = &[
    ("wasi:cli/", "0.2."),
    ("wasi:clocks/", "0.2."),
    ("wasi:filesystem/", "0.2."),
    ("wasi:io/", "0.2."),
    ("wasi:random/", "0.2."),
    ("wasi:sockets/", "0.2."),
    ("wasi:http/", "0.2."),
    ("dapr:runtime/", "0.1."),
];

impl Runtime {
    /// Reads, validates, compiles (cached) and pre-instantiates a component.
    pub fn load(&self, path: &Path) -> Result<(Component, InstancePre<HostState>), LoadError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Unreadable {
            path: shown.clone(),
            source,
        })?;
        self.load_bytes(&shown, &bytes)
    }

    /// Like [`Runtime::load`], for bytes already in memory; `name` is used in errors.
    pub fn load_bytes(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> Result<(Component, InstancePre<HostState>), LoadError> {
        let component = self.compile_bytes(name, bytes)?;
        let path = name.to_string();
        let missing = unknown_imports(&component, &self.engine);
        if !missing.is_empty() {
            return Err(LoadError::UnknownImports { path, missing });
        }
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link {
                path,
                reason: one_line(&e.into()),
            })?;
        Ok((component, pre))
    }

    /// Reads, validates and compiles (cached) a component without linking it.
    pub fn compile(&self, path: &Path) -> Result<Component, LoadError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Unreadable {
            path: shown.clone(),
            source,
        })?;
        self.compile_bytes(&shown, &bytes)
    }

    fn compile_bytes(&self, name: &str, bytes: &[u8]) -> Result<Component, LoadError> {
        let path = name.to_string();
        match bytes.get(..8) {
            Some([0, b'a', b's', b'm', _, _, 0, 0]) => return Err(LoadError::CoreModule { path }),
            Some([0, b'a', b's', b'm', ..]) => {}
            _ if bytes.starts_with(b"(component") => {}
            _ if bytes.starts_with(b"(module") => return Err(LoadError::CoreModule { path }),
            _ => return Err(LoadError::NotWasm { path }),
        }
        super::cache::compile_cached(&self.engine, bytes, self.config.cache_dir.as_deref()).map_err(
            |e| LoadError::Invalid {
                path,
                reason: one_line(&e),
            },
        )
    }
}

/// The names of a component's imports and exports.
pub fn interfaces(component: &Component, engine: &wasmtime::Engine) -> (Vec<String>, Vec<String>) {
    let ty = component.component_type();
    let imports = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let exports = ty
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    (imports, exports)
}

/// The component's imported interfaces that no provided package covers.
pub fn unknown_imports(component: &Component, engine: &wasmtime::Engine) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .filter(|(_, item)| !matches!(item.ty, ComponentItem::Type(_)))
        .map(|(name, _)| name.to_string())
        .filter(|name| {
            let linked = |(pkg, ver): &(&str, &str)| provided(name, pkg, ver);
            !PROVIDED.iter().any(linked) && !crate::wasi::PROVIDED.iter().any(linked)
        })
        .collect()
}

/// Whether `name` is in `package` at `version`: a version ending in `.`
/// accepts every version it starts (`0.2.` is any 0.2 release), any other
/// only itself (pre-release drafts are distinct packages).
fn provided(name: &str, package: &str, version: &str) -> bool {
    name.starts_with(package)
        && name.split_once('@').is_some_and(|(_, v)| {
            if version.ends_with('.') {
                v.starts_with(version)
            } else {
                v == version
            }
        })
}

/// Formats an error chain on one line.
pub(crate) fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}
