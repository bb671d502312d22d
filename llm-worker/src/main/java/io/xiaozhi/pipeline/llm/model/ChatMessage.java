package io.xiaozhi.pipeline.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One message of a conversation, in the shape of the chat completions API: a system prompt, what the
 * user said, what the assistant said (with the tool calls it made, if any), or a tool's answer to one
 * of those calls. {@link #toJson()} writes exactly what the API expects; {@link #fromJson} reads it
 * back (the saved state of a turn waiting for a device keeps its messages that way).
 *
 * @param content the text; empty for an assistant message that only calls tools
 * @param toolCalls the assistant's tool calls; empty otherwise
 * @param toolCallId the call a tool message answers; empty otherwise
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {

    /** Who speaks. */
    public enum Role {
        SYSTEM, USER, ASSISTANT, TOOL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Role of(String wire) {
            for (Role role : values()) {
                if (role.wireName().equals(wire)) {
                    return role;
                }
            }
            throw new IllegalArgumentException("unknown message role '" + wire + "'");
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = List.copyOf(toolCalls);
        Objects.requireNonNull(toolCallId, "toolCallId");
    }

    public static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, text, List.of(), "");
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, text, List.of(), "");
    }

    public static ChatMessage assistant(String text) {
        return new ChatMessage(Role.ASSISTANT, text, List.of(), "");
    }

    public static ChatMessage assistant(String text, List<ToolCall> calls) {
        return new ChatMessage(Role.ASSISTANT, text, calls, "");
    }

    public static ChatMessage tool(String toolCallId, String result) {
        return new ChatMessage(Role.TOOL, result, List.of(), toolCallId);
    }

    /** The message as the chat completions API takes it. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("role", role.wireName());
        if (role == Role.ASSISTANT && !toolCalls.isEmpty() && content.isEmpty()) {
            node.putNull("content");
        } else {
            node.put("content", content);
        }
        if (!toolCalls.isEmpty()) {
            ArrayNode calls = node.putArray("tool_calls");
            for (ToolCall call : toolCalls) {
                ObjectNode entry = calls.addObject();
                entry.put("id", call.id());
                entry.put("type", "function");
                ObjectNode function = entry.putObject("function");
                function.put("name", call.name());
                function.put("arguments", call.argumentsJson());
            }
        }
        if (role == Role.TOOL) {
            node.put("tool_call_id", toolCallId);
        }
        return node;
    }

    /** Reads a message written by {@link #toJson()}; throws {@link IllegalArgumentException} naming what is wrong. */
    public static ChatMessage fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a message must be a JSON object");
        }
        Role role = Role.of(node.path("role").asText(""));
        JsonNode content = node.path("content");
        String text = content.isTextual() ? content.asText() : "";
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode entry : node.path("tool_calls")) {
            JsonNode function = entry.path("function");
            if (!entry.path("id").isTextual() || !function.path("name").isTextual()) {
                throw new IllegalArgumentException("a tool call needs an id and a function name");
            }
            calls.add(new ToolCall(entry.get("id").asText(), function.get("name").asText(), function.path("arguments").asText("{}")));
        }
        return new ChatMessage(role, text, calls, node.path("tool_call_id").asText(""));
    }
}
