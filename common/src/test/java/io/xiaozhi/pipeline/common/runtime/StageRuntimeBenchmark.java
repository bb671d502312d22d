package io.xiaozhi.pipeline.common.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Throughput of the stage runtime against the ideal given by Little's law: with N requests in flight
 * and a handler that takes 50 ms, one worker can finish at most N / 50 ms requests a second. Also the
 * runtime's own CPU per request (the CPU time of its threads: consumer loop, continuations, scheduler,
 * handler threads while they are not sleeping, its producer's I/O thread).
 *
 * <p>Not part of the test suite (the class name does not end in Test). Run:
 * <pre>mvn -q -pl common test -Dtest=StageRuntimeBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * Options: {@code -Dbench.levels=1,8,32,128} {@code -Dbench.reps=3} {@code -Dbench.seconds=5}. It is
 * disabled unless the {@code test} property names it, so wildcards such as
 * {@code -Dtest='io.xiaozhi.pipeline.common.**'} skip it.
 */
@ExtendWith(KafkaBrokerExtension.class)
@EnabledIfSystemProperty(named = "test", matches = ".*StageRuntimeBenchmark.*")
class StageRuntimeBenchmark {

    private static final long HANDLER_MS = 50;

    record Run(int inFlight, int records, double seconds, double perSecond, double fractionOfIdeal, double runtimeCpuMicrosPerRecord) {
    }

    @Test
    void throughputAgainstLittlesLaw(KafkaTestBroker kafka) throws Exception {
        int[] levels = Arrays.stream(System.getProperty("bench.levels", "1,8,32,128").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int reps = Integer.getInteger("bench.reps", 3);
        int seconds = Integer.getInteger("bench.seconds", 5);

        run(kafka, 8, 8 * 20 * 2); // warm-up: JIT, broker, group coordinator
        List<List<Run>> results = new ArrayList<>();
        for (int level : levels) {
            List<Run> runs = new ArrayList<>();
            for (int rep = 0; rep < reps; rep++) {
                runs.add(run(kafka, level, (int) (level * (1000 / HANDLER_MS) * seconds)));
            }
            results.add(runs);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "stage runtime benchmark: handler %d ms, 1 consumer, 12 partitions, %d runs per level, %d cores%n",
                HANDLER_MS, reps, Runtime.getRuntime().availableProcessors());
        System.out.println("| in flight | records | ideal/s | achieved/s (median, min–max) | of ideal (median, min–max) | runtime CPU per record (median, min–max) |");
        System.out.println("|---|---|---|---|---|---|");
        for (List<Run> runs : results) {
            Run first = runs.get(0);
            System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %s | %s | %s |%n", first.inFlight(), first.records(),
                    first.inFlight() * 1000.0 / HANDLER_MS,
                    spread(runs.stream().mapToDouble(Run::perSecond).toArray(), "%.0f"),
                    spread(runs.stream().mapToDouble(r -> r.fractionOfIdeal() * 100).toArray(), "%.1f %%"),
                    spread(runs.stream().mapToDouble(Run::runtimeCpuMicrosPerRecord).toArray(), "%.0f µs"));
        }
    }

    private Run run(KafkaTestBroker kafka, int inFlight, int records) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 12)) {
            h.publish("t", records);
            CountDownLatch done = new CountDownLatch(records);
            AtomicLong firstStart = new AtomicLong();
            AtomicLong lastEnd = new AtomicLong();
            StageHandler handler = (request, context) -> {
                firstStart.compareAndSet(0, System.nanoTime());
                Thread.sleep(HANDLER_MS);
                lastEnd.set(System.nanoTime());
                done.countDown();
                return CompletableFuture.completedFuture(null);
            };
            StageRuntime runtime = h.start(h.runtime(handler, new PerformanceConfig.StageLimits(inFlight, 1_000_000, 30, 1))
                    .serviceName("bench-" + inFlight));
            assertThat(done.await(10L * records * HANDLER_MS / inFlight + 60_000, TimeUnit.MILLISECONDS))
                    .as("every record handled").isTrue();
            long cpu = runtimeCpuNanos("asr-", "bench-" + inFlight);
            runtime.close();
            double elapsed = (lastEnd.get() - firstStart.get()) / 1e9;
            // n records started in waves: the last one ends one handler time after the last start
            double perSecond = (records - inFlight) / Math.max(1e-9, elapsed - HANDLER_MS / 1000.0);
            double ideal = inFlight * 1000.0 / HANDLER_MS;
            return new Run(inFlight, records, elapsed, perSecond, perSecond / ideal, cpu / 1000.0 / records);
        }
    }

    /** CPU of the live threads whose names start with {@code prefix} or mention {@code clientMarker}. */
    private static long runtimeCpuNanos(String prefix, String clientMarker) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (name.startsWith(prefix) || name.contains(clientMarker)) {
                long cpu = threads.getThreadCpuTime(thread.getId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }

    private static String spread(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        return String.format(Locale.ROOT, format, median) + " (" + String.format(Locale.ROOT, format, sorted[0]) + "–"
                + String.format(Locale.ROOT, format, sorted[sorted.length - 1]) + ")";
    }
}
