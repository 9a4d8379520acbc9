//! The WASI conformance runner of world
//! `dapr:conformance/wasi-runner-wasmtime`: only `wasi:keyvalue@0.2.0-draft` and `wasi:config@0.2.0-rc.1` (what wasmtime links), no
//! `dapr:runtime` import.

wasi_runner::runner!(
    "dapr:conformance/wasi-runner-wasmtime",
    keyvalue_draft,
    keyvalue0_2_0_draft,
    config0_2_0_rc_1
);
