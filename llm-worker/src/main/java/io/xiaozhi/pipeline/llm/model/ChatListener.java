package io.xiaozhi.pipeline.llm.model;

/**
 * Receives a streamed reply as it arrives: text deltas in order, then the tool calls the model asked
 * for (each complete, with its whole arguments). Called on the thread that called
 * {@link ChatModel#stream}; an exception thrown here ends the call and propagates.
 */
public interface ChatListener {

    /** The next piece of the reply's text (never empty). */
    void onText(String delta);

    /** One complete tool call, in the order the model made them. */
    void onToolCall(ToolCall call);
}
