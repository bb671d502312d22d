package io.xiaozhi.pipeline.monitor.alerts;

/**
 * One rule's reading of one window or lag sample, keyed by alert id, as the alert processor consumes
 * it. {@code condition} says where the value stands: {@code OVER} the threshold (or in the bad state),
 * {@code CLEAR} (at or below 90 % of it, or state OK), or {@code HOLD} between the two, which neither
 * fires nor counts towards resolution. {@code message} describes the reading for an event.
 *
 * @param at the time the reading stands for: a window's end, a lag sample's timestamp
 * @param fallback a worker's response time, which only raises alerts while no gateway reports turn latency
 */
public record Observation(String id, AlertRule rule, String subject, long at, double value, Double threshold,
                          Condition condition, String severity, String message, boolean fallback) {

    /** Where a reading stands against its rule. */
    public enum Condition { OVER, HOLD, CLEAR }
}
