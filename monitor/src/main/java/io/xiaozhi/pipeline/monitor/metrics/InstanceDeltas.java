package io.xiaozhi.pipeline.monitor.metrics;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each instance's cumulative snapshots into {@link Contribution}s: the store
 * ({@value MetricsTopology#SAMPLES_STORE}, keyed {@code service/instance}) holds the instance's last
 * {@link InstanceSample}; each new snapshot is differenced against it. A snapshot not newer than the
 * stored one (a duplicate after a reprocessing, or out of order) is counted in
 * {@code xiaozhi.monitor.metrics.out_of_order} and dropped. Instances silent for longer than the
 * history are forgotten (checked every ten minutes of wall-clock time).
 */
final class InstanceDeltas implements FixedKeyProcessor<String, MetricSnapshot, Contribution> {

    private final long freshWithinMs;
    private final long forgetAfterMs;
    private final Counter outOfOrder;
    private FixedKeyProcessorContext<String, Contribution> context;
    private KeyValueStore<String, InstanceSample> samples;

    InstanceDeltas(long freshWithinMs, long forgetAfterMs, Counter outOfOrder) {
        this.freshWithinMs = freshWithinMs;
        this.forgetAfterMs = forgetAfterMs;
        this.outOfOrder = outOfOrder;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Contribution> context) {
        this.context = context;
        this.samples = context.getStateStore(MetricsTopology.SAMPLES_STORE);
        context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetSilent);
    }

    @Override
    public void process(FixedKeyRecord<String, MetricSnapshot> record) {
        InstanceSample current = InstanceSample.of(record.value());
        InstanceSample previous = samples.get(current.source());
        if (previous != null && current.timestamp() <= previous.timestamp()) {
            outOfOrder.increment();
            return;
        }
        samples.put(current.source(), current);
        for (Contribution contribution : Contribution.between(previous, current, freshWithinMs)) {
            context.forward(record.withValue(contribution).withTimestamp(current.timestamp()));
        }
    }

    private void forgetSilent(long now) {
        List<String> silent = new ArrayList<>();
        try (KeyValueIterator<String, InstanceSample> all = samples.all()) {
            while (all.hasNext()) {
                KeyValue<String, InstanceSample> entry = all.next();
                if (entry.value == null || now - entry.value.timestamp() > forgetAfterMs) {
                    silent.add(entry.key);
                }
            }
        }
        silent.forEach(samples::delete);
    }
}
