package io.xiaozhi.pipeline.gateway.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fleet of simulated devices in a JVM of its own, driven by {@link IdleFleetBenchmark}: it opens
 * {@code devices} WebSockets to a gateway (at most {@code batch} handshakes at a time), says hello on
 * each and times the server hello, prints one {@code RESULT} line, then holds the connections idle
 * until a line arrives on standard input, and prints a {@code CLOSED} line with the connections the
 * server closed meanwhile and the first close code seen. With {@code pingSeconds} above 0 every
 * device sends a WebSocket ping that often, as a keep-alive; otherwise it sends nothing after hello.
 * Uses the JDK only, so the test classes directory is its whole class path.
 */
public final class FleetClients {

    static final String HELLO = "{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\","
            + "\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}";

    private FleetClients() {
    }

    /** Arguments: port, devices, batch, pingSeconds. */
    public static void main(String[] args) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + Integer.parseInt(args[0]) + "/xiaozhi/v1/");
        int devices = Integer.parseInt(args[1]);
        Semaphore handshakes = new Semaphore(Integer.parseInt(args[2]));
        int pingSeconds = Integer.parseInt(args[3]);
        long heapBefore = FleetHeap.usedAfterGc();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(60)).build();
        CountDownLatch done = new CountDownLatch(devices);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger serverClosed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>("");
        AtomicReference<String> firstClose = new AtomicReference<>("none");
        List<Device> fleet = new java.util.concurrent.CopyOnWriteArrayList<>();
        if (pingSeconds > 0) {
            Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "fleet-pings");
                thread.setDaemon(true);
                return thread;
            }).scheduleAtFixedRate(() -> fleet.forEach(Device::ping), pingSeconds, pingSeconds, TimeUnit.SECONDS);
        }
        long start = System.nanoTime();
        for (int i = 0; i < devices; i++) {
            handshakes.acquire();
            Device device = new Device(done, serverClosed, firstClose);
            fleet.add(device);
            http.newWebSocketBuilder().header("Device-Id", deviceId(i)).header("Client-Id", "bench-client-" + i)
                    .header("Protocol-Version", "1").buildAsync(uri, device)
                    .whenComplete((socket, error) -> {
                        handshakes.release();
                        if (error != null) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet("", error.toString());
                            done.countDown();
                        } else {
                            device.sayHello(socket);
                        }
                    });
        }
        boolean all = done.await(300, TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long[] latencies = fleet.stream().mapToLong(Device::helloNanos).filter(n -> n > 0).sorted().toArray();
        long clientHeap = FleetHeap.usedAfterGc() - heapBefore;
        System.out.printf(Locale.ROOT, "RESULT devices=%d hellos=%d failed=%d complete=%b elapsedMs=%d p50=%.1f p99=%.1f max=%.1f"
                        + " clientHeapPerConnection=%d firstFailure=%s%n",
                devices, latencies.length, failed.get(), all, elapsedMs, millis(latencies, 0.50), millis(latencies, 0.99),
                millis(latencies, 1.0), clientHeap / Math.max(1, devices), firstFailure.get().replace(' ', '_'));
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.out.println("CLOSED serverClosed=" + serverClosed.get() + " firstClose=" + firstClose.get().replace(' ', '_'));
        System.out.flush();
        System.exit(0);
    }

    /** A unique, MAC-shaped device id. */
    static String deviceId(int i) {
        return String.format(Locale.ROOT, "be:0c:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    }

    /** The value at quantile {@code q} of sorted nanoseconds, in milliseconds (nearest rank). */
    static double millis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(sorted.length * q);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    /** One device: says hello once connected and notes when the server's hello arrives. */
    private static final class Device implements WebSocket.Listener {
        private final CountDownLatch done;
        private final AtomicInteger serverClosed;
        private final AtomicReference<String> firstClose;
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;
        private volatile long sentAt;
        private volatile long helloNanos;

        Device(CountDownLatch done, AtomicInteger serverClosed, AtomicReference<String> firstClose) {
            this.done = done;
            this.serverClosed = serverClosed;
            this.firstClose = firstClose;
        }

        void sayHello(WebSocket socket) {
            this.socket = socket;
            sentAt = System.nanoTime();
            socket.sendText(HELLO, true);
        }

        void ping() {
            WebSocket open = socket;
            if (open != null && !open.isOutputClosed()) {
                open.sendPing(ByteBuffer.allocate(0));
            }
        }

        long helloNanos() {
            return helloNanos;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                if (helloNanos == 0 && partial.indexOf("\"type\":\"hello\"") >= 0 && partial.indexOf("\"session_id\"") >= 0) {
                    helloNanos = System.nanoTime() - sentAt;
                    done.countDown();
                }
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            serverClosed.incrementAndGet();
            firstClose.compareAndSet("none", statusCode + " " + reason);
            return null;
        }
    }

    /** Used heap of this JVM after a few full collections. */
    static final class FleetHeap {
        private FleetHeap() {
        }

        static long usedAfterGc() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
