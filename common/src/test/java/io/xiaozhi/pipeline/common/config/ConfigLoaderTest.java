package io.xiaozhi.pipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xiaozhi.pipeline.common.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path data;

    private void write(String name, String yaml) throws IOException {
        Files.writeString(data.resolve(name), yaml, StandardCharsets.UTF_8);
    }

    private Settings load() {
        return ConfigLoader.load(data, Map.of());
    }

    private List<String> problems(Map<String, String> env) {
        try {
            ConfigLoader.load(data, env);
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private List<String> problems() {
        return problems(Map.of());
    }

    @Test
    void defaultsAreThoseOfTheOriginalPerformanceWork() {
        PerformanceConfig p = load().performance();
        assertThat(p.server().maxConnections()).isEqualTo(500);
        assertThat(p.server().connectionTimeout()).isEqualTo(30);
        assertThat(p.aiProviders().of(Stage.LLM)).isEqualTo(new PerformanceConfig.StageLimits(10, 50, 30, 1));
        assertThat(p.aiProviders().of(Stage.TTS)).isEqualTo(new PerformanceConfig.StageLimits(5, 20, 15, 1));
        assertThat(p.aiProviders().of(Stage.ASR)).isEqualTo(new PerformanceConfig.StageLimits(8, 30, 20, 1));
        assertThat(p.aiProviders().of(Stage.VLLM)).isEqualTo(new PerformanceConfig.StageLimits(3, 10, 30, 1));
        assertThat(p.aiProviders().retry()).isEqualTo(new PerformanceConfig.RetryPolicy(3, 200, 2000));
        assertThat(p.database().mysql()).isEqualTo(new PerformanceConfig.MysqlPool(200, 20, 20, 10000));
        assertThat(p.database().redis()).isEqualTo(new PerformanceConfig.RedisPool(50, 20, 5, 3000));
        assertThat(p.monitor().interval()).isEqualTo(10);
        assertThat(p.monitor().thresholds()).isEqualTo(new PerformanceConfig.Thresholds(80, 85, 5, 5000, 400));

        ServiceConfig c = load().config();
        assertThat(c.server().port()).isEqualTo(8000);
        assertThat(c.server().httpPort()).isEqualTo(8003);
        assertThat(c.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.database().kind()).isEqualTo(ServiceConfig.DatabaseKind.EMBEDDED);
        assertThat(c.redis().kind()).isEqualTo(ServiceConfig.RedisKind.MEMORY);
        assertThat(c.providers().of(Stage.LLM).type()).isEqualTo(ServiceConfig.ProviderType.OFFLINE);
    }

    @Test
    void userFileMergesMapsKeyByKeyAndReplacesScalarsAndLists() throws IOException {
        write(".performance.yaml", """
                ai_providers:
                  llm:
                    max_concurrent: 20
                """);
        write(".config.yaml", """
                server:
                  auth:
                    allowed_devices: [aa:bb:cc:dd:ee:ff]
                kafka:
                  producer:
                    compression.type: lz4
                """);
        Settings s = load();
        PerformanceConfig.StageLimits llm = s.performance().aiProviders().llm();
        assertThat(llm.maxConcurrent()).isEqualTo(20);
        assertThat(llm.queueSize()).as("sibling keep their defaults").isEqualTo(50);
        assertThat(s.performance().aiProviders().tts().maxConcurrent()).isEqualTo(5);
        assertThat(s.config().server().auth().allowedDevices()).containsExactly("aa:bb:cc:dd:ee:ff");
        assertThat(s.config().server().auth().tokenTtlSeconds()).isEqualTo(2_592_000);
        assertThat(s.config().kafka().producer()).containsExactly(Map.entry("compression.type", "lz4"));
    }

    @Test
    void listsReplaceRatherThanAppend() throws IOException {
        write(".config.yaml", "server: {auth: {allowed_devices: [a, b]}}\n");
        assertThat(load().config().server().auth().allowedDevices()).containsExactly("a", "b");
        write(".config.yaml", "server: {auth: {allowed_devices: []}}\n");
        assertThat(load().config().server().auth().allowedDevices()).isEmpty();
    }

    @Test
    void anEmptyValueKeepsTheDefault() throws IOException {
        write(".performance.yaml", "ai_providers:\n  llm:\n  tts:\n    timeout:\n");
        Settings s = load();
        assertThat(s.performance().aiProviders().llm().maxConcurrent()).isEqualTo(10);
        assertThat(s.performance().aiProviders().tts().timeout()).isEqualTo(15);
    }

    @Test
    void emptyAndCommentOnlyFilesChangeNothing() throws IOException {
        write(".performance.yaml", "");
        write(".config.yaml", "# nothing here yet\n");
        assertThat(load().performance().aiProviders().llm().maxConcurrent()).isEqualTo(10);
    }

    @Test
    void environmentOverridesBothFiles() throws IOException {
        write(".config.yaml", "kafka: {bootstrap_servers: from-file:9092}\n");
        write(".performance.yaml", "ai_providers: {llm: {max_concurrent: 20}}\n");
        Settings s = ConfigLoader.load(data, Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", "kafka:29092",
                "XIAOZHI_AI_PROVIDERS_LLM_MAX_CONCURRENT", "40",
                "XIAOZHI_SERVER_AUTH_ALLOWED_DEVICES", "aa:01, bb:02",
                "XIAOZHI_SERVER_AUTH_ENABLED", "true",
                "XIAOZHI_SERVER_AUTH_SECRET", "0123456789abcdef",
                "XIAOZHI_DATABASE_KIND", "MySQL",
                "XIAOZHI_DATABASE_URL", "jdbc:mariadb://db:3306/xiaozhi",
                "XIAOZHI_TEST_MYSQL_URL", "not a configuration key",
                "PATH", "/usr/bin"));
        assertThat(s.config().kafka().bootstrapServers()).isEqualTo("kafka:29092");
        assertThat(s.performance().aiProviders().llm().maxConcurrent()).isEqualTo(40);
        assertThat(s.performance().aiProviders().llm().queueSize()).isEqualTo(50);
        assertThat(s.config().server().auth().allowedDevices()).containsExactly("aa:01", "bb:02");
        assertThat(s.config().server().auth().enabled()).isTrue();
        assertThat(s.config().database().kind()).isEqualTo(ServiceConfig.DatabaseKind.MYSQL);
    }

    @Test
    void environmentNamesFollowTheDocumentedRule() {
        EnvironmentOverrides env = ConfigLoader.environmentOverrides();
        assertThat(env.variables(ServiceConfig.class))
                .containsEntry("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap_servers")
                .containsEntry("XIAOZHI_SERVER_PORT", "server.port")
                .doesNotContainKey("XIAOZHI_KAFKA_PRODUCER");
        assertThat(env.variables(PerformanceConfig.class))
                .containsEntry("XIAOZHI_AI_PROVIDERS_LLM_MAX_CONCURRENT", "ai_providers.llm.max_concurrent")
                .containsEntry("XIAOZHI_SERVER_MAX_CONNECTIONS", "server.max_connections");
    }

    @Test
    void aMisspeltEnvironmentVariableIsAnErrorWithASuggestion() {
        assertThat(problems(Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVER", "x:1")))
                .containsExactly("environment variable XIAOZHI_KAFKA_BOOTSTRAP_SERVER: names no configuration key;"
                        + " did you mean 'XIAOZHI_KAFKA_BOOTSTRAP_SERVERS'? (the rule: XIAOZHI_ + the key path in upper case, '.' written as '_')");
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        assertThat(problems(Map.of("XIAOZHI_AI_PROVIDERS_TTS_TIMEOUT", "soon")))
                .containsExactly("environment variable XIAOZHI_AI_PROVIDERS_TTS_TIMEOUT: ai_providers.tts.timeout = soon: expected a whole number");
    }

    @Test
    void outOfRangeNamesFileLineKeyValueAndRange() throws IOException {
        write(".performance.yaml", "ai_providers: {llm: {max_concurrent: -1}}\n");
        assertThat(problems()).containsExactly(data.resolve(".performance.yaml")
                + ":1:38: ai_providers.llm.max_concurrent = -1: must be a whole number from 1 to 10000");
    }

    @Test
    void wrongTypeIsReported() throws IOException {
        write(".performance.yaml", """
                ai_providers:
                  asr:
                    queue_size: thirty
                monitor:
                  thresholds:
                    cpu: [80]
                """);
        assertThat(problems()).containsExactly(
                data.resolve(".performance.yaml") + ":3:17: ai_providers.asr.queue_size = thirty: expected a whole number",
                data.resolve(".performance.yaml") + ":6:10: monitor.thresholds.cpu: expected a number, not a list of 1");
    }

    @Test
    void unknownKeyIsReportedWithASuggestion() throws IOException {
        write(".performance.yaml", "ai_providers:\n  llm:\n    max_concurent: 12\n");
        assertThat(problems()).containsExactly(data.resolve(".performance.yaml")
                + ":3:20: ai_providers.llm.max_concurent: unknown key; did you mean 'max_concurrent'?;"
                + " allowed here: max_concurrent, queue_size, timeout, consumers");
    }

    @Test
    void unknownKeyFarFromAnyKnownOneHasNoSuggestion() throws IOException {
        write(".config.yaml", "colour: blue\n");
        assertThat(problems()).singleElement().asString()
                .startsWith(data.resolve(".config.yaml") + ":1:9: colour: unknown key; allowed here: server, vad, kafka,");
    }

    @Test
    void malformedYamlGivesLineAndColumn() throws IOException {
        write(".config.yaml", "server:\n  port: 8000\n   host: x\n");
        assertThat(problems()).singleElement().asString()
                .startsWith(data.resolve(".config.yaml") + ":3:8: malformed YAML: ")
                .contains("mapping values are not allowed here");
    }

    @Test
    void duplicateKeysAreRejected() throws IOException {
        write(".performance.yaml", "server:\n  max_connections: 1\n  max_connections: 2\n");
        assertThat(problems()).singleElement().asString()
                .isEqualTo(data.resolve(".performance.yaml") + ":3:3: server.max_connections: duplicate key: it is already set above in the same map");
    }

    @Test
    void everyProblemOfBothFilesAndTheEnvironmentIsReportedAtOnce() throws IOException {
        write(".performance.yaml", """
                server:
                  max_connections: 0
                database:
                  mysql:
                    max_active: 10
                    min_idle: 20
                """);
        write(".config.yaml", """
                server:
                  port: 99999
                redis:
                  kind: memcached
                """);
        List<String> problems = problems(Map.of("XIAOZHI_MONITOR_PORT", "eighty"));
        assertThat(problems).hasSize(6).containsExactlyInAnyOrder(
                data.resolve(".config.yaml") + ":2:9: server.port = 99999: must be a whole number from 1 to 65535",
                data.resolve(".config.yaml") + ":4:9: redis.kind = memcached: must be one of memory, redis",
                "environment variable XIAOZHI_MONITOR_PORT: monitor.port = eighty: expected a whole number",
                data.resolve(".performance.yaml") + ":2:20: server.max_connections = 0: must be a whole number from 1 to 1000000",
                data.resolve(".performance.yaml") + ":6:15: database.mysql.min_idle = 20: must not exceed max_active (10)",
                "performance.yaml (built-in defaults):" + templateLine("performance.yaml", "    initial_size:")
                        + ":19: database.mysql.initial_size = 20: must not exceed max_active (10)");
    }

    @Test
    void crossFieldRulesNameTheKeyTheyConcern() throws IOException {
        write(".performance.yaml", "ai_providers: {retry: {initial_backoff_ms: 500, max_backoff_ms: 100}}\n");
        assertThat(problems()).containsExactly(data.resolve(".performance.yaml")
                + ":1:65: ai_providers.retry.max_backoff_ms = 100: must be at least initial_backoff_ms (500)");
    }

    @Test
    void providerOfTypeOpenaiNeedsAUrlAndAModelAndHidesItsKey() throws IOException {
        write(".config.yaml", """
                providers:
                  llm:
                    type: openai
                    base_url: not a url
                    api_key: "sk-secret with space"
                """);
        List<String> problems = problems();
        assertThat(problems).hasSize(3);
        assertThat(problems).anyMatch(p -> p.contains("providers.llm.base_url = not a url: must be an http:// or https:// URL when type is openai"));
        assertThat(problems).anyMatch(p -> p.contains("providers.llm.model = \"\": must name a model when type is openai"));
        assertThat(problems).anyMatch(p -> p.contains("providers.llm.api_key = (hidden): must not contain spaces"));
        assertThat(String.join("\n", problems)).doesNotContain("sk-secret");
    }

    @Test
    void enabledAuthNeedsALongEnoughSecretAndNeverPrintsIt() throws IOException {
        write(".config.yaml", "server: {auth: {enabled: true, secret: short}}\n");
        assertThat(problems()).singleElement().asString()
                .endsWith("server.auth.secret = (hidden): must be at least 16 characters when auth is enabled")
                .doesNotContain("short");
    }

    @Test
    void textWhereAMapBelongsIsAWrongType() throws IOException {
        write(".performance.yaml", "ai_providers:\n  llm: fast\n");
        assertThat(problems()).containsExactly(data.resolve(".performance.yaml")
                + ":2:8: ai_providers.llm = fast: expected a map with the keys max_concurrent, queue_size, timeout, consumers");
    }

    @Test
    void aDocumentThatIsNotAMapIsRejected() throws IOException {
        write(".config.yaml", "- just\n- a list\n");
        assertThat(problems()).containsExactly(data.resolve(".config.yaml") + ":1:1: the document must be a map of keys (key: value), not a list of 2");
    }

    @Test
    void yamlTagsThatWouldConstructObjectsAreRejected() throws IOException {
        write(".config.yaml", "server:\n  host: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x/\"]]]]\n");
        assertThat(problems()).isNotEmpty().allMatch(p -> p.contains("tag") && p.contains("not allowed"));
    }

    @Test
    void booleansAndNumbersQuotedAsTextAreAccepted() throws IOException {
        write(".config.yaml", "server: {gateway_id: 42, auth: {enabled: \"yes\"}}\n");
        assertThat(problems()).containsExactly(data.resolve(".config.yaml")
                + ":1:42: server.auth.enabled = yes: expected true or false");
        write(".config.yaml", "server: {gateway_id: 42}\n");
        assertThat(load().config().server().gatewayId()).isEqualTo("42");
    }

    @Test
    void anInvalidUtf8FileIsReportedNotThrown() throws IOException {
        Files.write(data.resolve(".config.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});
        assertThat(problems()).singleElement().asString().startsWith(data.resolve(".config.yaml").toString());
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsReported() throws IOException {
        Files.createDirectory(data.resolve(".config.yaml"));
        assertThat(problems()).containsExactly(data.resolve(".config.yaml") + ": is not a regular file");
    }

    @Test
    void dataDirectoryComesFromTheFlagThenTheEnvironmentThenTheDefault() {
        assertThat(ConfigLoader.dataDir("/srv/a", Map.of("XIAOZHI_DATA_DIR", "/srv/b"))).isEqualTo(Path.of("/srv/a"));
        assertThat(ConfigLoader.dataDir(null, Map.of("XIAOZHI_DATA_DIR", "/srv/b"))).isEqualTo(Path.of("/srv/b"));
        assertThat(ConfigLoader.dataDir(null, Map.of())).isEqualTo(Path.of("data"));
    }

    @Test
    void boundConfigurationIsImmutable() throws IOException {
        write(".config.yaml", "server: {auth: {allowed_devices: [a]}}\n");
        Settings s = load();
        assertThatThrownBy(() -> s.config().server().auth().allowedDevices().add("b"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.config().kafka().producer().put("a", "b"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void secretsNeverAppearInToString() throws IOException {
        write(".config.yaml", """
                server: {auth: {enabled: true, secret: s3cr3t-s3cr3t-s3cr3t}}
                database: {kind: mysql, url: "jdbc:mariadb://db/x", username: u, password: pa55word}
                providers: {llm: {type: openai, base_url: "https://api.example.com/v1", model: m, api_key: sk-abcdef,
                                  headers: {X-Api-Token: t0ken}}}
                """);
        String text = load().config().toString();
        assertThat(text).contains("(hidden)", "jdbc:mariadb://db/x").doesNotContain("s3cr3t", "pa55word", "sk-abcdef", "t0ken");
    }

    /** The 1-based line of the shipped template that starts with {@code prefix}. */
    private static int templateLine(String template, String prefix) throws IOException {
        try (var in = ConfigLoaderTest.class.getResourceAsStream("/" + template)) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(prefix)) {
                    return i + 1;
                }
            }
        }
        throw new AssertionError(prefix + " not found in " + template);
    }
}
