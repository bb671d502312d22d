package io.xiaozhi.pipeline.monitor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.xiaozhi.pipeline.monitor.api.FakeMonitorData;
import io.xiaozhi.pipeline.monitor.api.MonitorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LagCommandTest {

    @Test
    void printsTheTableOfTheStagesOnce() {
        FakeMonitorData data = new FakeMonitorData();
        try (MonitorServer server = CliTestSupport.server(data)) {
            CliTestSupport.Result result = CliTestSupport.run("lag", "--url", "http://127.0.0.1:" + server.port());
            assertThat(result.exit()).as(result.err()).isZero();
            List<String> lines = result.out().lines().toList();
            assertThat(lines).hasSize(5);
            assertThat(lines.get(0).split("\\s+")).containsExactly("stage", "records", "seconds", "state", "drain", "s", "members", "recommended");
            List<JsonNode> served = data.servedLag();
            assertThat(served).hasSize(4);
            for (int i = 0; i < 4; i++) {
                JsonNode stage = served.get(i);
                String drain = stage.get("drain_seconds").isNull() ? "-" : String.format(Locale.ROOT, "%.1f", stage.get("drain_seconds").asDouble());
                assertThat(lines.get(i + 1).split("\\s+")).containsExactly(stage.get("stage").asText(), stage.get("records").asText(),
                        String.format(Locale.ROOT, "%.1f", stage.get("seconds").asDouble()), stage.get("state").asText(), drain,
                        stage.get("members").asText(), stage.get("recommended_workers").asText());
            }
            // columns line up: every row as long as the header or its widest cell
            assertThat(lines.get(1).indexOf(served.get(0).get("state").asText())).isEqualTo(lines.get(0).indexOf("state"));
        }
    }

    @Test
    void printsAgainEverySecondUpToACount() {
        FakeMonitorData data = new FakeMonitorData();
        try (MonitorServer server = CliTestSupport.server(data)) {
            CliTestSupport.Result result = CliTestSupport.run("lag", "--every", "1", "--count", "2", "--url", "http://127.0.0.1:" + server.port());
            assertThat(result.exit()).as(result.err()).isZero();
            List<String> lines = result.out().lines().toList();
            // time, header, four stages; a blank line; time, header, four stages
            assertThat(lines).hasSize(13);
            assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(lines.get(6)).isEmpty();
            assertThat(lines.get(7)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(data.servedLag()).hasSize(8);
            // the second table shows the second sample, which differs from the first
            assertThat(lines.get(10)).startsWith("llm").contains(" " + data.servedLag().get(5).get("records").asText() + " ");
        }
    }

    @Test
    void anUnreachableMonitorIsExit1() throws Exception {
        int port = CliTestSupport.closedPort();
        CliTestSupport.Result result = CliTestSupport.run("lag", "--url", "http://127.0.0.1:" + port);
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("monitor: cannot reach the monitor at http://127.0.0.1:" + port + "/api/lag: connection refused");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aMonitorPartThatCannotAnswerIsExit1WithItsError() {
        FakeMonitorData data = new FakeMonitorData();
        data.failing(true);
        try (MonitorServer server = CliTestSupport.server(data)) {
            CliTestSupport.Result result = CliTestSupport.run("lag", "--url", "http://127.0.0.1:" + server.port());
            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err()).contains("answered 503: lag unavailable: metrics store is rebuilding");
        }
    }

    @Test
    void badArgumentsAndConfigurationAreExit2(@TempDir Path dir) throws Exception {
        assertThat(CliTestSupport.run("lag", "--every", "0").err()).contains("--every: must be from 1 to 3600 seconds, not 0");
        assertThat(CliTestSupport.run("lag", "--every", "0").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("lag", "--count", "2").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("lag", "--every", "soon").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("lag", "--url", "ftp://host").err()).contains("--url: must be http://host[:port]");
        assertThat(CliTestSupport.run("lag", "--nonsense").exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("nonsense").exit()).isEqualTo(2);
        Files.writeString(dir.resolve(".config.yaml"), "monitor:\n  port: 0\n");
        CliTestSupport.Result bad = CliTestSupport.run("lag", "--data-dir", dir.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("monitor: configuration is invalid (1 problem):").contains("monitor.port");
        // the service itself refuses the same configuration the same way
        assertThat(CliTestSupport.run("serve", "--data-dir", dir.toString()).exit()).isEqualTo(2);
        assertThat(CliTestSupport.run("--data-dir", dir.toString()).exit()).isEqualTo(2);
    }
}
