package io.xiaozhi.pipeline.common.storage;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The {@link KeyValueStore} of the embedded default: the process's memory, with the semantics of
 * the Redis store (key prefix, TTLs, wrong-kind errors), for one process only.
 *
 * <p>Thread-safe: every change to a key is one atomic {@link ConcurrentHashMap#compute} on an
 * immutable entry. Time comes from the given {@link Clock}, so tests can move it.
 *
 * <p>Expired entries are removed lazily, when a call touches them, and periodically: a write that
 * finds the sweep interval elapsed since the last sweep removes every expired entry. Memory grows
 * only through writes, and writes keep sweeping, so expired entries cannot pile up.
 */
public final class InMemoryKeyValueStore implements KeyValueStore {

    /** How often writes sweep out expired entries unless told otherwise. */
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(30);

    private static final long NEVER = Long.MAX_VALUE;

    /** One key's value: a string or a list (immutable), and when it expires (epoch ms, or {@link #NEVER}). */
    private record Entry(String text, List<String> items, long expiresAt) {

        boolean expiredAt(long now) {
            return expiresAt <= now;
        }

        boolean isList() {
            return items != null;
        }

        String kind() {
            return isList() ? "a list" : "a string";
        }
    }

    private final String keyPrefix;
    private final Clock clock;
    private final long sweepIntervalMillis;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong nextSweepAt;
    private volatile boolean closed;

    /** A store on the system clock that sweeps every {@link #DEFAULT_SWEEP_INTERVAL}. */
    public InMemoryKeyValueStore(String keyPrefix) {
        this(keyPrefix, Clock.systemUTC(), DEFAULT_SWEEP_INTERVAL);
    }

    /**
     * @param keyPrefix     put in front of every key
     * @param clock         the source of time for expiry
     * @param sweepInterval how often writes sweep out all expired entries
     */
    public InMemoryKeyValueStore(String keyPrefix, Clock clock, Duration sweepInterval) {
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sweepIntervalMillis = KeyValueArguments.ttlMillis(sweepInterval);
        this.nextSweepAt = new AtomicLong(clock.millis() + sweepIntervalMillis);
    }

    @Override
    public Optional<String> get(String key) {
        String k = prefixed(key);
        Entry entry = live(k, now());
        if (entry == null) {
            return Optional.empty();
        }
        requireString("get", key, entry);
        return Optional.of(entry.text());
    }

    @Override
    public void set(String key, String value) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        long now = now();
        entries.put(k, new Entry(v, null, NEVER));
        sweepIfDue(now);
    }

    @Override
    public void set(String key, String value, Duration ttl) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        long now = now();
        entries.put(k, new Entry(v, null, expiry(now, ttlMillis)));
        sweepIfDue(now);
    }

    @Override
    public boolean setIfAbsent(String key, String value, Duration ttl) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        long now = now();
        boolean[] stored = {false};
        entries.compute(k, (ignored, old) -> {
            if (old != null && !old.expiredAt(now)) {
                return old;
            }
            stored[0] = true;
            return new Entry(v, null, expiry(now, ttlMillis));
        });
        sweepIfDue(now);
        return stored[0];
    }

    @Override
    public boolean delete(String key) {
        String k = prefixed(key);
        Entry old = entries.remove(k);
        return old != null && !old.expiredAt(now());
    }

    @Override
    public boolean exists(String key) {
        return live(prefixed(key), now()) != null;
    }

    @Override
    public Optional<Duration> ttl(String key) {
        long now = now();
        Entry entry = live(prefixed(key), now);
        if (entry == null || entry.expiresAt() == NEVER) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(entry.expiresAt() - now));
    }

    @Override
    public boolean expire(String key, Duration ttl) {
        String k = prefixed(key);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        long now = now();
        Entry updated = entries.computeIfPresent(k, (ignored, old) ->
                old.expiredAt(now) ? null : new Entry(old.text(), old.items(), expiry(now, ttlMillis)));
        sweepIfDue(now);
        return updated != null;
    }

    @Override
    public long incrementBy(String key, long delta, Duration ttl) {
        String k = prefixed(key);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        long now = now();
        Entry updated = entries.compute(k, (ignored, old) -> {
            if (old == null || old.expiredAt(now)) {
                return new Entry(Long.toString(delta), null, expiry(now, ttlMillis));
            }
            requireString("incrementBy", key, old);
            long current;
            try {
                current = Long.parseLong(old.text());
            } catch (NumberFormatException e) {
                throw new KeyValueStoreException("incrementBy " + key + ": the value is not an integer");
            }
            long next;
            try {
                next = Math.addExact(current, delta);
            } catch (ArithmeticException e) {
                throw new KeyValueStoreException("incrementBy " + key + ": the result would overflow");
            }
            long expiresAt = old.expiresAt() == NEVER ? expiry(now, ttlMillis) : old.expiresAt();
            return new Entry(Long.toString(next), null, expiresAt);
        });
        sweepIfDue(now);
        return Long.parseLong(updated.text());
    }

    @Override
    public long listAppend(String key, String value, int keepLast, Duration ttl) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        int keep = KeyValueArguments.keepLast(keepLast);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        long now = now();
        Entry updated = entries.compute(k, (ignored, old) -> {
            List<String> items = new ArrayList<>();
            if (old != null && !old.expiredAt(now)) {
                requireList("listAppend", key, old);
                items.addAll(old.items());
            }
            items.add(v);
            List<String> kept = items.subList(Math.max(0, items.size() - keep), items.size());
            return new Entry(null, List.copyOf(kept), expiry(now, ttlMillis));
        });
        sweepIfDue(now);
        return updated.items().size();
    }

    @Override
    public List<String> listRange(String key, long start, long stop) {
        Entry entry = live(prefixed(key), now());
        if (entry == null) {
            return List.of();
        }
        requireList("listRange", key, entry);
        List<String> items = entry.items();
        long size = items.size();
        long from = start < 0 ? Math.max(size + start, 0) : start;
        long to = stop < 0 ? size + stop : Math.min(stop, size - 1);
        if (from > to || from >= size) {
            return List.of();
        }
        return items.subList((int) from, (int) to + 1);
    }

    @Override
    public void close() {
        closed = true;
        entries.clear();
    }

    /** Removes every expired entry now; returns how many were removed. */
    int purgeExpired() {
        long now = clock.millis();
        int before = entries.size();
        entries.entrySet().removeIf(e -> e.getValue().expiredAt(now));
        return Math.max(0, before - entries.size());
    }

    /** How many entries are held, expired ones not yet removed included. */
    int storedEntryCount() {
        return entries.size();
    }

    /** The full (prefixed) keys of the entries that have not expired. */
    Set<String> storedKeys() {
        long now = clock.millis();
        return entries.entrySet().stream()
                .filter(e -> !e.getValue().expiredAt(now))
                .map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    private String prefixed(String key) {
        if (closed) {
            throw new IllegalStateException("the key-value store is closed");
        }
        return keyPrefix + KeyValueArguments.key(key);
    }

    private long now() {
        return clock.millis();
    }

    private static long expiry(long now, long ttlMillis) {
        long at = now + ttlMillis;
        return at < now || at == NEVER ? NEVER - 1 : at;
    }

    /** The entry at {@code k} unless it has expired, in which case it is removed. */
    private Entry live(String k, long now) {
        Entry entry = entries.get(k);
        if (entry != null && entry.expiredAt(now)) {
            entries.remove(k, entry);
            return null;
        }
        return entry;
    }

    private void sweepIfDue(long now) {
        long due = nextSweepAt.get();
        if (now >= due && nextSweepAt.compareAndSet(due, now + sweepIntervalMillis)) {
            entries.entrySet().removeIf(e -> e.getValue().expiredAt(now));
        }
    }

    private static void requireString(String operation, String key, Entry entry) {
        if (entry.isList()) {
            throw new KeyValueStoreException(operation + " " + key + ": the key holds " + entry.kind() + ", not a string");
        }
    }

    private static void requireList(String operation, String key, Entry entry) {
        if (!entry.isList()) {
            throw new KeyValueStoreException(operation + " " + key + ": the key holds " + entry.kind() + ", not a list");
        }
    }
}
