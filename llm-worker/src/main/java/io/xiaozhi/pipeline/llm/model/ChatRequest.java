package io.xiaozhi.pipeline.llm.model;

import java.util.List;

/**
 * One call to a chat model: the conversation so far (system prompt first) and the tools it may call.
 * An empty tool list means the model must answer in text (the final round of a turn that used up its
 * tool rounds).
 */
public record ChatRequest(List<ChatMessage> messages, List<ToolSpec> tools) {

    public ChatRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
    }
}
