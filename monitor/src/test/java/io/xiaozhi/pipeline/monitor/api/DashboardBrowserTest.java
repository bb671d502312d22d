package io.xiaozhi.pipeline.monitor.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium: it loads from the jar's resources, back-fills from
 * {@code /api/history}, draws its charts from the live API, shows an alert raised while it runs and
 * says so when the monitor goes away. Without a browser the test is skipped, unless
 * {@code XIAOZHI_TEST_BROWSER=required} (CI), where it fails.
 */
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static Path browser() {
        Optional<Path> binary = HeadlessChromium.find();
        if (binary.isEmpty()) {
            if ("required".equals(System.getenv(HeadlessChromium.REQUIRED_VARIABLE))) {
                fail("no headless browser: install Debian's chromium (apt-get install chromium) or set "
                        + HeadlessChromium.BINARY_VARIABLE + "; " + HeadlessChromium.REQUIRED_VARIABLE + "=required");
            }
            Assumptions.abort("chromium is not installed; set " + HeadlessChromium.REQUIRED_VARIABLE + "=required to fail instead");
        }
        return binary.get();
    }

    @Test
    void drawsChartsFromTheLiveApiAndShowsAnAlertRaisedWhileItRuns() throws Exception {
        Path binary = browser();
        FakeMonitorData data = new FakeMonitorData();
        data.raise("cpu", "llm-worker", "warning", 85, 80, "llm-worker CPU 85 % over 80 %");
        MonitorServer server = MonitorServer.start(new MonitorServer.Options("127.0.0.1", 0, Duration.ofHours(24), Duration.ofSeconds(1)),
                data, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
        try (HeadlessChromium page = HeadlessChromium.launch(binary, 1400, 2200)) {
            page.navigate("http://127.0.0.1:" + server.port() + "/");
            page.await("two successful polls", "Number(document.body.dataset.polls || 0)", v -> v.asInt() >= 2, WAIT);
            assertThat(page.evaluate("document.body.dataset.status").asText()).isEqualTo("live");
            assertThat(page.evaluate("Number(document.body.dataset.backfill)").asInt()).as("history entries back-filled").isGreaterThan(300);

            // every chart drew its series from the API's data
            JsonNode charts = page.evaluate("Object.entries(window.xzDashboard.charts).map(([id, c]) => ({id: id,"
                    + " series: c.plot.series.slice(1).map(s => s.label), points: c.plot.data[0].length,"
                    + " span: c.plot.data[0].length ? c.plot.data[0][c.plot.data[0].length - 1] - c.plot.data[0][0] : 0}))");
            Map<String, JsonNode> byId = new HashMap<>();
            charts.forEach(chart -> byId.put(chart.get("id").asText(), chart));
            assertThat(byId.keySet()).containsExactlyInAnyOrder("lag-seconds", "lag-records", "inflight", "workers", "latency",
                    "connections", "errors", "cpu", "memory");
            assertThat(labels(byId.get("lag-seconds"))).containsExactly("asr", "llm", "tts", "vllm");
            assertThat(labels(byId.get("lag-records"))).containsExactly("asr", "llm", "tts", "vllm");
            assertThat(labels(byId.get("latency"))).containsExactly("p50", "p95", "p99");
            assertThat(labels(byId.get("connections"))).containsExactly("connections");
            assertThat(labels(byId.get("inflight"))).containsExactly("asr in flight", "asr limit", "llm in flight", "llm limit",
                    "tts in flight", "tts limit", "vllm in flight", "vllm limit");
            assertThat(labels(byId.get("workers"))).containsExactly("asr members", "asr recommended", "llm members",
                    "llm recommended", "tts members", "tts recommended", "vllm members", "vllm recommended");
            assertThat(labels(byId.get("errors"))).containsExactly("gateway", "asr-worker", "llm-worker", "tts-worker", "vllm-worker");
            assertThat(labels(byId.get("cpu"))).contains("gateway", "llm-worker", "monitor");
            // the window charts were back-filled with ten minutes of history
            assertThat(byId.get("latency").get("span").asDouble()).as("seconds covered by the latency chart").isGreaterThan(500);
            assertThat(byId.get("connections").get("points").asInt()).isGreaterThan(50);

            // the newest lag point is what the API served for that sample
            JsonNode newest = page.evaluate("(() => { const p = window.xzDashboard.charts['lag-seconds'].plot;"
                    + " const i = p.data[0].length - 1; return {t: Math.round(p.data[0][i] * 1000), asr: p.data[1][i], vllm: p.data[4][i]}; })()");
            JsonNode served = data.servedLag().stream()
                    .filter(lag -> lag.get("stage").asText().equals("vllm") && lag.get("timestamp").asLong() == newest.get("t").asLong())
                    .findFirst().orElseThrow(() -> new AssertionError("no vllm sample served at " + newest));
            assertThat(newest.get("vllm").asDouble()).isEqualTo(served.get("seconds").asDouble());

            // the canvases are drawn on: many pixels that are not the background
            JsonNode inked = page.evaluate("[...document.querySelectorAll('.chart canvas')].map(c => {"
                    + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                    + " for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++; }"
                    + " return n; })");
            assertThat(inked).hasSize(9);
            inked.forEach(count -> assertThat(count.asInt()).as("coloured pixels in a chart").isGreaterThan(500));

            // the stage states are those of the last poll, and the alert present at load is listed
            assertThat(page.evaluate("document.querySelectorAll('#stages .stage').length").asInt()).isEqualTo(4);
            assertThat(page.evaluate("document.querySelector('#alerts-active li[data-alert-id=\"cpu/llm-worker\"]').className").asText())
                    .contains("sev-warning");

            // an alert raised now appears within a poll, coloured as critical, with its message
            data.raise("lag_stop", "vllm", "critical", 0, 0, "vllm stopped: no member has committed for 30 s");
            JsonNode shown = page.await("the raised alert", "[...document.querySelectorAll('#alerts-active li')]"
                    + ".map(li => ({id: li.dataset.alertId, cls: li.className, text: li.textContent,"
                    + " colour: getComputedStyle(li).borderLeftColor}))", v -> v.size() == 2, WAIT);
            JsonNode stop = StreamSupport.stream(shown.spliterator(), false)
                    .filter(li -> li.get("id").asText().equals("lag_stop/vllm")).findFirst().orElseThrow();
            assertThat(stop.get("cls").asText()).contains("sev-critical");
            assertThat(stop.get("text").asText()).contains("vllm stopped: no member has committed for 30 s").contains("critical");
            assertThat(stop.get("colour").asText()).isEqualTo("rgb(192, 23, 47)");
            assertThat(shown.get(0).get("id").asText()).as("critical alerts first").isEqualTo("lag_stop/vllm");
            assertThat(page.evaluate("document.getElementById('alerts-count').textContent").asText()).isEqualTo("2");

            Path screenshot = Path.of("target", "dashboard.png");
            Files.write(screenshot, page.screenshot());

            // resolved: gone from the active list, listed among the recent events
            data.resolve("lag_stop/vllm", 3);
            page.await("the alert resolved", "document.querySelectorAll('#alerts-active li').length", v -> v.asInt() == 1, WAIT);
            assertThat(page.evaluate("document.querySelector('#alerts-recent li').className").asText()).contains("state-resolved");

            // the monitor going away is shown, not hidden behind stale charts
            server.close();
            page.await("the monitor unreachable", "document.body.dataset.status", v -> v.asText().equals("unreachable"), WAIT);
            assertThat(page.evaluate("document.getElementById('status-text').textContent").asText()).startsWith("monitor unreachable since");
        } finally {
            server.close();
        }
    }

    @Test
    void theHtmlReportDrawsItsChartsOfflineFromTheFiguresItCarries(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path binary = browser();
        long real = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(real - 60_000);
        FakeMonitorData data = new FakeMonitorData(clock::get);
        MonitorServer server = MonitorServer.start(new MonitorServer.Options("127.0.0.1", 0, Duration.ofHours(24), Duration.ZERO),
                data, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
        Path report = dir.resolve("report.html");
        try {
            // a minute of lag samples, two seconds apart
            for (int i = 0; i < 30; i++) {
                server.lagHistory().record(data.lag(), clock.get());
                clock.addAndGet(2000);
            }
            data.raise("lag_age", "tts", "critical", 31, 20, "tts oldest request 31 s old, over its 20 s timeout");
            var result = io.xiaozhi.pipeline.monitor.MonitorMain.run(new String[] {"report", "--from", String.valueOf(real - 120_000),
                    "--to", String.valueOf(real), "--output", report.toString(), "--url", "http://127.0.0.1:" + server.port(),
                    "--data-dir", "target/no-data-dir"}, new io.xiaozhi.pipeline.monitor.cli.CliContext(System.out, System.err,
                    Map.of(), System::currentTimeMillis));
            assertThat(result).isZero();
        } finally {
            server.close();
        }
        try (HeadlessChromium page = HeadlessChromium.launch(binary, 1300, 2400)) {
            // the server is gone: whatever the page shows comes from the file
            page.navigate(report.toUri().toString());
            page.await("the report's charts", "Number(document.body.dataset.charts || 0)", v -> v.asInt() == 9, WAIT);
            JsonNode charts = page.evaluate("Object.entries(window.xzReport.charts).map(([id, c]) => ({id: id,"
                    + " series: c.plot.series.length - 1, points: c.plot.data[0].length}))");
            Map<String, JsonNode> byId = new HashMap<>();
            charts.forEach(chart -> byId.put(chart.get("id").asText(), chart));
            assertThat(byId.get("lag-seconds").get("series").asInt()).isEqualTo(4);
            assertThat(byId.get("lag-seconds").get("points").asInt()).isEqualTo(30);
            assertThat(byId.get("latency").get("series").asInt()).isEqualTo(3);
            assertThat(byId.get("latency").get("points").asInt()).isEqualTo(12);
            JsonNode inked = page.evaluate("[...document.querySelectorAll('.chart canvas')].map(c => {"
                    + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                    + " for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++; }"
                    + " return n; })");
            assertThat(inked).hasSize(9);
            inked.forEach(count -> assertThat(count.asInt()).as("coloured pixels in a chart").isGreaterThan(500));
            assertThat(page.evaluate("document.body.textContent").asText()).contains("Lag per stage", "Services", "Alerts",
                    "tts oldest request 31 s old, over its 20 s timeout");
            Files.write(Path.of("target", "report.png"), page.screenshot());
        }
    }

    private static List<String> labels(JsonNode chart) {
        return StreamSupport.stream(chart.get("series").spliterator(), false).map(JsonNode::asText).toList();
    }
}
