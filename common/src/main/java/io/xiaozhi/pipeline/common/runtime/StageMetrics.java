package io.xiaozhi.pipeline.common.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;

/** The one catalogue of the stage runtime's meters; every meter is tagged with {@code stage}. */
public final class StageMetrics {

    public static final String IN_FLIGHT = "xiaozhi.stage.inflight";
    public static final String PERMITS_FREE = "xiaozhi.stage.permits.free";
    public static final String PAUSED_PARTITIONS = "xiaozhi.stage.partitions.paused";
    public static final String QUEUE_WAIT = "xiaozhi.stage.queue.wait";
    public static final String PROCESSING = "xiaozhi.stage.processing";
    public static final String PROVIDER = "xiaozhi.stage.provider";
    public static final String COMMIT = "xiaozhi.stage.commit";
    public static final String COMPLETED = "xiaozhi.stage.completed";
    public static final String RETRIES = "xiaozhi.stage.retries";
    public static final String ATTEMPT_TIMEOUTS = "xiaozhi.stage.attempt.timeouts";
    public static final String DEADLINE_EXPIRED = "xiaozhi.stage.deadline.expired";
    public static final String CANCELLED = "xiaozhi.stage.cancelled";
    public static final String ERRORS = "xiaozhi.stage.errors";
    public static final String DEAD_LETTERS = "xiaozhi.stage.dlq";
    public static final String MALFORMED = "xiaozhi.stage.malformed";
    public static final String STALE_COMPLETIONS = "xiaozhi.stage.completions.stale";

    final Timer queueWait;
    final Timer processing;
    final Timer provider;
    final Timer commit;
    final Counter completed;
    final Counter retries;
    final Counter attemptTimeouts;
    final Counter deadlineExpired;
    final Counter cancelled;
    final Counter errors;
    final Counter deadLetters;
    final Counter malformed;
    final Counter staleCompletions;

    StageMetrics(MeterRegistry registry, String stage, Supplier<Number> inFlight, Supplier<Number> permitsFree,
                 Supplier<Number> pausedPartitions) {
        Tags tags = Tags.of("stage", stage);
        Gauge.builder(IN_FLIGHT, inFlight).tags(tags).description("requests being processed").register(registry);
        Gauge.builder(PERMITS_FREE, permitsFree).tags(tags).description("requests that could start now").register(registry);
        Gauge.builder(PAUSED_PARTITIONS, pausedPartitions).tags(tags).description("partitions paused for backpressure").register(registry);
        queueWait = timer(registry, QUEUE_WAIT, tags, "time from the record's timestamp to the start of its processing");
        processing = timer(registry, PROCESSING, tags, "time from start to done, retries included");
        provider = timer(registry, PROVIDER, tags, "time of one handler attempt");
        commit = timer(registry, COMMIT, tags, "offset commit latency");
        completed = counter(registry, COMPLETED, tags, "requests finished successfully");
        retries = counter(registry, RETRIES, tags, "attempts retried");
        attemptTimeouts = counter(registry, ATTEMPT_TIMEOUTS, tags, "attempts that exceeded the stage timeout");
        deadlineExpired = counter(registry, DEADLINE_EXPIRED, tags, "requests skipped or abandoned because the turn's deadline passed");
        cancelled = counter(registry, CANCELLED, tags, "requests skipped or stopped because the turn was cancelled");
        errors = counter(registry, ERRORS, tags, "failed attempts");
        deadLetters = counter(registry, DEAD_LETTERS, tags, "requests sent to the dead-letter topic");
        malformed = counter(registry, MALFORMED, tags, "records without a valid envelope (sent to the dead-letter topic)");
        staleCompletions = counter(registry, STALE_COMPLETIONS, tags, "completions dropped because their partition was revoked");
    }

    private static Timer timer(MeterRegistry registry, String name, Tags tags, String description) {
        return Timer.builder(name).tags(tags).description(description).publishPercentileHistogram().register(registry);
    }

    private static Counter counter(MeterRegistry registry, String name, Tags tags, String description) {
        return Counter.builder(name).tags(tags).description(description).register(registry);
    }
}
