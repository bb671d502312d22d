package io.xiaozhi.pipeline.monitor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.monitor.api.FakeMonitorData;
import io.xiaozhi.pipeline.monitor.api.MonitorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monitor report} against a running server over {@link FakeMonitorData}: a live report of two
 * seconds in each format, whose figures are recomputed here from what the fake served, and a report of
 * a past range with figures computed by hand from the fake's windows.
 */
class ReportCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs a live report of 2 s; after its first poll an alert is raised and the one active before is resolved. */
    private static CliTestSupport.Result liveReport(FakeMonitorData data, MonitorServer server, Path output) throws Exception {
        data.raise("cpu", "llm-worker", "warning", 86, 80, "llm-worker CPU 86 % over 80 %");
        long readsBefore = data.alertReads();
        CompletableFuture<CliTestSupport.Result> run = CompletableFuture.supplyAsync(() -> CliTestSupport.run("report", "--duration", "2",
                "--interval", "1", "--output", output.toString(), "--url", "http://127.0.0.1:" + server.port()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (data.alertReads() == readsBefore && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        data.raise("lag_queue", "tts", "critical", 45, 30, "tts has 45 requests waiting, over its queue of 30");
        data.resolve("cpu/llm-worker", 60);
        return run.get(30, TimeUnit.SECONDS);
    }

    private static Map<String, List<JsonNode>> servedByStage(FakeMonitorData data) {
        return data.servedLag().stream().collect(Collectors.groupingBy(s -> s.get("stage").asText()));
    }

    @Test
    void liveJsonReportHoldsTheServedFigures(@TempDir Path dir) throws Exception {
        FakeMonitorData data = new FakeMonitorData();
        try (MonitorServer server = CliTestSupport.server(data)) {
            Path output = dir.resolve("report.json");
            CliTestSupport.Result result = liveReport(data, server, output);
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.out()).startsWith("report written to " + output);
            JsonNode report = JSON.readTree(Files.readString(output));

            assertThat(report.fieldNames()).toIterable().contains("period", "summary", "stages", "services", "alerts", "notes", "series");
            assertThat(report.get("source").asText()).isEqualTo("live");
            long from = report.get("period").get("from").asLong();
            long to = report.get("period").get("to").asLong();
            assertThat(to - from).isBetween(2000L, 4000L);
            // a poll at the start, after 1 s, and at 2 s
            assertThat(report.get("polls").asInt()).isEqualTo(3);

            // lag: every sample served went into the report (nothing else read the lag)
            Map<String, List<JsonNode>> served = servedByStage(data);
            assertThat(report.get("stages")).hasSize(4);
            for (JsonNode stage : report.get("stages")) {
                List<JsonNode> samples = served.get(stage.get("stage").asText());
                assertThat(stage.get("samples").asInt()).isEqualTo(samples.size()).isEqualTo(3);
                assertThat(stage.get("max_records").asLong()).isEqualTo(samples.stream().mapToLong(s -> s.get("records").asLong()).max().orElseThrow());
                assertThat(stage.get("max_seconds").asDouble()).isEqualTo(samples.stream().mapToDouble(s -> s.get("seconds").asDouble()).max().orElseThrow());
                assertThat(stage.get("recommended_workers").get("max").asInt())
                        .isEqualTo(samples.stream().mapToInt(s -> s.get("recommended_workers").asInt()).max().orElseThrow());
                assertThat(stage.get("last_state").asText()).isEqualTo(samples.get(2).get("state").asText());
                TreeSet<String> states = samples.stream().map(s -> s.get("state").asText()).collect(Collectors.toCollection(TreeSet::new));
                assertThat(stage.get("states")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(states);
            }

            // windows: the fake's windows over the period, weighted by the part inside it
            List<JsonNode> windows = data.history(from, to);
            double turns = 0;
            double peak = 0;
            for (JsonNode w : windows) {
                if (w.get("service").asText().equals("gateway")) {
                    long inside = Math.min(to, w.get("end").asLong()) - Math.max(from, w.get("start").asLong());
                    turns += w.get("requests_per_s").asDouble() * inside / 1000.0;
                    peak = Math.max(peak, w.get("connections").asDouble());
                }
            }
            JsonNode summary = report.get("summary");
            if (windows.isEmpty()) {
                // a 2-s period right after a window boundary may hold no complete window yet
                assertThat(summary.get("turns").isNull()).isTrue();
            } else {
                assertThat(summary.get("turns").asLong()).isEqualTo(Math.round(turns));
                assertThat(summary.get("peak_connections").asDouble()).isEqualTo(peak);
                assertThat(report.get("services")).extracting(s -> s.get("service").asText())
                        .containsExactly("gateway", "asr-worker", "llm-worker", "tts-worker", "vllm-worker", "monitor");
            }

            // alerts: the one raised in the period fired and is active at the end; the one active before resolved
            JsonNode alerts = report.get("alerts");
            assertThat(alerts.get("fired").asInt()).isEqualTo(1);
            assertThat(alerts.get("resolved").asInt()).isEqualTo(1);
            assertThat(alerts.get("active_at_end").asInt()).isEqualTo(1);
            assertThat(alerts.get("active").get(0).get("message").asText()).isEqualTo("tts has 45 requests waiting, over its queue of 30");
            assertThat(alerts.get("events")).extracting(e -> e.get("id").asText() + " " + e.get("state").asText())
                    .containsExactlyInAnyOrder("lag_queue/tts firing", "cpu/llm-worker resolved");
            assertThat(report.get("series").get("lag")).hasSize(12);
        }
    }

    @Test
    void liveMarkdownReportHasItsSectionsAndNumbers(@TempDir Path dir) throws Exception {
        FakeMonitorData data = new FakeMonitorData();
        try (MonitorServer server = CliTestSupport.server(data)) {
            Path output = dir.resolve("report.md");
            CliTestSupport.Result result = liveReport(data, server, output);
            assertThat(result.exit()).as(result.err()).isZero();
            String md = Files.readString(output);
            assertThat(md).startsWith("# xiaozhi-pipeline monitor report\n")
                    .contains("## Summary\n", "## Lag per stage\n", "## Services\n", "## Alerts\n")
                    .contains("(3 polls)")
                    .contains("Fired: 1, repeated: 0, resolved: 1, active at the end: 1.")
                    .contains("| critical | lag_queue | tts | 45 | 30 | tts has 45 requests waiting, over its queue of 30 |")
                    .contains("| resolved | warning | cpu | llm-worker | 60 | 80 |");
            Map<String, List<JsonNode>> served = servedByStage(data);
            for (String stage : FakeMonitorData.STAGES) {
                long maxRecords = served.get(stage).stream().mapToLong(s -> s.get("records").asLong()).max().orElseThrow();
                assertThat(md).containsPattern("(?m)^\\| " + stage + " \\| 3 \\| " + maxRecords + " \\| ");
            }
        }
    }

    @Test
    void liveHtmlReportIsSelfContainedWithItsFigures(@TempDir Path dir) throws Exception {
        FakeMonitorData data = new FakeMonitorData();
        try (MonitorServer server = CliTestSupport.server(data)) {
            Path output = dir.resolve("report.html");
            CliTestSupport.Result result = liveReport(data, server, output);
            assertThat(result.exit()).as(result.err()).isZero();
            String html = Files.readString(output);
            assertThat(html).startsWith("<!DOCTYPE html>")
                    .contains("<h2 id=\"summary\">", "<h2 id=\"charts\">", "<h2 id=\"stages\">", "<h2 id=\"services\">", "<h2 id=\"alerts\">")
                    .contains("id=\"chart-lag-seconds\"", "id=\"chart-latency\"", "id=\"chart-workers\"")
                    .contains("/*! https://github.com/leeoniya/uPlot (v1.6.32) */")
                    .contains("tts has 45 requests waiting, over its queue of 30")
                    .doesNotContain("src=\"http", "href=\"http", "{{");
            Matcher embedded = Pattern.compile("<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL).matcher(html);
            assertThat(embedded.find()).isTrue();
            JsonNode report = JSON.readTree(embedded.group(1));
            Map<String, List<JsonNode>> served = servedByStage(data);
            for (JsonNode stage : report.get("stages")) {
                assertThat(stage.get("max_records").asLong()).isEqualTo(served.get(stage.get("stage").asText()).stream()
                        .mapToLong(s -> s.get("records").asLong()).max().orElseThrow());
            }
            assertThat(report.get("series").get("lag")).hasSize(12);
        }
    }

    @Test
    void aPastRangeIsReadFromHistory(@TempDir Path dir) throws Exception {
        long real = System.currentTimeMillis();
        long from = Math.floorDiv(real, FakeMonitorData.WINDOW_MS) * FakeMonitorData.WINDOW_MS - 120_000;
        long to = from + 60_000;
        AtomicLong clock = new AtomicLong();
        FakeMonitorData data = new FakeMonitorData(() -> clock.get() != 0 ? clock.get() : System.currentTimeMillis());
        clock.set(from - 5_000);
        data.raise("memory", "gateway", "warning", 88, 85, "gateway memory 88 % over 85 %");
        clock.set(from + 15_000);
        data.raise("error_rate", "tts-worker", "critical", 12.5, 5, "tts-worker error rate 12.5 % over 5 %");
        clock.set(from + 45_000);
        data.resolve("memory/gateway", 70);
        clock.set(to + 10_000);
        data.raise("cpu", "asr-worker", "warning", 85, 80, "asr-worker CPU 85 % over 80 %");
        clock.set(0);
        try (MonitorServer server = CliTestSupport.server(data)) {
            Path output = dir.resolve("past.json");
            CliTestSupport.Result result = CliTestSupport.run("report", "--from", Long.toString(from), "--to",
                    java.time.Instant.ofEpochMilli(to).toString(), "--output", output.toString(), "--url", "http://127.0.0.1:" + server.port());
            assertThat(result.exit()).as(result.err()).isZero();
            JsonNode report = JSON.readTree(Files.readString(output));
            assertThat(report.get("source").asText()).isEqualTo("history");
            assertThat(report.get("period").get("from").asLong()).isEqualTo(from);
            assertThat(report.get("period").get("to").asLong()).isEqualTo(to);
            assertThat(report.get("period").get("seconds").asInt()).isEqualTo(60);

            // six whole gateway windows of 10 s: the figures by hand from the fake's formulas
            double turns = 0;
            double errors = 0;
            double weighted = 0;
            double counts = 0;
            double peak = 0;
            double llmCpu = 0;
            for (long start = from; start < to; start += FakeMonitorData.WINDOW_MS) {
                JsonNode w = FakeMonitorData.window("gateway", "", start);
                turns += w.get("requests_per_s").asDouble() * 10;
                errors += w.get("errors_per_s").asDouble() * 10;
                weighted += w.get("latency_ms").get("p95").asDouble() * w.get("latency_ms").get("count").asDouble();
                counts += w.get("latency_ms").get("count").asDouble();
                peak = Math.max(peak, w.get("connections").asDouble());
                llmCpu = Math.max(llmCpu, FakeMonitorData.window("llm-worker", "llm", start).get("cpu").asDouble());
            }
            JsonNode summary = report.get("summary");
            assertThat(summary.get("turns").asLong()).isEqualTo(Math.round(turns));
            assertThat(summary.get("error_rate").asDouble()).isEqualTo(Math.round(errors / turns * 100 * 100) / 100.0);
            assertThat(summary.get("latency_ms").get("p95").asDouble()).isEqualTo(Math.round(weighted / counts * 100) / 100.0);
            assertThat(summary.get("peak_connections").asDouble()).isEqualTo(peak);
            assertThat(summary.get("windows").asInt()).isEqualTo(36);
            JsonNode llm = report.get("services").get(2);
            assertThat(llm.get("service").asText()).isEqualTo("llm-worker");
            assertThat(llm.get("stage").asText()).isEqualTo("llm");
            assertThat(llm.get("windows").asInt()).isEqualTo(6);
            assertThat(llm.get("cpu_peak").asDouble()).isEqualTo(llmCpu);
            assertThat(llm.get("pool").get("active_max").isNumber()).isTrue();
            assertThat(report.get("services").get(5).get("requests_per_s").get("mean").isNull()).as("the monitor serves no requests").isTrue();

            // alerts of the range only; the memory alert fired before and resolved inside; the error-rate one is still active at the end
            JsonNode alerts = report.get("alerts");
            assertThat(alerts.get("fired").asInt()).isEqualTo(1);
            assertThat(alerts.get("resolved").asInt()).isEqualTo(1);
            assertThat(alerts.get("active")).extracting(a -> a.get("id").asText()).containsExactly("error_rate/tts-worker");
            // no lag history was taken by this server: the report says so instead of showing zeros
            assertThat(report.get("stages")).isEmpty();
            assertThat(report.get("notes").toString()).contains("holds no lag samples for this period");
        }
    }

    @Test
    void badArgumentsAreExit2AndAnUnreachableMonitorExit1(@TempDir Path dir) throws Exception {
        CliTestSupport.Result txt = CliTestSupport.run("report", "--output", dir.resolve("r.txt").toString());
        assertThat(txt.exit()).isEqualTo(2);
        assertThat(txt.err()).contains("must end in .json, .md or .html");
        assertThat(CliTestSupport.run("report", "--duration", "0").err()).contains("--duration: must be from 1 to 86400 seconds, not 0");
        assertThat(CliTestSupport.run("report", "--duration", "5", "--from", "0").err()).contains("give one or the other");
        assertThat(CliTestSupport.run("report", "--from", "yesterday").err()).contains("--from: not a time: yesterday");
        assertThat(CliTestSupport.run("report", "--from", "2025-06-02T00:00:00Z", "--to", "2025-06-01T00:00:00Z").err())
                .contains("--from is after --to");
        assertThat(CliTestSupport.run("report", "--interval", "0").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("report", "--duration", "ten").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("report", "--url", "localhost:8080").exit()).isEqualTo(2);

        int port = CliTestSupport.closedPort();
        CliTestSupport.Result unreachable = CliTestSupport.run("report", "--duration", "1", "--output", dir.resolve("r.json").toString(),
                "--url", "http://127.0.0.1:" + port);
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("monitor: cannot reach the monitor at http://127.0.0.1:" + port + "/api/lag");
        assertThat(dir.resolve("r.json")).doesNotExist();
    }
}
