package io.xiaozhi.pipeline.loadtest.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Service-level objectives a run must meet; each is optional ({@code null}: not checked).
 *
 * @param p99FirstAudio the most the p99 of end of speech → first audio frame may be
 * @param lateFrames the largest share of late frames
 * @param maxErrors the most errors ({@link FleetStats#errors()}: error and timeout turns, failed connections and hellos)
 * @param p99Busy the most the p99 of end of speech → busy alert may be
 * @param p99Overhead the most the p99 of the pipeline's overhead may be, as the gateways measured it
 */
public record Slo(Duration p99FirstAudio, Double lateFrames, Long maxErrors, Duration p99Busy, Duration p99Overhead) {

    public Slo(Duration p99FirstAudio, Double lateFrames, Long maxErrors) {
        this(p99FirstAudio, lateFrames, maxErrors, null, null);
    }

    /** One objective checked: its measured value against its limit. */
    public record Check(String name, String measured, String limit, boolean met, String by) {
        @Override
        public String toString() {
            return name + ": " + measured + (met ? " <= " : " > ") + limit + (met ? " (met)" : " (NOT met, by " + by + ")");
        }
    }

    public List<Check> check(FleetStats stats) {
        return check(stats, null);
    }

    /** {@code gateway}: what the gateways recorded, or {@code null} when their metrics were not read. */
    public List<Check> check(FleetStats stats, GatewayMetrics.Delta gateway) {
        List<Check> checks = new ArrayList<>();
        if (p99FirstAudio != null) {
            long p99 = stats.firstAudio().percentileMs(0.99);
            long limit = p99FirstAudio.toMillis();
            boolean met = stats.firstAudio().count() > 0 && p99 <= limit;
            checks.add(new Check("p99 first audio", stats.firstAudio().count() == 0 ? "no turn answered" : p99 + " ms",
                    limit + " ms", met, stats.firstAudio().count() == 0 ? "no measurement" : (p99 - limit) + " ms"));
        }
        if (lateFrames != null) {
            double share = stats.lateShare();
            checks.add(new Check("late frames", percent(share), percent(lateFrames), share <= lateFrames,
                    percent(share - lateFrames) + " points"));
        }
        if (maxErrors != null) {
            long errors = stats.errors();
            checks.add(new Check("errors", Long.toString(errors), Long.toString(maxErrors), errors <= maxErrors,
                    Long.toString(errors - maxErrors)));
        }
        if (p99Busy != null) {
            long p99 = stats.busy().percentileMs(0.99);
            long limit = p99Busy.toMillis();
            // no busy answer at all meets it: nothing was refused late
            checks.add(new Check("p99 busy answer", stats.busy().count() == 0 ? "no busy answer" : p99 + " ms", limit + " ms",
                    stats.busy().count() == 0 || p99 <= limit, (p99 - limit) + " ms"));
        }
        if (p99Overhead != null) {
            long limit = p99Overhead.toMillis();
            if (gateway == null || gateway.overhead().count() == 0) {
                checks.add(new Check("p99 pipeline overhead", gateway == null ? "gateway metrics not read" : "no turn measured",
                        limit + " ms", false, "no measurement"));
            } else {
                long p99 = Math.round(gateway.overhead().quantileMs(0.99));
                checks.add(new Check("p99 pipeline overhead", p99 + " ms", limit + " ms", p99 <= limit, (p99 - limit) + " ms"));
            }
        }
        return checks;
    }

    static String percent(double share) {
        return String.format(java.util.Locale.ROOT, "%.2f %%", share * 100);
    }
}
