package io.xiaozhi.pipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {

    @TempDir
    Path workDir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return ConfigCheck.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void validConfigurationPrintsTheEffectiveValuesWithSecretsHidden() throws IOException {
        Path data = Files.createDirectory(workDir.resolve("data"));
        Files.writeString(data.resolve(".config.yaml"), "server: {auth: {enabled: true, secret: 0123456789abcdefXYZ}}\n");
        assertThat(run(Map.of(), "--data-dir", data.toString(), "--print")).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("max_concurrent: 10", "bootstrap_servers: \"localhost:9092\"", "secret: (hidden)",
                "configuration OK").doesNotContain("0123456789abcdefXYZ");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aMisconfiguredProviderStopsTheServiceNamingEachWrongLine() throws IOException {
        Path data = Files.createDirectory(workDir.resolve("provider-data"));
        Files.writeString(data.resolve(".config.yaml"), """
                providers:
                  llm:
                    type: openai
                    base_url: api.deepseek.com/v1
                    api_key: "sk-abc def"
                    model: ""
                """);
        assertThat(run(Map.of(), "--data-dir", data.toString())).isEqualTo(ServiceBootstrap.EXIT_BAD_CONFIG);
        String file = data.resolve(".config.yaml").toString();
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).contains(
                file + ":4:15: providers.llm.base_url = api.deepseek.com/v1: must be an http:// or https:// URL when type is openai",
                file + ":6:12: providers.llm.model = \"\": must name a model when type is openai")
                .anySatisfy(line -> assertThat(line).startsWith(file + ":5:14: providers.llm.api_key = (hidden): must not contain spaces"));
    }

    @Test
    void unknownArgumentsAreAUsageError() {
        assertThat(run(Map.of(), "--verbose")).isEqualTo(ServiceBootstrap.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown arguments [--verbose]");
    }

    @Test
    void dataDirectoryFromTheEnvironment() throws IOException {
        Path data = Files.createDirectory(workDir.resolve("elsewhere"));
        Files.writeString(data.resolve(".performance.yaml"), "server: {max_connections: nope}\n");
        assertThat(run(Map.of("XIAOZHI_DATA_DIR", data.toString()))).isEqualTo(ServiceBootstrap.EXIT_BAD_CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(data.resolve(".performance.yaml") + ":1:27: server.max_connections = nope");
    }

    /**
     * The acceptance case, as an operator meets it: a real JVM started in a directory whose
     * data/.performance.yaml sets a negative limit exits non-zero with one line naming the file,
     * the key path, the value and the allowed range.
     */
    @Test
    void aSeparateProcessGivenANegativeLimitExitsNonZeroWithOneLine() throws Exception {
        Path data = Files.createDirectory(workDir.resolve("data"));
        Files.writeString(data.resolve(".performance.yaml"), "ai_providers: {llm: {max_concurrent: -1}}\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ConfigCheck.class.getName())
                .directory(workDir.toFile())
                .redirectErrorStream(false);
        builder.environment().keySet().removeIf(k -> k.startsWith("XIAOZHI_") && !k.startsWith("XIAOZHI_TEST_"));
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits in time").isTrue();
        List<String> stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(process.exitValue()).isEqualTo(ServiceBootstrap.EXIT_BAD_CONFIG);
        assertThat(stderr).containsExactly(
                "config-check: configuration is invalid (1 problem):",
                "data/.performance.yaml:1:38: ai_providers.llm.max_concurrent = -1: must be a whole number from 1 to 10000");
        assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    }
}
