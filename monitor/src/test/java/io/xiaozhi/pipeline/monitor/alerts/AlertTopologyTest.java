package io.xiaozhi.pipeline.monitor.alerts;

import static io.xiaozhi.pipeline.monitor.metrics.TopologyHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import io.xiaozhi.pipeline.monitor.metrics.MetricsTopology;
import io.xiaozhi.pipeline.monitor.metrics.SnapshotJson;
import io.xiaozhi.pipeline.monitor.metrics.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Every alert rule, repetition, resolution with hysteresis and the lag rules, through the whole
 * topology under {@code TopologyTestDriver} with the shipped thresholds (CPU 80 %, memory 85 %,
 * error rate 5 %, response time 5000 ms, 400 connections; llm/asr queue 50/30, timeout 30/20 s),
 * 10 s windows, repeats every 5 minutes, resolution after 2 windows.
 */
class AlertTopologyTest {

    private static final long W = 10_000;

    /**
     * Feeds one snapshot per window for windows {@code from..to}, 6 s into each, so window k closes
     * (its end plus 5 s of grace passes) when the snapshot of window k + 1 arrives.
     */
    private static void windows(TopologyHarness harness, int from, int to, BiFunction<Integer, Long, SnapshotJson> snapshot) {
        for (int k = from; k <= to; k++) {
            harness.snapshot(snapshot.apply(k, T0 + k * W + 6000));
        }
    }

    private static SnapshotJson worker(long t, double cpu) {
        return SnapshotJson.of("llm-worker", "a", t).gauge("process.cpu.usage", cpu);
    }

