//! An on-disk cache of compiled components, so a restart does not recompile.
//!
//! A cache entry is native code the host maps executable, so the cache is
//! only as trustworthy as the set of users who can write to it:
//!
//! * it lives in a directory owned by the current user with mode 0700
//!   (created so); an existing directory owned by someone else, or with any
//!   group or other permission bit, is not used;
//! * entries are written with mode 0600 (write to a temporary file, then
//!   rename), and an entry owned by someone else or readable or writable by
//!   group or others is ignored;
//! * each entry starts with a header: a magic tag, the entry's key (the
//!   SHA-256 of the component bytes, this host's version and the engine's
//!   compatibility hash, which covers the wasmtime version, the target and
//!   every compilation setting) and the SHA-256 of the compiled artifact
//!   that follows. An entry is read into memory whole and deserialized only
//!   if its key is the expected one and the artifact's hash matches;
//!   anything else is recompiled and replaced, never fatal.
//!
//! Without `XDG_CACHE_HOME` or `HOME` there is no default directory and the
//! cache is off; there is no fallback to a shared temporary directory.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The first bytes of every cache entry (format version 1).
const MAGIC: &[u8; 16] = b"wasmtime-dapr\0c1";
/// The header: magic, key, artifact hash.
const HEADER_LEN: usize = MAGIC.len() + 32 + 32;

/// Where compiled components are cached by default:
/// `$XDG_CACHE_HOME/wasmtime-dapr`, else `$HOME/.cache/wasmtime-dapr`; `None`
/// when neither is set to an absolute path (the cache is then off).
pub fn default_cache_dir() -> Option<PathBuf> {
    default_cache_dir_in(|var| std::env::var_os(var))
}

fn default_cache_dir_in(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    // As the XDG base directory spec says, a relative path is ignored.
    let absolute = |var: &str| env(var).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .map(|base| base.join("wasmtime-dapr"))
}

/// The cache directory for the command line: `explicit` (`--cache-dir`) or
/// the default.
///
/// An explicit directory that cannot be made private to the current user is
/// an error (whoever named it should know; running without the cache they
/// asked for would hide it). A default one is a warning and no cache, so a
/// shared or odd home directory never stops the host from running; with no
/// default directory at all the cache is off, said at info level.
pub fn choose_cache_dir(explicit: Option<PathBuf>) -> Result<Option<PathBuf>> {
    choose(explicit, default_cache_dir())
}

fn choose(explicit: Option<PathBuf>, default: Option<PathBuf>) -> Result<Option<PathBuf>> {
    if let Some(dir) = explicit {
        ensure_private_dir(&dir)?;
        return Ok(Some(dir));
    }
    let Some(dir) = default else {
        tracing::info!(
            "neither XDG_CACHE_HOME nor HOME is set: compiled components are not cached \
             (choose a directory with --cache-dir)"
        );
        return Ok(None);
    };
    match ensure_private_dir(&dir) {
        Ok(()) => Ok(Some(dir)),
        Err(err) => {
            tracing::warn!("compiled components are not cached: {err:#}");
            Ok(None)
        }
    }
}

/// Whether an entry was loaded or compiled (for tests and logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Loaded,
    Compiled,
}

/// Compiles `bytes`, or loads the artifact a previous run cached in `dir`.
/// A corrupt, stale or untrusted cache entry is recompiled and replaced, and
/// a directory that is not private to the current user is not used: the
/// cache never makes a load fail.
pub(crate) fn compile_cached(
    engine: &Engine,
    bytes: &[u8],
    dir: Option<&Path>,
) -> Result<Component> {
    let (component, outcome) = compile_with_outcome(engine, bytes, dir)?;
    let result = match (dir, outcome) {
        (None, _) => "off",
        (Some(_), Outcome::Loaded) => "hit",
        (Some(_), Outcome::Compiled) => "miss",
    };
    crate::metrics::metrics().component_load(result);
    Ok(component)
}

