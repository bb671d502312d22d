package io.xiaozhi.pipeline.gateway.downlink;

/**
 * The clock and timer the pacer runs on, shared by all sessions. Times are milliseconds on a monotonic
 * clock with an arbitrary origin. Tasks must be short and must not block: one timer thread serves every
 * session.
 */
public interface DownlinkScheduler {

    /** The current time. */
    long nowMillis();

    /** Runs {@code task} once, as soon as possible at or after {@code atMillis}. */
    Cancellable schedule(long atMillis, Runnable task);

    /** A scheduled task that can still be called off. */
    interface Cancellable {

        /** Calls the task off if it has not started; harmless if it already ran. */
        void cancel();
    }
}