    @Test
    void cpuOverTheThresholdFiresOnceWithTheAlertShape() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 3, (k, t) -> worker(t, 0.91));
            List<JsonNode> alerts = harness.alerts();
            assertThat(alerts).hasSize(1);
            JsonNode alert = alerts.get(0);
            assertThat(alert.path("id").asText()).isEqualTo("cpu/llm-worker");
            assertThat(alert.path("rule").asText()).isEqualTo("cpu");
            assertThat(alert.path("subject").asText()).isEqualTo("llm-worker");
            assertThat(alert.path("severity").asText()).isEqualTo("warning");
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("value").asDouble()).isEqualTo(91.0);
            assertThat(alert.path("threshold").asDouble()).isEqualTo(80.0);
            assertThat(alert.path("message").asText()).isEqualTo("llm-worker CPU 91 % over 80 %");
            assertThat(alert.path("since").asLong()).isEqualTo(T0 + W);
            assertThat(alert.path("timestamp").asLong()).isEqualTo(T0 + W);
            assertThat(alert.path("repeat").asInt()).isZero();
            assertThat(alert.fieldNames()).toIterable().containsExactly("id", "rule", "subject", "severity", "state", "value",
                    "threshold", "message", "since", "timestamp", "repeat");
        }
    }

    @Test
    void hostCpuAtAQuarterOverTheThresholdIsCritical() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 1, (k, t) -> worker(t, 0.10).gauge("system.cpu.usage", 1.0));
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("value").asDouble()).isEqualTo(100.0);
            assertThat(alert.path("message").asText()).isEqualTo("llm-worker host CPU 100 % over 80 %");
        }
    }

    @Test
    void memoryOverTheThresholdFires() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 1, (k, t) -> SnapshotJson.of("tts-worker", "a", t)
                    .gauge("jvm.memory.used", 450, "area", "heap", "id", "old").gauge("jvm.memory.max", 500, "area", "heap", "id", "old")
                    .gauge("system.memory.usage", 0.5));
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("id").asText()).isEqualTo("memory/tts-worker");
            assertThat(alert.path("value").asDouble()).isEqualTo(90.0);
            assertThat(alert.path("threshold").asDouble()).isEqualTo(85.0);
            assertThat(alert.path("message").asText()).isEqualTo("tts-worker heap 90 % over 85 %");
        }
    }

    @Test
    void errorRateOverTheThresholdFires() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            // 90 completed and 10 dead letters per window: 10 %
            windows(harness, 0, 2, (k, t) -> SnapshotJson.of("llm-worker", "a", t).stage("llm", 90.0 * k, 10.0 * k, 0, 1, 90L * k, 100));
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("id").asText()).isEqualTo("error_rate/llm-worker/llm");
            assertThat(alert.path("rule").asText()).isEqualTo("error_rate");
            assertThat(alert.path("subject").asText()).isEqualTo("llm-worker");
            assertThat(alert.path("value").asDouble()).isEqualTo(10.0);
            assertThat(alert.path("threshold").asDouble()).isEqualTo(5.0);
            assertThat(alert.path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("timestamp").asLong()).as("the first window was a baseline").isEqualTo(T0 + 2 * W);
        }
    }

    private static SnapshotJson gateway(long t, int k, double latencyMs, double connections) {
        return SnapshotJson.of("gateway", "g", t)
                .counter("xiaozhi.gateway.turns", 20.0 * k, "outcome", "published")
                .timer("xiaozhi.gateway.turn.first_audio", 20L * k, 20.0 * k * latencyMs, latencyMs, SnapshotJson.bucketsAll(20L * k, latencyMs))
                .gauge("xiaozhi.gateway.connections", connections);
    }

    @Test
    void gatewayTurnLatencyOverTheThresholdFires() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 2, (k, t) -> gateway(t, k, 8000, 10));
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("id").asText()).isEqualTo("response_time/gateway");
            assertThat(alert.path("rule").asText()).isEqualTo("response_time");
            assertThat(alert.path("threshold").asDouble()).isEqualTo(5000.0);
            // all turns in the (1 s, 10 s] bucket: p95 interpolates to 1000 + 9000 * 0.95
            assertThat(alert.path("value").asDouble()).isEqualTo(9550.0);
            assertThat(alert.path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("message").asText()).isEqualTo("gateway turn latency p95 9550 ms over 5000 ms");
        }
    }

    @Test
    void activeConnectionsOverTheThresholdFire() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 1, (k, t) -> gateway(t, k, 100, 450));
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("id").asText()).isEqualTo("active_connections/gateway");
            assertThat(alert.path("value").asDouble()).isEqualTo(450.0);
            assertThat(alert.path("threshold").asDouble()).isEqualTo(400.0);
            assertThat(alert.path("severity").asText()).isEqualTo("warning");
        }
    }

    private static SnapshotJson slowWorker(int k, long t) {
        return SnapshotJson.of("llm-worker", "a", t).stage("llm", 10.0 * k, 0, 0, 1, 10L * k, 8000);
    }

    @Test
    void aWorkersResponseTimeFiresWhenNoGatewayReportsAfterTwoWindowsOverIt() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            windows(harness, 0, 2, AlertTopologyTest::slowWorker);
            assertThat(harness.alerts()).as("one window over it is not enough for the fallback").isEmpty();
            windows(harness, 3, 3, AlertTopologyTest::slowWorker);
            JsonNode alert = single(harness.alerts());
            assertThat(alert.path("id").asText()).isEqualTo("response_time/llm-worker/llm");
            assertThat(alert.path("message").asText()).isEqualTo("llm-worker/llm processing p95 9550 ms over 5000 ms");
            assertThat(alert.path("timestamp").asLong()).isEqualTo(T0 + 3 * W);
        }
    }

    @Test
    void aWorkersResponseTimeDoesNotFireWhileTheGatewayReportsTurnLatency() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            for (int k = 0; k <= 6; k++) {
                long t = T0 + k * W + 6000;
                harness.snapshot(slowWorker(k, t));
                harness.snapshot(gateway(t + 1, k, 900, 10));
            }
            assertThat(harness.alerts()).isEmpty();
        }
    }

    @Test
    void lagRulesFireFromTheLagFeed() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.lag("asr", T0 + 1000, 35, 25.0, "WARN", 2);
            List<JsonNode> alerts = harness.alerts();
            assertThat(alerts).extracting(a -> a.path("id").asText()).containsExactlyInAnyOrder("lag_queue/asr", "lag_age/asr");
            JsonNode queue = byId(alerts, "lag_queue/asr");
            assertThat(queue.path("rule").asText()).isEqualTo("lag_queue");
            assertThat(queue.path("subject").asText()).isEqualTo("asr");
            assertThat(queue.path("value").asDouble()).isEqualTo(35.0);
            assertThat(queue.path("threshold").asDouble()).isEqualTo(30.0);
            assertThat(queue.path("severity").asText()).isEqualTo("warning");
            assertThat(queue.path("timestamp").asLong()).isEqualTo(T0 + 1000);
            JsonNode age = byId(alerts, "lag_age/asr");
            assertThat(age.path("value").asDouble()).isEqualTo(25.0);
            assertThat(age.path("threshold").asDouble()).isEqualTo(20.0);
            assertThat(age.path("severity").asText()).isEqualTo("critical");

            harness.lag("llm", T0 + 2000, 3, 1.5, "STALL", 1);
            JsonNode stall = single(harness.alerts());
            assertThat(stall.path("id").asText()).isEqualTo("lag_stall/llm");
            assertThat(stall.path("severity").asText()).isEqualTo("warning");
            assertThat(stall.path("threshold").isNull()).isTrue();
            assertThat(stall.path("message").asText()).contains("xiaozhi.llm", "stalls", "3 records waiting");

            harness.lag("tts", T0 + 3000, 4, 9.0, "STOP", 0);
            JsonNode stop = single(harness.alerts());
            assertThat(stop.path("id").asText()).isEqualTo("lag_stop/tts");
            assertThat(stop.path("severity").asText()).isEqualTo("critical");
            assertThat(stop.path("message").asText()).contains("stopped", "0 members");
        }
    }

    @Test
    void aLagValueIsJudgedByTheLimitsItCarries() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.lag(new StageLag(Stage.ASR, "xiaozhi.asr", "xiaozhi.asr.requests", T0 + 1000, 12, 6.0, LagState.OK, 1, 1, 1, null, 1,
                    10, 8, 5, List.of()));
            assertThat(harness.alerts()).extracting(a -> a.path("threshold").asDouble()).containsExactlyInAnyOrder(10.0, 5.0);
        }
    }

    @Test
    void anActiveAlertRepeatsOnlyAfterTheRepeatInterval() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            // fires when window 0 closes (timestamp T0 + W); 5 minutes later is the end of window 30,
            // which closes when the snapshot of window 31 arrives
            windows(harness, 0, 30, (k, t) -> worker(t, k == 30 ? 0.97 : 0.95));
            assertThat(harness.alerts()).singleElement().satisfies(a -> assertThat(a.path("repeat").asInt()).isZero());
            windows(harness, 31, 31, (k, t) -> worker(t, 0.95));
            JsonNode repeat = single(harness.alerts());
            assertThat(repeat.path("state").asText()).isEqualTo("firing");
            assertThat(repeat.path("repeat").asInt()).isEqualTo(1);
            assertThat(repeat.path("since").asLong()).isEqualTo(T0 + W);
            assertThat(repeat.path("timestamp").asLong()).isEqualTo(T0 + 31 * W);
            assertThat(repeat.path("value").asDouble()).isEqualTo(97.0);
            windows(harness, 32, 40, (k, t) -> worker(t, 0.95));
            assertThat(harness.alerts()).isEmpty();
        }
    }

    @Test
    void anAlertResolvesOnlyAfterTwoWindowsBelowNinetyPercentOfTheThreshold() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            double[] cpu = {0.95, 0.75, 0.75, 0.75, 0.70, 0.75, 0.70, 0.60, 0.60};
            windows(harness, 0, 1, (k, t) -> worker(t, cpu[k]));
            assertThat(harness.alerts()).singleElement().satisfies(a -> assertThat(a.path("state").asText()).isEqualTo("firing"));
            // 75 % is under 80 % but over 72 % (90 % of it): not clear; 70 % once, then 75 % again: the count starts over
            windows(harness, 2, 7, (k, t) -> worker(t, cpu[k]));
            assertThat(harness.alerts()).isEmpty();
            KeyValueStore<String, AlertState> states = harness.driver().getKeyValueStore(MetricsTopology.ALERT_STATE_STORE);
            assertThat(states.get("cpu/llm-worker").active()).isTrue();
            // windows 6 (70 %) and 7 (60 %) are two clear windows in a row: window 7 closes with the next snapshot
            windows(harness, 8, 8, (k, t) -> worker(t, cpu[k]));
            JsonNode resolved = single(harness.alerts());
            assertThat(resolved.path("state").asText()).isEqualTo("resolved");
            assertThat(resolved.path("id").asText()).isEqualTo("cpu/llm-worker");
            assertThat(resolved.path("since").asLong()).isEqualTo(T0 + W);
            assertThat(resolved.path("timestamp").asLong()).isEqualTo(T0 + 8 * W);
            assertThat(resolved.path("value").asDouble()).isEqualTo(60.0);
            assertThat(resolved.path("message").asText()).isEqualTo("llm-worker CPU 60 %, back under 80 %");
            assertThat(states.get("cpu/llm-worker").active()).isFalse();
            // over it again: a new firing with a new since
            windows(harness, 9, 10, (k, t) -> worker(t, 0.99));
            JsonNode again = single(harness.alerts());
            assertThat(again.path("state").asText()).isEqualTo("firing");
            assertThat(again.path("since").asLong()).isEqualTo(T0 + 10 * W);
            assertThat(again.path("repeat").asInt()).isZero();
        }
    }

    @Test
    void aLagAlertResolvesAfterTheSameTimeClearAndTheStateRulesWhenTheStateIsOkAgain() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.lag("asr", T0, 35, 1.0, "STALL", 1);
            assertThat(harness.alerts()).extracting(a -> a.path("id").asText()).containsExactlyInAnyOrder("lag_queue/asr", "lag_stall/asr");
            // 28 records is under queue_size 30 but over 27; WARN is neither STALL nor OK
            for (int i = 1; i <= 10; i++) {
                harness.lag("asr", T0 + i * 2000, 28, 1.0, "WARN", 1);
            }
            assertThat(harness.alerts()).isEmpty();
            // clear from T0 + 22 s: resolved once clear for 2 windows of 10 s
            for (int i = 11; i <= 20; i++) {
                harness.lag("asr", T0 + i * 2000, 5, 0.5, "OK", 1);
            }
            assertThat(harness.alerts()).isEmpty();
            harness.lag("asr", T0 + 42_000, 5, 0.5, "OK", 1);
            List<JsonNode> resolved = harness.alerts();
            assertThat(resolved).extracting(a -> a.path("id").asText()).containsExactlyInAnyOrder("lag_queue/asr", "lag_stall/asr");
            assertThat(resolved).allSatisfy(a -> {
                assertThat(a.path("state").asText()).isEqualTo("resolved");
                assertThat(a.path("timestamp").asLong()).isEqualTo(T0 + 42_000);
                assertThat(a.path("since").asLong()).isEqualTo(T0);
            });
        }
    }

    @Test
    void anAlertWhoseSubjectFallsSilentIsRepeatedByTheWallClockAndClosedAfterTheHistory() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.lag("vllm", T0, 1, 100.0, "STOP", 0);
            assertThat(harness.alerts()).extracting(a -> a.path("id").asText()).containsExactlyInAnyOrder("lag_stop/vllm", "lag_age/vllm");
            harness.clockTo(T0 + 200_000);
            assertThat(harness.alerts()).as("silent, but not yet time to repeat").isEmpty();
            harness.clockTo(T0 + 301_000);
            List<JsonNode> repeated = harness.alerts();
            assertThat(repeated).hasSize(2).allSatisfy(a -> {
                assertThat(a.path("state").asText()).isEqualTo("firing");
                assertThat(a.path("repeat").asInt()).isEqualTo(1);
                assertThat(a.path("message").asText()).contains("no data since");
            });
            harness.clockTo(T0 + 25 * 3_600_000L);
            assertThat(harness.alerts()).hasSize(2).allSatisfy(a -> {
                assertThat(a.path("state").asText()).isEqualTo("resolved");
                assertThat(a.path("message").asText()).contains("no data for 25 h");
            });
        }
    }

    @Test
    void readingsFarBehindTheWallClockRaiseNothing() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.lag("asr", T0 + 120_000, 0, 0, "OK", 1);
            harness.lag("llm", T0 + 10_000, 500, 90, "STOP", 0);
            assertThat(harness.alerts()).isEmpty();
            assertThat(harness.counter("xiaozhi.monitor.alerts.late")).isEqualTo(4);
        }
    }

    @Test
    void aMalformedLagValueIsSkippedAndCounted() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.rawLag("asr", "[]".getBytes(StandardCharsets.UTF_8), T0);
            harness.rawLag("asr", new String(StageLagJson.encode(new StageLag(Stage.ASR, "xiaozhi.asr", "xiaozhi.asr.requests", T0, 3, 1,
                    LagState.OK, 1, 1, 1, null, 1, 30, 8, 20, List.of())), StandardCharsets.UTF_8).replace("\"OK\"", "\"BAD\"")
                    .getBytes(StandardCharsets.UTF_8), T0);
            harness.rawLag("asr", "{\"stage\":\"asr\",\"timestamp\":1}".getBytes(StandardCharsets.UTF_8), T0);
            harness.rawLag("asr", null, T0);
            harness.lag("asr", T0 + 1000, 40, 1, "OK", 1);
            assertThat(harness.counter("xiaozhi.monitor.lag.malformed")).as("a tombstone is not malformed").isEqualTo(3);
            assertThat(harness.alerts()).extracting(a -> a.path("id").asText()).containsExactly("lag_queue/asr");
        }
    }

    private static JsonNode single(List<JsonNode> alerts) {
        assertThat(alerts).hasSize(1);
        return alerts.get(0);
    }

    private static JsonNode byId(List<JsonNode> alerts, String id) {
        return alerts.stream().filter(a -> a.path("id").asText().equals(id)).findFirst().orElseThrow();
    }
}
