//! The embedded backend: every building block served in-process, used when
//! no Dapr sidecar is configured.
