package io.xiaozhi.pipeline.loadtest.fleet;

import io.xiaozhi.pipeline.loadtest.fleet.FleetStats.Outcome;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a fleet of {@link SimulatedDevice}s against a gateway: the devices start evenly over the ramp,
 * share one {@link HttpClient} and one small scheduler (no thread per device), make their turns until
 * the turns per device are done or the duration has passed, then close. A live line of figures is
 * printed every {@link #LIVE_PERIOD}.
 */
public final class Fleet {

    public static final Duration LIVE_PERIOD = Duration.ofSeconds(2);

    /**
     * A finished run: what it was asked, what it measured, and when; {@code gateway} is what the
     * gateways recorded meanwhile, when their metrics were read ({@code null} otherwise).
     */
    public record Result(FleetSettings settings, FleetStats stats, Instant startedAt, Duration elapsed, GatewayMetrics.Delta gateway) {

        public Result withGateway(GatewayMetrics.Delta delta) {
            return new Result(settings, stats, startedAt, elapsed, delta);
        }
    }

    private Fleet() {
    }

    public static Result run(FleetSettings settings, Utterance utterance, PrintStream live) throws InterruptedException {
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        FleetStats stats = new FleetStats(start);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2, daemon("fleet-scheduler"));
        scheduler.setRemoveOnCancelPolicy(true);
        ExecutorService network = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 2),
                daemon("fleet-network"));
        HttpClient client = HttpClient.newBuilder().executor(network).connectTimeout(Duration.ofSeconds(10)).build();
        long stopStartingAt = start + settings.ramp().toNanos() + settings.duration().toNanos();
        List<SimulatedDevice> devices = new ArrayList<>();
        try {
            for (int i = 0; i < settings.devices(); i++) {
                SimulatedDevice device = new SimulatedDevice(settings.deviceId(i), settings, client, scheduler, utterance, stats, stopStartingAt);
                devices.add(device);
                long delay = settings.ramp().toNanos() * i / settings.devices();
                scheduler.schedule(device::start, delay, TimeUnit.NANOSECONDS);
            }
            scheduler.scheduleAtFixedRate(() -> live.println(liveLine(settings, stats, System.nanoTime() - start)),
                    LIVE_PERIOD.toMillis(), LIVE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<Void> all = CompletableFuture.allOf(devices.stream().map(SimulatedDevice::done).toArray(CompletableFuture[]::new));
            try {
                if (settings.duration().isZero()) {
                    all.get();
                } else {
                    // the last turns started before the end of the duration have their timeout to finish
                    Duration limit = settings.ramp().plus(settings.duration()).plus(settings.turnTimeout()).plus(settings.thinkTime())
                            .plusSeconds(15);
                    all.get(limit.toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException e) {
                devices.forEach(SimulatedDevice::stop);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a device failed unexpectedly", e.getCause());
            }
        } finally {
            devices.forEach(SimulatedDevice::stop);
            scheduler.shutdownNow();
            network.shutdown();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        live.println(liveLine(settings, stats, elapsed.toNanos()));
        return new Result(settings, stats, startedAt, elapsed, null);
    }

    static String liveLine(FleetSettings settings, FleetStats stats, long elapsedNanos) {
        double progress;
        if (!settings.duration().isZero()) {
            progress = (double) elapsedNanos / settings.ramp().plus(settings.duration()).toNanos();
        } else {
            progress = (double) stats.turns() / ((long) settings.devices() * settings.turnsPerDevice());
        }
        progress = Math.max(0, Math.min(1, progress));
        int filled = (int) Math.round(progress * 20);
        return String.format(Locale.ROOT, "[%s%s] %3.0f%% %5.0fs | devices %d/%d connected | turns ok %d busy %d timeout %d error %d"
                        + " | first audio p50 %d ms p99 %d ms | late frames %s",
                "#".repeat(filled), ".".repeat(20 - filled), progress * 100, elapsedNanos / 1e9, stats.connected(), settings.devices(),
                stats.turns(Outcome.OK), stats.turns(Outcome.BUSY), stats.turns(Outcome.TIMEOUT), stats.turns(Outcome.ERROR),
                stats.firstAudio().percentileMs(0.5), stats.firstAudio().percentileMs(0.99), Slo.percent(stats.lateShare()));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
