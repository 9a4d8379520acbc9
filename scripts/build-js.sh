#!/usr/bin/env bash
# The JavaScript/TypeScript guests: guest-js's npm dependencies (`npm ci`,
# exactly the lockfile's versions), the SDK's generated declarations and
# compiled output (dist/), then the JS/TS components, each rebuilt only when
# one of its inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sdk=guest-js
stamp="$sdk/node_modules/.package-lock.json.installed"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: the JavaScript guests need Node.js (20 or later) with npm" >&2
    exit 1
fi
if ! cmp -s "$sdk/package-lock.json" "$stamp"; then
    (cd "$sdk" && npm ci --no-audit --no-fund)
    cp "$sdk/package-lock.json" "$stamp"
fi

# newer TARGET PATH...: whether a source file under PATH is newer than TARGET
# (or TARGET is missing).
newer() {
    local target=$1
    shift
    [[ ! -f "$target" ]] || [[ -n "$(find "$@" -type f \
        \( -name '*.ts' -o -name '*.js' -o -name '*.wit' -o -name '*.json' \) \
        -not -path '*/node_modules/*' -not -path '*/build/*' -not -path '*/dist/*' -not -path '*/generated/*' \
        -newer "$target" -print -quit)" ]]
}

if newer "$sdk/dist/index.js" "$sdk/src" "$sdk/lib" "$sdk/wit" wit "$stamp" "$sdk/tsconfig.json"; then
    echo "building $sdk/dist"
    (cd "$sdk" && node lib/types.js && npx tsc -p .)
fi

# build DIR OUT [dapr-wasm-build arguments...]: builds DIR/OUT unless it is
# newer than every source it is made of (DIR, the SDK, the WIT, the lockfile).
build() {
    local dir=$1 out=$2
    shift 2
    if ! newer "$dir/$out" "$dir" "$sdk/src" "$sdk/lib" "$sdk/bin" "$sdk/wit" wit tests/conformance/wit "$stamp"; then
        echo "$dir/$out is up to date"
        return
    fi
    echo "building $dir/$out"
    (cd "$dir" && node "$root/$sdk/bin/dapr-wasm-build.js" "$@" -o "$out")
}

build examples/seed-demo-js build/seed-demo-js.wasm seed-demo.js
build examples/seed-demo-ts build/seed-demo-ts.wasm seed-demo.ts
build examples/counter-ts build/counter-ts.wasm --world http-app counter.ts
build examples/orders-ts build/orders-ts.wasm --world http-app orders.ts
build tests/guests/conformance-runner-js build/conformance-runner-js.wasm \
    --world dapr:conformance/actor-runner --wit ../../conformance/wit runner.ts
build tests/guests/state-loop-js build/state-loop-js.wasm --world http-app state-loop.ts
