package io.xiaozhi.pipeline.monitor.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP API against {@link FakeMonitorData}: answers, shapes, parameters and errors. */
class MonitorServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A fixed "now" on the 10-s window grid plus 4 s. */
    private static final long NOW = Instant.parse("2025-06-01T12:00:04Z").toEpochMilli();

    private final AtomicLong now = new AtomicLong(NOW);
    private final HttpClient http = HttpClient.newHttpClient();
    private PrometheusMeterRegistry registry;
    private FakeMonitorData data;
    private MonitorServer server;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        data = new FakeMonitorData(now::get);
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        // no background lag sampling: the tests record lag history themselves
        server = MonitorServer.start(new MonitorServer.Options("127.0.0.1", 0, Duration.ofHours(24), Duration.ZERO), data, registry, clock);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A GET written by hand, for request lines {@link HttpClient} will not send; the whole answer. */
    private String raw(String target) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private JsonNode json(String path, int status) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path + " → " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void lagListsEveryStageWithItsPartitions() throws Exception {
        JsonNode body = json("/api/lag", 200);
        assertThat(body.get("timestamp").asLong()).isEqualTo(NOW);
        assertThat(body.get("stages")).hasSize(4);
        JsonNode llm = body.get("stages").get(1);
        assertThat(llm.get("stage").asText()).isEqualTo("llm");
        for (String field : new String[] {"group", "topic", "timestamp", "records", "seconds", "state", "members", "drain_rate",
                "arrival_rate", "drain_seconds", "recommended_workers", "queue_size", "max_concurrent", "timeout"}) {
            assertThat(llm.has(field)).as(field).isTrue();
        }
        assertThat(llm.get("partitions")).hasSize(2);
        long sum = 0;
        for (JsonNode partition : llm.get("partitions")) {
            sum += partition.get("records").asLong();
        }
        assertThat(sum).isEqualTo(llm.get("records").asLong());
        // passed through as the sampler gave it
        assertThat(llm).isEqualTo(JSON.readTree(data.servedLag().get(1).toString()));
    }

    @Test
    void metricsAreTheLatestWindowPerServiceAndStage() throws Exception {
        JsonNode body = json("/api/metrics", 200);
        assertThat(body.get("windows")).hasSize(6);
        for (JsonNode window : body.get("windows")) {
            assertThat(window.get("end").asLong()).isEqualTo(Instant.parse("2025-06-01T12:00:00Z").toEpochMilli());
            assertThat(window.get("end").asLong() - window.get("start").asLong()).isEqualTo(10_000);
        }
        JsonNode gateway = body.get("windows").get(0);
        assertThat(gateway.get("service").asText()).isEqualTo("gateway");
        assertThat(gateway.get("stage").asText()).isEmpty();
        assertThat(gateway.get("latency_ms").get("p95").asDouble()).isPositive();
        assertThat(gateway.get("connections").asInt()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void alertsAreActiveAndRecentWithALimit() throws Exception {
        data.raise("cpu", "llm-worker", "critical", 101, 80, "llm-worker CPU 101 % over 80 %");
        now.addAndGet(1000);
        data.raise("memory", "gateway", "warning", 88, 85, "gateway memory 88 % over 85 %");
        now.addAndGet(1000);
        data.resolve("memory/gateway", 70);
        JsonNode body = json("/api/alerts", 200);
        assertThat(body.get("active")).hasSize(1);
        assertThat(body.get("active").get(0).get("id").asText()).isEqualTo("cpu/llm-worker");
        assertThat(body.get("recent")).hasSize(3);
        assertThat(body.get("recent").get(0).get("state").asText()).isEqualTo("resolved");
        assertThat(json("/api/alerts?limit=1", 200).get("recent")).hasSize(1);
        assertThat(json("/api/alerts?limit=0", 400).get("error").asText()).isEqualTo("limit: not a whole number from 1 to 1000: 0");
        assertThat(json("/api/alerts?limit=ten", 400).get("error").asText()).startsWith("limit: not a whole number");
    }

    @Test
    void historyDefaultsToTheLastHourAndTakesEpochMillisOrInstants() throws Exception {
        JsonNode body = json("/api/history", 200);
        assertThat(body.get("to").asLong()).isEqualTo(NOW);
        assertThat(body.get("from").asLong()).isEqualTo(NOW - 3_600_000);
        assertThat(body.get("clamped").asBoolean()).isFalse();
        assertThat(body.has("note")).isFalse();
        // 360 complete 10-s windows of 6 rows each overlap the hour before 12:00:04 (the one in progress is not complete)
        assertThat(body.get("windows")).hasSize(360 * 6);

        long from = Instant.parse("2025-06-01T11:00:00Z").toEpochMilli();
        JsonNode byInstant = json("/api/history?from=2025-06-01T11:00:00Z&to=2025-06-01T11:01:00Z", 200);
        assertThat(byInstant.get("from").asLong()).isEqualTo(from);
        assertThat(byInstant.get("to").asLong()).isEqualTo(from + 60_000);
        assertThat(byInstant.get("windows")).hasSize(6 * 6);
        JsonNode byMillis = json("/api/history?from=" + from + "&to=" + (from + 60_000), 200);
        assertThat(byMillis.get("windows")).isEqualTo(byInstant.get("windows"));
        JsonNode withOffset = json("/api/history?from=2025-06-01T19:00:00%2B08:00&to=2025-06-01T19:01:00%2B08:00", 200);
        assertThat(withOffset.get("from").asLong()).isEqualTo(from);
    }

    @Test
    void historyCarriesTheLagSamplesTaken() throws Exception {
        server.lagHistory().record(data.lag(), now.get());
        now.addAndGet(2000);
        server.lagHistory().record(data.lag(), now.get());
        server.lagHistory().record(data.lag().subList(0, 0), now.get());
        JsonNode body = json("/api/history?from=" + (NOW - 1000), 200);
        assertThat(body.get("lag")).hasSize(8);
        JsonNode first = body.get("lag").get(0);
        assertThat(first.get("timestamp").asLong()).isEqualTo(NOW);
        assertThat(first.get("records").asLong()).isEqualTo(data.servedLag().get(0).get("records").asLong());
        assertThat(body.get("lag_since").asLong()).isEqualTo(NOW);
        assertThat(json("/api/history?from=" + (NOW + 1), 200).get("lag")).hasSize(4);
    }

    @Test
    void badTimesAreRefusedWithTheParameterNamed() throws Exception {
        assertThat(json("/api/history?from=yesterday", 400).get("error").asText())
                .isEqualTo("from: not a time: yesterday (epoch milliseconds or an ISO-8601 instant such as 2025-01-01T08:00:00Z)");
        assertThat(json("/api/history?to=2025-13-01T00:00:00Z", 400).get("error").asText()).startsWith("to: not a time: 2025-13-01T00:00:00Z");
        assertThat(json("/api/history?from=99999999999999999999", 400).get("error").asText())
                .isEqualTo("from: not a time: 99999999999999999999 (too large for epoch milliseconds)");
        assertThat(json("/api/history?from=-5", 400).get("error").asText()).startsWith("from: not a time: -5");
        // java.net.URI refuses to send %zz: a raw request does
        String raw = raw("/api/history?from=%zz");
        assertThat(raw).startsWith("HTTP/1.1 400").endsWith("{\"error\":\"from: not valid URL encoding: %zz\"}");
        assertThat(json("/api/history?from=1&from=2", 400).get("error").asText()).isEqualTo("from: given more than once");
        assertThat(json("/api/history?from=2025-06-01T11:00:00Z&to=2025-06-01T10:00:00Z", 400).get("error").asText())
                .isEqualTo("from (2025-06-01T11:00:00Z) is after to (2025-06-01T10:00:00Z)");
        assertThat(json("/api/history?from=1e12", 400).get("error").asText()).startsWith("from: not a time: 1e12");
        assertThat(registry.find("xiaozhi.monitor.api.errors").tag("reason", "bad_request").counter().count()).isEqualTo(8);
    }

    @Test
    void aRangeBeyondTheKeptHistoryIsClampedAndSaysSo() throws Exception {
        JsonNode body = json("/api/history?from=2025-05-01T00:00:00Z", 200);
        assertThat(body.get("clamped").asBoolean()).isTrue();
        assertThat(body.get("from").asLong()).isEqualTo(NOW - Duration.ofHours(24).toMillis());
        assertThat(body.get("to").asLong()).isEqualTo(NOW);
        assertThat(body.get("note").asText()).isEqualTo("from moved from 2025-05-01T00:00:00Z to 2025-05-31T12:00:04Z: "
                + "history covers the last 24 h (monitor.history_hours)");

        JsonNode before = json("/api/history?from=2025-05-01T00:00:00Z&to=2025-05-02T00:00:00Z", 200);
        assertThat(before.get("clamped").asBoolean()).isTrue();
        assertThat(before.get("windows")).isEmpty();
        assertThat(before.get("note").asText()).startsWith("the range ends before the kept history starts");
    }

    @Test
    void aPartThatCannotAnswerIs503NotA500() throws Exception {
        data.failing(true);
        assertThat(json("/api/lag", 503).get("error").asText()).isEqualTo("lag unavailable: metrics store is rebuilding");
        assertThat(json("/api/metrics", 503).get("error").asText()).startsWith("metrics unavailable");
        assertThat(json("/api/alerts", 503).get("error").asText()).startsWith("alerts unavailable");
        assertThat(json("/api/history", 503).get("error").asText()).startsWith("history unavailable");
        assertThat(registry.find("xiaozhi.monitor.api.errors").tag("reason", "data_unavailable").counter().count()).isEqualTo(4);
        data.failing(false);
        json("/api/lag", 200);
    }

    @Test
    void unknownPathsAreJson404() throws Exception {
        assertThat(json("/api/nothing", 404).get("error").asText()).isEqualTo("no such resource: /api/nothing");
        assertThat(json("/dashboard/secret.txt", 404).get("error").asText()).isEqualTo("no such resource: /dashboard/secret.txt");
        assertThat(raw("/dashboard/../../pom.xml")).matches("(?s)HTTP/1.1 40[04] .*").doesNotContain("<project");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/lag"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isIn(404, 405);
        assertThat(JSON.readTree(post.body()).has("error")).isTrue();
    }

    @Test
    void healthPrometheusAndTheDashboardFiles() throws Exception {
        assertThat(json("/health", 200).get("status").asText()).isEqualTo("UP");
        server.healthCheck(() -> false);
        assertThat(json("/health", 503).get("status").asText()).isEqualTo("DOWN");

        get("/api/nothing");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(metrics.body()).contains("xiaozhi_monitor_api_errors_total{reason=\"not_found\"} 1.0");

        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<script src=\"dashboard/vendor/uPlot.iife.min.js\"></script>").doesNotContain("http://", "https://");
        for (String file : new String[] {"dashboard.js", "charts.js", "dashboard.css", "vendor/uPlot.iife.min.js", "vendor/uPlot.min.css",
                "vendor/LICENSE"}) {
            HttpResponse<String> asset = get("/dashboard/" + file);
            assertThat(asset.statusCode()).as(file).isEqualTo(200);
            assertThat(asset.body()).as(file).isNotBlank();
        }
        assertThat(get("/dashboard/vendor/uPlot.iife.min.js").body()).startsWith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */");
        assertThat(get("/dashboard/vendor/LICENSE").body()).contains("MIT License").contains("Leon Sorokin");
    }
}
