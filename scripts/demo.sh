#!/usr/bin/env bash
# The demo: every example on the embedded backend, with nothing else running.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/wasmtime-dapr
wasm=target/wasm32-wasip2/release
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "server did not start" >&2; exit 1; }

step "seed-demo: save, bulk-save and read back through dapr:runtime/state"
"$bin" run "$wasm/seed-demo.wasm" --data-dir "$data"

step "seed-demo-as: the same demo in AssemblyScript (asc + wasmtime-dapr componentize)"
"$bin" run examples/seed-demo-as/build/seed-demo-as.wasm --data-dir "$data"

step "seed-demo-py: the same demo in Python (componentize-py)"
"$bin" run examples/seed-demo-py/build/seed-demo-py.wasm --data-dir "$data"

step "seed-demo-ts: the same demo in TypeScript (componentize-js)"
"$bin" run examples/seed-demo-ts/build/seed-demo-ts.wasm --data-dir "$data"

step "counter: a counter in the state store, across a restart"
"$bin" serve "$wasm/counter.wasm" --listen 127.0.0.1:8080 --data-dir "$data" & pid=$!
wait_for http://127.0.0.1:8080/ready
for _ in 1 2; do printf 'GET / -> %s\n' "$(curl -s http://127.0.0.1:8080/)"; done
kill -TERM $pid; wait $pid
"$bin" serve "$wasm/counter.wasm" --listen 127.0.0.1:8080 --data-dir "$data" & pid=$!
wait_for http://127.0.0.1:8080/ready
printf 'after restart: GET / -> %s\n' "$(curl -s http://127.0.0.1:8080/)"
kill -TERM $pid; wait $pid

step "orders: POST publishes, the order-store app stores it, GET invokes order-store"
"$bin" serve "$wasm/orders.wasm" "$wasm/order_store.wasm" --listen 127.0.0.1:8080 --data-dir "$data" & pid=$!
wait_for http://127.0.0.1:8080/orders/none
curl -s -o /dev/null -w 'POST /orders -> %{http_code}\n' -X POST http://127.0.0.1:8080/orders \
    -H 'content-type: application/json' -d '{"id":"1","item":"lightsaber","qty":2}'
for _ in $(seq 50); do
    body=$(curl -sf http://127.0.0.1:8080/orders/1) && break
    sleep 0.1
done
printf 'GET /orders/1 -> %s\n' "$body"
kill -TERM $pid; wait $pid

step "orders-as: the same flow in AssemblyScript, HTTP front end (wasi:http) and store"
"$bin" serve examples/orders-as/build/orders-as.wasm \
    order-store=examples/order-store-as/build/order-store-as.wasm \
    --listen 127.0.0.1:8080 --data-dir "$data" & pid=$!
wait_for http://127.0.0.1:8080/orders/none
curl -s -o /dev/null -w 'POST /orders -> %{http_code}\n' -X POST http://127.0.0.1:8080/orders \
    -H 'content-type: application/json' -d '{"id":"2","item":"hyperdrive","qty":1}'
for _ in $(seq 50); do
    body=$(curl -sf http://127.0.0.1:8080/orders/2) && break
    sleep 0.1
done
printf 'GET /orders/2 -> %s\n' "$body"
kill -TERM $pid; wait $pid

step "demo finished"
