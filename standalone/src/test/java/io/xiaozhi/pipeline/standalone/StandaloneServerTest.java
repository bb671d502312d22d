package io.xiaozhi.pipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as `java -jar` starts it on a fresh machine: its own broker and database under the data directory. */
class StandaloneServerTest {

    @TempDir
    Path data;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void itRunsOnItsOwnBrokerAndDatabaseUnderTheDataDirectoryAndAnswersDevices() throws Exception {
        Settings settings = ConfigLoader.load(data, Map.of(
                "XIAOZHI_STANDALONE_KAFKA_PORT", "0", "XIAOZHI_STANDALONE_KAFKA_CONTROLLER_PORT", "0",
                "XIAOZHI_SERVER_PORT", Integer.toString(freePort()), "XIAOZHI_SERVER_HTTP_PORT", Integer.toString(freePort()),
                "XIAOZHI_MONITOR_PORT", Integer.toString(freePort()), "XIAOZHI_MONITOR_LAG_INTERVAL", "1",
                // whatever the configured cluster, the embedded broker is the one used
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", "no-such-host:9092"));
        try (StandaloneServer server = StandaloneServer.start(settings)) {
            assertThat(server.bootstrapServers()).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:0");
            assertThat(Files.isDirectory(data.resolve("kafka"))).as("the broker's data").isTrue();
            assertThat(Files.isDirectory(data.resolve("db"))).as("the embedded database").isTrue();
            assertThat(server.describe()).anySatisfy(line -> assertThat(line).startsWith("Kafka:    embedded broker on 127.0.0.1:"))
                    .anySatisfy(line -> assertThat(line).isEqualTo("LLM:      offline"))
                    .anySatisfy(line -> assertThat(line).startsWith("Monitor:  http://"));

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ota = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.gateway().server().httpPort() + "/xiaozhi/ota/"))
                    .header("Device-Id", "aa:bb:cc:dd:ee:01").header("Client-Id", "c-1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"application\":{\"version\":\"1.6.0\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = new ObjectMapper().readTree(ota.body());
            assertThat(answer.path("websocket").path("url").asText()).endsWith(":" + server.gateway().server().port() + "/xiaozhi/v1/");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.gateway().server().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).as("the workers' meters are served with the gateway's")
                    .contains("xiaozhi_stage_inflight{").contains("stage=\"tts\"").contains("xiaozhi_gateway_connections");

            // the monitor in the same process sees the workers in their groups
            URI lagUri = URI.create("http://127.0.0.1:" + server.monitor().port() + "/api/lag");
            JsonNode lag = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                lag = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(lagUri).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (lag.path("stages").size() == 4 && lag.path("stages").findValues("members").stream().allMatch(m -> m.asInt() >= 1)) {
                    break;
                }
                Thread.sleep(250);
            }
            assertThat(lag.path("stages")).as("four stages, each with its worker in the group: " + lag).hasSize(4)
                    .allSatisfy(stage -> assertThat(stage.path("members").asInt()).isGreaterThanOrEqualTo(1));
        }
    }
}
