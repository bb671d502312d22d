package io.xiaozhi.pipeline.monitor.metrics;

import io.xiaozhi.pipeline.common.kafka.Topics;

/**
 * The topics the metrics topology reads and writes: snapshots and the lag feed in, windows and
 * alerts out. {@link #defaults()} are the pipeline's; tests give their own.
 */
public record MetricsTopics(String metrics, String lag, String windows, String alerts) {

    /** Every (service, stage) window's {@link WindowStats}, kept for {@code monitor.history_hours}. */
    public static final String WINDOWS = "xiaozhi.metrics.windows";

    public static MetricsTopics defaults() {
        return new MetricsTopics(Topics.METRICS, Topics.LAG, WINDOWS, Topics.ALERTS);
    }
}
