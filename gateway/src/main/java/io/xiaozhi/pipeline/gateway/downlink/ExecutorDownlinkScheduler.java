package io.xiaozhi.pipeline.gateway.downlink;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DownlinkScheduler} on a {@link ScheduledExecutorService} shared by all sessions, timed by
 * {@link System#nanoTime()}. The executor belongs to the caller, who also shuts it down.
 */
public final class ExecutorDownlinkScheduler implements DownlinkScheduler {

    private final ScheduledExecutorService executor;

    public ExecutorDownlinkScheduler(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public Cancellable schedule(long atMillis, Runnable task) {
        long delay = Math.max(0, atMillis - nowMillis());
        ScheduledFuture<?> future = executor.schedule(task, delay, TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
    }
}
