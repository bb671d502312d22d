package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One tool a device offers.
 *
 * @param name the device's name for it, such as {@code self.audio_speaker.set_volume}
 * @param description what it does, {@code ""} when not given
 * @param inputSchema the JSON Schema of its arguments, an empty object schema when not given
 */
public record McpTool(String name, String description, JsonNode inputSchema) {

    /** Checks the fields. */
    public McpTool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(inputSchema, "inputSchema");
    }
}
