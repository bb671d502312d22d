package io.xiaozhi.pipeline.common.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of a stage's request topic and the thread that owns it. Records are handed to the
 * {@link RequestProcessor} as permits allow; records that find no permit wait here while every
 * assigned partition is paused, and polling goes on so the consumer stays in its group however long a
 * provider call takes. Completions arrive from other threads through a queue; offsets are committed
 * per partition up to the lowest record still in flight, periodically and on revocation.
 */
final class StageConsumerLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StageConsumerLoop.class);

    private final Consumer<String, byte[]> consumer;
    private final StageRuntime.Options options;
    private final Semaphore permits;
    private final RequestProcessor processor;
    private final StageMetrics metrics;
    private final OffsetTracker tracker = new OffsetTracker();
    private final ArrayDeque<ConsumerRecord<String, byte[]>> waiting = new ArrayDeque<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** Released by completions while records wait for permits; the loop parks on it instead of polling. */
    private final Semaphore signal = new Semaphore(0);
    /** True while records wait for permits: only then does a completion need to wake the loop. */
    private volatile boolean backlogged;
    private long nextPoll;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean aborted;
    private volatile int pausedCount;
    private long lastCommit;

    private record Completion(PartitionOffsets startedIn, long offset) {
    }

    StageConsumerLoop(Consumer<String, byte[]> consumer, StageRuntime.Options options, Semaphore permits,
                      RequestProcessor processor, StageMetrics metrics) {
        this.consumer = consumer;
        this.options = options;
        this.permits = permits;
        this.processor = processor;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(options.requestTopic()), new Rebalance());
            lastCommit = System.nanoTime();
            while (!stopping) {
                step();
            }
            if (!aborted) {
                drain();
            }
        } catch (RuntimeException e) {
            LOG.error("{} consumer stopped on an unexpected error; its uncommitted records will be delivered again", options.stage().id(), e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the {} consumer failed: {}", options.stage().id(), e.toString());
            }
            finished.countDown();
        }
    }

    /** Asks the loop to stop taking work and drain; returns at once. */
    void stop() {
        stopping = true;
        signal.release();
        consumer.wakeup();
    }

    /** Stops without committing anything more (see {@link StageRuntime#abort()}). */
    void abort() {
        aborted = true;
        stop();
    }

    boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    int pausedPartitions() {
        return pausedCount;
    }

    /**
     * One turn of the loop. With nothing waiting, it polls for records (up to the poll timeout). With
     * records waiting for permits (every partition paused), it parks until a completion frees a permit,
     * and polls only once per poll timeout, without waiting, so the consumer stays in its group and
     * serves rebalances and commit callbacks; a busy stage thus costs one cheap wake-up per batch of
     * completions rather than a consumer poll.
     */
    private void step() {
        applyCompletions();
        dispatch();
        if (waiting.isEmpty() || System.nanoTime() - nextPoll >= 0) {
            ConsumerRecords<String, byte[]> records = poll(waiting.isEmpty() ? options.pollTimeout() : Duration.ZERO);
            nextPoll = System.nanoTime() + options.pollTimeout().toNanos();
            for (ConsumerRecord<String, byte[]> record : records) {
                waiting.add(record);
            }
            dispatch();
        } else {
            awaitCompletion(nextPoll - System.nanoTime());
        }
        applyCompletions();
        commitIfDue();
    }

    private ConsumerRecords<String, byte[]> poll(Duration timeout) {
        try {
            return consumer.poll(timeout);
        } catch (WakeupException e) {
            return ConsumerRecords.empty();
        }
    }

    private void awaitCompletion(long nanos) {
        try {
            if (signal.tryAcquire(Math.max(0, nanos), TimeUnit.NANOSECONDS)) {
                signal.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Starts waiting records while permits last; pauses every partition while any record waits. */
    private void dispatch() {
        while (!waiting.isEmpty() && !stopping) {
            ConsumerRecord<String, byte[]> record = waiting.peek();
            PartitionOffsets offsets = tracker.of(new TopicPartition(record.topic(), record.partition()));
            if (offsets == null) {
                waiting.poll();
                continue;
            }
            if (!permits.tryAcquire()) {
                // announce the backlog first, then look once more: a permit freed in between is not missed
                backlogged = true;
                if (!permits.tryAcquire()) {
                    break;
                }
            }
            waiting.poll();
            offsets.started(record.offset());
            processor.process(record, () -> completed(offsets, record.offset()));
        }
        backlogged = !waiting.isEmpty();
        if (!waiting.isEmpty() || stopping) {
            Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
            toPause.removeAll(paused);
            if (!toPause.isEmpty()) {
                consumer.pause(toPause);
                paused.addAll(toPause);
            }
        } else if (!paused.isEmpty()) {
            consumer.resume(paused);
            paused.clear();
        }
        pausedCount = paused.size();
    }

    /** Called on any thread when a request is done: frees its permit and, if records wait for it, wakes the loop. */
    private void completed(PartitionOffsets startedIn, long offset) {
        completions.add(new Completion(startedIn, offset));
        permits.release();
        if (backlogged) {
            signal.release();
        }
    }

    private void applyCompletions() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            if (!tracker.finished(completion.startedIn(), completion.offset())) {
                metrics.staleCompletions.increment();
            }
        }
    }

    private void commitIfDue() {
        if (System.nanoTime() - lastCommit < options.commitInterval().toNanos()) {
            return;
        }
        lastCommit = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit();
        if (offsets.isEmpty()) {
            return;
        }
        long began = System.nanoTime();
        consumer.commitAsync(offsets, (committed, error) -> {
            metrics.commit.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            if (error == null) {
                tracker.committed(committed);
            } else {
                LOG.warn("{} offset commit failed (will be retried with the next): {}", options.stage().id(), error.toString());
            }
        });
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty() || aborted) {
            return;
        }
        long began = System.nanoTime();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    consumer.commitSync(offsets, Duration.ofSeconds(10));
                    tracker.committed(offsets);
                    return;
                } catch (WakeupException e) {
                    // a completion woke the consumer; the commit itself is still wanted
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("{} offset commit of {} failed; those records will be delivered again: {}", options.stage().id(), offsets, e.toString());
        } finally {
            metrics.commit.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
        }
    }

    /** Graceful stop: nothing new starts; in-flight work may finish within the grace period; then commit. */
    private void drain() {
        waiting.clear();
        dispatch();
        long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
        while (tracker.inFlight() > 0 && System.nanoTime() < deadline) {
            poll(Duration.ofMillis(50));
            applyCompletions();
            commitIfDue();
        }
        applyCompletions();
        if (tracker.inFlight() > 0) {
            LOG.warn("{} stopping with {} request(s) still in flight; they will be delivered again", options.stage().id(), tracker.inFlight());
        }
        commitSync(tracker.toCommit());
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            applyCompletions();
            commitSync(tracker.revoked(partitions));
            forgetWaiting(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            tracker.lost(partitions);
            forgetWaiting(partitions);
        }

        /** Records not started from partitions this consumer no longer owns go to their new owner. */
        private void forgetWaiting(Collection<TopicPartition> partitions) {
            waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            paused.removeAll(partitions);
            pausedCount = paused.size();
            backlogged = !waiting.isEmpty();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            tracker.assigned(partitions);
            if (!waiting.isEmpty() || stopping) {
                consumer.pause(partitions);
                paused.addAll(partitions);
                pausedCount = paused.size();
            }
        }
    }
}
