//! `wasmtime-dapr new`: writes a starter project from the templates kept in
//! the repository's `templates/<directory>/<world>/` and embedded in the
//! binary by the build script.
//!
//! What is available is data: a language/world pair has a project exactly
//! when its template directory exists. Adding a world is a new template
//! directory; adding a language is a [`Language`] variant with its SDK and
//! template directories. JavaScript and TypeScript share `templates/js/`:
//! a TypeScript project is the JavaScript one with its type annotations.
//!
//! Templates are plain files with a few placeholders, replaced when the
//! project is written, in file contents and paths: `{{name}}` (the project
//! name), `{{crate}}` (the name with `-` as `_`, as Rust spells a library),
//! `{{sdk}}` (the absolute path of the SDK checkout the project builds
//! against) and `{{ext}}` (the extension of the language's source files,
//! such as `js` or `ts`). In the shared JavaScript/TypeScript templates,
//! `{{: TYPE}}` is a TypeScript type annotation: `: TYPE` in a TypeScript
//! project, nothing in a JavaScript one (it ends at the first `}}`, so TYPE
//! holds no nested object type).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Every template file, as (path relative to `templates/`, contents), in path
/// order (generated from `templates/` by the build script).
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/template_files.rs"));

/// The language of a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Language {
    /// Rust, with the `dapr-guest` crate (`guest-rust/`).
    Rust,
    /// AssemblyScript, with `@wasmtime-dapr/guest-assemblyscript`.
    Assemblyscript,
    /// JavaScript, with `@wasmtime-dapr/guest-js` (`guest-js/`).
    Js,
    /// TypeScript, with `@wasmtime-dapr/guest-js` (`guest-js/`).
    Ts,
    /// Python, with `dapr_wasm` on componentize-py (`guest-python/`).
    Python,
}

impl Language {
    /// Every language, in the order `--help` lists them.
    pub const ALL: [Language; 5] = [
        Language::Rust,
        Language::Assemblyscript,
        Language::Js,
        Language::Ts,
        Language::Python,
    ];

    /// The name used on the command line and as the template directory.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Assemblyscript => "assemblyscript",
            Language::Js => "js",
            Language::Ts => "ts",
            Language::Python => "python",
        }
    }

    /// The extension of the language's source files (`{{ext}}` in templates).
    pub fn extension(self) -> &'static str {
        match self {
            Language::Rust => "rs",
            Language::Assemblyscript | Language::Ts => "ts",
            Language::Js => "js",
            Language::Python => "py",
        }
    }

    /// The directory under `templates/` holding the language's templates,
    /// one directory per world: JavaScript and TypeScript share `js`.
    pub fn template_dir(self) -> &'static str {
        match self {
            Language::Js | Language::Ts => "js",
            other => other.name(),
        }
    }

    /// The directory of the language's SDK in a checkout of the repository.
    pub fn sdk_dir(self) -> &'static str {
        match self {
            Language::Rust => "guest-rust",
            Language::Assemblyscript => "guest-assemblyscript",
            Language::Js | Language::Ts => "guest-js",
            Language::Python => "guest-python",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `dapr:runtime` world a project implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum World {
    /// A `wasi:cli` command run once by `wasmtime-dapr run`.
    Client,
    /// An app exporting `dapr:runtime/handler` (events, invocations), served
    /// by `wasmtime-dapr serve`.
    App,
    /// An HTTP app exporting `wasi:http/incoming-handler`, served by
    /// `wasmtime-dapr serve`.
    HttpApp,
}

impl World {
    /// Every world.
    pub const ALL: [World; 3] = [World::Client, World::App, World::HttpApp];

    /// The world's name in `worlds.wit`, also the template directory.
    pub fn name(self) -> &'static str {
        match self {
            World::Client => "client",
            World::App => "app",
            World::HttpApp => "http-app",
        }
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The template files of a pair, as (path inside the project, contents).
pub fn template(language: Language, world: World) -> Result<Vec<(&'static str, &'static str)>> {
    let prefix = format!("{}/{world}/", language.template_dir());
    let files: Vec<_> = FILES
        .iter()
        .filter_map(|(path, text)| Some((path.strip_prefix(&prefix)?, *text)))
        .collect();
    if files.is_empty() {
        let worlds: Vec<&str> = World::ALL
            .into_iter()
            .filter(|w| available(language, *w))
            .map(World::name)
            .collect();
        bail!(
            "there is no {language} template for world {world}; {language} has: {}",
            if worlds.is_empty() {
                "none".to_string()
            } else {
                worlds.join(", ")
            }
        );
    }
    Ok(files)
}

/// Whether `wasmtime-dapr new` can write a project of this pair.
pub fn available(language: Language, world: World) -> bool {
    let prefix = format!("{}/{world}/", language.template_dir());
    FILES.iter().any(|(path, _)| path.starts_with(&prefix))
}

/// Rust keywords, the names of Rust's standard crates (Cargo refuses both
/// as package names) and the Rust SDK's crate, which a project depends on.
const RESERVED: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "alloc",
    "core",
    "std",
    "test",
    "proc_macro",
    "dapr_guest",
];

/// The longest project name.
pub const MAX_NAME_LEN: usize = 64;

/// Checks that `name` works as a Cargo package, an npm package, a file name
/// and an app id: a lowercase ASCII letter, then lowercase letters, digits,
/// `-` and `_`, at most [`MAX_NAME_LEN`] characters, not ending in `-` or
/// `_`, and not one of the reserved names (Rust keywords, standard crates,
/// the SDK's crate).
pub fn check_name(name: &str) -> Result<()> {
    const ALLOWED: &str = "use a lowercase ASCII letter followed by lowercase letters, digits, `-` or `_` (at most 64 characters), such as `my-app`";
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !first_ok || !rest_ok || name.len() > MAX_NAME_LEN {
        bail!("invalid project name `{name}`: {ALLOWED}");
    }
    if name.ends_with(['-', '_']) {
        bail!("invalid project name `{name}`: it must not end with `-` or `_`; {ALLOWED}");
    }
    if RESERVED.contains(&name.replace('-', "_").as_str()) {
        bail!(
            "invalid project name `{name}`: it is reserved (a Rust keyword, a standard crate or the SDK's crate); choose another"
        );
    }
    Ok(())
}

/// Where the SDKs are, when neither `--sdk` nor `WASMTIME_DAPR_SDK` says:
/// the checkout this binary was built from, if it still exists.
pub fn default_sdk() -> Option<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    checkout
        .join("wit/worlds.wit")
        .is_file()
        .then(|| checkout.to_path_buf())
}

