package io.xiaozhi.pipeline.common.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final PerformanceConfig.RetryPolicy policy = new PerformanceConfig.RetryPolicy(4, 200, 1000);

    @Test
    void doublesUpToTheCapWithEqualJitter() {
        Backoff low = new Backoff(policy, () -> 0.0);
        Backoff high = new Backoff(policy, () -> 0.999_999);
        assertThat(low.after(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(high.after(1)).isEqualTo(Duration.ofMillis(199));
        assertThat(low.after(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(low.after(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(low.after(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(high.after(30)).isEqualTo(Duration.ofMillis(999));
    }

    @Test
    void retriesUntilTheLastAttempt() {
        Backoff backoff = new Backoff(policy, () -> 0.5);
        assertThat(backoff.mayRetry(3)).isTrue();
        assertThat(backoff.mayRetry(4)).isFalse();
    }

    @Test
    void classifiesFailures() {
        FailureClassifier c = FailureClassifier.DEFAULT;
        assertThat(c.retryable(StageException.httpStatus(429, "slow down"))).isTrue();
        assertThat(c.retryable(StageException.httpStatus(502, "bad gateway"))).isTrue();
        assertThat(c.retryable(StageException.httpStatus(401, "bad key"))).isFalse();
        assertThat(c.retryable(new java.util.concurrent.CompletionException(new TimeoutException()))).isTrue();
        assertThat(c.retryable(new java.io.IOException("reset"))).isTrue();
        assertThat(c.retryable(new org.apache.kafka.common.errors.TimeoutException("metadata"))).isTrue();
        assertThat(c.retryable(new IllegalArgumentException("bug"))).isFalse();
    }
}
