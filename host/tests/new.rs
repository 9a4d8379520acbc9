//! `wasmtime-dapr new`: every available language × world is generated into
//! a temporary directory, built with the one command its README gives, and
//! run: a `client` must print `Test successfully!` (and exit 1 on a store
//! that does not exist), an `app` must store a published event and answer
//! an invocation from state, an `http-app` must serve its JSON items. And
//! bad input is a clear error that writes nothing.
//!
//! Rust projects share one cargo target directory (`target/new-projects`),
//! so the SDK's dependencies compile once. AssemblyScript needs npm (the
//! registry, or its cache); Python needs componentize-py in
//! `target/python-venv` (`just build-python`); JavaScript and TypeScript need
//! the SDK's npm dependencies and `dist/` in `guest-js` (`just build-js`):
//! a generated JavaScript source must parse (`node --check`) and a
//! TypeScript one must type-check (`tsc` against the SDK's declarations)
//! before it is built.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::serve::Serve;
use wasmtime_dapr::scaffold::{self, FILES, Language, World};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `wasmtime-dapr ARGS` in `dir`, with `WASMTIME_DAPR_SDK` unset.
fn wasmtime_dapr(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .current_dir(dir)
        .env_remove("WASMTIME_DAPR_SDK")
        .stdin(Stdio::null())
        .output()
        .expect("running wasmtime-dapr")
}

/// Asserts a failure with one `error:` line containing `needle`.
fn assert_clean_error(output: &Output, needle: &str) {
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "expected a failure; stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "expected one error line: {stderr}");
    assert!(
        errors[0].contains(needle),
        "expected `{needle}` in: {stderr}"
    );
}

/// A generated project: its directory and the README's three commands.
struct Project {
    dir: PathBuf,
    build: String,
    run: String,
}

/// `wasmtime-dapr new NAME --lang LANG --world WORLD` in `parent`, against
/// this checkout's SDK; checks the README's three lines.
fn generate(parent: &Path, name: &str, lang: &str, world: &str) -> Project {
    let out = wasmtime_dapr(
        parent,
        &[
            "new",
            name,
            "--lang",
            lang,
            "--world",
            world,
            "--sdk",
            path(&common::repo()),
        ],
    );
    assert!(out.status.success(), "new failed: {}", text(&out.stderr));
    let dir = parent.join(name);
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(!readme.contains("{{"), "unreplaced placeholder: {readme}");
    let command = |label: &str| -> String {
        let line = readme
            .lines()
            .find(|l| l.starts_with(&format!("- {label}")))
            .unwrap_or_else(|| panic!("no `- {label}` line in the README:\n{readme}"));
        line.split('`').nth(1).unwrap().to_string()
    };
    assert!(readme.lines().any(|l| l.starts_with("- Test")), "{readme}");
    Project {
        build: command("Build"),
        run: command("Run"),
        dir,
    }
}

/// The shared cargo target directory of the generated Rust projects.
fn rust_target() -> PathBuf {
    common::repo().join("target/new-projects")
}

/// Runs the README's build command and returns the component its run
/// command names (a Rust project's `target/` is the shared one).
fn build(project: &Project) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", &project.build])
        .current_dir(&project.dir)
        .env("CARGO_TARGET_DIR", rust_target())
        .env("WASMTIME_DAPR", common::bin())
        .env_remove("WASMTIME_DAPR_SDK")
        .stdin(Stdio::null())
        .output()
        .expect("running the build command");
    assert!(
        out.status.success(),
        "`{}` failed in {}:\n{}\n{}",
        project.build,
        project.dir.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
    let component = project
        .run
        .split_whitespace()
        .last()
        .expect("a component in the run command");
    let component = component.rsplit('=').next().unwrap();
    let file = match component.strip_prefix("target/") {
        Some(rest) => rust_target().join(rest),
        None => project.dir.join(component),
    };
    assert!(file.is_file(), "{} was not built", file.display());
    file
}