/// The SDK checkout for `language`: `sdk` if given (from `--sdk` or
/// `WASMTIME_DAPR_SDK`), else [`default_sdk`]; it must hold the language's
/// SDK directory. Returned absolute, as the project refers to it.
pub fn find_sdk(sdk: Option<&Path>, language: Language) -> Result<PathBuf> {
    let hint = "pass --sdk DIR (or set WASMTIME_DAPR_SDK) with DIR a checkout of the wasmtime-dapr repository";
    let root = match sdk {
        Some(dir) => dir.to_path_buf(),
        None => default_sdk().with_context(|| {
            format!(
                "the wasmtime-dapr checkout this binary was built from ({}) is gone, and the project needs the {language} SDK: {hint}",
                Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("")).display()
            )
        })?,
    };
    let sdk_dir = root.join(language.sdk_dir());
    if !sdk_dir.is_dir() {
        bail!(
            "{} has no {} (the {language} SDK): {hint}",
            root.display(),
            language.sdk_dir()
        );
    }
    let root = std::fs::canonicalize(&root)
        .with_context(|| format!("cannot resolve {}", root.display()))?;
    let text = root
        .to_str()
        .with_context(|| format!("the SDK path {} is not UTF-8", root.display()))?;
    // The path is written into TOML, JSON and shell strings unescaped.
    if text.contains(['\'', '"', '\\', '\n', '$', '`']) {
        bail!(
            "the SDK path {text} contains a quote, backslash, `$` or newline, which the project files cannot hold: move the checkout"
        );
    }
    Ok(root)
}

/// What [`create`] wrote.
#[derive(Debug)]
pub struct Created {
    /// The project directory.
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
}

/// Writes the `language`/`world` project `name` into `dir` (which must not
/// exist or be empty), building against the SDK checkout `sdk`.
pub fn create(
    name: &str,
    language: Language,
    world: World,
    dir: &Path,
    sdk: &Path,
) -> Result<Created> {
    check_name(name)?;
    let files = template(language, world)?;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} exists and is not a readable directory", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} already exists and is not empty: choose another name or --out directory (nothing is overwritten)",
                dir.display()
            );
        }
    }
    let sdk = sdk
        .to_str()
        .with_context(|| format!("the SDK path {} is not UTF-8", sdk.display()))?;
    let replacements = [
        ("{{name}}", name.to_string()),
        ("{{crate}}", name.replace('-', "_")),
        ("{{sdk}}", sdk.to_string()),
        ("{{ext}}", language.extension().to_string()),
    ];
    let typescript = language == Language::Ts;
    let mut written = Vec::new();
    for (path, text) in files {
        let path = render(path, &replacements);
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let text = type_annotations(&render(text, &replacements), typescript);
        std::fs::write(&target, text)
            .with_context(|| format!("cannot write {}", target.display()))?;
        if path.ends_with(".sh") {
            make_executable(&target)?;
        }
        written.push(path);
    }
    Ok(Created {
        dir: dir.to_path_buf(),
        files: written,
    })
}

/// `text` with every placeholder replaced.
fn render(text: &str, replacements: &[(&str, String)]) -> String {
    replacements
        .iter()
        .fold(text.to_string(), |text, (from, to)| text.replace(from, to))
}

/// `text` with every `{{: TYPE}}` written as `: TYPE` when `typescript`,
/// else removed. An annotation ends at the first `}}`; a `{{:` without one
/// is left as it is.
pub fn type_annotations(text: &str, typescript: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{:") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        if typescript {
            out.push_str(&rest[start + 2..start + len]);
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
