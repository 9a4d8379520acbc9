# The commands people type. `just --list` shows them all.

guest_target := "wasm32-wasip2"
guests := "examples/Cargo.toml"
export CARGO_TARGET_DIR := justfile_directory() / "target"

# Show the recipes.
default:
    @just --list

# The host (release) and every guest and example component: Rust, AssemblyScript, Python, JavaScript/TypeScript and C.
build: build-host build-guests build-assemblyscript build-python build-js build-c

# The `wasmtime-dapr` binary in target/release.
build-host:
    cargo build --release -p wasmtime-dapr

# Every guest component into target/wasm32-wasip2/release. `order-store`
# and `event-sink` enable the SDK's `handler` feature and `cart-actor` its
# `actors` feature, which must not be unified into the other components, so
# they get cargo invocations of their own.
build-guests:
    cargo build --release --target {{guest_target}} --manifest-path {{guests}} --workspace --exclude order-store --exclude event-sink --exclude cart-actor
    cargo build --release --target {{guest_target}} --manifest-path {{guests}} -p order-store -p event-sink
    cargo build --release --target {{guest_target}} --manifest-path {{guests}} -p cart-actor

# The AssemblyScript SDK's dependencies and the AssemblyScript examples
# (asc, then `wasmtime-dapr componentize`).
build-assemblyscript: build-host
    cd guest-assemblyscript && npm ci --no-audit --no-fund
    cd examples/seed-demo-as && npm ci --no-audit --no-fund && npm run build
    cd tests/guests/conformance-runner-as && npm ci --no-audit --no-fund && npm run build
    cd examples/order-store-as && npm ci --no-audit --no-fund && npm run build
    cd examples/orders-as && npm ci --no-audit --no-fund && npm run build
    cd tests/guests/state-loop-as && npm ci --no-audit --no-fund && npm run build
    cd tests/guests/http-echo-as && npm ci --no-audit --no-fund && npm run build

# componentize-py (pinned in guest-python/requirements.txt) in
# target/python-venv, and the Python components (the seed demo, the counter,
# the conformance runner and the state-loop bench guest), each rebuilt only
# when its sources changed.
build-python:
    scripts/build-python.sh

# guest-js's npm dependencies (`npm ci`, pinned by its lockfile), the
# SDK's declarations and dist/, and the JavaScript/TypeScript components (the
# seed demos, the counter, the conformance runner and the state-loop bench
# guest), each rebuilt only when its sources changed.
build-js:
    scripts/build-js.sh

# The C seed demo (examples/seed-demo-c): wit-bindgen's C generator, pinned
# to the guests' wit-bindgen version, installed once into target/c-tools
# (unoptimized: it compiles in a fraction of the time and generates the
# bindings in well under a second); then clang (wasm32-wasi) and
# `wasmtime-dapr componentize`.
build-c: build-host
    test -x target/c-tools/bin/wit-bindgen || cargo install --locked --debug wit-bindgen-cli@0.62.0 --no-default-features --features c --root target/c-tools
    make -C examples/seed-demo-c

# Serve the cart actor example (examples/cart-actor) on the embedded backend
# at http://127.0.0.1:8080/carts/USER; carts expire `expiry` after their last
# addition.
cart-actor expiry="30m": build-host build-guests
    target/release/wasmtime-dapr serve cart=target/wasm32-wasip2/release/cart_actor.wasm --env CART_EXPIRY={{expiry}}

# Run the demo on the embedded backend: the seed demo, the counter and the orders flow.
demo: build
    scripts/demo.sh

# The slim daprd the tests run against, with placement and scheduler (built
# once per machine, cached by tag).
daprd:
    tests/daprd/build.sh

# The whole test suite (starts its own redis-server and daprd).
test: build
    cargo test --release --workspace
    cd guest-assemblyscript && npm run check
    guest-python/test.sh
    guest-js/test.sh
    cargo test --release --manifest-path {{guests}} -p conformance-runner --target x86_64-unknown-linux-gnu

# The benchmarks (see BENCHMARKS.md); optionally only some groups
# (instantiate, state, serve, cold-start, dapr, languages, spin, pubsub, apps).
# wasmtime-cli, which `serve` and `spin` compare against, is installed only
# when one of them runs.
bench *groups: build
    case " {{groups}} " in "  "|*" serve "*|*" spin "*) test -x target/bench-tools/bin/wasmtime || cargo install --locked wasmtime-cli@48.0.8 --root target/bench-tools;; esac
    cargo bench -p wasmtime-dapr --bench runtime -- {{groups}}

# Format and lint.
lint:
    cargo fmt --all --check
    cargo clippy --release --workspace --all-targets -- -D warnings
