#!/usr/bin/env bash
# End-to-end smoke test of the slim daprd: build (or reuse) it, start a
# private redis-server and a standalone daprd on free loopback ports, drive
# the state, pub/sub, configuration and lock HTTP APIs with curl, then stop
# everything. No placement, scheduler, sentry, Docker or `dapr init` needed.
#
# Usage: tests/daprd/smoke.sh
# Needs: go (for build.sh), redis-server (see redis.sh), curl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'smoke: %s\n' "$*" >&2; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }

command -v curl >/dev/null 2>&1 || fail "curl is required"

daprd=$("$here/build.sh" | tail -n1)
[[ -x "$daprd" ]] || fail "build.sh did not produce a daprd binary"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/daprd-smoke.XXXXXX")
redis_pid=
daprd_pid=
stop() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop "$daprd_pid"
  stop "$redis_pid"
  if [[ $rc -ne 0 && -f "$tmp/daprd.log" ]]; then
    say "daprd log:"; tail -n 40 "$tmp/daprd.log" >&2
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    echo $(( 20000 + RANDOM % 20000 ))
  fi
}
redis_port=$(free_port)
http_port=$(free_port)
grpc_port=$(free_port)
internal_port=$(free_port)

# One RESP command to our redis, without needing redis-cli.
redis_cmd() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$redis_port" || return 1
  local req="*$#\r\n" arg
  for arg in "$@"; do req+="\$${#arg}\r\n$arg\r\n"; done
  printf '%b' "$req" >&3
  IFS= read -r -t 2 reply <&3 || true
  exec 3>&-
  printf '%s\n' "${reply%$'\r'}"
}

mkdir -p "$tmp/resources" "$tmp/redis"
for kind in state pubsub configuration lock; do
  case $kind in
    state) name=statestore ;; pubsub) name=pubsub ;;
    configuration) name=configstore ;; lock) name=lockstore ;;
  esac
  cat > "$tmp/resources/$name.yaml" <<EOF
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: $name
spec:
  type: $kind.redis
  version: v1
  metadata:
  - name: redisHost
    value: 127.0.0.1:$redis_port
  - name: redisPassword
    value: ""
EOF
done
cat > "$tmp/config.yaml" <<EOF
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: daprconfig
spec:
  nameResolution:
    component: sqlite
    configuration:
      connectionString: $tmp/nameresolution.db
EOF

say "redis-server on 127.0.0.1:$redis_port"
"$here/redis.sh" "$redis_port" "$tmp/redis" > "$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do
  [[ "$(redis_cmd PING 2>/dev/null)" == "+PONG" ]] && break
  kill -0 "$redis_pid" 2>/dev/null || { cat "$tmp/redis.log" >&2; fail "redis-server exited"; }
  sleep 0.1
done
[[ "$(redis_cmd PING)" == "+PONG" ]] || fail "redis-server did not answer PING"

say "daprd: http 127.0.0.1:$http_port, grpc 127.0.0.1:$grpc_port"
start_ns=$(date +%s%N)
"$daprd" \
  --app-id smoke \
  --dapr-http-port "$http_port" \
  --dapr-grpc-port "$grpc_port" \
  --dapr-internal-grpc-port "$internal_port" \
  --dapr-listen-addresses 127.0.0.1 \
  --dapr-internal-grpc-listen-address 127.0.0.1 \
  --enable-metrics=false \
  --resources-path "$tmp/resources" \
  --config "$tmp/config.yaml" \
  --log-level info \
  > "$tmp/daprd.log" 2>&1 &
daprd_pid=$!

base="http://127.0.0.1:$http_port"
code=
for _ in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1.0/healthz" || true)
  [[ "$code" == 204 ]] && break
  kill -0 "$daprd_pid" 2>/dev/null || fail "daprd exited during startup"
  sleep 0.1
done
[[ "$code" == 204 ]] || fail "daprd /v1.0/healthz never returned 204 (last: $code)"
say "daprd healthy after $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"

check() { # check WHAT EXPECTED ACTUAL
  [[ "$3" == "$2" ]] || fail "$1: expected '$2', got '$3'"
  say "ok: $1 -> $3"
}

check "healthz/outbound" 204 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1.0/healthz/outbound")"
check "POST /v1.0/state/statestore" 204 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1.0/state/statestore" \
      -H 'Content-Type: application/json' -d '[{"key":"weapon","value":"Death Star"}]')"
check "GET /v1.0/state/statestore/weapon" '"Death Star"' \
  "$(curl -s "$base/v1.0/state/statestore/weapon")"
check "POST /v1.0/publish/pubsub/topic" 204 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1.0/publish/pubsub/topic" \
      -H 'Content-Type: application/json' -d '{"hello":"world"}')"
check "redis stream 'topic' length" ":1" "$(redis_cmd XLEN topic)"
redis_cmd SET greeting 'hello||1' >/dev/null
check "GET /v1.0/configuration/configstore?key=greeting" \
  '{"greeting":{"value":"hello","version":"1"}}' \
  "$(curl -s "$base/v1.0/configuration/configstore?key=greeting")"
check "POST /v1.0-alpha1/lock/lockstore" '{"success":true}' \
  "$(curl -s -X POST "$base/v1.0-alpha1/lock/lockstore" -H 'Content-Type: application/json' \
      -d '{"resourceId":"res1","lockOwner":"owner1","expiryInSeconds":30}')"
check "POST /v1.0-alpha1/unlock/lockstore" '{"status":0}' \
  "$(curl -s -X POST "$base/v1.0-alpha1/unlock/lockstore" -H 'Content-Type: application/json' \
      -d '{"resourceId":"res1","lockOwner":"owner1"}')"

say "all checks passed"
