#!/usr/bin/env bash
# Builds a Python module into a wasmtime-dapr component with componentize-py.
#
#   guest-python/build.sh [--world WORLD] [--wit PATH]... [-p DIR]... MODULE -o OUT.wasm
#
# WORLD is `command` (a run-once command, the default), `app` (exports
# dapr:runtime/handler), `http-app` (exports wasi:http/incoming-handler),
# `actor-app` (exports dapr:runtime/actor), `app-actors` (both of those), or
# any world name the WIT defines (such as `dapr:conformance/runner`, with
# `--wit` naming its file). MODULE is found in the current directory and the
# `-p` directories (or is a `.py` file path); dapr_wasm is always on the path.
#
# The dapr:runtime WIT is the repository's `wit/` unless DAPR_WIT names
# another copy (`wasmtime-dapr wit --out DIR` writes one). componentize-py is
# $COMPONENTIZE_PY, else the repository's target/python-venv (`just
# build-python` installs it there), else the one on PATH.
set -euo pipefail

sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$sdk")"

usage() {
    sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

world=command
wit=()
paths=()
module=
out=
while (($#)); do
    case "$1" in
        --world) world="${2:?--world needs a name}"; shift 2 ;;
        --wit) wit+=(-d "${2:?--wit needs a path}"); shift 2 ;;
        -p) paths+=(-p "${2:?-p needs a directory}"); shift 2 ;;
        -o) out="${2:?-o needs a file}"; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "build.sh: unknown option $1" >&2; usage ;;
        *) [[ -z "$module" ]] || usage; module="$1"; shift ;;
    esac
done
[[ -n "$module" && -n "$out" ]] || usage
# A file path names its module, found in its directory.
if [[ "$module" == *.py ]]; then
    paths+=(-p "$(dirname "$module")")
    module="$(basename "$module" .py)"
fi

case "$world" in
    command) world=dapr:python/command ;;
    app) world=dapr:runtime/app ;;
    http-app) world=dapr:runtime/http-app ;;
    actor-app) world=dapr:runtime/actor-app ;;
    app-actors) world=dapr:python/app-actors ;;
esac

dapr_wit="${DAPR_WIT:-$repo/wit}"
if [[ ! -f "$dapr_wit/worlds.wit" ]]; then
    echo "build.sh: no dapr:runtime WIT at $dapr_wit: write one with \`wasmtime-dapr wit --out DIR\` and set DAPR_WIT=DIR" >&2
    exit 1
fi

componentize="${COMPONENTIZE_PY:-}"
if [[ -z "$componentize" ]]; then
    if [[ -x "$repo/target/python-venv/bin/componentize-py" ]]; then
        componentize="$repo/target/python-venv/bin/componentize-py"
    elif command -v componentize-py >/dev/null 2>&1; then
        componentize=componentize-py
    else
        echo "build.sh: componentize-py not found: run \`just build-python\` (or \`pip install componentize-py==0.25.1\`)" >&2
        exit 1
    fi
fi

mkdir -p "$(dirname "$out")"
exec "$componentize" \
    -d "$dapr_wit" -d "$sdk/wit/worlds.wit" "${wit[@]}" -w "$world" \
    componentize "$module" -p . "${paths[@]}" -p "$sdk" -o "$out"
