package io.xiaozhi.pipeline.common.config;

import io.xiaozhi.pipeline.common.Stage;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** {@code config.yaml}: where services listen, how they reach Kafka, the database, Redis and the AI providers. */
public record ServiceConfig(Server server, Vad vad, Kafka kafka, Database database, Redis redis, MonitorEndpoint monitor,
                            MetricsEndpoint metrics, Llm llm, Tts tts, Standalone standalone, Providers providers) {

    /** {@code server}: the gateway's listeners and device authentication. */
    public record Server(
            @NotBlank String host,
            @Range(min = 1, max = 65_535) int port,
            @Range(min = 1, max = 65_535) int httpPort,
            String publicWebsocketUrl,
            String publicHttpUrl,
            String gatewayId,
            List<String> wakeWords,
            boolean requireActivation,
            @Secret String adminToken,
            Auth auth) implements ConfigChecks {

        @Override
        public String toString() {
            return "Server[host=" + host + ", port=" + port + ", httpPort=" + httpPort + ", publicWebsocketUrl=" + publicWebsocketUrl
                    + ", publicHttpUrl=" + publicHttpUrl + ", gatewayId=" + gatewayId + ", wakeWords=" + wakeWords
                    + ", requireActivation=" + requireActivation + ", adminToken=" + hidden(adminToken) + ", auth=" + auth + "]";
        }

        @Override
        public void check(Checker checker) {
            checker.require(httpPort != port, "http_port", httpPort, "must differ from port (" + port + ")");
            checker.require(publicWebsocketUrl.isEmpty() || hasScheme(publicWebsocketUrl, "ws", "wss"),
                    "public_websocket_url", publicWebsocketUrl, "must be empty or a ws:// or wss:// URL");
            checker.require(publicHttpUrl.isEmpty() || hasScheme(publicHttpUrl, "http", "https"),
                    "public_http_url", publicHttpUrl, "must be empty or an http:// or https:// URL");
            checker.require(gatewayId.matches("[A-Za-z0-9._-]{0,100}"), "gateway_id", gatewayId,
                    "must be empty or up to 100 letters, digits, '.', '_' or '-' (it names a Kafka topic)");
            checker.require(adminToken.isEmpty() || adminToken.length() >= 16, "admin_token", adminToken,
                    "must be empty (no admin endpoints) or at least 16 characters");
            checker.require(!requireActivation || !adminToken.isEmpty(), "require_activation", requireActivation,
                    "needs admin_token: devices are bound with POST /xiaozhi/admin/bind");
        }
    }

    /** {@code server.auth}: the reference server's optional HMAC device tokens. */
    public record Auth(
            boolean enabled,
            @Secret String secret,
            @Range(min = 60, max = 31_536_000) int tokenTtlSeconds,
            List<String> allowedDevices) implements ConfigChecks {

        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", secret=" + hidden(secret) + ", tokenTtlSeconds=" + tokenTtlSeconds
                    + ", allowedDevices=" + allowedDevices + "]";
        }

        @Override
        public void check(Checker checker) {
            checker.require(!enabled || secret.length() >= 16, "secret", secret,
                    "must be at least 16 characters when auth is enabled");
        }
    }

    /** Which voice activity detector ends utterances in auto and realtime modes. */
    public enum VadKind { SILERO, ENERGY }

    /** {@code vad}: where an utterance ends. */
    public record Vad(
            VadKind kind,
            @Range(min = 0.01, max = 1) double threshold,
            @Range(min = 0.01, max = 1) double releaseThreshold,
            @Range(min = 0, max = 10_000) int minSpeechMs,
            @Range(min = 100, max = 10_000) int endSilenceMs,
            @Range(min = -120, max = 0) double energyThresholdDbfs) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(releaseThreshold <= threshold, "release_threshold", releaseThreshold,
                    "must not exceed threshold (" + threshold + ")");
        }
    }

    /** {@code kafka}: the cluster, topic sizing and raw client overrides. */
    public record Kafka(
            @NotBlank String bootstrapServers,
            @NotBlank String clientId,
            @Range(min = 1, max = 16) int replicationFactor,
            Partitions partitions,
            Map<String, String> producer,
            Map<String, String> consumer,
            Map<String, String> admin) {
    }

    /** {@code kafka.partitions}: partition counts by kind of topic (request topics bound how far a stage scales out). */
    public record Partitions(
            @Range(min = 1, max = 1000) int requests,
            @Range(min = 1, max = 1000) int downlink,
            @Range(min = 1, max = 1000) int control,
            @Range(min = 1, max = 1000) int metrics,
            @Range(min = 1, max = 1000) int alerts,
            @Range(min = 1, max = 1000) int lag,
            @Range(min = 1, max = 1000) int dlq) {
    }

    /** Which database backs devices, agents and history. */
    public enum DatabaseKind { EMBEDDED, MYSQL }

    /** {@code database}: embedded (a file under the data directory) or MySQL/MariaDB through JDBC. */
    public record Database(DatabaseKind kind, String url, String username, @Secret String password) implements ConfigChecks {

        @Override
        public String toString() {
            return "Database[kind=" + kind + ", url=" + url + ", username=" + username + ", password=" + hidden(password) + "]";
        }

        @Override
        public void check(Checker checker) {
            checker.require(kind != DatabaseKind.MYSQL || url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:"),
                    "url", url, "must be a jdbc:mariadb:// or jdbc:mysql:// URL when kind is mysql");
        }
    }

    /** Which store keeps sessions, conversation state and rate limits. */
    public enum RedisKind { MEMORY, REDIS }

    /** {@code redis}: in-process memory or a Redis server. */
    public record Redis(RedisKind kind, String url, String keyPrefix) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(kind != RedisKind.REDIS || hasScheme(url, "redis", "rediss"),
                    "url", url, "must be a redis:// or rediss:// URL when kind is redis");
        }
    }

    /** {@code monitor}: the monitor's HTTP listener. */
    public record MonitorEndpoint(@NotBlank String host, @Range(min = 1, max = 65_535) int port) {
    }

    /**
     * {@code metrics}: each worker's own HTTP listener for Prometheus {@code /metrics} and {@code /health}
     * (the gateway serves them on its own port, the monitor on its own). Port 0 takes any free port,
     * for several workers on one host.
     */
    public record MetricsEndpoint(@NotBlank String host, @Range(min = 0, max = 65_535) int port) {
    }

    /** {@code llm}: the conversation the llm-worker holds with each device. */
    public record Llm(
            String systemPrompt,
            String timeZone,
            @Range(min = 1, max = 100) int historyTurns,
            @Range(min = 1, max = 720) int historyTtlHours,
            @Range(min = 0, max = 20) int maxToolRounds) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(timeZone.isBlank() || isZone(timeZone), "time_zone", timeZone,
                    "must be empty (the system's zone) or an IANA zone id such as Asia/Shanghai");
        }

        private static boolean isZone(String id) {
            try {
                java.time.ZoneId.of(id);
                return true;
            } catch (java.time.DateTimeException e) {
                return false;
            }
        }
    }

    /** What an OpenAI-compatible speech API is asked to return. */
    public enum SpeechFormat { PCM, WAV }

    /** {@code tts}: how the tts-worker encodes speech and what it asks of a speech API. */
    public record Tts(
            @Range(min = 0, max = 10) int opusComplexity,
            @Range(min = 6_000, max = 510_000) int opusBitrate,
            SpeechFormat responseFormat,
            @Range(min = 8_000, max = 48_000) int pcmSampleRate) {
    }

    /**
     * {@code standalone}: what the one-process server runs besides the services. With
     * {@code embedded_kafka} it starts a Kafka broker in the process (data under the data directory)
     * and points every part at it, whatever {@code kafka.bootstrap_servers} says; without it, it uses
     * the configured cluster.
     */
    public record Standalone(
            boolean embeddedKafka,
            @Range(min = 0, max = 65_535) int kafkaPort,
            @Range(min = 0, max = 65_535) int kafkaControllerPort,
            boolean monitor) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(kafkaPort == 0 || kafkaPort != kafkaControllerPort, "kafka_controller_port", kafkaControllerPort,
                    "must differ from kafka_port");
        }
    }

    /** {@code providers}: one provider choice per stage. */
    public record Providers(Provider asr, Provider llm, Provider tts, Provider vllm) {

        public Provider of(Stage stage) {
            return switch (stage) {
                case ASR -> asr;
                case LLM -> llm;
                case TTS -> tts;
                case VLLM -> vllm;
            };
        }
    }

    /** The kinds of provider: pure-Java offline ones, or any OpenAI-compatible HTTP API. */
    public enum ProviderType { OFFLINE, OPENAI }

    /** One stage's provider. The OpenAI-compatible fields are required only when {@code type} is openai. */
    public record Provider(
            ProviderType type,
            String baseUrl,
            @Secret String apiKey,
            String model,
            String voice,
            Map<String, String> headers) implements ConfigChecks {

        @Override
        public String toString() {
            return "Provider[type=" + type + ", baseUrl=" + baseUrl + ", apiKey=" + hidden(apiKey) + ", model=" + model
                    + ", voice=" + voice + ", headers=" + headers.keySet() + "]";
        }

        @Override
        public void check(Checker checker) {
            if (type == ProviderType.OPENAI) {
                checker.require(hasScheme(baseUrl, "http", "https"), "base_url", baseUrl,
                        "must be an http:// or https:// URL when type is openai");
                checker.require(!model.isBlank(), "model", model, "must name a model when type is openai");
                checker.require(apiKey.chars().noneMatch(Character::isWhitespace), "api_key", apiKey,
                        "must not contain spaces or line breaks");
            }
        }
    }

    /** How a {@link Secret} value appears in {@code toString}: never its text. */
    static String hidden(String secret) {
        return secret == null || secret.isEmpty() ? "\"\"" : "(hidden)";
    }

    static boolean hasScheme(String url, String... schemes) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || uri.getScheme() == null) {
                return false;
            }
            for (String scheme : schemes) {
                if (scheme.equalsIgnoreCase(uri.getScheme())) {
                    return true;
                }
            }
            return false;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