fn compile_with_outcome(
    engine: &Engine,
    bytes: &[u8],
    dir: Option<&Path>,
) -> Result<(Component, Outcome)> {
    let compile = || Ok((Component::new(engine, bytes)?, Outcome::Compiled));
    let Some(dir) = dir else {
        return compile();
    };
    if let Err(err) = ensure_private_dir(dir) {
        tracing::warn!("compiling without the cache: {err:#}");
        return compile();
    }
    let key = entry_key(engine, bytes);
    let path = dir.join(format!("{}.cwasm", hex::encode(key)));
    match read_entry(&path, &key, current_uid()) {
        Ok(Some(artifact)) => {
            // SAFETY: `Component::deserialize` trusts its input to be what
            // `Component::serialize` wrote for a compatible engine: it maps
            // the code executable without validating it. These bytes are:
            // the directory and the file are owned by the current user and
            // closed to group and others (checked above and in
            // `read_entry`), so only this user (or root) can have written
            // them, and this host writes nothing there but `serialize`
            // output behind a header. The header names this component,
            // host version and engine compatibility hash, and the SHA-256
            // it records matches the bytes read (into memory, so they
            // cannot change after the check), so a truncated, corrupted or
            // mismatched entry never reaches here. wasmtime checks its own
            // version and settings header on top. The hash is not a
            // signature: it guards against accidents, while the ownership
            // and mode checks are what keep other users out.
            match unsafe { Component::deserialize(engine, &artifact) } {
                Ok(component) => return Ok((component, Outcome::Loaded)),
                Err(err) => {
                    tracing::warn!(path = %path.display(), "ignoring unusable cache entry: {err:#}")
                }
            }
        }
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(path = %path.display(), "ignoring cache entry: {err:#}");
        }
    }
    let (component, outcome) = compile()?;
    if let Err(err) = write_entry(&component, &key, &path) {
        tracing::warn!(path = %path.display(), "cannot write the compilation cache: {err:#}");
    }
    Ok((component, outcome))
}

/// Feeds a `Hash` value into SHA-256.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Only the digest is used.
        0
    }
}

/// The key of a component's entry: its bytes, this host's version and the
/// engine's compatibility hash (wasmtime version, target, settings).
fn entry_key(engine: &Engine, bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256Hasher(Sha256::new());
    hasher.write(MAGIC);
    hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.write(&[0]);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.write(&Sha256::digest(bytes));
    hasher.0.finalize().into()
}

/// Reads and verifies the entry at `path`: `None` if there is none, the
/// artifact bytes if the header is this key's and the hash matches.
fn read_entry(path: &Path, key: &[u8; 32], uid: Option<u32>) -> Result<Option<Vec<u8>>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).context("cannot open it"),
    };
    check_private(&file.metadata()?, uid, false)?;
    let mut data = Vec::new();
    file.read_to_end(&mut data).context("cannot read it")?;
    let Some((header, artifact)) = data.split_at_checked(HEADER_LEN) else {
        bail!("it is too short to be a cache entry");
    };
    let (magic, rest) = header.split_at(MAGIC.len());
    let (stored_key, stored_hash) = rest.split_at(32);
    if magic != MAGIC {
        bail!("it is not a cache entry of this version");
    }
    if stored_key != key {
        bail!("it is the entry of another component or engine");
    }
    if Sha256::digest(artifact).as_slice() != stored_hash {
        bail!("its contents do not match the hash in its header");
    }
    Ok(Some(artifact.to_vec()))
}

/// Writes `component` as the entry `key` at `path` (mode 0600, through a
/// temporary file renamed into place so a reader never sees a partial one).
fn write_entry(component: &Component, key: &[u8; 32], path: &Path) -> Result<()> {
    let dir = path.parent().context("cache path has no directory")?;
    let artifact = component.serialize()?;
    let mut tmp = private_temp_file(dir)?;
    tmp.write_all(MAGIC)?;
    tmp.write_all(key)?;
    tmp.write_all(&Sha256::digest(&artifact))?;
    tmp.write_all(&artifact)?;
    tmp.as_file().sync_data()?;
    tmp.persist(path)?;
    Ok(())
}

