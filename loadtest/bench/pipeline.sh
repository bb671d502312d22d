#!/usr/bin/env bash
# The conversation benchmark with every service in a process of its own on this host: one Kafka
# broker (infra/kafka/run-broker.sh), the provider simulator, the gateway, the asr, llm, tts and
# vllm workers and the monitor, all from the standalone jar; then a device fleet against them.
#
# Usage: loadtest/bench/pipeline.sh [fleet options...]
#   e.g. loadtest/bench/pipeline.sh -n 100 --ramp 15s --duration 60s --think-time 2s --mode manual
#
# Build first: mvn -q -DskipTests package
#
# Environment (defaults in brackets):
#   BENCH_OUT [loadtest/target/bench]   where each run's directory (logs, reports) goes
#   ASR_WORKERS, LLM_WORKERS, TTS_WORKERS [1]   processes per stage
#   WORKER_HEAP [384m], GATEWAY_HEAP [1g]       -Xmx of the workers and of the gateway
#   SIM_ARGS ["--asr-ms 300 --llm-first-token-ms 400 --llm-tokens-per-s 30 --tts-rtf 0.1"]
#   KILL_AFTER []      seconds into the fleet run: kill -9 one asr, one llm and one tts worker
#   AFTER_ARGS []      fleet options of a second run right after the first (e.g. the light load a
#                      system should recover to after an overload); its report is after.json
#   JFR []             1: every service records a Java Flight Recording (profile settings) into
#                      the run directory, for where the CPU goes (jfr print --events jdk.ExecutionSample)
#   WARMUP_DEVICES [20], WARMUP_TURNS [3]  the warm-up run (not measured) that brings every
#                        JVM's hot paths and connections up first; 0 skips it
#   BENCH_MYSQL_URL [jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable], BENCH_MYSQL_USER [root],
#   BENCH_MYSQL_PASSWORD []; BENCH_REDIS_URL [redis://127.0.0.1:6379/0]
#     the llm-worker and the gateway share state, so separate processes need MySQL and Redis
#   Any XIAOZHI_* variable set by the caller reaches every service (e.g.
#   XIAOZHI_AI_PROVIDERS_LLM_MAX_CONCURRENT=40).
#
# Prints the fleet's report and, per process, the CPU seconds it used during the fleet run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/standalone/target/xiaozhi-standalone.jar"
LOADTEST="$ROOT/loadtest/target/xiaozhi-loadtest.jar"
for f in "$JAR" "$LOADTEST"; do
  [[ -f "$f" ]] || { echo "pipeline.sh: $f is missing; build first: mvn -q -DskipTests package" >&2; exit 2; }
done

ASR_WORKERS="${ASR_WORKERS:-1}"
LLM_WORKERS="${LLM_WORKERS:-1}"
TTS_WORKERS="${TTS_WORKERS:-1}"
WORKER_HEAP="${WORKER_HEAP:-384m}"
GATEWAY_HEAP="${GATEWAY_HEAP:-1g}"
SIM_ARGS="${SIM_ARGS:---asr-ms 300 --llm-first-token-ms 400 --llm-tokens-per-s 30 --tts-rtf 0.1}"
KILL_AFTER="${KILL_AFTER:-}"
SIM_PORT=8090

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RUN="${BENCH_OUT:-$ROOT/loadtest/target/bench}/$STAMP"
mkdir -p "$RUN/logs" "$RUN/data"
echo "pipeline.sh: run directory $RUN"

export XIAOZHI_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092
export XIAOZHI_DATABASE_KIND=mysql
export XIAOZHI_DATABASE_URL="${BENCH_MYSQL_URL:-jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable}"
export XIAOZHI_DATABASE_USERNAME="${BENCH_MYSQL_USER:-root}"
export XIAOZHI_DATABASE_PASSWORD="${BENCH_MYSQL_PASSWORD:-}"
export XIAOZHI_REDIS_KIND=redis
export XIAOZHI_REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}"
export XIAOZHI_REDIS_KEY_PREFIX="bench-$STAMP:"
for stage in ASR LLM TTS VLLM; do
  export "XIAOZHI_PROVIDERS_${stage}_TYPE=openai"
  export "XIAOZHI_PROVIDERS_${stage}_BASE_URL=http://127.0.0.1:$SIM_PORT/v1"
  export "XIAOZHI_PROVIDERS_${stage}_MODEL=sim"
done

declare -A PIDS=()
ORDER=()

