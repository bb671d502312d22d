package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Parses a JSON text message from a device into a {@link DeviceMessage}. Never throws on device
 * input: malformed, oversized or mistyped messages are {@link ParseResult.Bad} results. Unknown
 * fields are ignored; unknown types are {@link DeviceMessage.Unknown}.
 */
public final class DeviceMessageParser {

    /** The default largest message accepted, in UTF-8 bytes. */
    public static final int DEFAULT_MAX_TEXT_BYTES = 64 * 1024;

    private final int maxTextBytes;

    /** A parser accepting messages of up to {@value #DEFAULT_MAX_TEXT_BYTES} bytes. */
    public DeviceMessageParser() {
        this(DEFAULT_MAX_TEXT_BYTES);
    }

    /** A parser accepting messages of up to {@code maxTextBytes} UTF-8 bytes. */
    public DeviceMessageParser(int maxTextBytes) {
        if (maxTextBytes <= 0) {
            throw new IllegalArgumentException("maxTextBytes must be positive: " + maxTextBytes);
        }
        this.maxTextBytes = maxTextBytes;
    }

    /** Parses one text frame. */
    public ParseResult<DeviceMessage> parse(String text) {
        if (text == null || text.isBlank()) {
            return ParseResult.bad(BadInputReason.MALFORMED_JSON, "empty text");
        }
        long bytes = utf8Length(text);
        if (bytes > maxTextBytes) {
            return ParseResult.bad(BadInputReason.TEXT_TOO_LARGE, "text of " + bytes + " bytes exceeds " + maxTextBytes);
        }
        JsonNode tree;
        try {
            tree = ProtocolJson.MAPPER.readTree(text);
        } catch (StreamConstraintsException e) {
            return ParseResult.bad(BadInputReason.JSON_TOO_DEEP, "JSON exceeds parser limits");
        } catch (JsonProcessingException e) {
            return ParseResult.bad(BadInputReason.MALFORMED_JSON, firstLine(e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode()) {
            return ParseResult.bad(BadInputReason.MALFORMED_JSON, "no JSON value");
        }
        if (!tree.isObject()) {
            return ParseResult.bad(BadInputReason.NOT_AN_OBJECT, "top level is " + tree.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return read((ObjectNode) tree);
    }

    private static ParseResult<DeviceMessage> read(ObjectNode message) {
        try {
            JsonNode typeNode = message.get("type");
            if (typeNode == null || typeNode.isNull() || (typeNode.isTextual() && typeNode.textValue().isEmpty())) {
                return ParseResult.bad(BadInputReason.MISSING_TYPE, "no type");
            }
            if (!typeNode.isTextual()) {
                throw JsonFields.wrongType("type", "a string", typeNode);
            }
            String sessionId = JsonFields.sessionId(message);
            return ParseResult.ok(MessageReaders.read(typeNode.textValue(), message, sessionId));
        } catch (JsonFields.FieldException e) {
            return e.toResult();
        }
    }

    /** The UTF-8 length of {@code text}, a lone surrogate counting as the 3 bytes of its replacement. */
    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
