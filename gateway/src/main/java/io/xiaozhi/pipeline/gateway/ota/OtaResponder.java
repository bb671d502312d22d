package io.xiaozhi.pipeline.gateway.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import java.time.Clock;
import java.time.ZoneId;

/**
 * The OTA check-in (docs/protocol.md §1): tells a device the server time, its firmware status and where to
 * open its WebSocket (with a token when auth is on), and records the device.
 *
 * <p>No firmware is distributed: the answer repeats the version the device reports, with no URL, so
 * no device upgrades. With {@code server.require_activation}, a device not yet bound also gets a
 * 6-digit code to show; an operator binds it ({@code POST /xiaozhi/admin/bind}).
 */
public final class OtaResponder {

    /** A refused check-in: HTTP status and the reason. */
    public static final class OtaException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        OtaException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public static final String WEBSOCKET_PATH = "/xiaozhi/v1/";
    private static final int MAX_BODY_BYTES = 64 * 1024;
    /** How long a device waits between activation polls, as it is told. */
    private static final int ACTIVATION_POLL_MS = 30_000;
    private final java.security.SecureRandom random = new java.security.SecureRandom();

    private final ServiceConfig.Server server;
    private final DeviceTokens tokens;
    private final DeviceRegistry registry;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Counter unreadableBodies;

    public OtaResponder(ServiceConfig.Server server, DeviceTokens tokens, DeviceRegistry registry, Clock clock, MeterRegistry meters) {
        this.server = server;
        this.tokens = tokens;
        this.registry = registry;
        this.clock = clock;
        this.unreadableBodies = Counter.builder("xiaozhi.gateway.ota.body.unreadable")
                .description("OTA check-ins whose informational body was not a JSON object (answered anyway)").register(meters);
    }

    /**
     * The JSON answer to {@code POST /xiaozhi/ota/}.
     *
     * @param deviceId the {@code Device-Id} header (required)
     * @param clientId the {@code Client-Id} header
     * @param userAgent {@code <board>/<firmware version>}, used when the body says nothing
     * @param host the request's {@code Host} header, to derive the WebSocket URL when none is configured
     * @param body the request body: informational JSON, possibly empty or malformed
     */
    public String checkIn(String deviceId, String clientId, String userAgent, String host, byte[] body) {
        String id = deviceId == null ? "" : deviceId.trim().toLowerCase(java.util.Locale.ROOT);
        if (id.isEmpty()) {
            throw new OtaException(400, "the Device-Id header is missing");
        }
        if (id.length() > 64 || id.chars().anyMatch(c -> c < 0x21 || c == 0x7F)) {
            throw new OtaException(400, "the Device-Id header is not a device id");
        }
        JsonNode report = parse(body);
        String firmware = text(report.path("application").path("version"));
        String board = text(report.path("board").path("type"));
        if ((firmware.isEmpty() || board.isEmpty()) && userAgent != null && userAgent.contains("/")) {
            int slash = userAgent.indexOf('/');
            board = board.isEmpty() ? userAgent.substring(0, slash).trim() : board;
            firmware = firmware.isEmpty() ? userAgent.substring(slash + 1).trim() : firmware;
        }
        registry.checkIn(new DeviceRegistry.CheckIn(id, clientId, board, firmware));

        ObjectNode answer = json.createObjectNode();
        ObjectNode time = answer.putObject("server_time");
        time.put("timestamp", clock.millis());
        time.put("timezone_offset", ZoneId.systemDefault().getRules().getOffset(clock.instant()).getTotalSeconds() / 60);
        ObjectNode fw = answer.putObject("firmware");
        fw.put("version", firmware);
        fw.put("url", "");
        if (server.requireActivation()) {
            DeviceRegistry.Activation activation = registry.requireActivation(id, this::newCode);
            if (!activation.bound()) {
                ObjectNode block = answer.putObject("activation");
                block.put("code", activation.code());
                block.put("message", "Activation code " + activation.code());
                block.put("challenge", id);
                block.put("timeout_ms", ACTIVATION_POLL_MS);
            }
        }
        ObjectNode ws = answer.putObject("websocket");
        ws.put("url", websocketUrl(host));
        ws.put("token", tokens.issue(clientId == null ? "" : clientId, id));
        return answer.toString();
    }

    /** {@code POST /xiaozhi/ota/activate}: 200 when the device is bound (or activation is off), 202 while it waits. */
    public int activationStatus(String deviceId) {
        String id = deviceId == null ? "" : deviceId.trim().toLowerCase(java.util.Locale.ROOT);
        if (id.isEmpty()) {
            throw new OtaException(400, "the Device-Id header is missing");
        }
        return !server.requireActivation() || registry.activation(id).bound() ? 200 : 202;
    }

    private String newCode() {
        return String.format(java.util.Locale.ROOT, "%06d", random.nextInt(1_000_000));
    }

    /** The plain-text answer to {@code GET /xiaozhi/ota/}. */
    public String status(String host) {
        return "OTA interface is running; devices connect to " + websocketUrl(host);
    }

    /** The configured public URL, or {@code ws://<request host>:<port>/xiaozhi/v1/}. */
    String websocketUrl(String host) {
        if (!server.publicWebsocketUrl().isEmpty()) {
            return server.publicWebsocketUrl();
        }
        String name = host == null || host.isBlank() ? "127.0.0.1" : host.trim();
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end > 0 ? name.substring(0, end + 1) : name;
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        return "ws://" + name + ":" + server.port() + WEBSOCKET_PATH;
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return json.createObjectNode();
        }
        if (body.length <= MAX_BODY_BYTES) {
            try {
                JsonNode node = json.readTree(body);
                if (node != null && node.isObject()) {
                    return node;
                }
            } catch (java.io.IOException e) {
                // counted below; the body only informs, so the check-in is still answered
            }
        }
        unreadableBodies.increment();
        return json.createObjectNode();
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText().trim() : "";
    }
}
