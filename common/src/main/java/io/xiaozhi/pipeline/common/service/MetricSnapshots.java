package io.xiaozhi.pipeline.common.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * A service's meters as one JSON document, the value of a {@code xiaozhi.metrics} record:
 *
 * <pre>{@code
 * {"service": "llm-worker", "instance": "host-1234", "timestamp": 1764230400000,
 *  "meters": [
 *    {"name": "xiaozhi.stage.completed", "type": "counter", "tags": {"stage": "llm"}, "count": 12},
 *    {"name": "xiaozhi.stage.inflight", "type": "gauge", "tags": {"stage": "llm"}, "value": 3},
 *    {"name": "xiaozhi.stage.processing", "type": "timer", "tags": {...}, "count": 12, "total_ms": 840.5,
 *     "max_ms": 120.2, "buckets": [[1.0, 0], [5.0, 3], ...]}]}
 * }</pre>
 *
 * Counters and timers are cumulative since the service started (a consumer takes differences);
 * {@code buckets} are cumulative counts at upper bounds in milliseconds, present when the meter
 * keeps a histogram, so percentiles can be computed across instances. Values that are not finite
 * (a gauge whose object is gone) are left out.
 */
public final class MetricSnapshots {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricSnapshots() {
    }

    public static ObjectNode snapshot(String service, String instance, long timestamp, MeterRegistry registry) {
        ObjectNode root = JSON.createObjectNode();
        root.put("service", service);
        root.put("instance", instance);
        root.put("timestamp", timestamp);
        ArrayNode meters = root.putArray("meters");
        for (Meter meter : registry.getMeters()) {
            ObjectNode node = JSON.createObjectNode();
            node.put("name", meter.getId().getName());
            ObjectNode tags = node.putObject("tags");
            for (Tag tag : meter.getId().getTagsAsIterable()) {
                tags.put(tag.getKey(), tag.getValue());
            }
            if (describe(meter, node)) {
                meters.add(node);
            }
        }
        return root;
    }

    private static boolean describe(Meter meter, ObjectNode node) {
        if (meter instanceof Counter counter) {
            return number(node.put("type", "counter"), "count", counter.count());
        }
        if (meter instanceof FunctionCounter counter) {
            return number(node.put("type", "counter"), "count", counter.count());
        }
        if (meter instanceof TimeGauge gauge) {
            return number(node.put("type", "gauge"), "value", gauge.value(TimeUnit.MILLISECONDS));
        }
        if (meter instanceof Gauge gauge) {
            return number(node.put("type", "gauge"), "value", gauge.value());
        }
        if (meter instanceof Timer timer) {
            node.put("type", "timer");
            HistogramSnapshot snapshot = timer.takeSnapshot();
            node.put("count", snapshot.count());
            node.put("total_ms", snapshot.total(TimeUnit.MILLISECONDS));
            node.put("max_ms", snapshot.max(TimeUnit.MILLISECONDS));
            buckets(node, snapshot, true);
            return true;
        }
        if (meter instanceof FunctionTimer timer) {
            node.put("type", "timer");
            node.put("count", (long) timer.count());
            return number(node, "total_ms", timer.totalTime(TimeUnit.MILLISECONDS));
        }
        if (meter instanceof DistributionSummary summary) {
            node.put("type", "summary");
            HistogramSnapshot snapshot = summary.takeSnapshot();
            node.put("count", snapshot.count());
            node.put("total", snapshot.total());
            node.put("max", snapshot.max());
            buckets(node, snapshot, false);
            return true;
        }
        if (meter instanceof LongTaskTimer timer) {
            node.put("type", "long_task_timer");
            node.put("active", timer.activeTasks());
            return number(node, "duration_ms", timer.duration(TimeUnit.MILLISECONDS));
        }
        return false;
    }

    private static void buckets(ObjectNode node, HistogramSnapshot snapshot, boolean time) {
        CountAtBucket[] counts = snapshot.histogramCounts();
        if (counts.length == 0) {
            return;
        }
        ArrayNode buckets = node.putArray("buckets");
        for (CountAtBucket bucket : counts) {
            double bound = time ? bucket.bucket(TimeUnit.MILLISECONDS) : bucket.bucket();
            if (Double.isFinite(bound)) {
                buckets.addArray().add(bound).add(bucket.count());
            }
        }
    }

    private static boolean number(ObjectNode node, String field, double value) {
        if (!Double.isFinite(value)) {
            return false;
        }
        node.put(field, value);
        return true;
    }
}
