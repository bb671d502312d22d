package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** Builds {@code xiaozhi.metrics} values by hand, in the format of common's {@code MetricSnapshots}. */
public final class SnapshotJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();
    private final ArrayNode meters;

    private SnapshotJson(String service, String instance, long timestamp) {
        root.put("service", service);
        root.put("instance", instance);
        root.put("timestamp", timestamp);
        meters = root.putArray("meters");
    }

    public static SnapshotJson of(String service, String instance, long timestamp) {
        return new SnapshotJson(service, instance, timestamp);
    }

    public SnapshotJson counter(String name, double count, String... tags) {
        ObjectNode meter = meter(name, "counter", tags);
        meter.put("count", count);
        return this;
    }

    public SnapshotJson gauge(String name, double value, String... tags) {
        ObjectNode meter = meter(name, "gauge", tags);
        meter.put("value", value);
        return this;
    }

    /** A timer with cumulative {@code buckets} given as {bound_ms, count} pairs. */
    public SnapshotJson timer(String name, long count, double totalMs, double maxMs, double[][] buckets, String... tags) {
        ObjectNode meter = meter(name, "timer", tags);
        meter.put("count", count);
        meter.put("total_ms", totalMs);
        meter.put("max_ms", maxMs);
        if (buckets != null) {
            ArrayNode array = meter.putArray("buckets");
            for (double[] bucket : buckets) {
                array.addArray().add(bucket[0]).add((long) bucket[1]);
            }
        }
        return this;
    }

    /** A stage runtime's meters for {@code stage}: finished requests and a processing timer with every request at {@code ms}. */
    public SnapshotJson stage(String stage, double completed, double deadLetters, double expired, double inflight, long processed, double ms) {
        counter("xiaozhi.stage.completed", completed, "stage", stage);
        counter("xiaozhi.stage.dlq", deadLetters, "stage", stage);
        counter("xiaozhi.stage.deadline.expired", expired, "stage", stage);
        gauge("xiaozhi.stage.inflight", inflight, "stage", stage);
        return timer("xiaozhi.stage.processing", processed, processed * ms, ms, bucketsAll(processed, ms), "stage", stage);
    }

    /** Buckets 1, 10, 100, 1000, 10000 ms with all {@code count} values at {@code ms}. */
    public static double[][] bucketsAll(long count, double ms) {
        double[] bounds = {1, 10, 100, 1000, 10_000};
        double[][] buckets = new double[bounds.length][];
        for (int i = 0; i < bounds.length; i++) {
            buckets[i] = new double[] {bounds[i], ms <= bounds[i] ? count : 0};
        }
        return buckets;
    }

    public ObjectNode node() {
        return root;
    }

    public byte[] bytes() {
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    public String key() {
        return root.path("service").asText() + "/" + root.path("instance").asText();
    }

    public long timestamp() {
        return root.path("timestamp").asLong();
    }

    private ObjectNode meter(String name, String type, String... tags) {
        ObjectNode meter = meters.addObject();
        meter.put("name", name);
        meter.put("type", type);
        ObjectNode tagNode = meter.putObject("tags");
        for (int i = 0; i + 1 < tags.length; i += 2) {
            tagNode.put(tags[i], tags[i + 1]);
        }
        return meter;
    }
}