/// Generates project `LANG-WORLD` in a fresh directory and builds it; its
/// README must run it with `wasmtime-dapr SUBCOMMAND`. Returns the
/// directory (kept while it lives), the project name and the component.
fn generated(lang: &str, world: &str, subcommand: &str) -> (tempfile::TempDir, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{lang}-{world}");
    let project = generate(dir.path(), &name, lang, world);
    assert!(
        project
            .run
            .starts_with(&format!("wasmtime-dapr {subcommand} ")),
        "{}",
        project.run
    );
    check_source(lang, &project.dir);
    let component = build(&project);
    (dir, name, component)
}

/// A JavaScript project's `app.js` must parse and a TypeScript project's
/// `app.ts` must type-check (strict), so the shared templates' type
/// annotations are right in both; other languages' compilers check theirs.
fn check_source(lang: &str, dir: &Path) {
    let sdk = common::repo().join("guest-js");
    let out = match lang {
        "js" => Command::new("node")
            .args(["--check", "app.js"])
            .current_dir(dir)
            .output()
            .expect("running node"),
        "ts" => {
            // The configuration the SDK gives apps (strict, its declarations).
            let config = serde_json::json!({
                "extends": sdk.join("tsconfig.app.json"),
                "include": ["*.ts"],
            });
            std::fs::write(dir.join("tsconfig.json"), config.to_string()).unwrap();
            let out = Command::new(sdk.join("node_modules/.bin/tsc"))
                .args(["-p", "."])
                .current_dir(dir)
                .output()
                .expect("running tsc (guest-js's npm dependencies: `just build-js`)");
            std::fs::remove_file(dir.join("tsconfig.json")).unwrap();
            out
        }
        _ => return,
    };
    assert!(
        out.status.success(),
        "the generated {lang} source in {} does not check:\n{}{}",
        dir.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Generates and builds a `client` and checks that it runs.
fn check_client(lang: &str) {
    let (dir, _, component) = generated(lang, "client", "run");
    let data = tempfile::tempdir().unwrap();
    let out = wasmtime_dapr(
        dir.path(),
        &["run", path(&component), "--data-dir", path(data.path())],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).lines().any(|l| l == "Test successfully!"),
        "stdout: {}",
        text(&out.stdout)
    );
    // A store that does not exist fails the command with exit code 1.
    let out = wasmtime_dapr(
        dir.path(),
        &[
            "run",
            path(&component),
            "--data-dir",
            path(data.path()),
            "no-such-store",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Test successfully!"));
    assert!(
        text(&out.stderr).contains("no-such-store"),
        "{}",
        text(&out.stderr)
    );
}

/// The `app-driver` test guest (an HTTP front that publishes and invokes),
/// built once.
fn driver() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let target = common::repo().join("target");
            let status = Command::new(cargo)
                .args(["build", "--release", "--target", "wasm32-wasip2"])
                .arg("--manifest-path")
                .arg(common::repo().join("examples/Cargo.toml"))
                .args(["-p", "app-driver"])
                .env("CARGO_TARGET_DIR", &target)
                .status()
                .expect("running cargo");
            assert!(status.success(), "building app-driver failed");
            target.join("wasm32-wasip2/release/app_driver.wasm")
        })
        .clone()
}

