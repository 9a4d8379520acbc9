//! The `dapr:runtime` WIT package and its WASI dependencies, embedded in
//! the binary so `wasmtime-dapr wit` can hand them to any bindings generator.

/// Every WIT file, as (path relative to the `wit/` directory, contents).
pub const FILES: &[(&str, &str)] = &[
    ("types.wit", include_str!("../../wit/types.wit")),
    ("state.wit", include_str!("../../wit/state.wit")),
    ("pubsub.wit", include_str!("../../wit/pubsub.wit")),
    ("invoke.wit", include_str!("../../wit/invoke.wit")),
    ("bindings.wit", include_str!("../../wit/bindings.wit")),
    ("secrets.wit", include_str!("../../wit/secrets.wit")),
    (
        "configuration.wit",
        include_str!("../../wit/configuration.wit"),
    ),
    ("lock.wit", include_str!("../../wit/lock.wit")),
    ("metadata.wit", include_str!("../../wit/metadata.wit")),
    ("handler.wit", include_str!("../../wit/handler.wit")),
    ("worlds.wit", include_str!("../../wit/worlds.wit")),
    (
        "deps/cli/cli.wit",
        include_str!("../../wit/deps/cli/cli.wit"),
    ),
    (
        "deps/clocks/clocks.wit",
        include_str!("../../wit/deps/clocks/clocks.wit"),
    ),
    (
        "deps/filesystem/filesystem.wit",
        include_str!("../../wit/deps/filesystem/filesystem.wit"),
    ),
    (
        "deps/http/http.wit",
        include_str!("../../wit/deps/http/http.wit"),
    ),
    ("deps/io/io.wit", include_str!("../../wit/deps/io/io.wit")),
    (
        "deps/random/random.wit",
        include_str!("../../wit/deps/random/random.wit"),
    ),
    (
        "deps/sockets/sockets.wit",
        include_str!("../../wit/deps/sockets/sockets.wit"),
    ),
];

/// The `dapr:runtime` package as one document (without its WASI deps).
pub fn package_document() -> String {
    let mut out = String::from("package dapr:runtime@0.1.0;\n");
    for (path, text) in FILES.iter().filter(|(p, _)| !p.starts_with("deps/")) {
        out.push_str(&format!("\n// ---- {path}\n"));
        for line in text.lines().filter(|l| !l.starts_with("package ")) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
