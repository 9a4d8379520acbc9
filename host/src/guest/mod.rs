//! Tooling for guests written in languages without native Component Model
//! support: a bindings generator for AssemblyScript and a componentizer that
//! turns a core WebAssembly module into a `dapr:runtime` component.

/// AssemblyScript bindings generated from the WIT.
pub mod assemblyscript;
/// Core module to component conversion.
pub mod componentize;
