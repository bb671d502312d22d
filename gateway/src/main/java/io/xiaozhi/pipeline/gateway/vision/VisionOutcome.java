package io.xiaozhi.pipeline.gateway.vision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the device is answered, in the reference server's shape:
 * {@code {"success":true,"action":"RESPONSE","response":"<answer>"}} or
 * {@code {"success":false,"message":"<why>"}}.
 */
public record VisionOutcome(boolean success, String text) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static VisionOutcome answered(String answer) {
        return new VisionOutcome(true, answer);
    }

    public static VisionOutcome failed(String message) {
        return new VisionOutcome(false, message);
    }

    public String json() {
        ObjectNode body = JSON.createObjectNode();
        body.put("success", success);
        if (success) {
            body.put("action", "RESPONSE");
            body.put("response", text);
        } else {
            body.put("message", text);
        }
        return body.toString();
    }
}