/// Generates and builds an `app`, serves it with the driver, publishes an
/// item and reads it back through an invocation.
fn check_app(lang: &str) {
    let (_dir, name, component) = generated(lang, "app", "serve");
    let data = tempfile::tempdir().unwrap();
    let app = format!("{name}={}", path(&component));
    let server = Serve::start(&[path(&driver()), &app, "--data-dir", path(data.path())]);
    let item_path = format!("/invoke/{name}/items/7");
    assert_eq!(server.request("GET", &item_path, b"").0, 404);
    assert_eq!(
        server
            .request("GET", &format!("/invoke/{name}/elsewhere"), b"")
            .0,
        404
    );
    let item = br#"{"id":"7","name":"apple","price":3}"#;
    let (status, body) = server.request("POST", "/publish/pubsub/items", item);
    assert_eq!(status, 204, "{}", text(&body));
    // Delivery is asynchronous: wait (within a bound) for the item to be stored.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = server.request("GET", &item_path, b"");
        if status == 200 {
            let got: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let sent: serde_json::Value = serde_json::from_slice(item).unwrap();
            assert_eq!(got, sent);
            break;
        }
        assert_eq!(status, 404, "{}", text(&body));
        assert!(Instant::now() < deadline, "the item never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Generates and builds an `http-app` and exercises its items endpoint.
fn check_http_app(lang: &str) {
    let (_dir, _, component) = generated(lang, "http-app", "serve");
    let data = tempfile::tempdir().unwrap();
    let server = Serve::start(&[path(&component), "--data-dir", path(data.path())]);
    let json = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap();
    let (status, body) = server.request("GET", "/items/7", b"");
    assert_eq!(status, 404);
    assert!(json(&body)["error"].is_string());
    let item = br#"{"name":"apple","tags":["red","fruit"]}"#;
    let (status, body) = server.request("POST", "/items/7", item);
    assert_eq!(status, 201, "{}", text(&body));
    assert_eq!(json(&body), json(item));
    let (status, body) = server.request("GET", "/items/7", b"");
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(json(&body), json(item));
    assert_eq!(server.request("GET", "/items/8", b"").0, 404);
    let (status, body) = server.request("POST", "/items/8", b"not json");
    assert_eq!(status, 400, "{}", text(&body));
    assert_eq!(server.request("GET", "/items/8", b"").0, 404);
    assert_eq!(server.request("GET", "/elsewhere", b"").0, 404);
}

#[test]
fn rust_client() {
    check_client("rust");
}

#[test]
fn rust_app() {
    check_app("rust");
}

#[test]
fn rust_http_app() {
    check_http_app("rust");
}

#[test]
fn assemblyscript_client() {
    check_client("assemblyscript");
}

#[test]
fn assemblyscript_app() {
    check_app("assemblyscript");
}

#[test]
fn assemblyscript_http_app() {
    check_http_app("assemblyscript");
}

#[test]
fn javascript_client() {
    check_client("js");
}

#[test]
fn javascript_app() {
    check_app("js");
}

#[test]
fn javascript_http_app() {
    check_http_app("js");
}

#[test]
fn typescript_client() {
    check_client("ts");
}

#[test]
fn typescript_app() {
    check_app("ts");
}

#[test]
fn typescript_http_app() {
    check_http_app("ts");
}

#[test]
fn python_client() {
    check_client("python");
}

#[test]
fn python_app() {
    check_app("python");
}

#[test]
fn python_http_app() {
    check_http_app("python");
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = common::repo();
    let new = |args: &[&str]| {
        let mut all = vec!["new"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--sdk", path(&sdk)]);
        wasmtime_dapr(dir.path(), &all)
    };
    for bad in ["1st", "My-App", "my app", "a/b", "x.y", "fn"] {
        assert_clean_error(&new(&[bad, "--lang", "rust"]), "invalid project name");
    }
    assert_clean_error(
        &new(&["My-App", "--lang", "rust"]),
        "lowercase ASCII letter",
    );
    assert_clean_error(&new(&["x", "--lang", "go"]), "invalid value 'go'");
    assert_clean_error(
        &new(&["x", "--lang", "rust", "--world", "server"]),
        "invalid value 'server'",
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a failed `new` wrote files"
    );

    // An SDK directory without the language's SDK.
    let out = wasmtime_dapr(
        dir.path(),
        &["new", "x", "--lang", "python", "--sdk", path(dir.path())],
    );
    assert_clean_error(&out, "pass --sdk DIR");
    let out = Command::new(common::bin())
        .args(["new", "x", "--lang", "rust"])
        .current_dir(dir.path())
        .env("WASMTIME_DAPR_SDK", dir.path().join("nowhere"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_clean_error(&out, "has no guest-rust");
    assert!(!dir.path().join("x").exists());

    // An existing, non-empty directory is never overwritten; an empty one is used.
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    assert_clean_error(
        &new(&["taken", "--lang", "rust"]),
        "already exists and is not empty",
    );
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_to_string(taken.join("notes.txt")).unwrap(),
        "mine"
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = new(&["fresh", "--lang", "python", "--out", path(&empty)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(empty.join("app.py").is_file());
    assert!(empty.join("README.md").is_file());
}

#[test]
fn the_default_sdk_is_this_checkout_and_the_project_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = wasmtime_dapr(
        dir.path(),
        &["new", "demo", "--lang", "rust", "--world", "app"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("demo/Cargo.toml")).unwrap();
    let sdk = std::fs::canonicalize(common::repo()).unwrap();
    assert!(
        manifest.contains(&format!("path = '{}/guest-rust'", sdk.display())),
        "{manifest}"
    );
    assert!(manifest.contains("name = \"demo\""), "{manifest}");
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let help = text(&wasmtime_dapr(dir.path(), &["new", "--help"]).stdout);
    for word in [
        "rust",
        "assemblyscript",
        "python",
        "http-app",
        "WASMTIME_DAPR_SDK",
    ] {
        assert!(help.contains(word), "`{word}` missing from --help:\n{help}");
    }
}

#[test]
fn every_template_file_belongs_to_a_known_pair_and_uses_known_placeholders() {
    let known_placeholders = ["{{name}}", "{{crate}}", "{{sdk}}", "{{ext}}"];
    for (path, text) in FILES {
        let dir = Language::ALL.into_iter().find_map(|l| {
            World::ALL
                .iter()
                .any(|w| path.starts_with(&format!("{}/{w}/", l.template_dir())))
                .then(|| l.template_dir())
        });
        let dir = dir.unwrap_or_else(|| panic!("{path} is not under templates/DIRECTORY/WORLD/"));
        // Type annotations only in the templates TypeScript shares.
        let annotations = dir == Language::Ts.template_dir();
        for text in [*path, *text] {
            let mut rest = text;
            while let Some(start) = rest.find("{{") {
                let end = rest[start..]
                    .find("}}")
                    .map(|e| start + e + 2)
                    .unwrap_or_else(|| panic!("{path} has an unclosed `{{{{`"));
                let placeholder = &rest[start..end];
                assert!(
                    known_placeholders.contains(&placeholder)
                        || (annotations && placeholder.starts_with("{{: ")),
                    "{path} has the unknown placeholder {placeholder}"
                );
                rest = &rest[end..];
            }
        }
    }
}

#[test]
fn type_annotations_are_kept_for_typescript_only() {
    let source = "function key(id{{: string}}){{: string}} { return id; }";
    assert_eq!(
        scaffold::type_annotations(source, true),
        "function key(id: string): string { return id; }"
    );
    assert_eq!(
        scaffold::type_annotations(source, false),
        "function key(id) { return id; }"
    );
    assert_eq!(scaffold::type_annotations("a {{: b", false), "a {{: b");
}

#[test]
fn every_pair_has_a_project_with_a_readme() {
    for language in Language::ALL {
        for world in World::ALL {
            assert!(scaffold::available(language, world), "{language}/{world}");
            let files = scaffold::template(language, world).unwrap();
            assert!(
                files.iter().any(|(path, _)| *path == "README.md"),
                "{language}/{world} has no README.md"
            );
        }
    }
}

#[test]
fn project_names() {
    for good in ["a", "my-app", "app_2", "x1-y2"] {
        scaffold::check_name(good).unwrap();
    }
    for bad in [
        "",
        "1app",
        "My-App",
        "my app",
        "a/b",
        "-a",
        "a-",
        "app.py",
        "fn",
        "std",
        "über",
        "dapr-guest",
    ] {
        assert!(scaffold::check_name(bad).is_err(), "{bad}");
    }
    scaffold::check_name(&"a".repeat(64)).unwrap();
    assert!(scaffold::check_name(&"a".repeat(65)).is_err());
}
