package io.xiaozhi.pipeline.monitor.metrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * The running aggregate of one (service, stage) window: per instance, the sums of its contributions
 * (increases and the time they cover) and its latest gauges. Immutable; {@link #add} returns a new one.
 */
public record WindowAccumulator(String service, String stage, Map<String, InstancePart> instances) {

    public WindowAccumulator {
        instances = Map.copyOf(instances);
    }

    /** One instance's share of the window. {@code latest} is its last contribution (gauges). */
    public record InstancePart(long intervalMs, double requests, double errors, Histogram latency, double networkReceived,
                               double networkSent, Histogram acquire, Contribution latest) {

        static InstancePart of(Contribution c) {
            return new InstancePart(c.intervalMs(), c.requests(), c.errors(), c.latency(), c.networkReceived(), c.networkSent(),
                    c.pool() == null ? Histogram.EMPTY : c.pool().acquire(), c);
        }

        InstancePart plus(Contribution c) {
            Contribution newest = c.timestamp() >= latest.timestamp() ? c : latest;
            return new InstancePart(intervalMs + c.intervalMs(), requests + c.requests(), errors + c.errors(), latency.plus(c.latency()),
                    networkReceived + c.networkReceived(), networkSent + c.networkSent(),
                    c.pool() == null ? acquire : acquire.plus(c.pool().acquire()), newest);
        }
    }

    public static WindowAccumulator empty() {
        return new WindowAccumulator(null, null, Map.of());
    }

    public WindowAccumulator add(Contribution contribution) {
        Map<String, InstancePart> next = new TreeMap<>(instances);
        next.merge(contribution.instance(), InstancePart.of(contribution), (part, ignored) -> part.plus(contribution));
        return new WindowAccumulator(contribution.service(), contribution.stage(), next);
    }
}
