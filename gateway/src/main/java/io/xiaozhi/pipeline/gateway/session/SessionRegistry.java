package io.xiaozhi.pipeline.gateway.session;

import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import java.time.Duration;
import java.util.Optional;

/**
 * Which gateway holds which device, in the key-value store shared by every service:
 * {@code session:device:<device id>} = {@code <gateway id> <session id>}, with a TTL so an entry of a
 * gateway that died goes away by itself.
 */
public final class SessionRegistry {

    public static final String KEY_PREFIX = "session:device:";

    /** Where a device is connected. */
    public record Location(String gatewayId, String sessionId) {
    }

    private final KeyValueStore store;
    private final String gatewayId;
    private final Duration ttl;

    public SessionRegistry(KeyValueStore store, String gatewayId, Duration ttl) {
        this.store = store;
        this.gatewayId = gatewayId;
        this.ttl = ttl;
    }

    public void connected(String deviceId, String sessionId) {
        store.set(KEY_PREFIX + deviceId, gatewayId + " " + sessionId, ttl);
    }

    /** Removes the entry if it is still this session's (a newer connection elsewhere keeps its own). */
    public void disconnected(String deviceId, String sessionId) {
        String key = KEY_PREFIX + deviceId;
        if (store.get(key).filter((gatewayId + " " + sessionId)::equals).isPresent()) {
            store.delete(key);
        }
    }

    public Optional<Location> locate(String deviceId) {
        return store.get(KEY_PREFIX + deviceId).map(value -> {
            int space = value.indexOf(' ');
            return space < 0 ? new Location(value, "") : new Location(value.substring(0, space), value.substring(space + 1));
        });
    }
}
