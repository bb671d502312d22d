package io.xiaozhi.pipeline.monitor.metrics;

import java.util.List;
import java.util.Map;

/**
 * One {@code xiaozhi.metrics} record, read and checked by {@link SnapshotParser}: a service
 * instance's meters at {@code timestamp} (epoch ms). Counters and timers are cumulative since the
 * process started.
 */
public record MetricSnapshot(String service, String instance, long timestamp, List<Meter> meters) {

    public MetricSnapshot {
        meters = List.copyOf(meters);
    }

    /** {@code service/instance}: the publisher's record key, and this instance's identity here. */
    public String source() {
        return service + "/" + instance;
    }

    /**
     * One meter. {@code count} for counters, timers and summaries; {@code value} for gauges;
     * {@code totalMs}, {@code maxMs} and a {@link Histogram} for timers ({@link Histogram#EMPTY} when
     * the timer keeps no buckets). Fields a type does not have are null.
     */
    public record Meter(String name, String type, Map<String, String> tags, Double count, Double value, Histogram timer) {

        public Meter {
            tags = Map.copyOf(tags);
        }

        public String tag(String key) {
            return tags.getOrDefault(key, "");
        }

        public boolean is(String meterName, String meterType) {
            return name.equals(meterName) && type.equals(meterType);
        }
    }
}
