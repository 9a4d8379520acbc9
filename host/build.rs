//! Embeds every file of the `wit/` package and of the project templates:
//! writes `$OUT_DIR/wit_files.rs` with one `(relative path,
//! include_str!(...))` entry per `.wit` file, and `$OUT_DIR/template_files.rs`
//! likewise for every file under `templates/`, both in path order, so a new
//! WIT file or template needs no hand-kept list.

use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    embed(
        &root.join("wit"),
        |p| p.extension().is_some_and(|e| e == "wit"),
        "wit_files.rs",
    );
    // Every template file, but not what building a template in place leaves.
    embed(
        &root.join("templates"),
        |p| {
            !p.components().any(|c| {
                matches!(
                    c.as_os_str().to_str(),
                    Some("node_modules" | "target" | "build" | "__pycache__")
                )
            })
        },
        "template_files.rs",
    );
}

/// Writes `$OUT_DIR/{out_name}`: the files under `dir` whose path relative
/// to `dir` `keep` accepts, as a slice of (that path, contents).
fn embed(dir: &Path, keep: fn(&Path) -> bool, out_name: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.retain(|p| {
        keep(
            p.strip_prefix(dir)
                .expect("a path under the embedded directory"),
        )
    });
    files.sort();
    let mut out = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path
            .strip_prefix(dir)
            .expect("a path under the embedded directory")
            .to_string_lossy()
            .replace('\\', "/");
        out.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join(out_name);
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("writing {out_name}: {e}"));
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
