package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * Checks tool arguments against a device tool's input schema before they go to the device: the part
 * of JSON Schema that device tools use. An object's {@code required} properties and
 * {@code additionalProperties: false}; each property's {@code type} ({@code string}, {@code integer},
 * {@code number}, {@code boolean}, {@code object}, {@code array}), {@code enum}, and
 * {@code minimum}/{@code maximum}; nested objects the same way. Keywords outside that subset are
 * not checked (the device still checks).
 */
public final class SchemaCheck {

    private SchemaCheck() {
    }

    /** What is wrong with {@code arguments}, or empty when they fit {@code schema}. */
    public static Optional<String> problem(JsonNode schema, JsonNode arguments) {
        if (arguments == null || !arguments.isObject()) {
            return Optional.of("the arguments must be a JSON object");
        }
        if (schema == null || !schema.isObject()) {
            return Optional.empty();
        }
        return check(schema, arguments, "arguments");
    }

    private static Optional<String> check(JsonNode schema, JsonNode value, String path) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) {
            Optional<String> wrongType = checkType(type.asText(), value, path);
            if (wrongType.isPresent()) {
                return wrongType;
            }
        }
        JsonNode allowed = schema.get("enum");
        if (allowed != null && allowed.isArray()) {
            boolean found = false;
            for (JsonNode option : allowed) {
                if (sameValue(option, value)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return Optional.of(path + " must be one of " + allowed + ", not " + value);
            }
        }
        if (value.isNumber()) {
            JsonNode minimum = schema.get("minimum");
            if (minimum != null && minimum.isNumber() && value.decimalValue().compareTo(minimum.decimalValue()) < 0) {
                return Optional.of(path + " must be at least " + minimum + ", not " + value);
            }
            JsonNode maximum = schema.get("maximum");
            if (maximum != null && maximum.isNumber() && value.decimalValue().compareTo(maximum.decimalValue()) > 0) {
                return Optional.of(path + " must be at most " + maximum + ", not " + value);
            }
        }
        if (value.isObject()) {
            return checkObject(schema, value, path);
        }
        return Optional.empty();
    }

    private static Optional<String> checkObject(JsonNode schema, JsonNode value, String path) {
        for (JsonNode name : schema.path("required")) {
            if (name.isTextual() && !value.has(name.asText())) {
                return Optional.of(path + " lacks the required property '" + name.asText() + "'");
            }
        }
        JsonNode properties = schema.path("properties");
        boolean closed = schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean();
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            JsonNode propertySchema = properties.get(field.getKey());
            if (propertySchema == null) {
                if (closed) {
                    return Optional.of(path + " has a property the tool does not take: '" + field.getKey() + "'");
                }
                continue;
            }
            if (propertySchema.isObject()) {
                Optional<String> problem = check(propertySchema, field.getValue(), path + "." + field.getKey());
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> checkType(String type, JsonNode value, String path) {
        boolean fits = switch (type) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "null" -> value.isNull();
            default -> true;
        };
        return fits ? Optional.empty() : Optional.of(path + " must be of type " + type + ", not " + describe(value));
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static String describe(JsonNode value) {
        String kind = switch (value.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case NULL -> "null";
            default -> "a " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        String text = value.toString();
        return kind + " (" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + ")";
    }
}
