#!/usr/bin/env bash
# Smoke test of run-broker.sh, for CI: start a broker on a free, non-default
# port pair in a temporary run directory, create a topic, check that it is
# listed, stop the broker and check that status reports it as not running.
# The broker and the temporary directory are removed on exit, also on failure.
#
# Prints one final line: "kafka runner smoke test: OK" or
# "kafka runner smoke test: FAILED (<reason>)", and exits non-zero on failure.
#
# Environment:
#   SMOKE_TIMEOUT [120]           overall budget in seconds for the broker steps
#   SMOKE_RESOLVE_TIMEOUT [600]   budget for resolving the classpath with Maven
#                                 (only slow when the local repository is cold)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUNNER="$SCRIPT_DIR/run-broker.sh"
SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-120}"
SMOKE_RESOLVE_TIMEOUT="${SMOKE_RESOLVE_TIMEOUT:-600}"
TOPIC="smoke-test"

RESULT="FAILED (interrupted)"
RUN_DIR=""

say() { printf '%s\n' "smoke: $*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$RUN_DIR" && -d "$RUN_DIR" ]]; then
    # Bounded stop through the runner, then make sure the JVM is gone.
    KAFKA_RUN_DIR="$RUN_DIR" timeout 45 "$RUNNER" stop > /dev/null 2>&1 || true
    if [[ -f "$RUN_DIR/broker.pid" ]]; then
      local pid
      pid="$(tr -dc '0-9' < "$RUN_DIR/broker.pid")"
      if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    if [[ "$rc" != 0 && -d "$RUN_DIR/logs" ]]; then
      local f
      for f in "$RUN_DIR"/logs/*; do
        # Skip empty files (Maven may leave only colour reset codes).
        sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -q '[[:alpha:]]' || continue
        printf '%s\n' "----- last lines of logs/$(basename "$f") -----"
        tail -n 30 "$f" || true
        printf '\n'
      done
    fi
    rm -rf -- "$RUN_DIR"
  fi
  if [[ "$rc" == 0 ]]; then
    printf '%s\n' "kafka runner smoke test: OK"
  else
    printf '%s\n' "kafka runner smoke test: $RESULT"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'RESULT="FAILED (interrupted)"; exit 130' INT TERM

fail() {
  RESULT="FAILED ($*)"
  exit 1
}

port_open() {
  # shellcheck disable=SC2016 # $0/$1 are expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Picks a random port P such that P and P+1 accept no connections, below the
# kernel's ephemeral range: a port there may be held by an outgoing connection,
# which no probe sees but which makes the broker's bind fail.
pick_ports() {
  local port _ low=32768
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  fi
  (( low > 12000 )) || low=32768
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10002)))
    if ! port_open 127.0.0.1 "$port" && ! port_open 127.0.0.1 "$((port + 1))"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

# Seconds left of the overall budget, at least 1.
DEADLINE=0
left() {
  local s=$((DEADLINE - SECONDS))
  (( s > 0 )) || s=1
  printf '%s\n' "$s"
}

# step <max seconds> <description> <command...>: runs the command bounded by
# the smaller of <max seconds> and what is left of the budget.
step() {
  local max="$1" what="$2" budget
  shift 2
  budget="$(left)"
  (( budget < max )) || budget="$max"
  if (( SECONDS >= DEADLINE )); then
    fail "out of time before: $what"
  fi
  say "$what"
  local rc=0
  timeout --kill-after=5 "$budget" "$@" || rc=$?
  if [[ "$rc" == 124 || "$rc" == 137 ]]; then
    fail "timed out after ${budget}s: $what"
  elif [[ "$rc" != 0 ]]; then
    fail "exit code $rc: $what"
  fi
}

command -v java > /dev/null 2>&1 || [[ -n "${JAVA_HOME:-}" ]] || fail "java not found"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kafka-smoke.XXXXXX")"
PORT="$(pick_ports)" || fail "no free port pair found"
export KAFKA_HOST=127.0.0.1
export KAFKA_PORT="$PORT"
export KAFKA_CONTROLLER_PORT="$((PORT + 1))"
export KAFKA_RUN_DIR="$RUN_DIR"
export KAFKA_START_TIMEOUT=60
export KAFKA_STOP_TIMEOUT=30
say "run dir $RUN_DIR, bootstrap $KAFKA_HOST:$KAFKA_PORT, controller port $KAFKA_CONTROLLER_PORT"

# Resolving the classpath may download the broker jars on a cold machine; it
# has its own budget so that the broker steps below keep a tight one.
DEADLINE=$((SECONDS + SMOKE_RESOLVE_TIMEOUT))
step "$SMOKE_RESOLVE_TIMEOUT" "resolve the broker classpath" "$RUNNER" classpath

DEADLINE=$((SECONDS + SMOKE_TIMEOUT))
t0=$SECONDS
step 75 "start the broker" "$RUNNER" start
say "broker ready after $((SECONDS - t0))s"

step 10 "status reports running" "$RUNNER" status

step 40 "create topic $TOPIC" "$RUNNER" topics --create --topic "$TOPIC" --partitions 3 --replication-factor 1

say "list topics"
listing="$(timeout --kill-after=5 "$(left)" "$RUNNER" topics --list)" || fail "listing topics failed"
grep -qx "$TOPIC" <<< "$listing" || fail "topic $TOPIC missing from the list: $(tr '\n' ' ' <<< "$listing")"

step 45 "stop the broker" "$RUNNER" stop

say "status reports not running"
rc=0
timeout 10 "$RUNNER" status > /dev/null || rc=$?
[[ "$rc" == 3 ]] || fail "status exit code after stop was $rc, expected 3"
if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
  fail "port $KAFKA_PORT still accepts connections after stop"
fi

say "all steps passed in $((SECONDS - t0))s"
