package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyValueStore} must do, run against each implementation by a subclass. Each
 * test run writes under a random key prefix and removes its keys afterwards.
 */
abstract class KeyValueStoreContract {

    /** Long enough that nothing expires by accident during a test. */
    static final Duration LONG_TTL = Duration.ofMinutes(10);

    protected final String prefix = TestRedis.randomKeyPrefix();
    protected KeyValueStore store;
    private final List<KeyValueStore> extraStores = new ArrayList<>();
    private final List<String> extraPrefixes = new ArrayList<>();

    /** A store on the backend under test with {@code keyPrefix}. */
    protected abstract KeyValueStore openStore(String keyPrefix);

    /** The full keys on the backend that start with {@code keyPrefix}, read around the store. */
    protected abstract Set<String> backendKeys(String keyPrefix);

    /** Removes the backend's keys that start with {@code keyPrefix}. */
    protected abstract void removeBackendKeys(String keyPrefix);

    /** Releases whatever the subclass opened to look at the backend; called after each test. */
    protected void closeBackend() {
    }

    /** A TTL short enough to wait out. */
    protected Duration shortTtl() {
        return Duration.ofSeconds(1);
    }

    /** Lets {@code ttl} pass (or waits for it, within a bound) and asserts that {@code expired} then holds. */
    protected abstract void awaitExpiry(Duration ttl, BooleanSupplier expired, String what);

    /**
     * Why the backend is not available to this run, or empty when it is. Each test is then skipped
     * with this message (rather than the class, whose skip reports would lose it).
     */
    protected Optional<String> skipReason() {
        return Optional.empty();
    }

    @BeforeEach
    void openStore() {
        assumeTrue(skipReason().isEmpty(), () -> skipReason().orElseThrow());
        store = openStore(prefix);
    }

    @AfterEach
    void removeKeysAndClose() {
        if (store == null) {
            return;
        }
        try {
            removeBackendKeys(prefix);
            extraPrefixes.forEach(this::removeBackendKeys);
        } finally {
            extraStores.forEach(KeyValueStore::close);
            store.close();
            closeBackend();
        }
    }

    private KeyValueStore otherStore(String keyPrefix) {
        KeyValueStore other = openStore(keyPrefix);
        extraStores.add(other);
        extraPrefixes.add(keyPrefix);
        return other;
    }

    @Test
    void getReturnsWhatSetStoredAndNothingForAMissingKey() {
        assertThat(store.get("missing")).isEmpty();

        store.set("greeting", "你好 😀 hello");
        assertThat(store.get("greeting")).contains("你好 😀 hello");

        store.set("greeting", "again");
        assertThat(store.get("greeting")).contains("again");
    }

    @Test
    void setWithTtlExpires() {
        Duration ttl = shortTtl();
        store.set("session", "state", ttl);
        assertThat(store.get("session")).contains("state");
        assertThat(store.exists("session")).isTrue();

        awaitExpiry(ttl, () -> store.get("session").isEmpty(), "session expired");
        assertThat(store.exists("session")).isFalse();
        assertThat(store.ttl("session")).isEmpty();
    }

    @Test
    void setWithoutTtlClearsAnEarlierTtl() {
        store.set("state", "one", LONG_TTL);
        assertThat(store.ttl("state")).isPresent();

        store.set("state", "two");
        assertThat(store.ttl("state")).isEmpty();
        assertThat(store.get("state")).contains("two");
    }

    @Test
    void setIfAbsentStoresOnlyWhenTheKeyIsMissing() {
        Duration ttl = shortTtl();
        assertThat(store.setIfAbsent("lock", "first", ttl)).isTrue();
        assertThat(store.setIfAbsent("lock", "second", ttl)).isFalse();
        assertThat(store.get("lock")).contains("first");
        assertThat(store.ttl("lock")).get().satisfies(left -> assertThat(left).isPositive().isLessThanOrEqualTo(ttl));

        awaitExpiry(ttl, () -> !store.exists("lock"), "lock expired");
        assertThat(store.setIfAbsent("lock", "third", LONG_TTL)).isTrue();
        assertThat(store.get("lock")).contains("third");
    }

    @Test
    void deleteRemovesTheKeyAndSaysWhetherItExisted() {
        store.set("flag", "1");
        assertThat(store.delete("flag")).isTrue();
        assertThat(store.exists("flag")).isFalse();
        assertThat(store.get("flag")).isEmpty();
        assertThat(store.delete("flag")).isFalse();

        store.listAppend("list", "a", 5, LONG_TTL);
        assertThat(store.delete("list")).isTrue();
        assertThat(store.listRange("list", 0, -1)).isEmpty();
    }

