package io.xiaozhi.pipeline.loadtest.providers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the {@link ProviderSimulator} served: per endpoint the requests answered and the simulated
 * provider time they took (the delays it chose, not the time spent on the wire), the errors it
 * injected, and the requests it refused as malformed. Thread-safe.
 */
public final class SimulatorStats {

    /** The simulated endpoints. */
    public enum Endpoint {
        TRANSCRIPTIONS("transcriptions"), CHAT("chat"), VISION("vision"), SPEECH("speech");

        final String key;

        Endpoint(String key) {
            this.key = key;
        }
    }

    private static final class Counts {
        final LongAdder served = new LongAdder();
        final LongAdder simulatedMicros = new LongAdder();
        final LongAccumulator maxMicros = new LongAccumulator(Math::max, 0);
        final LongAdder firstPartMicros = new LongAdder();
        final LongAdder injected429 = new LongAdder();
        final LongAdder injected500 = new LongAdder();
        final LongAdder malformed = new LongAdder();
    }

    private final Map<Endpoint, Counts> counts = new EnumMap<>(Endpoint.class);
    private final AtomicLong startedAt = new AtomicLong(System.currentTimeMillis());

    public SimulatorStats() {
        for (Endpoint e : Endpoint.values()) {
            counts.put(e, new Counts());
        }
    }

    /** A request answered; {@code simulatedNanos} the whole simulated time, {@code firstPartNanos} to the first token or audio. */
    public void served(Endpoint endpoint, long simulatedNanos, long firstPartNanos) {
        Counts c = counts.get(endpoint);
        c.served.increment();
        c.simulatedMicros.add(simulatedNanos / 1_000);
        c.maxMicros.accumulate(simulatedNanos / 1_000);
        c.firstPartMicros.add(firstPartNanos / 1_000);
    }

    public void injected(Endpoint endpoint, int status) {
        (status == 429 ? counts.get(endpoint).injected429 : counts.get(endpoint).injected500).increment();
    }

    public void malformed(Endpoint endpoint) {
        counts.get(endpoint).malformed.increment();
    }

    public long served(Endpoint endpoint) {
        return counts.get(endpoint).served.sum();
    }

    public long injectedCount(Endpoint endpoint, int status) {
        return (status == 429 ? counts.get(endpoint).injected429 : counts.get(endpoint).injected500).sum();
    }

    public long malformedCount(Endpoint endpoint) {
        return counts.get(endpoint).malformed.sum();
    }

    /** The simulated provider time of all answered requests of {@code endpoint}, in milliseconds. */
    public double simulatedMs(Endpoint endpoint) {
        return counts.get(endpoint).simulatedMicros.sum() / 1_000.0;
    }

    /** Forgets everything counted so far (between benchmark phases). */
    public void reset() {
        for (Endpoint e : Endpoint.values()) {
            counts.put(e, new Counts());
        }
        startedAt.set(System.currentTimeMillis());
    }

    /** The figures as the JSON served at {@code /stats}. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("simulator", "xiaozhi-pipeline provider simulator, for benchmarks only");
        root.put("since", startedAt.get());
        ObjectNode endpoints = root.putObject("endpoints");
        for (Endpoint e : Endpoint.values()) {
            Counts c = counts.get(e);
            long served = c.served.sum();
            ObjectNode node = endpoints.putObject(e.key);
            node.put("served", served);
            node.put("simulated_ms_total", c.simulatedMicros.sum() / 1_000.0);
            node.put("simulated_ms_mean", served == 0 ? 0 : c.simulatedMicros.sum() / 1_000.0 / served);
            node.put("simulated_ms_max", c.maxMicros.get() / 1_000.0);
            node.put("first_part_ms_mean", served == 0 ? 0 : c.firstPartMicros.sum() / 1_000.0 / served);
            node.put("injected_429", c.injected429.sum());
            node.put("injected_500", c.injected500.sum());
            node.put("malformed", c.malformed.sum());
        }
        return root;
    }
}
