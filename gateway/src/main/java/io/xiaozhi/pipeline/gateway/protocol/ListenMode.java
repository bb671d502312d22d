package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Optional;

/** The {@code mode} of a {@code listen start}: who ends the user's turn. */
public enum ListenMode {
    /** Server voice-activity detection ends the turn. */
    AUTO("auto"),
    /** Push-to-talk: {@code listen stop} ends the turn. */
    MANUAL("manual"),
    /** Continuous listening with echo cancellation; speech while the server speaks is a barge-in. */
    REALTIME("realtime");

    /** The mode of a session whose device never named one. */
    public static final ListenMode DEFAULT = AUTO;

    private final String wireName;

    ListenMode(String wireName) {
        this.wireName = wireName;
    }

    /** The value as the device writes it. */
    public String wireName() {
        return wireName;
    }

    /** The mode written as {@code value}, if there is one. */
    public static Optional<ListenMode> fromWire(String value) {
        for (ListenMode mode : values()) {
            if (mode.wireName.equals(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
