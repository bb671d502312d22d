package io.xiaozhi.pipeline.llm.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Objects;

/**
 * One tool call of a round and what became of it: a server tool's result, a rejection the model is
 * told about, or a device call whose answer is still to come ({@code result} null until it arrives).
 *
 * @param modelId the model's id of the call, echoed in the tool message
 * @param name the tool's name as the model called it
 * @param deviceName the device's name of the tool (device calls only; empty otherwise)
 * @param arguments the arguments (device calls only; an empty object otherwise)
 */
public record RoundCall(Kind kind, String modelId, String name, String deviceName, JsonNode arguments, String result, boolean isError) {

    /** Who answers the call. */
    public enum Kind { SERVER, DEVICE, REJECTED }

    public RoundCall {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(deviceName, "deviceName");
        Objects.requireNonNull(arguments, "arguments");
    }

    /** Whether the call still waits for the device. */
    public boolean open() {
        return result == null;
    }

    /** The same call with its answer. */
    public RoundCall answered(String text, boolean error) {
        return new RoundCall(kind, modelId, name, deviceName, arguments, text, error);
    }

    /** What the model reads in the tool message: the result, marked when it is an error. */
    public String toolMessage() {
        String text = result == null ? "" : result;
        return isError && !text.startsWith("Error:") ? "Error: " + text : text;
    }

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("kind", kind.name().toLowerCase(Locale.ROOT));
        node.put("id", modelId);
        node.put("name", name);
        node.put("device_name", deviceName);
        node.set("arguments", arguments);
        if (result != null) {
            node.put("result", result);
        }
        node.put("is_error", isError);
        return node;
    }

    static RoundCall fromJson(JsonNode node) {
        Kind kind = Kind.valueOf(node.path("kind").asText("").toUpperCase(Locale.ROOT));
        JsonNode result = node.get("result");
        return new RoundCall(kind, node.path("id").asText(""), node.path("name").asText(""), node.path("device_name").asText(""),
                node.path("arguments").isObject() ? node.get("arguments") : JsonNodeFactory.instance.objectNode(),
                result == null || result.isNull() ? null : result.asText(), node.path("is_error").asBoolean(false));
    }
}
