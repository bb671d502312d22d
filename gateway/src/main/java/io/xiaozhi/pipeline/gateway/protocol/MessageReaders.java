package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Turns a device message object of a known {@code type} into its {@link DeviceMessage}. */
final class MessageReaders {

    private MessageReaders() {
    }

    static DeviceMessage read(String type, ObjectNode message, String sessionId) throws JsonFields.FieldException {
        return switch (type) {
            case "hello" -> HelloReader.read(message, sessionId);
            case "listen" -> listen(message, sessionId);
            case "abort" -> new DeviceMessage.Abort(sessionId, JsonFields.text(message, "reason"));
            case "mcp" -> mcp(message, sessionId);
            case "iot" -> new DeviceMessage.Iot(sessionId, JsonFields.flag(message, "update").orElse(false),
                    JsonFields.array(message, "descriptors"), JsonFields.array(message, "states"));
            case "ping" -> new DeviceMessage.Ping(sessionId);
            default -> new DeviceMessage.Unknown(sessionId, type, message);
        };
    }

    private static DeviceMessage listen(ObjectNode message, String sessionId) throws JsonFields.FieldException {
        String stateName = JsonFields.requiredText(message, "state");
        ListenState state = ListenState.fromWire(stateName).orElseThrow(() -> new JsonFields.FieldException(
                BadInputReason.INVALID_FIELD_VALUE, "unknown listen state " + shorten(stateName)));
        Optional<String> modeName = JsonFields.text(message, "mode");
        Optional<ListenMode> mode = modeName.isEmpty() ? Optional.empty()
                : Optional.of(ListenMode.fromWire(modeName.get()).orElse(ListenMode.DEFAULT));
        return new DeviceMessage.Listen(sessionId, state, mode, JsonFields.text(message, "text"));
    }

    private static DeviceMessage mcp(ObjectNode message, String sessionId) throws JsonFields.FieldException {
        JsonNode payload = JsonFields.object(message, "payload")
                .orElseThrow(() -> new JsonFields.FieldException(BadInputReason.MISSING_FIELD, "missing payload"));
        return new DeviceMessage.Mcp(sessionId, payload);
    }

    private static String shorten(String value) {
        return value.length() > 32 ? value.substring(0, 32) : value;
    }
}
