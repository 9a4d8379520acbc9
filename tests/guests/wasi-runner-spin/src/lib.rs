//! The WASI conformance runner of world
//! `dapr:conformance/wasi-runner-spin`: only the `wasi:keyvalue` and
//! `wasi:config` variants spin links, no `dapr:runtime` import.

wit_bindgen::generate!({
    world: "dapr:conformance/wasi-runner-spin",
    path: ["../../../wit", "../../conformance/wit"],
    generate_all,
});

/// The variants this runner imports, under the names the shared macros use.
mod variant {
    pub use super::wasi::config0_2_0_draft_2024_09_27 as config;
    pub use super::wasi::keyvalue0_2_0_draft2 as keyvalue;
}

/// The component.
struct Runner;

wasi_runner::keyvalue_draft2!(Runner);
wasi_runner::config!(Runner);

impl Guest for Runner {
    fn execute(step: String) -> String {
        wasi_runner::execute::<Runner>(&step)
    }
}

export!(Runner);
