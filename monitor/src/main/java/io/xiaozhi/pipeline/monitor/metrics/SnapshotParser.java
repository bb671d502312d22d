package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code xiaozhi.metrics} value (the JSON of common's {@code MetricSnapshots}) into a
 * {@link MetricSnapshot}, or says exactly why it cannot: the topology counts such values in
 * {@code xiaozhi.monitor.metrics.malformed} and skips them, so one bad publisher never stops the
 * aggregation. Required: {@code service} and {@code instance} (non-empty text), {@code timestamp}
 * (positive epoch ms), {@code meters} (an array); each meter needs {@code name} and {@code type};
 * counts must be finite and not negative; {@code buckets} must be {@code [bound_ms, cumulative count]}
 * pairs with rising bounds and counts that never fall. Unknown fields and meter types are ignored.
 */
public final class SnapshotParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotParser() {
    }

    /** What reading one value gave. */
    public sealed interface Result permits Parsed, Malformed {
    }

    /** A snapshot that can be used. */
    public record Parsed(MetricSnapshot snapshot) implements Result {
    }

    /** A value that cannot be used, and why. */
    public record Malformed(String reason) implements Result {
    }

    public static Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new Malformed("empty value");
        }
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (JacksonException e) {
            return new Malformed("not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            return new Malformed("unreadable: " + e.getMessage());
        }
        try {
            return new Parsed(snapshot(root));
        } catch (IllegalArgumentException e) {
            return new Malformed(e.getMessage());
        }
    }

    private static MetricSnapshot snapshot(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String service = text(root, "service");
        String instance = text(root, "instance");
        JsonNode timestamp = root.get("timestamp");
        if (timestamp == null || !timestamp.isIntegralNumber() || timestamp.asLong() <= 0) {
            throw new IllegalArgumentException("timestamp must be a positive whole number of epoch milliseconds");
        }
        JsonNode meters = root.get("meters");
        if (meters == null || !meters.isArray()) {
            throw new IllegalArgumentException("meters must be an array");
        }
        List<MetricSnapshot.Meter> list = new ArrayList<>(meters.size());
        for (int i = 0; i < meters.size(); i++) {
            try {
                list.add(meter(meters.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("meter " + i + ": " + e.getMessage());
            }
        }
        return new MetricSnapshot(service, instance, timestamp.asLong(), list);
    }

    private static MetricSnapshot.Meter meter(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("not an object");
        }
        String name = text(node, "name");
        String type = text(node, "type");
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode tagNode = node.get("tags");
        if (tagNode != null && !tagNode.isNull()) {
            if (!tagNode.isObject()) {
                throw new IllegalArgumentException(name + ": tags must be an object");
            }
            tagNode.properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
        }
        Double count = null;
        Double value = null;
        Histogram timer = null;
        switch (type) {
            case "counter", "summary" -> count = count(node, name, "count", true);
            case "gauge" -> value = number(node, name, "value", true);
            case "timer" -> {
                count = count(node, name, "count", true);
                Double total = count(node, name, "total_ms", false);
                Double max = count(node, name, "max_ms", false);
                timer = buckets(node, name, count.longValue(), total == null ? 0 : total, max == null ? 0 : max);
            }
            default -> {
                // other meter types (long task timers) carry nothing the monitor uses
            }
        }
        return new MetricSnapshot.Meter(name, type, tags, count, value, timer);
    }

    private static Histogram buckets(JsonNode node, String name, long count, double total, double max) {
        JsonNode buckets = node.get("buckets");
        if (buckets == null || buckets.isNull()) {
            return new Histogram(count, total, max, new double[0], new long[0]);
        }
        if (!buckets.isArray()) {
            throw new IllegalArgumentException(name + ": buckets must be an array of [bound_ms, count] pairs");
        }
        double[] bounds = new double[buckets.size()];
        long[] counts = new long[buckets.size()];
        for (int i = 0; i < bounds.length; i++) {
            JsonNode pair = buckets.get(i);
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isNumber() || !pair.get(1).isNumber()) {
                throw new IllegalArgumentException(name + ": bucket " + i + " is not a [bound_ms, count] pair");
            }
            bounds[i] = pair.get(0).asDouble();
            counts[i] = pair.get(1).asLong();
            if (!Double.isFinite(bounds[i]) || counts[i] < 0) {
                throw new IllegalArgumentException(name + ": bucket " + i + " has a bound that is not finite or a negative count");
            }
            if (i > 0 && (bounds[i] <= bounds[i - 1] || counts[i] < counts[i - 1])) {
                throw new IllegalArgumentException(name + ": bucket " + i + " does not rise (bounds must grow, counts never fall)");
            }
        }
        return new Histogram(count, total, max, bounds, counts);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException(field + " must be non-empty text");
        }
        return value.asText();
    }

    private static Double count(JsonNode node, String name, String field, boolean required) {
        Double value = number(node, name, field, required);
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + ": " + field + " must not be negative");
        }
        return value;
    }

    private static Double number(JsonNode node, String name, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException(name + ": " + field + " is missing");
            }
            return null;
        }
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new IllegalArgumentException(name + ": " + field + " must be a finite number");
        }
        return value.asDouble();
    }
}
