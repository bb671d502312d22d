package io.xiaozhi.pipeline.monitor.alerts;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One alert event: the value on {@code xiaozhi.alerts} (key = {@code id}), what webhooks receive and
 * {@code /api/alerts} lists. {@code state} is {@code firing} (first or repeated, {@code repeat} counts
 * the repetitions) or {@code resolved}; {@code since} is when this firing began; {@code timestamp}
 * when this event was raised. {@code threshold} is null for the lag state rules (STALL, STOP).
 */
@JsonPropertyOrder({"id", "rule", "subject", "severity", "state", "value", "threshold", "message", "since", "timestamp", "repeat"})
public record Alert(String id, String rule, String subject, String severity, String state, double value, Double threshold,
                    String message, long since, long timestamp, int repeat) {

    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";
    public static final String WARNING = "warning";
    public static final String CRITICAL = "critical";

    public boolean firing() {
        return FIRING.equals(state);
    }
}