    @Test
    void existsSeesStringsAndLists() {
        assertThat(store.exists("string")).isFalse();
        assertThat(store.exists("list")).isFalse();
        store.set("string", "");
        store.listAppend("list", "x", 3, LONG_TTL);
        assertThat(store.exists("string")).isTrue();
        assertThat(store.get("string")).contains("");
        assertThat(store.exists("list")).isTrue();
    }

    @Test
    void ttlTellsTheTimeLeftOnlyForKeysThatExpire() {
        assertThat(store.ttl("missing")).isEmpty();

        store.set("forever", "v");
        assertThat(store.ttl("forever")).isEmpty();
        assertThat(store.exists("forever")).isTrue();

        Duration ttl = Duration.ofSeconds(30);
        store.set("expiring", "v", ttl);
        assertThat(store.ttl("expiring")).get()
                .satisfies(left -> assertThat(left).isGreaterThan(ttl.minusSeconds(5)).isLessThanOrEqualTo(ttl));
    }

    @Test
    void expireSetsAnExpiryOnExistingKeysOnly() {
        assertThat(store.expire("missing", LONG_TTL)).isFalse();
        assertThat(store.exists("missing")).isFalse();

        Duration ttl = shortTtl();
        store.set("refreshed", "v");
        assertThat(store.expire("refreshed", ttl)).isTrue();
        assertThat(store.ttl("refreshed")).get().satisfies(left -> assertThat(left).isPositive().isLessThanOrEqualTo(ttl));

        awaitExpiry(ttl, () -> !store.exists("refreshed"), "refreshed key expired");
    }

    @Test
    void incrementByCountsAndSetsTheTtlOnTheFirstIncrementOnly() {
        assertThat(store.incrementBy("rate", 1, LONG_TTL)).isEqualTo(1);
        assertThat(store.incrementBy("rate", 1, Duration.ofSeconds(1))).isEqualTo(2);
        assertThat(store.incrementBy("rate", -5, Duration.ofSeconds(1))).isEqualTo(-3);
        assertThat(store.get("rate")).contains("-3");
        assertThat(store.ttl("rate")).get()
                .as("the window set by the first increment is kept")
                .satisfies(left -> assertThat(left).isGreaterThan(LONG_TTL.minusMinutes(1)));

        store.set("plain", "10");
        assertThat(store.incrementBy("plain", 5, LONG_TTL)).isEqualTo(15);
        assertThat(store.ttl("plain")).as("a counter without expiry gets one").isPresent();
    }

    @Test
    void incrementByStartsAgainAfterTheWindowExpires() {
        Duration ttl = shortTtl();
        assertThat(store.incrementBy("window", 3, ttl)).isEqualTo(3);
        assertThat(store.incrementBy("window", 3, ttl)).isEqualTo(6);

        awaitExpiry(ttl, () -> !store.exists("window"), "window expired");
        assertThat(store.incrementBy("window", 3, ttl)).isEqualTo(3);
    }

    @Test
    void incrementByRejectsValuesThatAreNotIntegersAndOverflow() {
        store.set("text", "abc");
        assertThatThrownBy(() -> store.incrementBy("text", 1, LONG_TTL))
                .isInstanceOf(KeyValueStoreException.class)
                .hasMessageContaining("incrementBy text");
        assertThat(store.get("text")).contains("abc");

        store.set("big", Long.toString(Long.MAX_VALUE));
        assertThatThrownBy(() -> store.incrementBy("big", 1, LONG_TTL)).isInstanceOf(KeyValueStoreException.class);
        assertThat(store.get("big")).contains(Long.toString(Long.MAX_VALUE));
    }

    @Test
    void listAppendKeepsTheLastEntriesInOrder() {
        for (int i = 1; i <= 5; i++) {
            assertThat(store.listAppend("history", "turn " + i, 3, LONG_TTL)).isEqualTo(Math.min(i, 3));
        }
        assertThat(store.listRange("history", 0, -1)).containsExactly("turn 3", "turn 4", "turn 5");
        assertThat(store.listAppend("history", "你好", 3, LONG_TTL)).isEqualTo(3);
        assertThat(store.listRange("history", 0, -1)).containsExactly("turn 4", "turn 5", "你好");
    }

