#!/usr/bin/env bash
# Builds the wasmtime-dapr image without downloading a base image: the host
# is built here for x86_64-unknown-linux-musl (statically linked; needs the
# rustup target and Debian's musl-tools), then `podman build` puts it on an
# empty base with deploy/image/Containerfile.
#
#     deploy/image/build.sh [TAG]            # default wasmtime-dapr:0.1.0
#     deploy/image/build.sh --rootfs DIR     # only the image's files, no podman
set -euo pipefail
cd "$(dirname "$0")/../.."

target=x86_64-unknown-linux-musl
target_dir=${CARGO_TARGET_DIR:-target}
if command -v rustup >/dev/null 2>&1; then
    rustup target add "$target" >/dev/null
fi
command -v musl-gcc >/dev/null 2>&1 || {
    echo "musl-gcc is missing: install musl-tools (apt-get install musl-tools)" >&2
    exit 1
}
cargo build --release --locked -p wasmtime-dapr --target "$target"

# The files of the image, as the Containerfile's first stage leaves them.
rootfs_of() {
    mkdir -p "$1/rootfs/home/app"
    cp "$target_dir/$target/release/wasmtime-dapr" "$1/rootfs/"
}

if [[ ${1:-} == --rootfs ]]; then
    dir=${2:?--rootfs needs a directory}
    rootfs_of "$dir"
    echo "rootfs in $dir/rootfs"
    exit 0
fi
tag=${1:-wasmtime-dapr:0.1.0}
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
rootfs_of "$context"
podman build --quiet --build-context "host=$context" -f deploy/image/Containerfile -t "$tag" deploy/image
echo "built $tag"
