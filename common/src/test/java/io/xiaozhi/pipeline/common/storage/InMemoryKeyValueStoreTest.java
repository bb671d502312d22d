package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The contract on the in-process store, with time moved by hand; plus its expiry housekeeping. */
class InMemoryKeyValueStoreTest extends KeyValueStoreContract {

    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final Map<String, InMemoryKeyValueStore> stores = new HashMap<>();

    @Override
    protected KeyValueStore openStore(String keyPrefix) {
        InMemoryKeyValueStore opened = new InMemoryKeyValueStore(keyPrefix, clock, SWEEP_INTERVAL);
        stores.put(keyPrefix, opened);
        return opened;
    }

    @Override
    protected Set<String> backendKeys(String keyPrefix) {
        return stores.get(keyPrefix).storedKeys().stream()
                .filter(key -> key.startsWith(keyPrefix))
                .collect(Collectors.toSet());
    }

    @Override
    protected void removeBackendKeys(String keyPrefix) {
        // Each store's memory is its own and goes with close().
    }

    @Override
    protected void awaitExpiry(Duration ttl, BooleanSupplier expired, String what) {
        clock.advance(ttl);
        assertThat(expired.getAsBoolean()).as(what + " once the clock moved on by the TTL").isTrue();
    }

    private InMemoryKeyValueStore memory() {
        return (InMemoryKeyValueStore) store;
    }

    @Test
    void aKeyLivesUntilItsTtlHasPassedAndNotBeyond() {
        store.set("k", "v", Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(499));
        assertThat(store.get("k")).contains("v");
        assertThat(store.ttl("k")).contains(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    void expiredEntriesAreSweptOutByLaterWritesWithoutBeingRead() {
        for (int i = 0; i < 1000; i++) {
            store.set("session-" + i, "state", Duration.ofSeconds(5));
        }
        assertThat(memory().storedEntryCount()).isEqualTo(1000);

        clock.advance(Duration.ofSeconds(5));
        store.set("fresh-1", "v");
        assertThat(memory().storedEntryCount()).as("no sweep before the interval has passed").isEqualTo(1001);

        clock.advance(SWEEP_INTERVAL);
        store.set("fresh-2", "v");
        assertThat(memory().storedEntryCount()).as("the write after the interval swept the expired entries").isEqualTo(2);
    }

    @Test
    void purgeRemovesExpiredEntriesAndKeepsLiveOnes() {
        store.set("short", "v", Duration.ofSeconds(1));
        store.listAppend("list", "v", 3, Duration.ofSeconds(1));
        store.set("long", "v", Duration.ofMinutes(1));
        store.set("forever", "v");
        clock.advance(Duration.ofSeconds(2));

        assertThat(memory().purgeExpired()).isEqualTo(2);
        assertThat(memory().storedKeys()).containsExactlyInAnyOrder(prefix + "long", prefix + "forever");
    }

    @Test
    void readingAnExpiredKeyRemovesIt() {
        store.set("k", "v", Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(memory().storedEntryCount()).isEqualTo(1);
        assertThat(store.exists("k")).isFalse();
        assertThat(memory().storedEntryCount()).isZero();
    }
}
