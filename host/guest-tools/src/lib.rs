//! Tooling for guests written in languages without native Component Model
//! support: a bindings generator for AssemblyScript and a componentizer that
//! turns a core WebAssembly module into a `dapr:runtime` component.
//!
//! Both work on a WIT package handed over as [`WitFiles`], such as the
//! `dapr:runtime` package `wasmtime_dapr::wit_files::FILES` embeds.

#![warn(missing_docs)]

use anyhow::{Context, Result};
use wit_parser::{PackageId, Resolve};

pub mod assemblyscript;
pub mod componentize;

/// A WIT package as files: (path relative to its `wit/` directory, contents),
/// with its dependencies below `deps/`.
pub type WitFiles<'a> = &'a [(&'a str, &'a str)];

/// Parses the WIT package `files` (with its dependencies) into a
/// [`Resolve`]; returns it with the id of the package.
pub fn load_wit(files: WitFiles<'_>) -> Result<(Resolve, PackageId)> {
    let dir = tempfile::tempdir().context("creating a temporary WIT directory")?;
    for (path, text) in files {
        let file = dir.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, text)?;
    }
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_dir(dir.path())
        .context("parsing the WIT package")?;
    Ok((resolve, pkg))
}

#[cfg(test)]
pub(crate) mod test_wit {
    //! The repository's `dapr:runtime` package, read from `wit/`.

    use super::*;
    use std::path::Path;

    /// The files of the repository's `wit/` directory.
    pub fn files() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        files.sort();
        files
    }

    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "wit") {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                out.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    /// Calls `f` with the package as [`WitFiles`].
    pub fn with<R>(f: impl FnOnce(WitFiles<'_>) -> R) -> R {
        let owned = files();
        let borrowed: Vec<(&str, &str)> = owned
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        f(&borrowed)
    }

    /// The parsed package.
    pub fn resolve() -> (Resolve, PackageId) {
        with(|files| load_wit(files).unwrap())
    }
}
