package io.xiaozhi.pipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import io.xiaozhi.pipeline.common.audio.FreeTtsSynthesizer;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.common.storage.TestRedis;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.gateway.Gateway;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole pipeline in one JVM, as a device meets it: the {@link StandaloneServer} (the gateway and the
 * four workers on the offline providers, with a fake OpenAI-compatible vision model for the camera) on
 * the suite's broker, with MariaDB and Redis when the test variables name them, else the embedded
 * database and memory.
 */
@ExtendWith(KafkaBrokerExtension.class)
class EndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VISION_ANSWER = "A red square on a white table.";

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<String> visionQuestions = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        running.add(closeable);
        return closeable;
    }

    @Test
    void aDeviceSpeaksHearsTheAnswerAndUsesItsCamera(KafkaTestBroker kafka) throws Exception {
        HttpServer fakeVision = startFakeVisionModel();
        String gatewayId = "gw-e2e-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        // the suite's broker, not one of the server's own
        env.put("XIAOZHI_STANDALONE_EMBEDDED_KAFKA", "false");
        env.put("XIAOZHI_STANDALONE_MONITOR", "false");
        env.put("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("XIAOZHI_SERVER_GATEWAY_ID", gatewayId);
        env.put("XIAOZHI_SERVER_PORT", Integer.toString(freePort()));
        env.put("XIAOZHI_SERVER_HTTP_PORT", Integer.toString(freePort()));
        env.put("XIAOZHI_PROVIDERS_VLLM_TYPE", "openai");
        env.put("XIAOZHI_PROVIDERS_VLLM_BASE_URL", "http://127.0.0.1:" + fakeVision.getAddress().getPort() + "/v1");
        env.put("XIAOZHI_PROVIDERS_VLLM_MODEL", "fake-vision");
        // MariaDB and Redis when the test variables name them, else the embedded database and memory
        TestDatabase database = keep(TestDatabases.create());
        ServiceConfig.Database db = database.config();
        env.put("XIAOZHI_DATABASE_KIND", db.kind().name().toLowerCase(java.util.Locale.ROOT));
        env.put("XIAOZHI_DATABASE_URL", db.url());
        env.put("XIAOZHI_DATABASE_USERNAME", db.username());
        env.put("XIAOZHI_DATABASE_PASSWORD", db.password());
        TestRedis.configuredUrl().ifPresent(url -> {
            env.put("XIAOZHI_REDIS_KIND", "redis");
            env.put("XIAOZHI_REDIS_URL", url);
            env.put("XIAOZHI_REDIS_KEY_PREFIX", TestRedis.randomKeyPrefix());
        });
        Settings settings = ConfigLoader.load(database.dataDir(), env);
        StandaloneServer server = keep(StandaloneServer.start(settings));
        Gateway gateway = server.gateway();
        HikariDataSource dataSource = server.database();

        String deviceId = "aa:bb:cc:00:00:" + String.format("%02x", (int) (Math.random() * 256));
        device = keep(new TestDevice(deviceId, List.of(
                tool("self.audio_speaker.set_volume", "Set the speaker volume", "{\"type\":\"object\",\"properties\":{\"volume\":"
                        + "{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}},\"required\":[\"volume\"]}"),
                tool("self.camera.take_photo", "Take a photo and explain it", "{\"type\":\"object\",\"properties\":{\"question\":"
                        + "{\"type\":\"string\"}},\"required\":[\"question\"]}")),
                call -> answerTool(call, deviceId)));
        device.connect(gateway.server().port());
        String sessionId = device.hello();
        assertThat(sessionId).isNotBlank();

        // 1. speech: "what time is it", spoken by FreeTTS, sent as the firmware would (Opus 16 kHz, 60 ms), push-to-talk
        device.listen("start", "manual");
        for (byte[] packet : new OpusEncoding(16_000).encode(FreeTtsSynthesizer.speak("What time is it?"))) {
            device.sendAudio(packet);
        }
        device.listen("stop", "manual");
        Turn spoken = readTurn(device);
        assertThat(spoken.stt).as("what the user said").containsIgnoringCase("time");
        assertThat(spoken.sentences).as("the offline responder tells the time").anySatisfy(s -> assertThat(s).containsPattern("\\d{1,2}:\\d{2}"));
        assertThat(spoken.audioPackets).as("spoken audio").isGreaterThan(10);
        assertThat(spoken.speechEnergy).as("the reply's audio is speech, not silence").isGreaterThan(300);

        // history: the hot copy in the key-value store and, after the batch flush, the durable one
        List<String[]> rows = awaitHistory(dataSource, deviceId, 2);
        assertThat(rows).extracting(r -> r[0]).containsExactly("user", "assistant");
        assertThat(rows.get(0)[1]).containsIgnoringCase("time");

        // 2. the camera: LLM → device take_photo → upload → VLLM → tool result → LLM → spoken answer
        device.detect("what do you see");
        Turn camera = readTurn(device);
        assertThat(visionQuestions).as("the vision model got the user's question").singleElement().asString().containsIgnoringCase("see");
        assertThat(String.join(" ", camera.sentences)).containsIgnoringCase("red square");

        // 3. a device tool: the volume, with arguments checked against the tool's schema
        device.detect("set the volume to 30");
        Turn volume = readTurn(device);
        assertThat(toolCalls).contains("self.audio_speaker.set_volume {\"volume\":30}");
        assertThat(String.join(" ", volume.sentences)).contains("30");

        // 4. goodbye: the farewell plays, then the server closes the connection
        device.detect("goodbye");
        Turn farewell = readTurn(device);
        assertThat(farewell.sentences).isNotEmpty();
        assertThat(device.closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("1000 goodbye");
    }

    private final List<String> toolCalls = new CopyOnWriteArrayList<>();

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** What the device received for one turn, up to {@code tts stop}. */
    private static final class Turn {
        String stt = "";
        final List<String> sentences = new ArrayList<>();
        final List<String> kinds = new ArrayList<>();
        int audioPackets;
        double speechEnergy;
    }

    private static Turn readTurn(TestDevice device) throws Exception {
        Turn turn = new Turn();
        OpusDecoding decoder = new OpusDecoding(48_000);
        double sumSquares = 0;
        long samples = 0;
        while (true) {
            TestDevice.Received received = device.next();
            String kind = received.kind();
            turn.kinds.add(kind);
            switch (kind) {
                case "stt" -> turn.stt = received.json().path("text").asText();
                case "tts/sentence_start" -> turn.sentences.add(received.json().path("text").asText());
                case "audio" -> {
                    turn.audioPackets++;
                    if (decoder.decode(received.binary()) instanceof DecodeResult.Samples pcm) {
                        for (short s : pcm.samples()) {
                            sumSquares += (double) s * s;
                        }
                        samples += pcm.samples().length;
                    }
                }
                case "alert" -> throw new AssertionError("the server apologised: " + received.json() + " after " + turn.kinds);
                default -> {
                }
            }
            if (kind.equals("tts/stop")) {
                break;
            }
        }
        turn.speechEnergy = samples == 0 ? 0 : Math.sqrt(sumSquares / samples);
        assertThat(turn.kinds.indexOf("tts/start")).as("tts start comes first of the reply: " + turn.kinds).isGreaterThanOrEqualTo(0)
                .isLessThan(turn.kinds.indexOf("tts/sentence_start"));
        return turn;
    }

    private static List<String[]> awaitHistory(HikariDataSource dataSource, String deviceId, int rows) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        List<String[]> found = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            found.clear();
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement query = connection.prepareStatement(
                         "SELECT role, content FROM chat_history WHERE device_id = ? ORDER BY id")) {
                query.setString(1, deviceId);
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        found.add(new String[] {result.getString(1), result.getString(2)});
                    }
                }
            }
            if (found.size() >= rows) {
                return found;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("chat history of " + deviceId + " has " + found.size() + " rows, expected " + rows);
    }

    private static JsonNode tool(String name, String description, String schema) throws IOException {
        return JSON.createObjectNode().put("name", name).put("description", description).set("inputSchema", JSON.readTree(schema));
    }

    /** The device's side of a tool call: the camera photographs (a red square) and uploads; the volume is set. */
    private String answerTool(JsonNode call, String deviceId) {
        String name = call.path("name").asText();
        toolCalls.add(name + " " + call.path("arguments"));
        if (name.equals("self.audio_speaker.set_volume")) {
            return "true";
        }
        if (!name.equals("self.camera.take_photo")) {
            return "unknown tool " + name;
        }
        try {
            return upload(deviceId, call.path("arguments").path("question").asText(), redSquarePng());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private TestDevice device;

    /** The firmware's upload (PROTOCOL.md §7): multipart, {@code question} then {@code file}, the token from MCP initialize. */
    private String upload(String deviceId, String question, byte[] image) throws Exception {
        JsonNode capability = device.visionCapability();
        assertThat(capability.path("url").asText()).as("MCP initialize offered the vision upload").endsWith("/mcp/vision/explain");
        String boundary = "----esp32-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\n" + question + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"camera.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(image);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(capability.path("url").asText()))
                .header("Device-Id", deviceId).header("Client-Id", "client-" + deviceId)
                .header("Authorization", "Bearer " + capability.path("token").asText())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static byte[] redSquarePng() throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.RED);
        g.fillRect(16, 16, 32, 32);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private HttpServer startFakeVisionModel() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            for (JsonNode part : request.path("messages").path(0).path("content")) {
                if (part.path("type").asText().equals("text")) {
                    visionQuestions.add(part.path("text").asText());
                }
            }
            byte[] body = JSON.createObjectNode().set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
                    .set("message", JSON.createObjectNode().put("role", "assistant").put("content", VISION_ANSWER))))
                    .toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        running.add(() -> server.stop(0));
        return server;
    }
}
