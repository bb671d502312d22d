package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/** Typed reads of optional fields of device JSON; a field of the wrong type is a {@link FieldException}. */
final class JsonFields {

    private JsonFields() {
    }

    /** A field that cannot be used; caught by the parsers and turned into a rejection. */
    static final class FieldException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient BadInputReason reason;

        FieldException(BadInputReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }

        <T> ParseResult<T> toResult() {
            return ParseResult.bad(reason, getMessage());
        }
    }

    /** The field, absent when it is missing or JSON null. */
    static Optional<JsonNode> present(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    /** A string field. */
    static Optional<String> text(JsonNode object, String field) throws FieldException {
        Optional<JsonNode> value = present(object, field);
        if (value.isPresent() && !value.get().isTextual()) {
            throw wrongType(field, "a string", value.get());
        }
        return value.map(JsonNode::textValue);
    }

    /** A string field that must be there. */
    static String requiredText(JsonNode object, String field) throws FieldException {
        return text(object, field).orElseThrow(() -> new FieldException(BadInputReason.MISSING_FIELD, "missing " + field));
    }

    /** The {@code session_id}: a scalar as text, {@code ""} when absent. */
    static String sessionId(JsonNode object) throws FieldException {
        Optional<JsonNode> value = present(object, "session_id");
        if (value.isEmpty()) {
            return "";
        }
        if (value.get().isContainerNode()) {
            throw wrongType("session_id", "a string", value.get());
        }
        return value.get().asText();
    }

    /** An integer field; an integer written as a string is accepted. */
    static OptionalInt integer(JsonNode object, String field) throws FieldException {
        Optional<JsonNode> value = present(object, field);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        JsonNode node = value.get();
        if (node.isIntegralNumber()) {
            if (!node.canConvertToInt()) {
                throw new FieldException(BadInputReason.INVALID_FIELD_VALUE, field + " out of range");
            }
            return OptionalInt.of(node.intValue());
        }
        if (node.isTextual()) {
            try {
                return OptionalInt.of(Integer.parseInt(node.textValue().strip()));
            } catch (NumberFormatException e) {
                throw wrongType(field, "an integer", node);
            }
        }
        throw wrongType(field, "an integer", node);
    }

    /** A flag: a boolean, 0 or 1, or the string true or false. */
    static Optional<Boolean> flag(JsonNode object, String field) throws FieldException {
        Optional<JsonNode> value = present(object, field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = value.get();
        if (node.isBoolean()) {
            return Optional.of(node.booleanValue());
        }
        if (node.isIntegralNumber() && (node.asLong() == 0 || node.asLong() == 1)) {
            return Optional.of(node.asLong() == 1);
        }
        if (node.isTextual() && (node.textValue().equals("true") || node.textValue().equals("false"))) {
            return Optional.of(Boolean.parseBoolean(node.textValue()));
        }
        throw wrongType(field, "a boolean", node);
    }

    /** An object field. */
    static Optional<ObjectNode> object(JsonNode object, String field) throws FieldException {
        Optional<JsonNode> value = present(object, field);
        if (value.isPresent() && !value.get().isObject()) {
            throw wrongType(field, "an object", value.get());
        }
        return value.map(ObjectNode.class::cast);
    }

    /** An array field. */
    static Optional<JsonNode> array(JsonNode object, String field) throws FieldException {
        Optional<JsonNode> value = present(object, field);
        if (value.isPresent() && !value.get().isArray()) {
            throw wrongType(field, "an array", value.get());
        }
        return value;
    }

    static FieldException wrongType(String field, String expected, JsonNode actual) {
        return new FieldException(BadInputReason.WRONG_FIELD_TYPE,
                field + " should be " + expected + ", is " + actual.getNodeType().name().toLowerCase(Locale.ROOT));
    }
}