    @Test
    void listAppendRefreshesTheTtlAndTheListExpires() {
        store.listAppend("recent", "a", 10, LONG_TTL);
        Duration ttl = shortTtl();
        store.listAppend("recent", "b", 10, ttl);
        assertThat(store.ttl("recent")).get().satisfies(left -> assertThat(left).isPositive().isLessThanOrEqualTo(ttl));
        assertThat(store.listRange("recent", 0, -1)).containsExactly("a", "b");

        awaitExpiry(ttl, () -> store.listRange("recent", 0, -1).isEmpty(), "list expired");
        assertThat(store.exists("recent")).isFalse();
    }

    @Test
    void listRangeTakesInclusiveAndNegativeIndexes() {
        for (String item : List.of("a", "b", "c", "d", "e")) {
            store.listAppend("items", item, 100, LONG_TTL);
        }
        assertThat(store.listRange("items", 0, -1)).containsExactly("a", "b", "c", "d", "e");
        assertThat(store.listRange("items", 1, 2)).containsExactly("b", "c");
        assertThat(store.listRange("items", -2, -1)).containsExactly("d", "e");
        assertThat(store.listRange("items", -100, 1)).containsExactly("a", "b");
        assertThat(store.listRange("items", 3, 100)).containsExactly("d", "e");
        assertThat(store.listRange("items", 4, 2)).isEmpty();
        assertThat(store.listRange("items", 5, 10)).isEmpty();
        assertThat(store.listRange("items", 0, -6)).isEmpty();
        assertThat(store.listRange("missing", 0, -1)).isEmpty();
    }

    @Test
    void usingAKeyAsTheOtherKindOfValueFails() {
        store.listAppend("list", "x", 5, LONG_TTL);
        store.set("string", "y");

        assertThatThrownBy(() -> store.get("list")).isInstanceOf(KeyValueStoreException.class).hasMessageContaining("list");
        assertThatThrownBy(() -> store.incrementBy("list", 1, LONG_TTL)).isInstanceOf(KeyValueStoreException.class);
        assertThatThrownBy(() -> store.listAppend("string", "z", 5, LONG_TTL)).isInstanceOf(KeyValueStoreException.class);
        assertThatThrownBy(() -> store.listRange("string", 0, -1)).isInstanceOf(KeyValueStoreException.class);
        assertThat(store.get("string")).contains("y");
        assertThat(store.listRange("list", 0, -1)).containsExactly("x");

        store.set("list", "now a string");
        assertThat(store.get("list")).as("set replaces a list").contains("now a string");
    }

    @Test
    void everyKeyIsWrittenUnderThePrefix() {
        store.set("a", "1");
        store.set("b", "2", LONG_TTL);
        store.setIfAbsent("c", "3", LONG_TTL);
        store.incrementBy("d", 1, LONG_TTL);
        store.listAppend("e", "5", 3, LONG_TTL);
        assertThat(backendKeys(prefix)).containsExactlyInAnyOrder(prefix + "a", prefix + "b", prefix + "c", prefix + "d", prefix + "e");

        store.delete("a");
        assertThat(backendKeys(prefix)).doesNotContain(prefix + "a").contains(prefix + "b");

        String otherPrefix = TestRedis.randomKeyPrefix();
        KeyValueStore other = otherStore(otherPrefix);
        assertThat(other.get("b")).as("a store with another prefix does not see the key").isEmpty();
        other.set("b", "other");
        assertThat(store.get("b")).contains("2");
        assertThat(backendKeys(otherPrefix)).containsExactly(otherPrefix + "b");
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> store.set("k", "v", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.set("k", "v", Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.set("k", "v", Duration.ofNanos(999_999))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.setIfAbsent("k", "v", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.expire("k", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.incrementBy("k", 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.listAppend("k", "v", 0, LONG_TTL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.set("k", null)).isInstanceOf(NullPointerException.class);
        assertThat(store.exists("k")).as("nothing was written").isFalse();
    }

    @Test
    void concurrentIncrementsAreNotLost() throws Exception {
        int threads = 12;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> {
                    for (int i = 0; i < perThread; i++) {
                        store.incrementBy("counter", 1, LONG_TTL);
                        store.listAppend("log", "entry", 50, LONG_TTL);
                    }
                    return null;
                });
            }
            for (Future<Void> done : pool.invokeAll(tasks)) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.get("counter")).contains(Integer.toString(threads * perThread));
        assertThat(store.listRange("log", 0, -1)).hasSize(50);
    }

    @Test
    void callsAfterCloseFail() {
        KeyValueStore closing = otherStore(TestRedis.randomKeyPrefix());
        closing.set("k", "v");
        closing.close();
        assertThatThrownBy(() -> closing.get("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closing.set("k", "v")).isInstanceOf(IllegalStateException.class);
        assertThatCode(closing::close).as("closing twice is harmless").doesNotThrowAnyException();
    }
}
