package io.xiaozhi.pipeline.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A tool offered to the model: a name the model's API accepts, what it does, and its parameters as a
 * JSON Schema object.
 */
public record ToolSpec(String name, String description, JsonNode parameters) {

    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
    }
}
