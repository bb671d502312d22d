#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, combined broker + controller)
# as a plain JVM, without Docker. The broker classpath is resolved from Maven
# artifacts through pom.xml next to this script.
#
# Usage: run-broker.sh start|stop|status|topics [args...]|reset|classpath
#
#   start      resolve the classpath (cached), write server.properties, format
#              the storage on first use, start the broker in the background and
#              wait until it accepts connections. Exits 0 if already running.
#   stop       stop the broker (SIGTERM, SIGKILL after KAFKA_STOP_TIMEOUT s).
#   status     exit 0 and print the pid if running, exit 3 if not.
#   topics     run kafka-topics (TopicCommand) against the broker, e.g.
#              run-broker.sh topics --list
#   reset      stop the broker and delete the run directory (data and logs).
#   classpath  resolve the classpath only and print its location.
#
# Environment (defaults in brackets):
#   KAFKA_HOST [127.0.0.1]            address to listen on and advertise
#   KAFKA_PORT [9092]                 client (bootstrap) port
#   KAFKA_CONTROLLER_PORT [9093]      KRaft controller port
#   KAFKA_RUN_DIR [<script dir>/run]  data, logs, pid file, generated config
#   KAFKA_HEAP [512m]                 broker max heap (-Xmx)
#   KAFKA_START_TIMEOUT [60]          seconds to wait for the broker to be ready
#   KAFKA_STOP_TIMEOUT [30]           seconds to wait before SIGKILL on stop
#   KAFKA_JVM_OPTS []                 extra JVM options for the broker
#   JAVA_HOME                         java is $JAVA_HOME/bin/java if set
#   MVN [mvn]                         Maven command used to resolve the classpath
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$SCRIPT_DIR/run}"
# A relative run dir is taken from the current directory, once, so that the
# pid check and the broker see the same paths.
if [[ -n "$KAFKA_RUN_DIR" && "$KAFKA_RUN_DIR" != /* ]]; then
  KAFKA_RUN_DIR="$PWD/$KAFKA_RUN_DIR"
fi
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
MVN="${MVN:-mvn}"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

POM="$SCRIPT_DIR/pom.xml"
BROKER_LOGBACK="$SCRIPT_DIR/logback.xml"
TOOLS_LOGBACK="$SCRIPT_DIR/logback-tools.xml"

# Layout of the run directory.
MARKER="$KAFKA_RUN_DIR/.kafka-runner"
CP_FILE="$KAFKA_RUN_DIR/classpath.txt"
PROPS="$KAFKA_RUN_DIR/server.properties"
DATA_DIR="$KAFKA_RUN_DIR/data"
LOG_DIR="$KAFKA_RUN_DIR/logs"
LOG_FILE="$LOG_DIR/broker.log"
OUT_FILE="$LOG_DIR/broker.out"
PID_FILE="$KAFKA_RUN_DIR/broker.pid"
CLUSTER_ID_FILE="$KAFKA_RUN_DIR/cluster.id"
CONTROLLER_FILE="$KAFKA_RUN_DIR/controller.endpoint"

BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
STARTED_MESSAGE="Kafka Server started"

log() { printf '%s\n' "kafka-runner: $*"; }
err() { printf '%s\n' "kafka-runner: error: $*" >&2; }
die() { err "$*"; exit 1; }

usage() {
  sed -n '2,/^set -euo pipefail/{/^set -euo pipefail/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

check_config() {
  is_uint "$KAFKA_PORT" || die "KAFKA_PORT must be a number, got '$KAFKA_PORT'"
  is_uint "$KAFKA_CONTROLLER_PORT" || die "KAFKA_CONTROLLER_PORT must be a number, got '$KAFKA_CONTROLLER_PORT'"
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
  is_uint "$KAFKA_START_TIMEOUT" || die "KAFKA_START_TIMEOUT must be a number of seconds"
  is_uint "$KAFKA_STOP_TIMEOUT" || die "KAFKA_STOP_TIMEOUT must be a number of seconds"
  [[ -n "$KAFKA_RUN_DIR" && "$KAFKA_RUN_DIR" != "/" ]] || die "KAFKA_RUN_DIR must not be empty or /"
}

# True if something accepts TCP connections on host $1 port $2.
port_open() {
  local -a limit=()
  if command -v timeout > /dev/null 2>&1; then
    limit=(timeout 2)
  fi
  # shellcheck disable=SC2016 # $0/$1 are expanded by the inner shell
  ${limit[@]+"${limit[@]}"} bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Pid of the running broker of this run dir, or nothing (and status 1).
running_pid() {
  local pid state args
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(tr -dc '0-9' < "$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z* ]] || return 1
  # Guard against a recycled pid: the process must be our broker.
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *kafka.Kafka*"$PROPS"* ]] || return 1
  printf '%s\n' "$pid"
}

ensure_run_dir() {
  if [[ -d "$KAFKA_RUN_DIR" && ! -f "$MARKER" && -n "$(ls -A "$KAFKA_RUN_DIR" 2>/dev/null)" ]]; then
    die "$KAFKA_RUN_DIR exists, is not empty and was not created by this script; choose another KAFKA_RUN_DIR"
  fi
  mkdir -p "$KAFKA_RUN_DIR" "$LOG_DIR"
  touch "$MARKER"
}

# Resolves the broker classpath once and caches it in the run dir. It is
# resolved again when pom.xml is newer than the cache or a jar has vanished.
ensure_classpath() {
  ensure_run_dir
  if [[ -s "$CP_FILE" && ! "$POM" -nt "$CP_FILE" ]]; then
    local jar missing=0
    local -a jars=()
    IFS=: read -r -a jars < "$CP_FILE" || true
    for jar in "${jars[@]}"; do
      [[ -f "$jar" ]] || { missing=1; break; }
    done
    if [[ "$missing" == 0 && "${#jars[@]}" -gt 0 ]]; then
      return 0
    fi
    log "cached classpath is stale, resolving it again"
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') is needed to resolve the broker classpath"
  log "resolving the broker classpath with Maven (first start only)..."
  local tmp="$CP_FILE.tmp"
  if ! "$MVN" -B -q -Dstyle.color=never -f "$POM" dependency:build-classpath \
      -Dmdep.outputFile="$tmp" -Dmdep.includeScope=runtime > "$LOG_DIR/mvn.log" 2>&1; then
    tail -n 40 "$LOG_DIR/mvn.log" >&2 || true
    die "could not resolve the broker classpath (see $LOG_DIR/mvn.log)"
  fi
  [[ -s "$tmp" ]] || die "Maven wrote an empty classpath (see $LOG_DIR/mvn.log)"
  mv "$tmp" "$CP_FILE"
}

classpath() { cat "$CP_FILE"; }

# Runs a Kafka command line tool class with quiet logging.
run_tool() {
  local main="$1"
  shift
  "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlogback.configurationFile="$TOOLS_LOGBACK" \
    -cp "$(classpath)" "$main" "$@"
}

write_server_properties() {
  cat > "$PROPS" <<EOF
# Generated by run-broker.sh on each start; edits are overwritten.
# Single-node KRaft: this process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT

log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# The services create their own topics.
auto.create.topics.enable=false

# Internal topics on a single node.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Small footprint for a development node.
num.network.threads=2
num.io.threads=4
log.cleaner.threads=1
# The default reserves 128 MiB of heap; Kafka requires strictly more than
# 1 MiB per cleaner thread, so 2 MiB is the smallest round value accepted.
log.cleaner.dedupe.buffer.size=2097152
EOF
}

format_storage_if_needed() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    local formatted_with
    formatted_with="$(cat "$CONTROLLER_FILE" 2>/dev/null || true)"
    if [[ -n "$formatted_with" && "$formatted_with" != "$KAFKA_HOST:$KAFKA_CONTROLLER_PORT" ]]; then
      die "the storage in $DATA_DIR was formatted for controller $formatted_with, not $KAFKA_HOST:$KAFKA_CONTROLLER_PORT; use the old KAFKA_HOST/KAFKA_CONTROLLER_PORT or run 'reset'"
    fi
    return 0
  fi
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(cat "$CLUSTER_ID_FILE")"
  else
    cluster_id="$(run_tool kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')"
    [[ -n "$cluster_id" ]] || die "could not generate a cluster id"
    printf '%s\n' "$cluster_id" > "$CLUSTER_ID_FILE"
  fi
  log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
  mkdir -p "$DATA_DIR"
  if ! run_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS" > "$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2 || true
    die "formatting the storage failed"
  fi
  printf '%s\n' "$KAFKA_HOST:$KAFKA_CONTROLLER_PORT" > "$CONTROLLER_FILE"
}

print_log_tail() {
  local f
  for f in "$LOG_FILE" "$OUT_FILE"; do
    if [[ -s "$f" ]]; then
      printf '%s\n' "----- last lines of $f -----" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
}

file_size() { if [[ -f "$1" ]]; then wc -c < "$1" | tr -d ' '; else echo 0; fi; }

# True if the broker log shows the start message after byte offset $1.
started_since() {
  local offset="$1" size
  [[ -f "$LOG_FILE" ]] || return 1
  size="$(file_size "$LOG_FILE")"
  (( size >= offset )) || offset=0 # the log was rolled meanwhile
  tail -c "+$((offset + 1))" "$LOG_FILE" | grep -qF "$STARTED_MESSAGE"
}

cmd_start() {
  check_config
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid), bootstrap $BOOTSTRAP"
    return 0
  fi
  rm -f "$PID_FILE"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_HOST" "$p"; then
      die "port $KAFKA_HOST:$p is already in use by another process"
    fi
  done
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or PATH)"

  local t0=$SECONDS
  ensure_classpath
  write_server_properties
  format_storage_if_needed

  local offset
  offset="$(file_size "$LOG_FILE")"
  log "starting broker on $BOOTSTRAP (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT, run dir $KAFKA_RUN_DIR)"
  local -a jvm_opts=(
    "-Xmx$KAFKA_HEAP"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true
    "-Dlogback.configurationFile=$BROKER_LOGBACK"
    "-Dkafka.log.file=$LOG_FILE"
  )
  local -a extra_opts=()
  if [[ -n "$KAFKA_JVM_OPTS" ]]; then
    read -r -a extra_opts <<< "$KAFKA_JVM_OPTS"
  fi
  nohup "$JAVA" "${jvm_opts[@]}" ${extra_opts[@]+"${extra_opts[@]}"} -cp "$(classpath)" kafka.Kafka "$PROPS" \
    < /dev/null >> "$OUT_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" > "$PID_FILE"

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while true; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail
      rm -f "$PID_FILE"
      die "the broker exited during start-up"
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT" && started_since "$offset"; then
      break
    fi
    if (( SECONDS >= deadline )); then
      print_log_tail
      err "the broker did not become ready within ${KAFKA_START_TIMEOUT}s; stopping it"
      cmd_stop >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "started (pid $pid) in $((SECONDS - t0))s, bootstrap $BOOTSTRAP"
  log "logs: $LOG_FILE"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while running_pid > /dev/null; do
    if (( SECONDS >= deadline )); then
      log "still running after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid), bootstrap $BOOTSTRAP, run dir $KAFKA_RUN_DIR"
    return 0
  fi
  log "not running (run dir $KAFKA_RUN_DIR)"
  return 3
}

cmd_topics() {
  check_config
  if ! port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    die "no broker accepts connections on $BOOTSTRAP (start one with: $0 start)"
  fi
  ensure_classpath
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"
}

cmd_reset() {
  check_config
  cmd_stop
  if [[ -d "$KAFKA_RUN_DIR" ]]; then
    if [[ ! -f "$MARKER" && -n "$(ls -A "$KAFKA_RUN_DIR" 2>/dev/null)" ]]; then
      die "refusing to delete $KAFKA_RUN_DIR: it was not created by this script"
    fi
    rm -rf -- "$KAFKA_RUN_DIR"
    log "deleted $KAFKA_RUN_DIR"
  else
    log "nothing to delete ($KAFKA_RUN_DIR does not exist)"
  fi
}

cmd_classpath() {
  check_config
  ensure_classpath
  log "classpath cached in $CP_FILE"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    topics) cmd_topics "$@" ;;
    reset) cmd_reset ;;
    classpath) cmd_classpath ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
