#!/usr/bin/env bash
# The Python guests: componentize-py (the version guest-python/requirements.txt
# pins) in target/python-venv, then the Python components, each rebuilt only
# when one of its inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=target/python-venv

if ! cmp -s guest-python/requirements.txt "$venv/requirements.txt"; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv"; then
        rm -rf "$venv"
        echo "error: python3 cannot create a virtual environment: install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r guest-python/requirements.txt
    cp guest-python/requirements.txt "$venv/requirements.txt"
fi

# build DIR OUT [build.sh arguments...]: builds DIR/OUT unless it is newer
# than every source it is made of (DIR, the SDK, the WIT, componentize-py).
build() {
    local dir=$1 out=$2
    shift 2
    if [[ -f "$dir/$out" ]] && [[ -z "$(find "$dir" guest-python wit tests/conformance/wit "$venv/requirements.txt" \
        -type f \( -name '*.py' -o -name '*.wit' -o -name '*.sh' -o -name requirements.txt \) \
        -not -path '*/build/*' -newer "$dir/$out" -print -quit)" ]]; then
        echo "$dir/$out is up to date"
        return
    fi
    echo "building $dir/$out"
    (cd "$dir" && "$root/guest-python/build.sh" "$@" -o "$out")
}

build examples/seed-demo-py build/seed-demo-py.wasm seed_demo.py
build examples/counter-py build/counter-py.wasm --world http-app counter.py
build examples/order-store-py build/order-store-py.wasm --world app order_store.py
build tests/guests/conformance-runner-py build/conformance-runner-py.wasm \
    --world dapr:conformance/actor-runner --wit ../../conformance/wit runner.py
build tests/guests/state-loop-py build/state-loop-py.wasm --world http-app state_loop.py
