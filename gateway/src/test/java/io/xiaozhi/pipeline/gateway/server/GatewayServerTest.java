package io.xiaozhi.pipeline.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.DeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.InMemoryDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import io.xiaozhi.pipeline.gateway.session.TestSessions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayServerTest {

    private static final String SECRET = "0123456789abcdef-secret";
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final InMemoryDeviceRegistry devices = new InMemoryDeviceRegistry();
    private final List<DeviceRegistry.CheckIn> checkIns = devices.checkIns;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private GatewayServer server;
    private DeviceTokens tokens;

    private GatewayServer start(Map<String, String> env) {
        Settings settings = ConfigLoader.load(Path.of("target", "no-data-dir"), env);
        tokens = new DeviceTokens(settings.config().server().auth(), Clock.systemUTC());
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, devices, Clock.systemUTC(), meters);
        server = new GatewayServer(settings, tokens, ota, new AdminBinding(settings.config().server().adminToken(), devices),
                TestSessions.services(meters), meters).start(0, 0);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theHttpPortServesPrometheusMetricsAndHealthButTheDevicePortDoesNot() throws Exception {
        Settings settings = ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of());
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus =
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        tokens = new DeviceTokens(settings.config().server().auth(), Clock.systemUTC());
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, devices, Clock.systemUTC(), prometheus);
        server = new GatewayServer(settings, tokens, ota, new AdminBinding(settings.config().server().adminToken(), devices),
                TestSessions.services(prometheus), prometheus).start(0, 0);

        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("xiaozhi_gateway_frames_in_total");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.readTree(health.body()).path("status").asText()).isEqualTo("UP");
        HttpResponse<String> onDevicePort = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(onDevicePort.statusCode()).isEqualTo(404);
    }

    /** A device's WebSocket, recording how it was closed. */
    static final class Device implements WebSocket.Listener {
        final CompletableFuture<int[]> closedCode = new CompletableFuture<>();
        volatile String closeReason;
        WebSocket socket;

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closedCode.complete(new int[] {statusCode});
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closedCode.complete(new int[] {-1});
        }

        int awaitClose() throws Exception {
            return closedCode.get(10, TimeUnit.SECONDS)[0];
        }

        boolean stillOpen() throws InterruptedException {
            Thread.sleep(300);
            return !closedCode.isDone();
        }
    }

    private Device connect(String deviceId, String token) throws Exception {
        Device device = new Device();
        WebSocket.Builder builder = http.newWebSocketBuilder().header("Device-Id", deviceId).header("Client-Id", "client-1")
                .header("Protocol-Version", "1");
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        device.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/xiaozhi/v1/"), device)
                .get(10, TimeUnit.SECONDS);
        return device;
    }

    private void awaitOpen(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (server.openConnections() != count && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.openConnections()).isEqualTo(count);
    }

    private HttpResponse<String> ota(int port, String deviceId, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/xiaozhi/ota/"))
                .header("Client-Id", "client-1").header("User-Agent", "bread-compact-wifi/1.6.0")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (deviceId != null) {
            request.header("Device-Id", deviceId);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPlainGetOnTheWebSocketPathAnswersWithAStatus() throws Exception {
        start(Map.of());
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/xiaozhi/v1/")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("running");
    }

    @Test
    void otaAnswersOnBothPortsWithTheWebSocketUrlAndRecordsTheDevice() throws Exception {
        start(Map.of());
        for (int port : new int[] {server.port(), server.httpPort()}) {
            HttpResponse<String> response = ota(port, "AA:BB:CC:DD:EE:FF",
                    "{\"application\":{\"version\":\"1.7.2\"},\"board\":{\"type\":\"lichuang-dev\"}}");
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = json.readTree(response.body());
            assertThat(body.path("websocket").path("url").asText()).isEqualTo("ws://127.0.0.1:8000/xiaozhi/v1/");
            assertThat(body.path("websocket").path("token").asText()).isEmpty();
            assertThat(body.path("firmware").path("version").asText()).isEqualTo("1.7.2");
            assertThat(body.path("firmware").path("url").asText()).isEmpty();
            assertThat(body.path("server_time").path("timestamp").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(10_000L));
            assertThat(body.path("server_time").has("timezone_offset")).isTrue();
        }
        assertThat(checkIns).hasSize(2).allSatisfy(c -> {
            assertThat(c.deviceId()).isEqualTo("aa:bb:cc:dd:ee:ff");
            assertThat(c.board()).isEqualTo("lichuang-dev");
            assertThat(c.firmwareVersion()).isEqualTo("1.7.2");
        });
    }

    @Test
    void otaWithoutADeviceIdIsABadRequestAndAnUnreadableBodyIsCounted() throws Exception {
        start(Map.of());
        HttpResponse<String> missing = ota(server.port(), null, "{}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(json.readTree(missing.body()).path("error").asText()).isEqualTo("the Device-Id header is missing");

        HttpResponse<String> garbage = ota(server.port(), "aa:bb:cc:dd:ee:ff", "{not json");
        assertThat(garbage.statusCode()).isEqualTo(200);
        assertThat(checkIns.get(0).firmwareVersion()).as("from the User-Agent").isEqualTo("1.6.0");
        assertThat(meters.get("xiaozhi.gateway.ota.body.unreadable").counter().count()).isEqualTo(1);

        HttpResponse<String> status = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/xiaozhi/ota/")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.body()).startsWith("OTA interface is running");
    }

    @Test
    void withAuthTheOtaTokenOpensTheSocketAndEveryFailureIsRefusedWithItsReason() throws Exception {
        start(Map.of("XIAOZHI_SERVER_AUTH_ENABLED", "true", "XIAOZHI_SERVER_AUTH_SECRET", SECRET,
                "XIAOZHI_SERVER_AUTH_ALLOWED_DEVICES", "aa:bb:cc:dd:ee:01"));
        String token = json.readTree(ota(server.port(), "aa:bb:cc:dd:ee:ff", "{}").body()).path("websocket").path("token").asText();
        assertThat(token).contains(".");

        Device good = connect("aa:bb:cc:dd:ee:ff", token);
        assertThat(good.stillOpen()).isTrue();

        Device none = connect("aa:bb:cc:dd:ee:02", null);
        assertThat(none.awaitClose()).isEqualTo(GatewayServer.CLOSE_POLICY);
        assertThat(none.closeReason).isEqualTo("authentication failed: a token is required (Authorization: Bearer <token>)");

        Device stolen = connect("aa:bb:cc:dd:ee:03", token);
        assertThat(stolen.awaitClose()).isEqualTo(GatewayServer.CLOSE_POLICY);
        assertThat(stolen.closeReason).isEqualTo("authentication failed: the token is not valid for this device");

        Device allowListed = connect("aa:bb:cc:dd:ee:01", null);
        assertThat(allowListed.stillOpen()).isTrue();
        assertThat(meters.get("xiaozhi.gateway.auth.failures").counter().count()).isEqualTo(2);
        awaitOpen(2);
    }

    @Test
    void oneOverTheLimitIsRefusedAndTheOthersStay() throws Exception {
        start(Map.of("XIAOZHI_SERVER_MAX_CONNECTIONS", "2"));
        Device a = connect("aa:00:00:00:00:01", null);
        Device b = connect("aa:00:00:00:00:02", null);
        awaitOpen(2);
        Device c = connect("aa:00:00:00:00:03", null);
        assertThat(c.awaitClose()).isEqualTo(ConnectionLimiter.CLOSE_TRY_AGAIN_LATER);
        assertThat(a.stillOpen()).isTrue();
        assertThat(b.stillOpen()).isTrue();
        assertThat(meters.get("xiaozhi.gateway.connections.refused").counter().count()).isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.handshakes").tag("result", "full").counter().count()).isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.handshakes").tag("result", "accepted").counter().count()).isEqualTo(2);
        a.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        awaitOpen(1);
        Device d = connect("aa:00:00:00:00:04", null);
        assertThat(d.stillOpen()).as("a freed place can be taken").isTrue();
    }

    @Test
    void aSecondConnectionOfTheSameDeviceReplacesTheFirst() throws Exception {
        start(Map.of());
        Device first = connect("aa:bb:cc:dd:ee:ff", null);
        awaitOpen(1);
        Device second = connect("AA:BB:CC:DD:EE:FF", null);
        assertThat(first.awaitClose()).isEqualTo(ConnectionLimiter.CLOSE_REPLACED);
        assertThat(second.stillOpen()).isTrue();
        awaitOpen(1);
        assertThat(new io.xiaozhi.pipeline.gateway.session.SessionRegistry(TestSessions.STORE, "gw-test", Duration.ofMinutes(1))
                .locate("aa:bb:cc:dd:ee:ff")).as("the registry points at the newer session").hasValueSatisfying(l -> {
                    assertThat(l.gatewayId()).isEqualTo("gw-test");
                    assertThat(l.sessionId()).isNotEmpty();
                });
    }

    private HttpResponse<String> post(String path, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnboundDeviceGetsACodeWaitsAndIsActivatedByAnOperator() throws Exception {
        String admin = "admin-token-0123456789";
        start(Map.of("XIAOZHI_SERVER_REQUIRE_ACTIVATION", "true", "XIAOZHI_SERVER_ADMIN_TOKEN", admin));
        JsonNode first = json.readTree(ota(server.httpPort(), "aa:bb:cc:dd:ee:77", "{}").body());
        String code = first.path("activation").path("code").asText();
        assertThat(code).matches("\\d{6}");
        assertThat(first.path("activation").path("challenge").asText()).isEqualTo("aa:bb:cc:dd:ee:77");
        assertThat(json.readTree(ota(server.httpPort(), "aa:bb:cc:dd:ee:77", "{}").body()).path("activation").path("code").asText())
                .as("the same code until bound").isEqualTo(code);

        Map<String, String> device = Map.of("Device-Id", "aa:bb:cc:dd:ee:77");
        assertThat(post("/xiaozhi/ota/activate", device, "{}").statusCode()).isEqualTo(202);
        assertThat(post("/xiaozhi/admin/bind", Map.of("Authorization", "Bearer wrong-token-0000000"), "{\"code\":\"" + code + "\"}")
                .statusCode()).isEqualTo(401);
        assertThat(post("/xiaozhi/admin/bind", Map.of("Authorization", "Bearer " + admin), "{\"code\":\"12\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> bound = post("/xiaozhi/admin/bind", Map.of("Authorization", "Bearer " + admin), "{\"code\":\"" + code + "\"}");
        assertThat(bound.statusCode()).isEqualTo(200);
        assertThat(json.readTree(bound.body()).path("device_id").asText()).isEqualTo("aa:bb:cc:dd:ee:77");
        assertThat(post("/xiaozhi/ota/activate", device, "{}").statusCode()).isEqualTo(200);
        assertThat(json.readTree(ota(server.httpPort(), "aa:bb:cc:dd:ee:77", "{}").body()).has("activation")).isFalse();
        assertThat(post("/xiaozhi/admin/bind", Map.of("Authorization", "Bearer " + admin), "{\"code\":\"" + code + "\"}").statusCode())
                .as("a code works once").isEqualTo(404);
    }

    @Test
    void withoutActivationEveryDeviceIsActiveAndAdminIsOff() throws Exception {
        start(Map.of());
        assertThat(json.readTree(ota(server.port(), "aa:bb:cc:dd:ee:78", "{}").body()).has("activation")).isFalse();
        assertThat(post("/xiaozhi/ota/activate", Map.of("Device-Id", "aa:bb:cc:dd:ee:78"), "").statusCode()).isEqualTo(200);
        assertThat(post("/xiaozhi/admin/bind", Map.of(), "{\"code\":\"123456\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void aConnectionWithoutADeviceIdIsRefused() throws Exception {
        start(Map.of());
        Device device = new Device();
        device.socket = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/xiaozhi/v1/"), device)
                .get(10, TimeUnit.SECONDS);
        assertThat(device.awaitClose()).isEqualTo(GatewayServer.CLOSE_POLICY);
        Device byQuery = new Device();
        byQuery.socket = http.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + server.port() + "/xiaozhi/v1/?device-id=aa:bb:cc:dd:ee:09&client-id=c"), byQuery)
                .get(10, TimeUnit.SECONDS);
        assertThat(byQuery.stillOpen()).as("ids from query parameters are accepted").isTrue();
    }
}
