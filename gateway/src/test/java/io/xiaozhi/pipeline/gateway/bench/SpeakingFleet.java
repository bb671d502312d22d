package io.xiaozhi.pipeline.gateway.bench;

import io.xiaozhi.pipeline.gateway.session.DeviceSession;
import io.xiaozhi.pipeline.gateway.session.SessionServices;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * K device sessions in {@code listen start} (manual mode) fed one uplink packet each every 60 ms,
 * the devices' start times spread over the 60 ms, by a pool of feeder threads that call
 * {@link DeviceSession#onBinary} as the socket thread would.
 */
final class SpeakingFleet implements AutoCloseable {

    static final long PACKET_MILLIS = 60;

    private final List<DeviceSession> sessions = new ArrayList<>();
    private final List<Thread> feeders = new CopyOnWriteArrayList<>();
    private final AtomicLong fed = new AtomicLong();
    private final AtomicInteger texts = new AtomicInteger();
    private final ScheduledExecutorService pool;

    SpeakingFleet(int speakers, int feederThreads, SessionServices services, List<byte[]> packets) {
        AtomicInteger names = new AtomicInteger();
        pool = Executors.newScheduledThreadPool(feederThreads, runnable -> {
            Thread thread = new Thread(runnable, "uplink-feeder-" + names.incrementAndGet());
            thread.setDaemon(true);
            feeders.add(thread);
            return thread;
        });
        for (int i = 0; i < speakers; i++) {
            DeviceSession session = new DeviceSession("bench-session-" + i, FleetClients.deviceId(i), 1, new CountingTransport(texts), services);
            session.onText(FleetClients.HELLO);
            session.onText("{\"session_id\":\"bench-session-" + i + "\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\"manual\"}");
            sessions.add(session);
        }
        long spreadMicros = PACKET_MILLIS * 1000 / Math.max(1, speakers);
        for (int i = 0; i < speakers; i++) {
            DeviceSession session = sessions.get(i);
            int offset = i * 7;
            AtomicInteger next = new AtomicInteger(offset);
            pool.scheduleAtFixedRate(() -> {
                session.onBinary(packets.get(next.getAndIncrement() % packets.size()));
                fed.incrementAndGet();
            }, i * spreadMicros, PACKET_MILLIS * 1000, TimeUnit.MICROSECONDS);
        }
    }

    /** Packets handed to sessions so far. */
    long fed() {
        return fed.get();
    }

    /** Text messages the sessions sent (one hello each is expected, nothing else). */
    int textsSent() {
        return texts.get();
    }

    /** CPU time of the feeder threads so far, in nanoseconds. */
    long feederCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return feeders.stream().mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.getId()))).sum();
    }

    @Override
    public void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        sessions.forEach(DeviceSession::close);
    }

    /** Counts what a session sends; keeps nothing. */
    private static final class CountingTransport implements DeviceSession.Transport {
        private final AtomicInteger texts;

        CountingTransport(AtomicInteger texts) {
            this.texts = texts;
        }

        @Override
        public void sendText(String json) {
            texts.incrementAndGet();
        }

        @Override
        public void sendBinary(byte[] frame) {
        }

        @Override
        public void close(int code, String reason) {
        }
    }
}
