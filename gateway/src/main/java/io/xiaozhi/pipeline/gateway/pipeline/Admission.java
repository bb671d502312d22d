package io.xiaozhi.pipeline.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides, before a turn is published, whether its first stage can serve it in time. Until the
 * monitor's lag feed is read, the measure is this gateway's own count of turns outstanding at that
 * stage: a turn is admitted while that count is below what one worker holds in flight
 * ({@code max_concurrent}) plus the stage's {@code queue_size}. Refused turns are counted;
 * the device is told at once that the server is busy.
 */
public final class Admission {

    private final Map<Stage, AtomicInteger> outstanding = new EnumMap<>(Stage.class);
    private final Map<Stage, Integer> capacity = new EnumMap<>(Stage.class);
    private final Map<Stage, Counter> refused = new EnumMap<>(Stage.class);

    public Admission(PerformanceConfig.AiProviders limits, MeterRegistry meters) {
        for (Stage stage : Stage.values()) {
            PerformanceConfig.StageLimits l = limits.of(stage);
            AtomicInteger count = new AtomicInteger();
            outstanding.put(stage, count);
            capacity.put(stage, l.maxConcurrent() + l.queueSize());
            Tags tags = Tags.of("stage", stage.id());
            Gauge.builder("xiaozhi.gateway.turns.outstanding", count, AtomicInteger::get).tags(tags)
                    .description("turns published and not yet answered, by first stage").register(meters);
            refused.put(stage, Counter.builder("xiaozhi.gateway.turns.refused").tags(tags)
                    .description("turns refused at admission because the stage was full").register(meters));
        }
    }

    /** Takes a place at {@code stage}, or returns false (and counts the refusal) when it is full. */
    public boolean tryAdmit(Stage stage) {
        AtomicInteger count = outstanding.get(stage);
        int limit = capacity.get(stage);
        while (true) {
            int current = count.get();
            if (current >= limit) {
                refused.get(stage).increment();
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back the place of a turn that was answered, failed, timed out or was aborted. */
    public void finished(Stage stage) {
        outstanding.get(stage).updateAndGet(n -> Math.max(0, n - 1));
    }

    public int outstanding(Stage stage) {
        return outstanding.get(stage).get();
    }

    public int capacity(Stage stage) {
        return capacity.get(stage);
    }
}
