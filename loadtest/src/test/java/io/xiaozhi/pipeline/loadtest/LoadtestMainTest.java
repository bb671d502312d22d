package io.xiaozhi.pipeline.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.loadtest.fleet.FakeGateways;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: the fleet's reports and SLO verdict as exit codes, and refused arguments. */
class LoadtestMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return LoadtestMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void anSloNotMetExitsThreeAndSaysByHowMuch(@TempDir Path dir) throws Exception {
        try (FakeGateways.Handle gateway = FakeGateways.answeringAfterSpeechOf("What time is it?")) {
            Path json = dir.resolve("out.json");
            Path html = dir.resolve("out.html");
            int exit = run("fleet", "--url", gateway.url(), "-n", "2", "--turns-per-device", "1", "--think-time", "0s",
                    "--slo-p99-first-audio", "1ms", "--slo-max-errors", "0", "--slo-late-frames", "0.5%",
                    "--json", json.toString(), "--html", html.toString());

            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(LoadtestMain.EXIT_SLO_NOT_MET);
            assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("SLO p99 first audio: \\d+ ms > 1 ms \\(NOT met, by \\d+ ms\\)");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("SLO errors: 0 <= 0 (met)").contains("SLO late frames: 0.00 %");
            JsonNode report = new ObjectMapper().readTree(json.toFile());
            assertThat(report.path("counts").path("ok").asLong()).isEqualTo(2);
            assertThat(report.path("slo").path("met").asBoolean()).isFalse();
            assertThat(report.path("latency_ms").path("end_of_speech_to_first_audio").path("p99").asLong()).isPositive();
            assertThat(Files.readString(html)).contains("<svg").contains("NOT met");
        }
    }

    @Test
    void metSlosExitZero() throws Exception {
        try (FakeGateways.Handle gateway = FakeGateways.answeringAfterSpeechOf("What time is it?")) {
            int exit = run("fleet", "--url", gateway.url(), "-n", "1", "--turns-per-device", "1", "--protocol-version", "2",
                    "--slo-p99-first-audio", "10s", "--slo-max-errors", "0");
            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(LoadtestMain.EXIT_OK);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("turns ok 1 busy 0 timeout 0 error 0");
        }
    }

    @Test
    void refusesBadArguments() {
        assertThat(run("fleet", "--protocol-version", "4", "--turns-per-device", "1")).isEqualTo(LoadtestMain.EXIT_BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("protocol version must be 1, 2 or 3");
        assertThat(run("fleet", "-n", "1")).isEqualTo(LoadtestMain.EXIT_BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("give --duration or --turns-per-device");
        assertThat(run("fleet", "--turns-per-device", "1", "--slo-late-frames", "150%")).isEqualTo(LoadtestMain.EXIT_BAD_INPUT);
        assertThat(run("providers", "--error-rate-429", "2")).isEqualTo(LoadtestMain.EXIT_BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("error-rate-429 must lie in [0, 1]");
    }

    @Test
    void helpSaysTheSimulatorIsForBenchmarksOnly() {
        assertThat(run("providers", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("FOR BENCHMARKS ONLY");
    }

    @Test
    void parsesDurationsAndShares() {
        assertThat(Durations.parse("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("250")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parseShare("0.5%")).isEqualTo(0.005);
        assertThat(Durations.parseShare("0.01")).isEqualTo(0.01);
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parseShare("-1%")).hasMessageContaining("between 0 and 100");
    }
}
