package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;

/** What becomes of one tool call the model made. */
public sealed interface ToolResolution {

    /** A server tool, already run: its result goes straight back to the model. */
    record Server(String result, boolean endsConversation) implements ToolResolution {
    }

    /** A device tool with valid arguments: to be called on the device by its own name. */
    record Device(String deviceName, JsonNode arguments) implements ToolResolution {
    }

    /**
     * A call that cannot be made (no such tool, or arguments that do not fit its schema): the
     * model is told why and the device never sees it.
     *
     * @param reason the provider-failure reason it is counted under ({@code unknown_tool}, {@code bad_arguments})
     */
    record Rejected(String message, String reason) implements ToolResolution {
    }
}
