package io.xiaozhi.pipeline.llm.model;

import java.util.Objects;

/**
 * A function call the model asked for: the model's id of the call (echoed in the tool message that
 * answers it), the tool's name as the model was offered it, and the arguments as a JSON text.
 */
public record ToolCall(String id, String name, String argumentsJson) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(argumentsJson, "argumentsJson");
    }
}
