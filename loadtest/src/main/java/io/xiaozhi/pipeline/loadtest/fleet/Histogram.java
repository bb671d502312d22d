package io.xiaozhi.pipeline.loadtest.fleet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A thread-safe latency histogram with 1 ms buckets up to {@value #MAX_MS} ms (longer values land in
 * the last bucket; the exact maximum is kept apart), so percentiles are exact to the millisecond
 * whatever the number of samples.
 */
public final class Histogram {

    public static final int MAX_MS = 120_000;

    private final AtomicLongArray buckets = new AtomicLongArray(MAX_MS + 1);
    private final LongAdder count = new LongAdder();
    private final LongAdder sumMicros = new LongAdder();
    private final LongAccumulator maxMicros = new LongAccumulator(Math::max, Long.MIN_VALUE);

    /** Records a value in nanoseconds (negative values count as 0). */
    public void recordNanos(long nanos) {
        long micros = Math.max(0, nanos / 1_000);
        buckets.incrementAndGet((int) Math.min(MAX_MS, micros / 1_000));
        count.increment();
        sumMicros.add(micros);
        maxMicros.accumulate(micros);
    }

    public long count() {
        return count.sum();
    }

    /** The smallest whole millisecond at or below which a share {@code p} (0..1) of the values lie; 0 when empty. */
    public long percentileMs(double p) {
        long n = count();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p * n));
        long seen = 0;
        for (int ms = 0; ms <= MAX_MS; ms++) {
            seen += buckets.get(ms);
            if (seen >= rank) {
                return ms == MAX_MS ? Math.round(maxMs()) : ms;
            }
        }
        return Math.round(maxMs());
    }

    public double maxMs() {
        return count() == 0 ? 0 : maxMicros.get() / 1_000.0;
    }

    public double meanMs() {
        long n = count();
        return n == 0 ? 0 : sumMicros.sum() / 1_000.0 / n;
    }

    /** {@code {"count", "mean", "p50", "p90", "p99", "max"}} in milliseconds. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("count", count());
        node.put("mean", Math.round(meanMs() * 10) / 10.0);
        node.put("p50", percentileMs(0.50));
        node.put("p90", percentileMs(0.90));
        node.put("p99", percentileMs(0.99));
        node.put("max", Math.round(maxMs() * 10) / 10.0);
        return node;
    }
}
