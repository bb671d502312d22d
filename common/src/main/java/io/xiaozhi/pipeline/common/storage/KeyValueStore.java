package io.xiaozhi.pipeline.common.storage;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The key-value store for short-lived state: session and conversation state with time-to-live,
 * cancellation flags, rate-limit counters and recent history lists. Backed by Redis
 * ({@link RedisKeyValueStore}) or, for the embedded default, by the process's memory
 * ({@link InMemoryKeyValueStore}); both behave as Redis does.
 *
 * <p><b>Synchronous, with a bound on every call.</b> Each method returns when the store has answered,
 * or throws {@link KeyValueStoreException} once {@code database.redis.timeout} has passed (waiting
 * for a free connection included). The callers are stage handlers and connection handlers that
 * already run on threads whose number the stage runtime and the gateway bound, and that make one or
 * two small calls per turn; a blocking call with a bounded wait keeps them simple (no callback
 * chains for a flag check), makes the worst case explicit, and is what the in-memory store does
 * anyway. A caller that must not block can run a call on its own executor.
 *
 * <p><b>Keys</b> are given bare: the store puts {@code redis.key_prefix} in front of every key it
 * reads or writes, so that several deployments can share one Redis. <b>Values</b> are strings
 * (UTF-8 on Redis). A key holds either a string (set, counters) or a list; using it as the other
 * kind fails with {@link KeyValueStoreException}, as Redis answers {@code WRONGTYPE}.
 *
 * <p><b>Time-to-live</b> has millisecond precision and must be at least one millisecond. An expired
 * key is gone for every operation.
 *
 * <p>Errors: {@link KeyValueStoreException} when the store does not answer in time, the connection
 * is lost, or a value is of the wrong kind; {@link IllegalArgumentException} for a bad TTL or list
 * bound; {@link NullPointerException} for a null key or value; {@link IllegalStateException} after
 * {@link #close()}. Implementations are safe for use by many threads at once.
 */
public interface KeyValueStore extends AutoCloseable {

    /** The string stored at {@code key}, or empty when there is none. */
    Optional<String> get(String key);

    /** Stores {@code value} at {@code key} with no expiry, replacing any value and any earlier TTL. */
    void set(String key, String value);

    /** Stores {@code value} at {@code key}, replacing any value, to expire after {@code ttl}. */
    void set(String key, String value, Duration ttl);

    /**
     * Stores {@code value} at {@code key} to expire after {@code ttl}, only if the key does not exist
     * (a lock, a once-only flag).
     *
     * @return whether the value was stored
     */
    boolean setIfAbsent(String key, String value, Duration ttl);

    /** Removes {@code key}; returns whether it existed. */
    boolean delete(String key);

    /** Whether {@code key} exists (and has not expired). */
    boolean exists(String key);

    /** The time {@code key} has left, or empty when it does not exist or does not expire. */
    Optional<Duration> ttl(String key);

    /** Makes an existing {@code key} expire after {@code ttl} from now; returns whether the key existed. */
    boolean expire(String key, Duration ttl);

    /**
     * Adds {@code delta} (which may be negative) to the integer at {@code key}, a missing key counting
     * as 0, and returns the new value. If the key has no expiry afterwards (it was just created), it
     * gets {@code ttl}; an expiry it already has is kept. That is a fixed-window rate limit: the first
     * request of a window starts the clock and the counter disappears when the window ends.
     *
     * @throws KeyValueStoreException when the key holds a value that is not a 64-bit integer, or a list,
     *                                or the result would overflow
     */
    long incrementBy(String key, long delta, Duration ttl);

    /**
     * Appends {@code value} to the list at {@code key} (creating it), keeps only its last
     * {@code keepLast} elements and makes the list expire {@code ttl} after this append (recent
     * history that lapses when the conversation goes quiet).
     *
     * @return the length of the list afterwards
     */
    long listAppend(String key, String value, int keepLast, Duration ttl);

    /**
     * The elements of the list at {@code key} from index {@code start} to {@code stop}, both inclusive,
     * oldest first. Negative indexes count from the end ({@code -1} is the last element), as in Redis
     * {@code LRANGE}; {@code listRange(key, 0, -1)} is the whole list. Empty when the key does not exist.
     */
    List<String> listRange(String key, long start, long stop);

    /** Releases the store's connections or memory. Further calls throw {@link IllegalStateException}. */
    @Override
    void close();
}