#[cfg(unix)]
fn private_temp_file(dir: &Path) -> Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::Builder::new()
        .prefix(".entry")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    // The mode asked for at creation is subject to the umask; set it.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(tmp)
}

#[cfg(not(unix))]
fn private_temp_file(dir: &Path) -> Result<tempfile::NamedTempFile> {
    Ok(tempfile::Builder::new().prefix(".entry").tempfile_in(dir)?)
}

/// Creates `dir` with mode 0700 if it is missing (its parents with the
/// usual mode), then checks that it is private to the current user.
fn ensure_private_dir(dir: &Path) -> Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot create the cache directory's parent {}",
                parent.display()
            )
        })?;
    }
    match create_private_dir(dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => {
            return Err(err)
                .with_context(|| format!("cannot create the cache directory {}", dir.display()));
        }
    }
    let metadata = std::fs::metadata(dir)
        .with_context(|| format!("cannot read the cache directory {}", dir.display()))?;
    if let Err(problem) = check_private(&metadata, current_uid(), true) {
        bail!(
            "refusing the cache directory {0} for compiled code: {problem:#}; \
             make it private with `chmod 700 {0}` if it is yours, else remove it, \
             or choose another directory with --cache-dir (or --no-cache)",
            dir.display()
        );
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().mode(0o700).create(dir)?;
    // The mode asked for at creation is subject to the umask; set it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir(dir)
}

