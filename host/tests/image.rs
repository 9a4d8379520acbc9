//! The container image (`deploy/image/`): built without a base image from
//! the statically linked host, holding nothing else, and running the seed
//! demo from its own root file system.
//!
//! The test builds the image with `deploy/image/build.sh` as a user does,
//! with one difference: the static host is compiled without optimizations
//! (`CARGO_PROFILE_RELEASE_OPT_LEVEL=0`). What the test checks, the static
//! linking, the image's layout and the demo's run, does not depend on
//! them, and the musl build is a second compile of every dependency, which
//! takes several times longer optimized.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TAG: &str = "localhost/wasmtime-dapr:test";

/// `deploy/image/build.sh` with `args`, compiling the host unoptimized.
fn build_image(args: &[&std::ffi::OsStr]) -> std::io::Result<Output> {
    Command::new(common::repo().join("deploy/image/build.sh"))
        .args(args)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .output()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn checked(what: &str, output: std::io::Result<Output>) -> Output {
    let output = output.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    output
}

fn podman(args: &[&str]) -> std::io::Result<Output> {
    Command::new("podman").args(args).output()
}

fn has_podman() -> bool {
    podman(&["--version"]).is_ok_and(|o| o.status.success())
}

/// Every path below `root`, relative and sorted (directories too).
fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Runs the seed demo with the host at `/wasmtime-dapr` of `rootfs` as the
/// image's user, with nothing but `rootfs` visible (chroot) when this
/// process may, else directly; returns its output.
fn run_demo_in(rootfs: &Path) -> Output {
    std::fs::copy(
        common::guest("seed-demo.wasm"),
        rootfs.join("home/app/seed-demo.wasm"),
    )
    .unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    let mut command = if root {
        // Found on this process's PATH: the child's environment is empty.
        let chroot = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("chroot"))
            .find(|path| path.is_file())
            .expect("chroot on PATH");
        let mut chroot = Command::new(chroot);
        chroot
            .arg("--userspec=65532:65532")
            .arg(rootfs)
            .arg("/wasmtime-dapr");
        chroot.env_clear().env("HOME", "/home/app");
        chroot
    } else {
        let mut direct = Command::new(rootfs.join("wasmtime-dapr"));
        direct.env_clear().env("HOME", rootfs.join("home/app"));
        direct
    };
    let demo = if root {
        PathBuf::from("/home/app/seed-demo.wasm")
    } else {
        rootfs.join("home/app/seed-demo.wasm")
    };
    checked(
        "the seed demo from the image's files",
        command.arg("run").arg(demo).output(),
    )
}

#[test]
fn the_image_holds_only_the_static_host_and_runs_the_seed_demo() {
    if !has_podman() {
        // No podman here: the image's files as its build would lay them out.
        let dir = tempfile::tempdir().unwrap();
        checked(
            "deploy/image/build.sh --rootfs",
            build_image(&["--rootfs".as_ref(), dir.path().as_os_str()]),
        );
        let rootfs = dir.path().join("rootfs");
        assert_eq!(tree(&rootfs), ["home", "home/app", "wasmtime-dapr"]);
        let out = run_demo_in(&rootfs);
        assert!(text(&out.stdout).contains("Test successfully!"));
        eprintln!("podman is not installed: the image's files were checked, not the image");
        return;
    }
    checked("deploy/image/build.sh", build_image(&[TAG.as_ref()]));
    let config = checked(
        "podman image inspect",
        podman(&[
            "image",
            "inspect",
            TAG,
            "--format",
            "{{.Config.Entrypoint}} {{.Config.User}} {{len .RootFS.Layers}}",
        ]),
    );
    assert_eq!(
        text(&config.stdout).trim(),
        "[/wasmtime-dapr] 65532:65532 2"
    );

    let demo = common::guest("seed-demo.wasm");
    let volume = format!("{}:/home/app/seed-demo.wasm:ro", demo.display());
    let run = podman(&[
        "run",
        "--rm",
        "-v",
        &volume,
        TAG,
        "run",
        "/home/app/seed-demo.wasm",
    ])
    .unwrap();
    if run.status.success() {
        assert!(text(&run.stdout).contains("Test successfully!"), "{run:?}");
        return;
    }
    // Where containers cannot start (no cgroup or rlimit control here), the
    // image is checked from its root file system instead: only the host,
    // which runs the demo with nothing else in reach.
    let why = text(&run.stderr);
    assert!(why.contains("OCI"), "podman run failed:\n{why}");
    eprintln!(
        "podman cannot run containers here ({}); checking the image's root file system",
        why.trim()
    );
    let created = checked("podman create", podman(&["create", TAG]));
    let container = Container(text(&created.stdout).trim().to_string());
    let mounted = checked("podman mount", podman(&["mount", &container.0]));
    let rootfs = PathBuf::from(text(&mounted.stdout).trim());
    assert_eq!(tree(&rootfs), ["home", "home/app", "wasmtime-dapr"]);
    let out = run_demo_in(&rootfs);
    assert!(text(&out.stdout).contains("Test successfully!"), "{out:?}");
}

/// A created container, unmounted and removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["umount", &self.0]);
        let _ = podman(&["rm", "-f", &self.0]);
    }
}
