package io.xiaozhi.pipeline.llm.model;

import java.util.Locale;

/** Why the model stopped: {@code finish_reason} of the chat completions API. */
public enum FinishReason {
    /** The reply is complete. */
    STOP,
    /** The model asked for tool calls. */
    TOOL_CALLS,
    /** The reply was cut at the token limit. */
    LENGTH,
    /** The provider withheld (part of) the reply. */
    CONTENT_FILTER,
    /** Any other reason a provider gives. */
    OTHER;

    /** The reason a provider wrote; {@code null} and unknown words are {@link #OTHER}. */
    public static FinishReason of(String wire) {
        if (wire == null) {
            return OTHER;
        }
        return switch (wire.toLowerCase(Locale.ROOT)) {
            case "stop", "end_turn", "eos" -> STOP;
            case "tool_calls", "function_call", "tool_use" -> TOOL_CALLS;
            case "length", "max_tokens" -> LENGTH;
            case "content_filter" -> CONTENT_FILTER;
            default -> OTHER;
        };
    }
}