/// The effective user id of this process.
#[cfg(unix)]
fn current_uid() -> Option<u32> {
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    Some(unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// Checks that a cache directory (or entry) is owned by `uid` and has no
/// group or other permission bits. Without Unix permissions (`uid` is
/// `None`) the platform's per-user profile directories are relied on.
#[cfg(unix)]
fn check_private(metadata: &std::fs::Metadata, uid: Option<u32>, dir: bool) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let what = if dir { "directory" } else { "file" };
    if dir && !metadata.is_dir() {
        bail!("it is not a directory");
    }
    if !dir && !metadata.is_file() {
        bail!("it is not a regular file");
    }
    if let Some(uid) = uid
        && metadata.uid() != uid
    {
        bail!(
            "the {what} is owned by uid {}, not by the current user (uid {uid})",
            metadata.uid()
        );
    }
    let mode = metadata.mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!("the {what} has mode {mode:04o}, open to group or others");
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(metadata: &std::fs::Metadata, _uid: Option<u32>, dir: bool) -> Result<()> {
    if dir != metadata.is_dir() {
        bail!(
            "it is not a {}",
            if dir { "directory" } else { "regular file" }
        );
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    const COMPONENT: &[u8] = b"(component (core module))";

    fn only_entry(dir: &Path) -> PathBuf {
        let entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries.into_iter().next().unwrap()
    }

    #[test]
    fn creates_a_fresh_directory_0700_and_entries_0600() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("a/b/cache");
        let engine = Engine::default();
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(&dir)).unwrap();
        assert_eq!(outcome, Outcome::Compiled);
        assert_eq!(mode(&dir), 0o700);
        let entry = only_entry(&dir);
        assert_eq!(mode(&entry), 0o600);
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(&dir)).unwrap();
        assert_eq!(outcome, Outcome::Loaded);
        let dir = base.path().join("explicit");
        assert_eq!(
            choose_cache_dir(Some(dir.clone())).unwrap(),
            Some(dir.clone())
        );
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_tampered_entry_is_recompiled_not_loaded() {
        let base = tempfile::tempdir().unwrap();
        let dir = &base.path().join("cache");
        let engine = Engine::default();
        compile_with_outcome(&engine, COMPONENT, Some(dir)).unwrap();
        let entry = only_entry(dir);
        let original = std::fs::read(&entry).unwrap();

        // One flipped bit of the artifact: the hash no longer matches.
        let mut tampered = original.clone();
        *tampered.last_mut().unwrap() ^= 1;
        std::fs::write(&entry, &tampered).unwrap();
        let key = entry_key(&engine, COMPONENT);
        let err = read_entry(&entry, &key, current_uid()).unwrap_err();
        assert!(err.to_string().contains("hash"), "{err}");
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(dir)).unwrap();
        assert_eq!(outcome, Outcome::Compiled);
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            original,
            "the entry is replaced"
        );

        // A truncated entry, an entry without the header (an older format)
        // and an entry of another key are recompiled too.
        for bad in [
            original[..HEADER_LEN - 1].to_vec(),
            original[HEADER_LEN..].to_vec(),
            [
                &original[..MAGIC.len()],
                &[0; 32],
                &original[MAGIC.len() + 32..],
            ]
            .concat(),
        ] {
            std::fs::write(&entry, &bad).unwrap();
            let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(dir)).unwrap();
            assert_eq!(outcome, Outcome::Compiled);
        }
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(dir)).unwrap();
        assert_eq!(outcome, Outcome::Loaded);

        // An entry others could have written is not trusted.
        set_mode(&entry, 0o666);
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(dir)).unwrap();
        assert_eq!(outcome, Outcome::Compiled);
        assert_eq!(mode(&entry), 0o600);
    }

    #[test]
    fn a_directory_open_to_others_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("cache");
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o777);
        let err = format!("{:#}", ensure_private_dir(&dir).unwrap_err());
        assert!(err.contains(&dir.display().to_string()), "{err}");
        assert!(err.contains("0777") && err.contains("chmod 700"), "{err}");
        // Explicitly chosen: an error. Not usable at load: compiled, nothing written.
        assert!(choose_cache_dir(Some(dir.clone())).is_err());
        let engine = Engine::default();
        let (_, outcome) = compile_with_outcome(&engine, COMPONENT, Some(&dir)).unwrap();
        assert_eq!(outcome, Outcome::Compiled);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert_eq!(mode(&dir), 0o777, "an existing directory is not changed");
        for loose in [0o750, 0o701, 0o710] {
            set_mode(&dir, loose);
            assert!(ensure_private_dir(&dir).is_err(), "{loose:o}");
        }
        set_mode(&dir, 0o700);
        ensure_private_dir(&dir).unwrap();
    }

    #[test]
    fn a_directory_of_another_owner_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("cache");
        ensure_private_dir(&dir).unwrap();
        let metadata = std::fs::metadata(&dir).unwrap();
        let me = current_uid().unwrap();
        let err = check_private(&metadata, Some(me.wrapping_add(1)), true).unwrap_err();
        assert!(err.to_string().contains("owned by uid"), "{err}");
        // As root, really give it away.
        if me == 0 {
            std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
            assert_eq!(std::fs::metadata(&dir).unwrap().uid(), 65534);
            let err = format!("{:#}", ensure_private_dir(&dir).unwrap_err());
            assert!(err.contains("owned by uid 65534"), "{err}");
            assert!(choose_cache_dir(Some(dir.clone())).is_err());
        }
    }

    #[test]
    fn the_default_directory_follows_xdg_and_is_never_a_temp_dir() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |var: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let dir = |pairs| default_cache_dir_in(env(pairs));
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]),
            Some(PathBuf::from("/x/wasmtime-dapr"))
        );
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/wasmtime-dapr"))
        );
        assert_eq!(
            dir(&[("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/wasmtime-dapr"))
        );
        assert_eq!(dir(&[("XDG_CACHE_HOME", ""), ("HOME", "")]), None);
        assert_eq!(dir(&[]), None);
    }

    #[test]
    fn an_unusable_default_directory_turns_the_cache_off() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("cache");
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        assert_eq!(choose(None, Some(dir.clone())).unwrap(), None);
        assert!(choose(Some(dir.clone()), None).is_err());
        assert_eq!(choose(None, None).unwrap(), None);
        set_mode(&dir, 0o700);
        assert_eq!(choose(None, Some(dir.clone())).unwrap(), Some(dir));
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("cache");
        std::fs::write(&dir, b"").unwrap();
        let err = format!("{:#}", ensure_private_dir(&dir).unwrap_err());
        assert!(err.contains("not a directory"), "{err}");
    }
}
