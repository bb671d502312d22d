package io.xiaozhi.pipeline.monitor.api;

/** A request the API refuses with 400; the message is the {@code error} of the JSON answer and names the parameter. */
public final class BadRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
        super(message);
    }
}
