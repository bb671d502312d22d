package io.xiaozhi.pipeline.common.storage;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Direct access to a Redis server's keys, bypassing any {@link KeyValueStore}: to see the full keys
 * a store wrote and to remove a test's keys afterwards.
 */
public final class RedisKeys implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    public RedisKeys(String url) {
        this.client = RedisClient.create(url);
        this.connection = client.connect();
    }

    /** Every key that starts with {@code prefix}. */
    public Set<String> withPrefix(String prefix) {
        RedisCommands<String, String> commands = connection.sync();
        ScanArgs match = ScanArgs.Builder.matches(escapeGlob(prefix) + "*").limit(500);
        Set<String> keys = new HashSet<>();
        KeyScanCursor<String> cursor = commands.scan(match);
        keys.addAll(cursor.getKeys());
        while (!cursor.isFinished()) {
            cursor = commands.scan(ScanCursor.of(cursor.getCursor()), match);
            keys.addAll(cursor.getKeys());
        }
        return keys;
    }

    /** Deletes every key that starts with {@code prefix}; returns how many there were. */
    public long deleteWithPrefix(String prefix) {
        Set<String> keys = withPrefix(prefix);
        return keys.isEmpty() ? 0 : connection.sync().del(keys.toArray(String[]::new));
    }

    /** The remaining time to live of the full key {@code key} in milliseconds, as {@code PTTL} answers. */
    public long pttl(String key) {
        return connection.sync().pttl(key);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
