package io.xiaozhi.pipeline.monitor.cli;

/** The monitor's API could not be reached or did not answer as expected; the CLI exits with 1. */
public final class MonitorUnreachableException extends Exception {

    private static final long serialVersionUID = 1L;

    public MonitorUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }

    public MonitorUnreachableException(String message) {
        super(message);
    }
}
