package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Reads what a device's MCP server answers; never throws on device input. */
public final class McpResponses {

    private McpResponses() {
    }

    /** Reads a JSON-RPC response: a {@code result}, or an {@code error} with or without a code. */
    public static ParseResult<McpResponse> parse(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            return invalid("payload is not an object");
        }
        JsonNode error = payload.get("error");
        JsonNode result = payload.get("result");
        if (error != null && !error.isNull()) {
            return failure(payload.get("id"), error);
        }
        if (result == null) {
            return invalid(payload.has("method") ? "a request or notification, not a response" : "neither result nor error");
        }
        OptionalLong id = id(payload.get("id"));
        if (id.isEmpty()) {
            return invalid("result without a numeric id");
        }
        return ParseResult.ok(new McpResponse.Success(id.getAsLong(), result));
    }

    /** Reads the result of {@code tools/list}; entries without a usable name are skipped and counted. */
    public static ParseResult<McpToolPage> toolPage(JsonNode result) {
        if (result == null || !result.isObject()) {
            return invalid("tools/list result is not an object");
        }
        JsonNode tools = result.get("tools");
        if (tools == null || !tools.isArray()) {
            return invalid("tools/list result has no tools array");
        }
        List<McpTool> page = new ArrayList<>();
        int skipped = 0;
        for (JsonNode tool : tools) {
            Optional<McpTool> read = tool(tool);
            if (read.isPresent()) {
                page.add(read.get());
            } else {
                skipped++;
            }
        }
        JsonNode cursor = result.get("nextCursor");
        Optional<String> next = cursor != null && cursor.isTextual() && !cursor.textValue().isEmpty()
                ? Optional.of(cursor.textValue()) : Optional.empty();
        return ParseResult.ok(new McpToolPage(page, next, skipped));
    }

    /**
     * Reads the result of {@code tools/call}: the text of its {@code text} content parts, joined by
     * new lines, and its {@code isError} flag.
     */
    public static ParseResult<ToolCallResult> toolCall(JsonNode result) {
        if (result == null || !result.isObject()) {
            return invalid("tools/call result is not an object");
        }
        JsonNode content = result.get("content");
        if (content == null || !content.isArray()) {
            return invalid("tools/call result has no content array");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode part : content) {
            JsonNode text = part.get("text");
            if ("text".equals(part.path("type").asText()) && text != null && text.isTextual()) {
                texts.add(text.textValue());
            }
        }
        return ParseResult.ok(new ToolCallResult(String.join("\n", texts), result.path("isError").asBoolean(false)));
    }

    /**
     * The outcome of a tool call as the device reported it.
     *
     * @param text the text content
     * @param isError whether the device reported the call as failed
     */
    public record ToolCallResult(String text, boolean isError) {
        /** Checks the text. */
        public ToolCallResult {
            Objects.requireNonNull(text, "text");
        }
    }

    private static Optional<McpTool> tool(JsonNode tool) {
        if (!tool.isObject()) {
            return Optional.empty();
        }
        JsonNode name = tool.get("name");
        if (name == null || !name.isTextual() || name.textValue().isBlank()) {
            return Optional.empty();
        }
        JsonNode description = tool.get("description");
        JsonNode schema = tool.get("inputSchema");
        return Optional.of(new McpTool(name.textValue(),
                description != null && description.isTextual() ? description.textValue() : "",
                schema != null && schema.isObject() ? schema : emptySchema()));
    }

    private static JsonNode emptySchema() {
        var schema = ProtocolJson.MAPPER.createObjectNode();
        schema.put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    private static ParseResult<McpResponse> failure(JsonNode idNode, JsonNode error) {
        OptionalInt code = OptionalInt.empty();
        String message;
        if (error.isObject()) {
            JsonNode codeNode = error.get("code");
            if (codeNode != null && codeNode.isIntegralNumber() && codeNode.canConvertToInt()) {
                code = OptionalInt.of(codeNode.intValue());
            }
            JsonNode messageNode = error.get("message");
            message = messageNode == null || messageNode.isNull() ? "" : messageNode.asText();
        } else if (error.isValueNode()) {
            message = error.asText();
        } else {
            return invalid("error is neither an object nor a value");
        }
        return ParseResult.ok(new McpResponse.Failure(id(idNode), code, message));
    }

    /** A numeric id; a string of digits is accepted too. */
    private static OptionalLong id(JsonNode id) {
        if (id == null) {
            return OptionalLong.empty();
        }
        if (id.isIntegralNumber() && id.canConvertToLong()) {
            return OptionalLong.of(id.longValue());
        }
        if (id.isTextual()) {
            try {
                return OptionalLong.of(Long.parseLong(id.textValue()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    private static <T> ParseResult<T> invalid(String detail) {
        return ParseResult.bad(BadInputReason.INVALID_MCP_RESPONSE, detail);
    }
}
