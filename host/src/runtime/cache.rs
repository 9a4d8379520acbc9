//! An on-disk cache of compiled components, keyed by the component's bytes
//! and the engine's compatibility hash, so a restart does not recompile.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compiles `bytes`, or loads the artifact a previous run cached in `dir`.
/// A corrupt or stale cache entry is recompiled and replaced, never fatal.
pub(crate) fn compile_cached(
    engine: &Engine,
    bytes: &[u8],
    dir: Option<&Path>,
) -> Result<Component> {
    let Some(dir) = dir else {
        return Ok(Component::new(engine, bytes)?);
    };
    let path = entry_path(engine, bytes, dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of an
        // engine with the same compatibility hash (it is part of the name),
        // and the cache directory is owned by the user running the host.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(err) => {
                tracing::warn!(path = %path.display(), "ignoring unusable cache entry: {err:#}")
            }
        }
    }
    let component = Component::new(engine, bytes)?;
    if let Err(err) = store(&component, &path) {
        tracing::warn!(path = %path.display(), "cannot write the compilation cache: {err:#}");
    }
    Ok(component)
}

fn entry_path(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut digest = Sha256::new();
    digest.update(engine_hash.finish().to_le_bytes());
    digest.update(bytes);
    dir.join(format!("{}.cwasm", hex::encode(digest.finalize())))
}

fn store(component: &Component, path: &Path) -> Result<()> {
    let dir = path.parent().context("cache path has no directory")?;
    std::fs::create_dir_all(dir)?;
    let serialized = component.serialize()?;
    // Write then rename so a concurrent reader never sees a partial file.
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), serialized)?;
    tmp.persist(path)?;
    Ok(())
}
