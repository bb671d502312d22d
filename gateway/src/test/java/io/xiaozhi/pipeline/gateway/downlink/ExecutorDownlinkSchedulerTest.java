package io.xiaozhi.pipeline.gateway.downlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutorDownlinkSchedulerTest {

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorDownlinkScheduler scheduler = new ExecutorDownlinkScheduler(executor);

    @AfterEach
    void shutDown() {
        executor.shutdownNow();
    }

    @Test
    void runsATaskNoEarlierThanItsTime() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicLong ranAt = new AtomicLong();
        long due = scheduler.nowMillis() + 30;

        scheduler.schedule(due, () -> {
            ranAt.set(scheduler.nowMillis());
            ran.countDown();
        });

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ranAt.get()).isGreaterThanOrEqualTo(due);
    }

    @Test
    void cancelledTaskDoesNotRun() throws InterruptedException {
        AtomicBoolean cancelledRan = new AtomicBoolean();
        CountDownLatch later = new CountDownLatch(1);
        long now = scheduler.nowMillis();

        scheduler.schedule(now + 20, () -> cancelledRan.set(true)).cancel();
        scheduler.schedule(now + 40, later::countDown);

        assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelledRan).isFalse();
    }
}
