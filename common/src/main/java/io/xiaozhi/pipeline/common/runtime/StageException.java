package io.xiaozhi.pipeline.common.runtime;

/**
 * A failure a stage handler reports with its verdict: retryable (a timeout, a connection error,
 * HTTP 429 or 5xx from a provider) or not (a request the provider will never accept).
 */
public class StageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    public StageException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public StageException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }

    /** A provider answered with an HTTP status: 408, 429 and 5xx are worth another attempt. */
    public static StageException httpStatus(int status, String message) {
        return new StageException("HTTP " + status + ": " + message, status == 408 || status == 429 || status >= 500);
    }
}
