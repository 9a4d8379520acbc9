#!/usr/bin/env bash
# Build a slim daprd (the real Dapr sidecar) from the github.com/dapr/dapr Go
# module at a pinned release tag, registering only the components listed in
# tests/daprd/components.go, and Dapr's placement and scheduler services
# from the same module (for actors and jobs).
#
# Usage: tests/daprd/build.sh
#
# The path of the daprd binary is printed as the LAST line on stdout;
# everything else goes to stderr. `placement` and `scheduler` are next to it.
# The binaries are cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/wasmtime-dapr/daprd/<TAG>-<hash>/
# where <hash> covers this script and components.go, so a second run is a
# no-op. Requirements: a Go toolchain and access to the Go module proxy.
#
# Environment:
#   DAPRD_BUILD_KEEP=1   keep the scratch source tree after a build
#                        (it lives under .../wasmtime-dapr/daprd-build/).
set -euo pipefail

# Pinned Dapr release: the newest the Go module proxy serves whole. v1.18.3
# (and later) cannot be built here: it needs github.com/dapr/durabletask-go
# v0.12.4, which the proxy refuses (403). components-contrib and kit come
# from this tag's go.mod.
TAG=v1.18.2
MODULE=github.com/dapr/dapr

log() { printf 'daprd-build: %s\n' "$*" >&2; }
die() { printf 'daprd-build: error: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
components_go="$here/components.go"
[[ -f "$components_go" ]] || die "missing $components_go"

command -v go >/dev/null 2>&1 \
  || die "the 'go' command is not on PATH; install Go >= 1.24 (https://go.dev/dl/)"

hash_inputs() {
  if command -v sha256sum >/dev/null 2>&1; then
    cat "$components_go" "$here/build.sh" | sha256sum | cut -c1-12
  else
    cat "$components_go" "$here/build.sh" | shasum -a 256 | cut -c1-12
  fi
}

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/wasmtime-dapr"
key="$TAG-$(hash_inputs)"
out_dir="$cache_root/daprd/$key"
bin="$out_dir/daprd"

use_cached() {
  if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1 \
      && [[ -x "$out_dir/placement" && -x "$out_dir/scheduler" ]]; then
    log "cached: $bin ($("$bin" --version 2>/dev/null | head -n1))"
    printf '%s\n' "$bin"
    exit 0
  fi
}
use_cached

# Serialise concurrent invocations (e.g. several test binaries at once): the
# first one builds, the others wait and then reuse its binary.
# The directory is also the host's compile cache, which must be private.
[ -d "$cache_root" ] || mkdir -p -m 700 "$cache_root"
mkdir -p "$out_dir"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out_dir/.lock"
  if ! flock -n 9; then
    log "another build of $key is running; waiting for it"
    flock 9
  fi
  use_cached
fi

# Run the go command outside any workspace or repo module, with a clean
# GOFLAGS (a caller's -mod=vendor or -tags would break the build).
export GOWORK=off
export GOFLAGS=-buildvcs=false
export CGO_ENABLED=0

log "go: $(go version)"
log "downloading $MODULE@$TAG from the module proxy"
# On failure `go mod download -json` still prints JSON with an "Error" field.
mod_json=$(cd / && go mod download -json "$MODULE@$TAG") || true
json_field() {
  printf '%s\n' "$mod_json" | sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n1
}
mod_err=$(json_field Error)
[[ -z "$mod_err" ]] || die "go mod download $MODULE@$TAG: $mod_err"
src=$(json_field Dir)
commit=$(json_field Hash)
[[ -n "$src" && -f "$src/go.mod" ]] \
  || die "go mod download $MODULE@$TAG failed (is the Go module proxy reachable?)"
log "module source: $src"

# Fail early, with a clear message, if the local Go is older than the module
# needs (unless GOTOOLCHAIN lets the go command fetch a newer toolchain).
need_go=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod" | head -n1)
have_go=$(go env GOVERSION | sed 's/^go//')
if [[ -n "$need_go" && "$(go env GOTOOLCHAIN)" == local* ]] \
  && [[ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]]; then
  die "$MODULE@$TAG needs Go >= $need_go but 'go' is $have_go (and GOTOOLCHAIN=local)"
fi

# Scratch copy of the module (the module cache is read-only). The whole
# upstream component directory is replaced by our single registration file.
build_root="$cache_root/daprd-build"
mkdir -p "$build_root"
work=$(mktemp -d "$build_root/$key.XXXXXX")
cleanup() {
  if [[ "${DAPRD_BUILD_KEEP:-0}" == 1 ]]; then
    log "kept scratch tree: $work"
  else
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

log "copying sources to $work"
# The whole module (~40 MB) is copied so the package graph is exactly
# upstream's, go.mod's replace directives included.
cp -R "$src/." "$work/"
chmod -R u+w "$work"
rm -f "$work"/cmd/daprd/components/*.go
cp "$components_go" "$work/cmd/daprd/components/components.go"

version=${TAG#v}
ldflags="-s -w"
ldflags+=" -X $MODULE/pkg/buildinfo.version=$version"
ldflags+=" -X $MODULE/pkg/buildinfo.gitversion=$TAG"
ldflags+=" -X $MODULE/pkg/buildinfo.gitcommit=${commit:-unknown}"
ldflags+=" -X github.com/dapr/kit/logger.DaprVersion=$version"

log "building daprd, placement and scheduler $TAG (slim; this takes a while on first run)"
start=$(date +%s)
# -mod=readonly: every version comes from the tag's go.mod and every download
# is verified against the tag's go.sum (which covers the whole build).
staging="$out_dir/build.tmp.$$"
mkdir -p "$staging"
if ! (cd "$work" && go build -mod=readonly -trimpath -ldflags "$ldflags" \
        -o "$staging/" ./cmd/daprd ./cmd/placement ./cmd/scheduler) >&2; then
  rm -rf "$staging"
  die "go build of daprd, placement and scheduler $TAG failed (see the output above)"
fi
# daprd last: its presence marks a complete cache entry.
mv -f "$staging/placement" "$staging/scheduler" "$out_dir/"
mv -f "$staging/daprd" "$bin"
rm -rf "$staging"
log "built in $(( $(date +%s) - start ))s: $out_dir ($(du -ch "$out_dir"/daprd "$out_dir"/placement "$out_dir"/scheduler | tail -n1 | cut -f1))"

"$bin" --version >/dev/null 2>&1 || die "built $bin but '$bin --version' failed"
printf '%s\n' "$bin"
