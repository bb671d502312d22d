package io.xiaozhi.pipeline.common.lag;

/** A {@code xiaozhi.lag} value that is not a {@link StageLag}; the message says what is wrong with it. */
public final class MalformedLagException extends RuntimeException {

    public MalformedLagException(String message) {
        super(message);
    }

    public MalformedLagException(String message, Throwable cause) {
        super(message, cause);
    }
}
