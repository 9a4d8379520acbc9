//! The `dapr:runtime` WIT package and its WASI dependencies, embedded in
//! the binary so `wasmtime-dapr wit` can hand them to any bindings generator.

/// Every WIT file, as (path relative to the `wit/` directory, contents),
/// in path order (generated from `wit/` by the build script).
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/wit_files.rs"));

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
