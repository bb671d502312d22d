package io.xiaozhi.pipeline.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.gateway.Gateway;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.InMemoryDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An idle fleet on one gateway: N devices connect (at most {@code bench.batch} handshakes at a time),
 * say hello and stay idle. Per level it reports the hello latency (hello sent → server hello
 * received, p50/p99/max) and the gateway JVM's used heap per connection (after full collections,
 * before connecting and with all devices connected). The devices run in a child JVM, so their heap
 * is not counted in the gateway's (their own is reported beside it); both JVMs share the machine's
 * cores. The gateway uses the energy VAD (its sessions hold no Silero state) and the in-process
 * Kafka broker, which runs in the gateway JVM, so its heap is part of the readings.
 *
 * <p>Not part of the test run. Run it with
 * {@code mvn -q -pl gateway -am test -Dtest=IdleFleetBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Options: {@code -Dbench.devices=1000,5000} {@code -Dbench.batch=200} {@code -Dbench.clientHeap=2g}
 * {@code -Dbench.holdSeconds=0} (how long the fleet stays idle after the last hello before the heap is
 * read; connections the server closes meanwhile are counted) {@code -Dbench.pingSeconds=0} (a
 * WebSocket ping from every device that often; 0 sends nothing after hello).
 */
@ExtendWith(KafkaBrokerExtension.class)
@EnabledIfSystemProperty(named = "test", matches = ".*IdleFleetBenchmark.*")
class IdleFleetBenchmark {

    private static final int WARM_UP_DEVICES = 200;

    @Test
    void idleDevicesSayHello(KafkaTestBroker kafka) throws Exception {
        int[] levels = Arrays.stream(System.getProperty("bench.devices", "1000,5000").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int batch = Integer.getInteger("bench.batch", 200);
        String clientHeap = System.getProperty("bench.clientHeap", "2g");
        int hold = Integer.getInteger("bench.holdSeconds", 0);
        int ping = Integer.getInteger("bench.pingSeconds", 0);
        int max = Arrays.stream(levels).max().orElse(0) + WARM_UP_DEVICES;
        Settings settings = ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "XIAOZHI_SERVER_GATEWAY_ID", "gw-bench-" + System.nanoTime(),
                "XIAOZHI_SERVER_MAX_CONNECTIONS", Integer.toString(max),
                "XIAOZHI_VAD_KIND", "energy"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DeviceTokens tokens = new DeviceTokens(settings.config().server().auth(), Clock.systemUTC());
        InMemoryDeviceRegistry registry = new InMemoryDeviceRegistry();
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, registry, Clock.systemUTC(), meters);
        List<String> rows = new ArrayList<>();
        try (Gateway gateway = Gateway.start(settings, tokens, ota, new AdminBinding("", registry), meters, 0, 0)) {
            level(gateway, WARM_UP_DEVICES, batch, clientHeap, 0, 0);
            for (int devices : levels) {
                rows.add(level(gateway, devices, batch, clientHeap, hold, ping));
            }
        }
        System.out.printf(Locale.ROOT, "%nIdleFleetBenchmark (devices in a child JVM, -Xmx%s; at most %d handshakes at a time;"
                + " idle %d s after the last hello; pings every %d s (0: none); gateway heap max %d MiB; warm-up of %d devices not shown)%n%n",
                clientHeap, batch, hold, ping,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() >> 20, WARM_UP_DEVICES);
        System.out.println("| devices | hellos | failed | connect all, s | hello p50 ms | hello p99 ms | hello max ms"
                + " | gateway heap per connection | client heap per connection | open at gateway | closed by server while idle (first code) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /** One level: a fresh fleet, measured, then closed; returns its table row. */
    private static String level(Gateway gateway, int devices, int batch, String clientHeap, int holdSeconds, int pingSeconds)
            throws Exception {
        awaitNoConnections(gateway);
        long before = usedHeapAfterGc();
        Map<String, String> result;
        long after;
        int open;
        Map<String, String> closed;
        try (FleetProcess fleet = FleetProcess.start(gateway.server().port(), devices, batch, pingSeconds, clientHeap)) {
            result = fleet.result();
            Thread.sleep(holdSeconds * 1000L);
            after = usedHeapAfterGc();
            open = gateway.server().openConnections();
            closed = fleet.closeFleet();
        }
        assertThat(result.get("hellos")).as("every device got its hello (%s)", result).isEqualTo(Integer.toString(devices));
        return String.format(Locale.ROOT, "| %d | %s | %s | %.1f | %s | %s | %s | %.1f KB | %.1f KB | %d | %s (%s) |", devices,
                result.get("hellos"), result.get("failed"), Long.parseLong(result.get("elapsedMs")) / 1000.0, result.get("p50"),
                result.get("p99"), result.get("max"), (after - before) / 1024.0 / devices,
                Long.parseLong(result.get("clientHeapPerConnection")) / 1024.0, open, closed.get("serverClosed"),
                closed.get("firstClose"));
    }

    private static void awaitNoConnections(Gateway gateway) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (gateway.server().openConnections() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(gateway.server().openConnections()).as("connections left from the previous level").isZero();
    }

    /** Used heap after a few full collections. */
    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(250);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
