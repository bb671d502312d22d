package io.xiaozhi.pipeline.common.lag;

import java.util.Locale;

/**
 * How a stage's consumer group is keeping up, judged by the monitor over its lag window (the
 * monitor's {@code LagAnalyzer} defines each state exactly). Ordered from healthy to down; the
 * {@link #code()} is what the {@code xiaozhi.monitor.lag.state} gauge shows.
 */
public enum LagState {
    /** No lag, or lag that is not growing. */
    OK(0),
    /** The lag grew over the whole window: the stage falls behind. */
    WARN(1),
    /** Lag all window long, members in the group, and no committed offset moved: the workers are stuck. */
    STALL(2),
    /** Lag and no member in the group: nothing will serve the stage's requests. */
    STOP(3);

    private final int code;

    LagState(int code) {
        this.code = code;
    }

    /** 0 OK, 1 WARN, 2 STALL, 3 STOP. */
    public int code() {
        return code;
    }

    /** The name as it appears in JSON ({@code "OK"}, ...). */
    public String label() {
        return name();
    }

    /** The state named {@code text} (case-insensitive), or {@code null} when there is none. */
    static LagState parse(String text) {
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
