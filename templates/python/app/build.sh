#!/usr/bin/env bash
# Builds app.py into build/{{name}}.wasm (world `app`) with the Python
# SDK's build script, which runs componentize-py: it bundles app.py, the SDK
# (dapr_wasm) and a CPython interpreter into one component.
#
# The SDK is the wasmtime-dapr checkout `wasmtime-dapr new` was given
# (`--sdk DIR`); set WASMTIME_DAPR_SDK to use another. componentize-py comes
# from that checkout's target/python-venv (`just build-python` there
# installs it), or from PATH.
set -euo pipefail
cd "$(dirname "$0")"
sdk='{{sdk}}'
if [[ -n "${WASMTIME_DAPR_SDK:-}" ]]; then
    sdk=$WASMTIME_DAPR_SDK
fi
exec "$sdk/guest-python/build.sh" --world app app.py -o build/{{name}}.wasm
