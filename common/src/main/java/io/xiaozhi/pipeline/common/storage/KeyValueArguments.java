package io.xiaozhi.pipeline.common.storage;

import java.time.Duration;
import java.util.Objects;

/** The argument rules every {@link KeyValueStore} implementation applies the same way. */
final class KeyValueArguments {

    private KeyValueArguments() {
    }

    static String key(String key) {
        return Objects.requireNonNull(key, "key");
    }

    static String value(String value) {
        return Objects.requireNonNull(value, "value");
    }

    /** {@code ttl} in milliseconds; at least one. */
    static long ttlMillis(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, was " + ttl);
        }
        return ttl.toMillis();
    }

    static int keepLast(int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast must be at least 1, was " + keepLast);
        }
        return keepLast;
    }
}
