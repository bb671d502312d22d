package io.xiaozhi.pipeline.common.provider;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What went wrong with providers, by stage and reason: {@code xiaozhi.provider.failures} with tags
 * {@code stage} and {@code reason} ({@code http_4xx}, {@code http_429}, {@code http_5xx},
 * {@code timeout}, {@code connection}, {@code malformed}, {@code empty}, and stage-specific reasons
 * such as {@code unknown_tool} or {@code bad_arguments}).
 */
public final class ProviderMetrics {

    public static final String FAILURES = "xiaozhi.provider.failures";

    private final MeterRegistry registry;

    public ProviderMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void failure(String stage, String reason) {
        Counter.builder(FAILURES)
                .description("provider failures and bad provider output, by stage and reason")
                .tag("stage", stage)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** How many failures of {@code reason} were counted for {@code stage}. */
    public double count(String stage, String reason) {
        Counter counter = registry.find(FAILURES).tag("stage", stage).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
