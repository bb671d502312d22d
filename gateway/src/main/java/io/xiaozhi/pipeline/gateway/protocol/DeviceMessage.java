package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A JSON text message from a device. Every message carries the {@code session_id} it was sent with,
 * or an empty string when the device sent none.
 */
public sealed interface DeviceMessage {

    /** The session id the device wrote, or {@code ""}. */
    String sessionId();

    /**
     * The first message of a connection.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param version the hello's {@code version}, 1 when absent
     * @param features the device's feature flags
     * @param transport the transport named, {@code "websocket"} when absent
     * @param audioParams the uplink audio, {@link AudioParams#DEVICE_DEFAULT} where not given
     */
    record Hello(String sessionId, int version, Features features, String transport, AudioParams audioParams)
            implements DeviceMessage {
        /** Checks the fields. */
        public Hello {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(features, "features");
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(audioParams, "audioParams");
        }
    }

    /**
     * The {@code features} object of a hello.
     *
     * @param mcp whether the device speaks MCP
     * @param aec whether the device cancels echo itself
     * @param all every feature as sent, including these two and unknown ones
     */
    record Features(boolean mcp, boolean aec, Map<String, JsonNode> all) {
        /** No features. */
        public static final Features NONE = new Features(false, false, Map.of());

        /** Copies the map. */
        public Features {
            all = Map.copyOf(all);
        }
    }

    /**
     * A {@code listen} message.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param state start, stop or detect
     * @param requestedMode the mode the device named, empty when it named none (a session keeps its mode
     *     then); a mode this server does not know is read as {@link ListenMode#AUTO}, as the reference
     *     server treats it
     * @param text the detected wake word or utterance of a {@code detect}, if given
     */
    record Listen(String sessionId, ListenState state, Optional<ListenMode> requestedMode, Optional<String> text)
            implements DeviceMessage {
        /** Checks the fields. */
        public Listen {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(requestedMode, "requestedMode");
            Objects.requireNonNull(text, "text");
        }

        /** The mode the device named, or {@code current} when it named none. */
        public ListenMode modeOr(ListenMode current) {
            return requestedMode.orElse(current);
        }
    }

    /**
     * Stop speaking now.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param reason why, if the device said (for example {@code wake_word_detected})
     */
    record Abort(String sessionId, Optional<String> reason) implements DeviceMessage {
        /** Checks the fields. */
        public Abort {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * A JSON-RPC 2.0 message from the device's MCP server.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param payload the JSON-RPC object
     */
    record Mcp(String sessionId, JsonNode payload) implements DeviceMessage {
        /** Checks the fields. */
        public Mcp {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(payload, "payload");
        }
    }

    /**
     * The capabilities or states of older firmware.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param update the {@code update} flag, false when absent
     * @param descriptors the {@code descriptors} array, if sent
     * @param states the {@code states} array, if sent
     */
    record Iot(String sessionId, boolean update, Optional<JsonNode> descriptors, Optional<JsonNode> states)
            implements DeviceMessage {
        /** Checks the fields. */
        public Iot {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(descriptors, "descriptors");
            Objects.requireNonNull(states, "states");
        }
    }

    /**
     * A keep-alive; answer with a pong.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     */
    record Ping(String sessionId) implements DeviceMessage {
        /** Checks the fields. */
        public Ping {
            Objects.requireNonNull(sessionId, "sessionId");
        }
    }

    /**
     * A message of a type this server does not know: log and ignore it.
     *
     * @param sessionId the session id the device wrote, or {@code ""}
     * @param type the type as sent
     * @param raw the whole message
     */
    record Unknown(String sessionId, String type, JsonNode raw) implements DeviceMessage {
        /** Checks the fields. */
        public Unknown {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(raw, "raw");
        }
    }
}
