//! The WASI conformance runner of world
//! `dapr:conformance/wasi-runner-wasmcloud`: only `wasi:keyvalue@0.2.0-draft` and `wasi:config@0.2.0-draft` (what wasmcloud links), no
//! `dapr:runtime` import.

wasi_runner::runner!(
    "dapr:conformance/wasi-runner-wasmcloud",
    keyvalue_draft,
    keyvalue0_2_0_draft,
    config0_2_0_draft
);
