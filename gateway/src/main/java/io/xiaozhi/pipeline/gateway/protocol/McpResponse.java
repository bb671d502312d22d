package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** A JSON-RPC 2.0 response from a device's MCP server: a result or an error. */
public sealed interface McpResponse {

    /**
     * A successful response.
     *
     * @param id the id of the request it answers
     * @param result its {@code result}
     */
    record Success(long id, JsonNode result) implements McpResponse {
        /** Checks the result. */
        public Success {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * An error response. The firmware writes {@code {"error":{"message":"…"}}} without a code.
     *
     * @param id the id of the request it answers, absent when the device could not tell
     * @param code the error code, if the device sent one
     * @param message the error message, {@code ""} when none was sent
     */
    record Failure(OptionalLong id, OptionalInt code, String message) implements McpResponse {
        /** Checks the fields. */
        public Failure {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }
}
