//! The Rust runner of the conformance scenarios: implements world
//! `dapr:conformance/runner` as `tests/conformance/README.md` describes.
//!
//! `execute` translates one JSON step to a `dapr:runtime` call and its
//! outcome back to JSON ([`step`]); the `handler` export records what the
//! host delivers in `statestore` so scenarios can observe it ([`handler`]);
//! the `actor` export hosts the test actor type `conformance-actor`
//! ([`actor`]).

mod actor;
mod codec;
mod handler;
mod step;

wit_bindgen::generate!({
    world: "dapr:conformance/actor-runner",
    path: ["../../../wit", "../../conformance/wit"],
    with: {
        "dapr:runtime/types@0.1.0": dapr_guest::wit::dapr::runtime::types,
        "dapr:runtime/state@0.1.0": dapr_guest::wit::dapr::runtime::state,
        "dapr:runtime/pubsub@0.1.0": dapr_guest::wit::dapr::runtime::pubsub,
        "dapr:runtime/invoke@0.1.0": dapr_guest::wit::dapr::runtime::invoke,
        "dapr:runtime/bindings@0.1.0": dapr_guest::wit::dapr::runtime::bindings,
        "dapr:runtime/secrets@0.1.0": dapr_guest::wit::dapr::runtime::secrets,
        "dapr:runtime/configuration@0.1.0": dapr_guest::wit::dapr::runtime::configuration,
        "dapr:runtime/lock@0.1.0": dapr_guest::wit::dapr::runtime::lock,
        "dapr:runtime/metadata@0.1.0": dapr_guest::wit::dapr::runtime::metadata,
        "dapr:runtime/jobs@0.1.0": dapr_guest::wit::dapr::runtime::jobs,
        "dapr:runtime/conversation@0.1.0": dapr_guest::wit::dapr::runtime::conversation,
        "dapr:runtime/crypto@0.1.0": dapr_guest::wit::dapr::runtime::crypto,
        "dapr:runtime/actors@0.1.0": dapr_guest::wit::dapr::runtime::actors,
    },
});

/// The component: `execute` plus the `handler` and `actor` exports.
struct Runner;

impl Guest for Runner {
    fn execute(step: String) -> String {
        step::execute(&step)
    }
}

export!(Runner);
