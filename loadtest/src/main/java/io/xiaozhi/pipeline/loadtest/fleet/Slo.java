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
 */
public record Slo(Duration p99FirstAudio, Double lateFrames, Long maxErrors) {

    /** One objective checked: its measured value against its limit. */
    public record Check(String name, String measured, String limit, boolean met, String by) {
        @Override
        public String toString() {
            return name + ": " + measured + (met ? " <= " : " > ") + limit + (met ? " (met)" : " (NOT met, by " + by + ")");
        }
    }

    public List<Check> check(FleetStats stats) {
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
        return checks;
    }

    static String percent(double share) {
        return String.format(java.util.Locale.ROOT, "%.2f %%", share * 100);
    }
}
