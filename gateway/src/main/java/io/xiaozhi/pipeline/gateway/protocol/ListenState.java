package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Optional;

/** The {@code state} of a {@code listen} message. */
public enum ListenState {
    /** The microphone opens. */
    START("start"),
    /** The user released the push-to-talk button. */
    STOP("stop"),
    /** A wake word was detected; its text follows. */
    DETECT("detect");

    private final String wireName;

    ListenState(String wireName) {
        this.wireName = wireName;
    }

    /** The value as the device writes it. */
    public String wireName() {
        return wireName;
    }

    /** The state written as {@code value}, if there is one. */
    public static Optional<ListenState> fromWire(String value) {
        for (ListenState state : values()) {
            if (state.wireName.equals(value)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
