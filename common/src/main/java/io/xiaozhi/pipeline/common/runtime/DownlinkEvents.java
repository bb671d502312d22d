package io.xiaozhi.pipeline.common.runtime;

/**
 * Values of the {@code xz.type} header of the events the runtime itself sends to a request's
 * reply-to topic, so a gateway can tell the device something instead of leaving it in silence.
 * The payload is UTF-8 text: {@code <stage>: <reason>}.
 */
public final class DownlinkEvents {

    /** The turn's deadline passed before the stage got to it. */
    public static final String TURN_TIMED_OUT = "turn.timeout";
    /** The stage gave up on the request (non-retryable failure, or retries exhausted). */
    public static final String TURN_FAILED = "turn.error";
    /** A control record: cancel a turn. */
    public static final String CANCEL = "turn.cancel";

    private DownlinkEvents() {
    }
}
