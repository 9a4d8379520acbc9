//! The WASI conformance runner of world
//! `dapr:conformance/wasi-runner-spin`: only `wasi:keyvalue@0.2.0-draft2` and `wasi:config@0.2.0-draft-2024-09-27` (what spin links), no
//! `dapr:runtime` import.

wasi_runner::runner!(
    "dapr:conformance/wasi-runner-spin",
    keyvalue_draft2,
    keyvalue0_2_0_draft2,
    config0_2_0_draft_2024_09_27
);
