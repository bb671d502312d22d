package io.xiaozhi.pipeline.monitor.metrics;

import static io.xiaozhi.pipeline.monitor.metrics.TopologyHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.service.MetricSnapshots;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

/** Windows of the metrics topology from cumulative snapshots, under {@code TopologyTestDriver}. */
class MetricsTopologyTest {

    /** 10 s windows (the default); snapshots every 10 s, one second into each window. */
    private static final long W = 10_000;

    @Test
    void twoInstancesGiveOneWindowWithSummedRatesAndTheLargestCpu() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            // a: 50 completed per 10 s; b: 30 completed, 4 dead letters and 1 past its deadline per 10 s
            for (int i = 0; i < 4; i++) {
                long t = T0 + i * W + 1000;
                harness.snapshot(SnapshotJson.of("llm-worker", "a", t).stage("llm", 50.0 * i, 0, 0, 3, 50L * i, 200)
                        .gauge("process.cpu.usage", 0.40).gauge("system.cpu.usage", 0.55)
                        .gauge("jvm.memory.used", 300e6, "area", "heap", "id", "old").gauge("jvm.memory.max", 1000e6, "area", "heap", "id", "old")
                        .gauge("jvm.memory.max", -1, "area", "heap", "id", "eden")
                        .gauge("system.memory.usage", 0.5));
                harness.snapshot(SnapshotJson.of("llm-worker", "b", t + 200).stage("llm", 30.0 * i, 4.0 * i, 1.0 * i, 2, 30L * i, 200)
                        .gauge("process.cpu.usage", 0.70).gauge("system.cpu.usage", 0.60));
            }
            List<JsonNode> windows = harness.windows();
            // the first window holds only baselines; windows 0 and 1 are closed by the snapshots of window 3
            // (a window closes when stream time passes its end plus 5 s of grace)
            assertThat(windows).extracting(w -> w.path("start").asLong()).containsExactly(T0, T0 + W);
            JsonNode baseline = windows.get(0);
            assertThat(baseline.path("instances").asInt()).isEqualTo(2);
            assertThat(baseline.path("requests_per_s").asDouble()).isZero();

            JsonNode w = windows.get(1);
            assertThat(w.path("service").asText()).isEqualTo("llm-worker");
            assertThat(w.path("stage").asText()).isEqualTo("llm");
            assertThat(w.path("end").asLong()).isEqualTo(T0 + 2 * W);
            assertThat(w.path("instances").asInt()).isEqualTo(2);
            // a: 50 / 10 s; b: 35 / 10 s
            assertThat(w.path("requests_per_s").asDouble()).isCloseTo(8.5, within(0.001));
            assertThat(w.path("errors_per_s").asDouble()).isCloseTo(0.5, within(0.001));
            assertThat(w.path("error_rate").asDouble()).isCloseTo(100.0 * 5 / 85, within(0.001));
            assertThat(w.path("latency_ms").path("count").asLong()).isEqualTo(80);
            assertThat(w.path("latency_ms").path("mean").asDouble()).isCloseTo(200, within(0.001));
            assertThat(w.path("latency_ms").path("p50").asDouble()).isBetween(100.0, 1000.0);
            assertThat(w.path("inflight").asLong()).isEqualTo(5);
            assertThat(w.path("max_concurrent").asInt()).isEqualTo(10);
            assertThat(w.path("connections").isNull()).isTrue();
            assertThat(w.path("cpu").asDouble()).isCloseTo(70.0, within(0.001));
            assertThat(w.path("system_cpu").asDouble()).isCloseTo(60.0, within(0.001));
            assertThat(w.path("memory").asDouble()).isCloseTo(30.0, within(0.001));
            assertThat(w.path("system_memory").asDouble()).isCloseTo(50.0, within(0.001));
            assertThat(w.path("pool").isNull()).isTrue();
            assertThat(w.fieldNames()).toIterable().containsExactly("service", "stage", "start", "end", "instances", "requests_per_s",
                    "errors_per_s", "error_rate", "latency_ms", "inflight", "max_concurrent", "connections", "cpu", "system_cpu",
                    "memory", "system_memory", "disk", "network", "pool");
            assertThat(w.path("latency_ms").fieldNames()).toIterable().containsExactly("p50", "p95", "p99", "count", "mean");

