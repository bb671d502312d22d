package io.xiaozhi.pipeline.gateway.downlink;

import java.util.PriorityQueue;
import java.util.function.LongUnaryOperator;

/**
 * A {@link DownlinkScheduler} whose time moves only when a test says so. An optional jitter delays
 * each task by the given number of milliseconds past its due time, as a busy timer thread would.
 */
final class ManualScheduler implements DownlinkScheduler {

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now;
    private long order;
    private LongUnaryOperator jitter = due -> 0;

    ManualScheduler(long startMillis) {
        this.now = startMillis;
    }

    /** Each task runs {@code jitter(due)} ms after its due time. */
    void jitter(LongUnaryOperator jitter) {
        this.jitter = jitter;
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public Cancellable schedule(long atMillis, Runnable task) {
        Task scheduled = new Task(atMillis, order++, task);
        tasks.add(scheduled);
        return () -> scheduled.cancelled = true;
    }

    /** Runs every task due up to {@code target}, in time order, then sets the time to {@code target}. */
    void advanceTo(long target) {
        while (!tasks.isEmpty() && tasks.peek().at <= target) {
            Task task = tasks.poll();
            if (task.cancelled) {
                continue;
            }
            now = Math.max(now, task.at + jitter.applyAsLong(task.at));
            task.runnable.run();
        }
        now = Math.max(now, target);
    }

    void advanceBy(long millis) {
        advanceTo(now + millis);
    }

    /** Tasks scheduled and neither run nor cancelled. */
    long pendingTasks() {
        return tasks.stream().filter(task -> !task.cancelled).count();
    }

    private static final class Task implements Comparable<Task> {
        private final long at;
        private final long order;
        private final Runnable runnable;
        private boolean cancelled;

        Task(long at, long order, Runnable runnable) {
            this.at = at;
            this.order = order;
            this.runnable = runnable;
        }

        @Override
        public int compareTo(Task other) {
            int byTime = Long.compare(at, other.at);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }
}
