package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": before attempt {@code n + 1} wait half of
 * {@code min(max, initial × 2^(n-1))} plus a random share of the other half, so retries of many
 * records spread out instead of arriving together, and no wait is shorter than half its step.
 */
final class Backoff {

    private final PerformanceConfig.RetryPolicy policy;
    private final DoubleSupplier random;

    Backoff(PerformanceConfig.RetryPolicy policy, DoubleSupplier random) {
        this.policy = policy;
        this.random = random;
    }

    /** The wait after failed attempt {@code attempt} (1-based). */
    Duration after(int attempt) {
        long step = policy.initialBackoffMs();
        for (int i = 1; i < attempt && step < policy.maxBackoffMs(); i++) {
            step *= 2;
        }
        step = Math.min(step, policy.maxBackoffMs());
        long half = step / 2;
        return Duration.ofMillis(half + (long) (random.getAsDouble() * (step - half)));
    }

    boolean mayRetry(int attempt) {
        return attempt < policy.maxAttempts();
    }
}
