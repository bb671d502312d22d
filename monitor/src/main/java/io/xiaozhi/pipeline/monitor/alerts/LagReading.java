package io.xiaozhi.pipeline.monitor.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;

/**
 * The fields of a {@code xiaozhi.lag} value (the shared StageLag JSON) that the lag rules read.
 * {@code queueSize} and {@code timeout} are null when the value lacks them (the rules then take the
 * stage's configured limits). {@link #parse} never throws: it says why a value cannot be used.
 */
public record LagReading(String stage, String group, long timestamp, long records, double seconds, String state, int members,
                         Integer queueSize, Integer timeout) {

    public static final Set<String> STATES = Set.of("OK", "WARN", "STALL", "STOP");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A usable reading, or why there is none. */
    public sealed interface Result permits Read, Malformed {
    }

    public record Read(LagReading reading) implements Result {
    }

    public record Malformed(String reason) implements Result {
    }

    public static Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new Malformed("empty value");
        }
        try {
            return parse(JSON.readTree(value));
        } catch (IOException e) {
            return new Malformed("not JSON: " + e.getMessage());
        }
    }

    public static Result parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            return new Malformed("not a JSON object");
        }
        JsonNode stage = node.get("stage");
        if (stage == null || !stage.isTextual() || stage.asText().isBlank()) {
            return new Malformed("stage must be non-empty text");
        }
        JsonNode timestamp = node.get("timestamp");
        if (timestamp == null || !timestamp.isIntegralNumber() || timestamp.asLong() <= 0) {
            return new Malformed(stage.asText() + ": timestamp must be a positive whole number of epoch milliseconds");
        }
        JsonNode records = node.get("records");
        if (records == null || !records.isIntegralNumber() || records.asLong() < 0) {
            return new Malformed(stage.asText() + ": records must be a whole number, not negative");
        }
        JsonNode seconds = node.get("seconds");
        if (seconds == null || !seconds.isNumber() || !(seconds.asDouble() >= 0) || !Double.isFinite(seconds.asDouble())) {
            return new Malformed(stage.asText() + ": seconds must be a number, not negative");
        }
        JsonNode state = node.get("state");
        if (state == null || !STATES.contains(state.asText())) {
            return new Malformed(stage.asText() + ": state must be one of OK, WARN, STALL, STOP");
        }
        JsonNode group = node.get("group");
        JsonNode members = node.get("members");
        return new Read(new LagReading(stage.asText(), group != null && group.isTextual() ? group.asText() : "",
                timestamp.asLong(), records.asLong(), seconds.asDouble(), state.asText(),
                members != null && members.isIntegralNumber() ? members.asInt() : 0,
                nonNegativeInt(node.get("queue_size")), nonNegativeInt(node.get("timeout"))));
    }

    private static Integer nonNegativeInt(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.asInt() >= 0 ? node.asInt() : null;
    }
}
