package io.xiaozhi.pipeline.gateway.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.gateway.auth.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code POST /xiaozhi/admin/bind} with {@code {"code": "123456"}} and {@code Authorization: Bearer
 * <server.admin_token>}: binds the device waiting with that activation code.
 */
public final class AdminBinding {

    /** An HTTP answer: status and JSON body. */
    public record Answer(int status, String json) {
    }

    private final String adminToken;
    private final DeviceRegistry registry;
    private final ObjectMapper json = new ObjectMapper();

    public AdminBinding(String adminToken, DeviceRegistry registry) {
        this.adminToken = adminToken;
        this.registry = registry;
    }

    public Answer bind(String authorization, byte[] body) {
        if (adminToken.isEmpty()) {
            return error(404, "admin endpoints are disabled (server.admin_token is empty)");
        }
        String presented = Credentials.bearerToken(authorization);
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
            return error(401, "a valid admin token is required (Authorization: Bearer <server.admin_token>)");
        }
        String code;
        try {
            JsonNode request = json.readTree(body == null ? new byte[0] : body);
            code = request == null ? "" : request.path("code").asText("");
        } catch (java.io.IOException e) {
            return error(400, "the body must be JSON like {\"code\": \"123456\"}");
        }
        if (!code.matches("\\d{6}")) {
            return error(400, "code must be the 6 digits the device shows");
        }
        return registry.bind(code)
                .map(device -> new Answer(200, json.createObjectNode().put("device_id", device).toString()))
                .orElseGet(() -> error(404, "no device is waiting with that code"));
    }

    private Answer error(int status, String message) {
        return new Answer(status, json.createObjectNode().put("error", message).toString());
    }
}