            // the history and the latest store hold what was published
            WindowStore<String, WindowStats> history = harness.driver().getWindowStore(MetricsTopology.HISTORY_STORE);
            try (var all = history.fetchAll(java.time.Instant.ofEpochMilli(T0), java.time.Instant.ofEpochMilli(T0 + 3 * W))) {
                List<Windowed<String>> keys = new java.util.ArrayList<>();
                all.forEachRemaining(kv -> keys.add(kv.key));
                assertThat(keys).extracting(Windowed::key).containsOnly("llm-worker/llm");
                assertThat(keys).hasSize(2);
            }
            KeyValueStore<String, WindowStats> latest = harness.driver().getKeyValueStore(MetricsTopology.LATEST_STORE);
            assertThat(latest.get("llm-worker/llm").start()).isEqualTo(T0 + W);
            // a service silent for longer than the history leaves the latest windows
            harness.clockTo(T0 + java.time.Duration.ofHours(25).toMillis());
            assertThat(latest.get("llm-worker/llm")).isNull();
        }
    }

    @Test
    void aRestartTakesTheNewCountsAsTheIncrease() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + 1000).stage("tts", 1000, 0, 0, 0, 1000, 50));
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + W + 1000).stage("tts", 1100, 0, 0, 0, 1100, 50));
            // restarted between the two: its counters start again from zero
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + 2 * W + 1000).stage("tts", 40, 0, 0, 0, 40, 50));
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + 3 * W + 1000).stage("tts", 60, 0, 0, 0, 60, 50));
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + 4 * W + 1000).stage("tts", 60, 0, 0, 0, 60, 50));
            harness.snapshot(SnapshotJson.of("tts-worker", "a", T0 + 5 * W + 1000).stage("tts", 60, 0, 0, 0, 60, 50));
            List<JsonNode> windows = harness.windows();
            assertThat(windows).extracting(w -> w.path("requests_per_s").asDouble()).containsExactly(0.0, 10.0, 4.0, 2.0);
            assertThat(windows.get(2).path("latency_ms").path("count").asLong()).isEqualTo(40);
        }
    }

    @Test
    void aProcessFirstSeenSoonAfterItStartedCountsWhatItDidSinceStarting() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            // started 5 s before its first snapshot, 20 requests since
            harness.snapshot(SnapshotJson.of("asr-worker", "new", T0 + 6000).stage("asr", 20, 0, 0, 1, 20, 300)
                    .gauge("process.uptime", 5000).gauge("process.start.time", T0 + 1000));
            // another that has run for an hour: only a baseline
            harness.snapshot(SnapshotJson.of("asr-worker", "old", T0 + 6000).stage("asr", 9000, 0, 0, 1, 9000, 300)
                    .gauge("process.uptime", 3_600_000).gauge("process.start.time", T0 + 6000 - 3_600_000));
            harness.snapshot(SnapshotJson.of("asr-worker", "new", T0 + 2 * W).stage("asr", 20, 0, 0, 0, 20, 300)
                    .gauge("process.uptime", 2 * W - 1000).gauge("process.start.time", T0 + 1000));
            List<JsonNode> windows = harness.windows();
            assertThat(windows).hasSize(1);
            assertThat(windows.get(0).path("instances").asInt()).isEqualTo(2);
            assertThat(windows.get(0).path("requests_per_s").asDouble()).isCloseTo(4.0, within(0.001));
            assertThat(windows.get(0).path("max_concurrent").asInt()).isEqualTo(8);
        }
    }

    @Test
    void aChangedStartTimeIsARestartEvenWhenCountsGrew() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 1000).stage("llm", 5, 0, 0, 0, 5, 10)
                    .gauge("process.uptime", 3_600_000).gauge("process.start.time", T0 - 3_599_000));
            // restarted 2 s before this snapshot and already did 30: 30 over 2 s
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + W + 1000).stage("llm", 30, 0, 0, 0, 30, 10)
                    .gauge("process.uptime", 2000).gauge("process.start.time", T0 + W - 1000));
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 3 * W).stage("llm", 30, 0, 0, 0, 30, 10)
                    .gauge("process.uptime", 2 * W + 1000).gauge("process.start.time", T0 + W - 1000));
            List<JsonNode> windows = harness.windows();
            assertThat(windows).extracting(w -> w.path("requests_per_s").asDouble()).containsExactly(0.0, 15.0);
        }
    }

    @Test
    void theGatewayWindowHasTurnsConnectionsAndTurnLatency() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            for (int i = 0; i < 4; i++) {
                long t = T0 + i * W + 500;
                harness.snapshot(SnapshotJson.of("gateway", "g1", t)
                        .counter("xiaozhi.gateway.turns", 18.0 * i, "outcome", "published")
                        .counter("xiaozhi.gateway.turns", 2.0 * i, "outcome", "busy")
                        .counter("xiaozhi.gateway.turns", 1.0 * i, "outcome", "timeout")
                        .counter("xiaozhi.gateway.turns", 1.0 * i, "outcome", "aborted")
                        .timer("xiaozhi.gateway.turn.first_audio", 17L * i, 17.0 * i * 800, 800, SnapshotJson.bucketsAll(17L * i, 800))
                        .gauge("xiaozhi.gateway.connections", 120)
                        .gauge("hikaricp.connections.active", 3, "pool", "main").gauge("hikaricp.connections.idle", 7, "pool", "main")
                        .gauge("hikaricp.connections.pending", 0, "pool", "main")
                        .timer("hikaricp.connections.acquire", 10L * i, 10.0 * i * 1.5, 2, null, "pool", "main")
                        .counter("system.network.received", 1e6 * i).counter("system.network.sent", 2e6 * i)
                        .gauge("system.disk.usage", 0.25));
            }
            List<JsonNode> windows = harness.windows();
            assertThat(windows).hasSize(2);
            JsonNode w = windows.get(1);
            assertThat(w.path("service").asText()).isEqualTo("gateway");
            assertThat(w.path("stage").asText()).isEmpty();
            assertThat(w.path("requests_per_s").asDouble()).isCloseTo(2.0, within(0.001));
            assertThat(w.path("errors_per_s").asDouble()).isCloseTo(0.3, within(0.001));
            assertThat(w.path("error_rate").asDouble()).isCloseTo(15.0, within(0.001));
            assertThat(w.path("latency_ms").path("count").asLong()).isEqualTo(17);
            assertThat(w.path("latency_ms").path("p95").asDouble()).isBetween(100.0, 1000.0);
            assertThat(w.path("connections").asLong()).isEqualTo(120);
            assertThat(w.path("inflight").isNull()).isTrue();
            assertThat(w.path("max_concurrent").isNull()).isTrue();
            assertThat(w.path("disk").asDouble()).isCloseTo(25.0, within(0.001));
            assertThat(w.path("network").path("received_bytes_per_s").asDouble()).isCloseTo(100_000, within(0.001));
            assertThat(w.path("network").path("sent_bytes_per_s").asDouble()).isCloseTo(200_000, within(0.001));
            JsonNode pool = w.path("pool");
            assertThat(pool.path("active").asLong()).isEqualTo(3);
            assertThat(pool.path("idle").asLong()).isEqualTo(7);
            assertThat(pool.path("pending").asLong()).isZero();
            assertThat(pool.path("acquire_mean_ms").asDouble()).isCloseTo(1.5, within(0.001));
            assertThat(pool.path("acquire_p99_ms").isNull()).as("no histogram on the acquire timer").isTrue();
        }
    }

    @Test
    void percentilesOfAKnownDistributionFallInTheBucketOfTheTrueValue() {
        // a Prometheus registry, as every service has: it keeps the percentile histogram's buckets
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Timer timer = Timer.builder("xiaozhi.stage.processing").tag("stage", "llm").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.snapshot(snapshot(registry, T0 + 1000));
            // 100 requests at 10, 20, ..., 1000 ms (shuffled order does not matter to a histogram)
            for (int ms = 10; ms <= 1000; ms += 10) {
                timer.record(ms, TimeUnit.MILLISECONDS);
            }
            SnapshotJson second = snapshot(registry, T0 + W + 1000);
            harness.snapshot(second);
            harness.snapshot(snapshot(registry, T0 + 3 * W));
            List<JsonNode> windows = harness.windows();
            JsonNode latency = windows.get(1).path("latency_ms");
            assertThat(latency.path("count").asLong()).isEqualTo(100);
            double[] bounds = bounds(second);
            assertInSameBucket(bounds, latency.path("p50").asDouble(), 500);
            assertInSameBucket(bounds, latency.path("p95").asDouble(), 950);
            assertInSameBucket(bounds, latency.path("p99").asDouble(), 990);
            assertThat(latency.path("mean").asDouble()).isCloseTo(505, within(0.01));
        }
    }

    @Test
    void aMalformedSnapshotIsSkippedAndCountedAndTheRestGoesOn() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 1000).stage("llm", 0, 0, 0, 0, 0, 10));
            harness.rawSnapshot("llm-worker/a", "{not json".getBytes(StandardCharsets.UTF_8), T0 + 2000);
            harness.rawSnapshot("llm-worker/a", "{\"service\":\"llm-worker\",\"instance\":\"a\",\"timestamp\":-5,\"meters\":[]}"
                    .getBytes(StandardCharsets.UTF_8), T0 + 3000);
            harness.rawSnapshot("llm-worker/a", null, T0 + 3500);
            harness.rawSnapshot("llm-worker/a", SnapshotJson.of("llm-worker", "a", T0 + 4000)
                    .counter("xiaozhi.stage.completed", -3, "stage", "llm").bytes(), T0 + 4000);
            harness.rawSnapshot("llm-worker/a", SnapshotJson.of("llm-worker", "a", T0 + 4500)
                    .timer("xiaozhi.stage.processing", 3, 3, 1, new double[][] {{10, 3}, {5, 3}}, "stage", "llm").bytes(), T0 + 4500);
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + W + 1000).stage("llm", 10, 0, 0, 0, 10, 10));
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 3 * W).stage("llm", 10, 0, 0, 0, 10, 10));
            assertThat(harness.counter("xiaozhi.monitor.metrics.malformed")).isEqualTo(5);
            List<JsonNode> windows = harness.windows();
            assertThat(windows).extracting(w -> w.path("requests_per_s").asDouble()).containsExactly(0.0, 1.0);
        }
    }

    @Test
    void aSnapshotNoNewerThanTheLastOneOfItsInstanceIsDropped() {
        try (TopologyHarness harness = new TopologyHarness(Map.of())) {
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 1000).stage("llm", 0, 0, 0, 0, 0, 10));
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 5000).stage("llm", 10, 0, 0, 0, 10, 10));
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 5000).stage("llm", 10, 0, 0, 0, 10, 10));
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 3000).stage("llm", 5, 0, 0, 0, 5, 10));
            assertThat(harness.counter("xiaozhi.monitor.metrics.out_of_order")).isEqualTo(2);
            harness.snapshot(SnapshotJson.of("llm-worker", "a", T0 + 2 * W).stage("llm", 10, 0, 0, 0, 10, 10));
            assertThat(harness.windows()).singleElement()
                    .satisfies(w -> assertThat(w.path("requests_per_s").asDouble()).isCloseTo(2.5, within(0.001)));
        }
    }

    private static SnapshotJson snapshot(PrometheusMeterRegistry registry, long timestamp) {
        var node = MetricSnapshots.snapshot("llm-worker", "a", timestamp, registry);
        SnapshotJson json = SnapshotJson.of("llm-worker", "a", timestamp);
        json.node().setAll(node);
        return json;
    }

    private static double[] bounds(SnapshotJson snapshot) {
        JsonNode buckets = snapshot.node().path("meters").get(0).path("buckets");
        double[] bounds = new double[buckets.size()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = buckets.get(i).get(0).asDouble();
        }
        return bounds;
    }

    private static void assertInSameBucket(double[] bounds, double estimate, double truth) {
        double lower = 0;
        for (double upper : bounds) {
            if (truth <= upper) {
                assertThat(estimate).as("estimate of %s in bucket (%s, %s]", truth, lower, upper).isGreaterThan(lower).isLessThanOrEqualTo(upper);
                return;
            }
            lower = upper;
        }
        throw new AssertionError("no bucket holds " + truth);
    }
}
