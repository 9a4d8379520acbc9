#!/usr/bin/env bash
# Unit tests of the SDK and of the TypeScript conformance runner's decoding,
# run by node against stub modules for the WIT imports (tests/stubs.js), and
# a type-check of the TypeScript examples and runner. Installs the npm
# dependencies and builds dist/ when `just build-js` has not.
set -euo pipefail
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$sdk")"
cd "$sdk"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
node lib/types.js
npx tsc -p .
for app in examples/seed-demo-ts examples/counter-ts examples/orders-ts tests/guests/conformance-runner-js tests/guests/state-loop-js; do
    npx tsc -p "$repo/$app"
done
node --import ./tests/register.js --test tests/*.test.js "$repo/tests/guests/conformance-runner-js/runner.test.js" "$@"
