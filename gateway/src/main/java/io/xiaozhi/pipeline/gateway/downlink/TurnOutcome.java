package io.xiaozhi.pipeline.gateway.downlink;

/** How a paced turn ended, or that it has not yet. */
public enum TurnOutcome {
    /** Still playing or waiting for pieces. */
    ACTIVE,
    /** Every sentence played and {@code tts stop} was sent after the device's queue drained. */
    COMPLETED,
    /** Stopped by {@code abort} or replaced by a newer turn. */
    ABORTED,
    /** Gave up: buffer limit exceeded or the device sink failed. */
    FAILED
}
