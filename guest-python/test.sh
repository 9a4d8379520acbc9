#!/usr/bin/env bash
# Unit tests of dapr_wasm and of the Python conformance runner's decoding,
# run by the host's python3 against stub bindings that componentize-py
# generates (every import a stub the tests replace).
set -euo pipefail
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$sdk")"
componentize="${COMPONENTIZE_PY:-$repo/target/python-venv/bin/componentize-py}"
stubs="$repo/target/python-stubs"
rm -rf "$stubs"
"$componentize" -d "$repo/wit" -d "$sdk/wit/worlds.wit" -d "$repo/tests/conformance/wit" \
    -w dapr:conformance/actor-runner -w dapr:python/command bindings "$stubs"
runner="$repo/tests/guests/conformance-runner-py"
export PYTHONPATH="$stubs:$sdk:$runner"
python3 -m unittest discover -s "$sdk/tests" -t "$sdk/tests" "$@"
python3 -m unittest discover -s "$runner" -p 'test_*.py' "$@"
