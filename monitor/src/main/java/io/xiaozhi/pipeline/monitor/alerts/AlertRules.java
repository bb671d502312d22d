package io.xiaozhi.pipeline.monitor.alerts;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.monitor.metrics.WindowStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads windows and lag samples against the rules, giving one {@link Observation} per rule that
 * applies. Alert ids are {@code rule/subject}, with the stage added for per-stage metric rules of a
 * worker ({@code error_rate/llm-worker/llm}); the subject is the service, or the stage for lag rules.
 *
 * <ul>
 *   <li>{@code cpu}: the larger of process and host CPU, percent, over {@code thresholds.cpu};
 *       {@code memory}: the larger of heap and host memory over {@code thresholds.memory}.</li>
 *   <li>{@code error_rate}: a window's failed over finished requests, over {@code thresholds.error_rate}.</li>
 *   <li>{@code response_time}: the gateway's turn latency p95 (end of speech to first reply packet)
 *       over {@code thresholds.response_time_ms}; a worker's processing p95 likewise, but only while
 *       no gateway reports (decided by the processor). A window without finished requests reads 0.</li>
 *   <li>{@code active_connections}: the gateway's open connections over {@code thresholds.active_connections}.</li>
 *   <li>{@code lag_queue}: records waiting over the stage's {@code queue_size}; {@code lag_age}: the
 *       oldest waiting request's age in seconds over the stage's {@code timeout} (both as the
 *       {@code StageLag} value carries them).</li>
 *   <li>{@code lag_stall}: state STALL (warning); {@code lag_stop}: state STOP (critical); both clear
 *       when the state is OK again.</li>
 * </ul>
 * A threshold rule is critical when the value is at least 1.25 times the threshold, else a warning;
 * it clears at or below 90 % of the threshold.
 */
public final class AlertRules {

    static final double CRITICAL_FACTOR = 1.25;
    static final double CLEAR_FACTOR = 0.9;

    private final PerformanceConfig.Thresholds thresholds;

    public AlertRules(PerformanceConfig performance) {
        this.thresholds = performance.monitor().thresholds();
    }

    /** The readings of one window of one (service, stage). */
    public List<Observation> of(WindowStats window) {
        List<Observation> out = new ArrayList<>();
        String service = window.service();
        long at = window.end();
        Double cpu = larger(window.cpu(), window.systemCpu());
        if (cpu != null) {
            String what = window.systemCpu() != null && (window.cpu() == null || window.systemCpu() > window.cpu()) ? "host CPU" : "CPU";
            out.add(threshold(AlertRule.CPU, service, service, at, cpu, thresholds.cpu(), service + " " + what, " %", false));
        }
        Double memory = larger(window.memory(), window.systemMemory());
        if (memory != null) {
            String what = window.systemMemory() != null && (window.memory() == null || window.systemMemory() > window.memory())
                    ? "host memory" : "heap";
            out.add(threshold(AlertRule.MEMORY, service, service, at, memory, thresholds.memory(), service + " " + what, " %", false));
        }
        boolean gateway = window.stage().isEmpty() && window.connections() != null;
        boolean worker = !window.stage().isEmpty();
        if (gateway || worker) {
            String key = window.key();
            boolean traffic = window.requestsPerS() > 0 || window.latencyMs().count() > 0 || window.errorRate() > 0;
            out.add(threshold(AlertRule.ERROR_RATE, key, service, at, window.errorRate(), thresholds.errorRate(),
                    traffic ? key + " error rate" : key + " error rate (no requests)", " %", false));
            Double p95 = window.latencyMs().p95();
            String label = gateway ? key + " turn latency p95" : key + " processing p95";
            out.add(threshold(AlertRule.RESPONSE_TIME, key, service, at, p95 == null ? 0 : p95, thresholds.responseTimeMs(),
                    p95 == null ? label + " (no requests)" : label, " ms", worker));
        }
        if (gateway) {
            out.add(threshold(AlertRule.ACTIVE_CONNECTIONS, service, service, at, window.connections(), thresholds.activeConnections(),
                    service + " connections", "", false));
        }
        return out;
    }

    /** The readings of one lag sample of a stage, against the limits the sample carries. */
    public List<Observation> of(StageLag lag) {
        List<Observation> out = new ArrayList<>();
        String stage = lag.stage().id();
        String group = lag.group();
        out.add(threshold(AlertRule.LAG_QUEUE, stage, stage, lag.timestamp(), lag.records(), lag.queueSize(),
                stage + " queue (records waiting in " + group + ")", " records", false));
        out.add(threshold(AlertRule.LAG_AGE, stage, stage, lag.timestamp(), lag.seconds(), lag.timeout(),
                stage + " oldest waiting request", " s", false));
        String waiting = number(lag.records()) + " records waiting, the oldest " + number(lag.seconds()) + " s";
        out.add(state(AlertRule.LAG_STALL, lag, LagState.STALL, Alert.WARNING,
                stage + ": consumer group " + group + " stalls (commits do not advance): " + waiting,
                stage + ": consumer group " + group + " is " + lag.state().label() + ": " + waiting));
        out.add(state(AlertRule.LAG_STOP, lag, LagState.STOP, Alert.CRITICAL,
                stage + ": consumer group " + group + " stopped (" + lag.members() + " members): " + waiting,
                stage + ": consumer group " + group + " is " + lag.state().label() + ": " + waiting));
        return out;
    }

    private static Observation state(AlertRule rule, StageLag lag, LagState bad, String severity, String badMessage, String otherMessage) {
        Observation.Condition condition = lag.state() == bad ? Observation.Condition.OVER
                : lag.state() == LagState.OK ? Observation.Condition.CLEAR : Observation.Condition.HOLD;
        String stage = lag.stage().id();
        return new Observation(rule.id() + "/" + stage, rule, stage, lag.timestamp(), lag.seconds(), null, condition,
                severity, condition == Observation.Condition.OVER ? badMessage : otherMessage, false);
    }

    private static Observation threshold(AlertRule rule, String key, String subject, long at, double value, double threshold,
                                         String what, String unit, boolean fallback) {
        Observation.Condition condition = value > threshold ? Observation.Condition.OVER
                : value <= CLEAR_FACTOR * threshold ? Observation.Condition.CLEAR : Observation.Condition.HOLD;
        String severity = value >= CRITICAL_FACTOR * threshold ? Alert.CRITICAL : Alert.WARNING;
        String message = switch (condition) {
            case OVER -> what + " " + number(value) + unit + " over " + number(threshold) + unit;
            case HOLD -> what + " " + number(value) + unit + ", near " + number(threshold) + unit;
            case CLEAR -> what + " " + number(value) + unit + ", back under " + number(threshold) + unit;
        };
        return new Observation(rule.id() + "/" + key, rule, subject, at, value, threshold, condition, severity, message, fallback);
    }

    private static Double larger(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.max(a, b);
    }

    /** A figure for a message: whole numbers without decimals, others with one. */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
