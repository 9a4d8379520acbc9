#!/usr/bin/env bash
# Run a throwaway redis-server on 127.0.0.1:PORT, in the foreground.
#
# Usage: tests/daprd/redis.sh PORT DIR
#
# No persistence (no RDB snapshots, no AOF); DIR is only redis' working
# directory. The process replaces this shell (exec), so a caller that runs
# `tests/daprd/redis.sh 6390 /tmp/r &` can stop it with `kill $!`.
#
# If redis-server is missing and we run as root with apt-get available, it is
# installed (`apt-get install -y redis-server`); otherwise we fail.
set -euo pipefail

die() { printf 'redis.sh: error: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 PORT DIR"
port=$1
dir=$2
[[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) \
  || die "PORT must be a TCP port number, got '$port'"
mkdir -p "$dir" || die "cannot create DIR '$dir'"

if ! command -v redis-server >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    printf 'redis.sh: redis-server not found, installing it with apt-get\n' >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq redis-server; } >&2 \
      || die "apt-get install -y redis-server failed"
    # The package's init scripts may start a system-wide redis on 6379;
    # that one is not ours and is left alone.
  else
    die "redis-server is not installed; install it first (Debian/Ubuntu: sudo apt-get install -y redis-server)"
  fi
fi

exec redis-server \
  --port "$port" \
  --bind 127.0.0.1 \
  --save "" \
  --appendonly no \
  --dir "$dir"