cleanup() {
  set +e
  for name in "${ORDER[@]}"; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null
  done
  for name in "${ORDER[@]}"; do
    wait "${PIDS[$name]}" 2>/dev/null
  done
  KAFKA_RUN_DIR="$RUN/kafka" "$ROOT/infra/kafka/run-broker.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT

start() { # name, then the command
  local name="$1"
  shift
  "$@" >"$RUN/logs/$name.log" 2>&1 &
  PIDS[$name]=$!
  ORDER+=("$name")
}

wait_http() { # url, seconds
  local until=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if ((SECONDS > until)); then
      echo "pipeline.sh: $1 did not answer within $2 s" >&2
      exit 1
    fi
    sleep 0.5
  done
}

cpu_seconds() { # pid: user + system CPU seconds so far
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

KAFKA_RUN_DIR="$RUN/kafka" KAFKA_HEAP=1g "$ROOT/infra/kafka/run-broker.sh" start >"$RUN/logs/broker-start.log" 2>&1
PIDS[broker]="$(cat "$RUN/kafka/broker.pid")"

start simulator java -Xmx512m -jar "$LOADTEST" providers --port "$SIM_PORT" $SIM_ARGS
wait_http "http://127.0.0.1:$SIM_PORT/stats" 60

service() { # name, heap, main class, extra env...
  local name="$1" heap="$2" main="$3"
  shift 3
  local jfr=()
  if [[ "${JFR:-}" == 1 ]]; then
    jfr=("-XX:StartFlightRecording=settings=profile,filename=$RUN/$name.jfr,dumponexit=true")
  fi
  start "$name" env XIAOZHI_METRICS_PORT=0 "$@" java -Xmx"$heap" -XX:+UseG1GC "${jfr[@]}" -cp "$JAR" "$main" --data-dir "$RUN/data"
}

service gateway "$GATEWAY_HEAP" io.xiaozhi.pipeline.gateway.GatewayMain
wait_http http://127.0.0.1:8003/health 120
for i in $(seq 1 "$ASR_WORKERS"); do service "asr-$i" "$WORKER_HEAP" io.xiaozhi.pipeline.asr.AsrWorkerMain; done
for i in $(seq 1 "$LLM_WORKERS"); do service "llm-$i" "$WORKER_HEAP" io.xiaozhi.pipeline.llm.LlmWorkerMain; done
for i in $(seq 1 "$TTS_WORKERS"); do service "tts-$i" "$WORKER_HEAP" io.xiaozhi.pipeline.tts.TtsWorkerMain; done
service vllm-1 "$WORKER_HEAP" io.xiaozhi.pipeline.vllm.VllmWorkerMain
service monitor 512m io.xiaozhi.pipeline.monitor.MonitorMain
wait_http http://127.0.0.1:8080/health 120

# ready when every stage's group has all its members
until=$((SECONDS + 120))
while :; do
  lag="$(curl -fsS http://127.0.0.1:8080/api/lag 2>/dev/null || true)"
  members="$(python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
rows=d.get("stages", d) if isinstance(d, dict) else d
out={}
for r in (rows if isinstance(rows, list) else rows.values()):
    out[r.get("stage")]=r.get("members", 0)
print(" ".join(f"{k}={v}" for k, v in sorted(out.items()) if k))' <<<"$lag" 2>/dev/null || true)"
  if [[ "$members" == *"asr=$ASR_WORKERS"* && "$members" == *"llm=$LLM_WORKERS"* && "$members" == *"tts=$TTS_WORKERS"* ]]; then
    break
  fi
  if ((SECONDS > until)); then
    echo "pipeline.sh: the stage groups did not fill within 120 s (members: ${members:-unknown})" >&2
    exit 1
  fi
  sleep 1
done
echo "pipeline.sh: ready (members: $members)"
if ((${WARMUP_DEVICES:-20} > 0)); then
  java -Xmx512m -jar "$LOADTEST" fleet --ota http://127.0.0.1:8003/xiaozhi/ota/ -n "${WARMUP_DEVICES:-20}" --turns-per-device "${WARMUP_TURNS:-3}" \
    --ramp 2s --think-time 1s --mode manual --device-prefix 02:0e:77 >"$RUN/logs/warmup.log" 2>&1 \
    || { echo "pipeline.sh: the warm-up run failed (logs/warmup.log)" >&2; exit 1; }
  echo "pipeline.sh: warm-up done: $(grep -o 'turns ok [0-9]* busy [0-9]* timeout [0-9]* error [0-9]*' "$RUN/logs/warmup.log" | tail -1)"
fi
curl -fsS -X DELETE "http://127.0.0.1:$SIM_PORT/stats" >/dev/null

declare -A CPU_BEFORE=()
for name in broker "${ORDER[@]}"; do CPU_BEFORE[$name]="$(cpu_seconds "${PIDS[$name]}")"; done

java -Xmx1g -jar "$LOADTEST" fleet --ota http://127.0.0.1:8003/xiaozhi/ota/ --gateway-metrics http://127.0.0.1:8003/metrics \
  --json "$RUN/fleet.json" --html "$RUN/fleet.html" "$@" > >(tee "$RUN/fleet.log") 2>&1 &
FLEET=$!
CPU_BEFORE[fleet]=0
FLEET_START=$SECONDS
KILLED=""
if [[ -n "$KILL_AFTER" ]]; then
  sleep "$KILL_AFTER"
  for name in asr-1 llm-1 tts-1; do
    kill -KILL "${PIDS[$name]}"
    KILLED+="$name "
  done
  echo "pipeline.sh: killed -9 $KILLED$((SECONDS - FLEET_START)) s into the run, at $(date -u +%H:%M:%S)" | tee -a "$RUN/fleet.log"
fi
# the fleet's own CPU, read just before it exits (its last act is printing the report), and the
# stages' lag as the monitor sees it, every 2 s
FLEET_CPU=0
while kill -0 "$FLEET" 2>/dev/null; do
  FLEET_CPU="$(cpu_seconds "$FLEET")"
  curl -fsS http://127.0.0.1:8080/api/lag >>"$RUN/lag-samples.jsonl" 2>/dev/null && echo >>"$RUN/lag-samples.jsonl"
  sleep 2
done
set +e
wait "$FLEET"
FLEET_EXIT=$?
set -e

python3 - "$RUN/lag-samples.jsonl" <<'PY' | tee "$RUN/lag-max.txt" || true
import json, sys
peak = {}
for line in open(sys.argv[1]):
    if line.strip():
        for st in json.loads(line).get("stages", []):
            p = peak.setdefault(st["stage"], [0, 0.0, set()])
            p[0] = max(p[0], st.get("records", 0))
            p[1] = max(p[1], st.get("seconds", 0.0))
            p[2].add(st.get("state", "?"))
print("stage lag during the run (monitor samples every 2 s): " + "; ".join(
    f"{k} max {v[0]} records, {v[1]:.1f} s, states {'/'.join(sorted(v[2]))}" for k, v in sorted(peak.items())))
PY
curl -fsS "http://127.0.0.1:$SIM_PORT/stats" >"$RUN/simulator-stats.json" || true
curl -fsS http://127.0.0.1:8080/api/lag >"$RUN/lag.json" || true
curl -fsS http://127.0.0.1:8080/api/metrics >"$RUN/metrics.json" || true
for name in "${ORDER[@]}"; do # each worker's Prometheus page (its port is in its log)
  port="$(grep -o '/metrics and /health on [^ ]*' "$RUN/logs/$name.log" 2>/dev/null | head -1 | sed 's/.*://' || true)"
  [[ -n "$port" ]] && curl -fsS "http://127.0.0.1:$port/metrics" >"$RUN/$name.prom" 2>/dev/null || true
done
curl -fsS http://127.0.0.1:8003/metrics >"$RUN/gateway.prom" || true
{
  echo "CPU seconds during the fleet run, per process:"
  printf '  %-10s %7.1f\n' fleet "$FLEET_CPU"
  for name in broker "${ORDER[@]}"; do
    [[ " $KILLED" == *" $name "* ]] && { printf '  %-10s killed\n' "$name"; continue; }
    printf '  %-10s %7.1f\n' "$name" "$(awk -v a="$(cpu_seconds "${PIDS[$name]}")" -v b="${CPU_BEFORE[$name]}" 'BEGIN { print a - b }')"
  done
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RUN/cpu.txt"
if [[ -n "${AFTER_ARGS:-}" ]]; then
  echo "pipeline.sh: second run: $AFTER_ARGS"
  java -Xmx1g -jar "$LOADTEST" fleet --ota http://127.0.0.1:8003/xiaozhi/ota/ --gateway-metrics http://127.0.0.1:8003/metrics \
    --json "$RUN/after.json" --device-prefix 02:af:7e $AFTER_ARGS >"$RUN/after.log" 2>&1 || true
  grep -E 'gateways measured|where the time' "$RUN/after.log" || true
  tail -n 3 "$RUN/after.log" | grep -E '^\[' || true
fi
echo "pipeline.sh: fleet exit $FLEET_EXIT; reports in $RUN"
exit "$FLEET_EXIT"
