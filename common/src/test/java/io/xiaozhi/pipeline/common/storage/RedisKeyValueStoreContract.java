package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The contract on a real Redis server: expiry is waited for (polling, bounded), keys are read and
 * removed directly on the server.
 */
abstract class RedisKeyValueStoreContract extends KeyValueStoreContract {

    /** How long past a TTL a key may linger before the test gives up (Redis expires lazily and by sampling). */
    private static final Duration EXPIRY_SLACK = Duration.ofSeconds(2);

    private RedisKeys keys;

    /** The URL of the server under test. */
    protected abstract String redisUrl();

    /** Where the URL came from, named when the server cannot be reached. */
    protected abstract String source();

    @Override
    protected KeyValueStore openStore(String keyPrefix) {
        return TestRedis.connect(redisUrl(), keyPrefix, source());
    }

    private RedisKeys keys() {
        if (keys == null) {
            keys = new RedisKeys(redisUrl());
        }
        return keys;
    }

    @Override
    protected Set<String> backendKeys(String keyPrefix) {
        return keys().withPrefix(keyPrefix);
    }

    @Override
    protected void removeBackendKeys(String keyPrefix) {
        keys().deleteWithPrefix(keyPrefix);
        assertThat(keys().withPrefix(keyPrefix)).as("the test's keys were removed").isEmpty();
    }

    @Override
    protected void closeBackend() {
        if (keys != null) {
            keys.close();
            keys = null;
        }
    }

    @Override
    protected void awaitExpiry(Duration ttl, BooleanSupplier expired, String what) {
        long deadline = System.nanoTime() + ttl.plus(EXPIRY_SLACK).toNanos();
        while (!expired.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what, e);
            }
        }
        assertThat(expired.getAsBoolean()).as(what + " within " + ttl.plus(EXPIRY_SLACK).toMillis() + " ms").isTrue();
    }

    @Test
    void ttlsAreSetOnTheServerInMilliseconds() {
        store.set("session", "v", Duration.ofMillis(45_500));
        assertThat(keys().pttl(prefix + "session")).isBetween(40_000L, 45_500L);
        store.incrementBy("rate", 1, Duration.ofMillis(30_250));
        assertThat(keys().pttl(prefix + "rate")).isBetween(25_000L, 30_250L);
    }

    @Test
    void thePoolIsSizedFromTheConfiguration() {
        RedisKeyValueStore redis = (RedisKeyValueStore) store;
        assertThat(redis.connectionPool().getMaxTotal()).isEqualTo(TestRedis.SMALL_POOL.maxActive());
        assertThat(redis.connectionPool().getMaxIdle()).isEqualTo(TestRedis.SMALL_POOL.maxIdle());
        assertThat(redis.connectionPool().getMinIdle()).isEqualTo(TestRedis.SMALL_POOL.minIdle());
        assertThat(redis.connectionPool().getObjectCount())
                .as("min_idle connections are open after start")
                .isGreaterThanOrEqualTo(TestRedis.SMALL_POOL.minIdle());
    }

    @Test
    void commandsAreTimedByOperationAndOutcomeOnceMetersAreBound() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        RedisKeyValueStore redis = ((RedisKeyValueStore) store).bindMeters(registry);
        redis.set("a", "1");
        redis.get("a");
        redis.get("b");
        assertThat(registry.get("xiaozhi.redis.commands").tag("operation", "get").tag("outcome", "ok").timer().count()).isEqualTo(2);
        assertThat(registry.get("xiaozhi.redis.commands").tag("operation", "set").timer().count()).isEqualTo(1);
        assertThat(registry.get("xiaozhi.redis.pool.max").gauge().value()).isEqualTo(TestRedis.SMALL_POOL.maxActive());
        assertThat(registry.get("xiaozhi.redis.pool.active").gauge().value()).as("nothing in flight now").isZero();
    }
}
