package io.xiaozhi.pipeline.monitor.alerts;

import java.util.Locale;

/**
 * The alert rules. The first five read {@code WindowStats} against {@code monitor.thresholds}; the
 * {@code lag_*} rules read the lag feed against each stage's {@code queue_size} and {@code timeout}
 * and its state.
 */
public enum AlertRule {
    CPU, MEMORY, ERROR_RATE, RESPONSE_TIME, ACTIVE_CONNECTIONS, LAG_QUEUE, LAG_AGE, LAG_STALL, LAG_STOP;

    /** The name in alert events and ids: {@code cpu}, {@code lag_queue}, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the rule reads the lag feed (sampled every few seconds) rather than metric windows. */
    public boolean lag() {
        return this == LAG_QUEUE || this == LAG_AGE || this == LAG_STALL || this == LAG_STOP;
    }
}
