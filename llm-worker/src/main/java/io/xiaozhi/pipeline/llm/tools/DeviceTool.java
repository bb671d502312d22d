package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One tool the device offers over MCP, as the gateway stored it: the device's own (dotted) name, the
 * name the model sees, what it does, and its input schema.
 */
public record DeviceTool(String name, String llmName, String description, JsonNode inputSchema) {

    public DeviceTool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(llmName, "llmName");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(inputSchema, "inputSchema");
    }
}
