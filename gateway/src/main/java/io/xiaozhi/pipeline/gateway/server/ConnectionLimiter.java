package io.xiaozhi.pipeline.gateway.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Enforces {@code server.max_connections} and one connection per device: a connection over the limit
 * is refused (and counted) without disturbing existing sessions; a second connection of the same
 * device replaces the first, which is closed.
 *
 * @param <S> the session type
 */
public final class ConnectionLimiter<S> {

    /** How a session is told to go. */
    public interface Closer<S> {
        void close(S session, int code, String reason);
    }

    public static final int CLOSE_TRY_AGAIN_LATER = 1013;
    public static final int CLOSE_REPLACED = 4000;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, S> byDevice = new ConcurrentHashMap<>();
    private final Closer<S> closer;
    private final Counter refused;
    private final Counter replaced;

    public ConnectionLimiter(int max, Closer<S> closer, MeterRegistry registry) {
        this.max = max;
        this.closer = closer;
        Gauge.builder("xiaozhi.gateway.connections", open, AtomicInteger::get)
                .description("device WebSocket connections open").register(registry);
        this.refused = Counter.builder("xiaozhi.gateway.connections.refused")
                .description("connections refused because the gateway was full").register(registry);
        this.replaced = Counter.builder("xiaozhi.gateway.connections.replaced")
                .description("connections closed because the same device connected again").register(registry);
    }

    /** Admits {@code session} of {@code deviceId}, or returns false when the gateway is full. */
    public boolean admit(String deviceId, S session) {
        while (true) {
            int current = open.get();
            if (current >= max) {
                refused.increment();
                return false;
            }
            if (open.compareAndSet(current, current + 1)) {
                break;
            }
        }
        S previous = byDevice.put(deviceId, session);
        if (previous != null && previous != session) {
            replaced.increment();
            closer.close(previous, CLOSE_REPLACED, "replaced by a new connection of the same device");
        }
        return true;
    }

    /** Forgets a closed session; its device's newer session, if any, is left alone. */
    public void closed(String deviceId, S session) {
        open.decrementAndGet();
        byDevice.remove(deviceId, session);
    }

    public int open() {
        return open.get();
    }

    /** The current session of a device, if connected here. */
    public S sessionOf(String deviceId) {
        return byDevice.get(deviceId);
    }
}
