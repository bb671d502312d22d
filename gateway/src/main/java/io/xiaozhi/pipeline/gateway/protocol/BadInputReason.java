package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Locale;

/** Why a frame or a message from a device was rejected; the tag value of the bad-input counter. */
public enum BadInputReason {
    /** Text that is not JSON, is empty, or has content after the JSON value. */
    MALFORMED_JSON,
    /** JSON nested deeper than the parser accepts. */
    JSON_TOO_DEEP,
    /** JSON whose top level is not an object. */
    NOT_AN_OBJECT,
    /** A message without a {@code type}, or with an empty one. */
    MISSING_TYPE,
    /** A required field of a known message is absent. */
    MISSING_FIELD,
    /** A field of a known message has the wrong JSON type. */
    WRONG_FIELD_TYPE,
    /** A field has the right JSON type but a value outside what the protocol allows. */
    INVALID_FIELD_VALUE,
    /** A text message larger than the accepted maximum. */
    TEXT_TOO_LARGE,
    /** A binary frame, or a frame payload, with no bytes. */
    EMPTY_FRAME,
    /** A binary frame shorter than its framing's header. */
    TRUNCATED_HEADER,
    /** A binary frame or payload larger than the accepted maximum. */
    FRAME_TOO_LARGE,
    /** A header whose payload size disagrees with the bytes that follow it. */
    HEADER_SIZE_MISMATCH,
    /** A header carrying a payload type the framing does not define. */
    UNKNOWN_FRAME_TYPE,
    /** A version 2 header whose version field is not 2. */
    UNSUPPORTED_VERSION,
    /** A version 2 JSON payload that is not valid UTF-8. */
    BINARY_JSON_INVALID,
    /** An Opus packet the decoder could not decode. */
    UNDECODABLE_AUDIO,
    /** A JSON message of a type this server does not know; logged and ignored, as the protocol asks. */
    UNKNOWN_MESSAGE_TYPE,
    /** An MCP payload that is not a JSON-RPC response the server can use. */
    INVALID_MCP_RESPONSE;

    /** The value of the {@code reason} tag: the constant's name in lower case. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
