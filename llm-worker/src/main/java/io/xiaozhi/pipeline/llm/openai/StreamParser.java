package io.xiaozhi.pipeline.llm.openai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ServerSentEvents;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.llm.model.ChatListener;
import io.xiaozhi.pipeline.llm.model.FinishReason;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the events of one streamed chat completion: {@code choices[0].delta.content} goes to the
 * listener as it arrives ({@code reasoning_content}, which some providers stream before the answer,
 * is not), tool call pieces are assembled, and {@code finish_reason} is noted. At the end the tool
 * calls are checked and delivered whole.
 *
 * <p>Malformed streams fail with a specific, non-retryable error, counted as {@code malformed}: an
 * event that is not a JSON object, {@code choices} that is not an array, a stream that ends without
 * {@code [DONE]} and without a finish reason (truncated), a tool call without a name, or arguments
 * that are not JSON. An {@code error} object in the stream is the provider's own failure.
 */
final class StreamParser {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ChatListener listener;
    private final OpenAiEndpoint endpoint;
    private final ToolCallAssembler toolCalls = new ToolCallAssembler();
    private int events;
    private String finishReason;

    StreamParser(ChatListener listener, OpenAiEndpoint endpoint) {
        this.listener = listener;
        this.endpoint = endpoint;
    }

    /** One event's data; returns true to go on reading. */
    boolean onData(String data) {
        events++;
        JsonNode event;
        try {
            event = JSON.readTree(data);
        } catch (IOException e) {
            throw endpoint.malformed("stream event " + events + " is not JSON: " + abbreviate(data));
        }
        if (event == null || !event.isObject()) {
            throw endpoint.malformed("stream event " + events + " is not a JSON object: " + abbreviate(data));
        }
        JsonNode error = event.get("error");
        if (error != null && !error.isNull()) {
            endpoint.metrics().failure(endpoint.stage(), "stream_error");
            String message = error.isObject() ? error.path("message").asText(error.toString()) : error.asText();
            throw new StageException(endpoint.stage() + " provider reported an error in the stream: " + abbreviate(message), false);
        }
        JsonNode choices = event.get("choices");
        if (choices == null || choices.isNull()) {
            return true; // a usage event, or a keep-alive
        }
        if (!choices.isArray()) {
            throw endpoint.malformed("stream event " + events + ": choices is not an array");
        }
        if (choices.isEmpty()) {
            return true;
        }
        JsonNode choice = choices.get(0);
        JsonNode delta = choice.path("delta");
        JsonNode content = delta.get("content");
        if (content != null && content.isTextual() && !content.asText().isEmpty()) {
            listener.onText(content.asText());
        }
        JsonNode calls = delta.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (JsonNode piece : calls) {
                JsonNode function = piece.path("function");
                JsonNode arguments = function.get("arguments");
                String fragment = arguments == null || arguments.isNull() ? null
                        : arguments.isTextual() ? arguments.asText() : arguments.toString();
                toolCalls.piece(piece.path("index").isInt() ? piece.get("index").asInt() : null, text(piece.get("id")),
                        text(function.get("name")), fragment);
            }
        }
        JsonNode finish = choice.get("finish_reason");
        if (finish != null && finish.isTextual() && !finish.asText().isEmpty()) {
            finishReason = finish.asText();
        }
        return true;
    }

    /** The stream has ended (how: {@code end}): checks it and delivers the tool calls. */
    FinishReason finish(ServerSentEvents.End end) {
        if (end == ServerSentEvents.End.STOPPED) {
            throw new StageException(endpoint.stage() + " provider: call aborted (turn cancelled or attempt timed out)", true);
        }
        if (end == ServerSentEvents.End.EOF && finishReason == null) {
            throw endpoint.malformed("the stream ended after " + events + " event(s) without [DONE] or a finish_reason (truncated)");
        }
        List<ToolCall> complete = new ArrayList<>();
        for (ToolCallAssembler.Partial call : toolCalls.calls()) {
            if (call.name.isEmpty()) {
                throw endpoint.malformed("tool call " + call.index + " has no function name");
            }
            String arguments = call.arguments.toString().strip();
            if (arguments.isEmpty()) {
                arguments = "{}";
            }
            try {
                JSON.readTree(arguments);
            } catch (IOException e) {
                throw endpoint.malformed("the arguments of tool call " + call.name + " are not JSON: " + abbreviate(arguments));
            }
            complete.add(new ToolCall(call.id.isEmpty() ? "call_" + call.index : call.id, call.name, arguments));
        }
        complete.forEach(listener::onToolCall);
        if (!complete.isEmpty()) {
            return FinishReason.TOOL_CALLS;
        }
        return finishReason == null ? FinishReason.STOP : FinishReason.of(finishReason);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static String abbreviate(String text) {
        String flat = text.replace('\n', ' ');
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }
}
