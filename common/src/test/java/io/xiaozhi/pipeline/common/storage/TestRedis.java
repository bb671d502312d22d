package io.xiaozhi.pipeline.common.storage;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which key-value store tests run on, chosen by the environment: the Redis server at
 * {@value #URL_VARIABLE} (for example {@code redis://127.0.0.1:6379/0}) when it is set, else an
 * {@link InMemoryKeyValueStore}. When the variable is set and Redis cannot be reached the test fails
 * (it is not skipped), naming the variable.
 *
 * <p>Tests that share a Redis server keep apart by key prefix: use {@link #randomKeyPrefix()} and
 * remove the keys afterwards ({@link RedisKeys#deleteWithPrefix}).
 */
public final class TestRedis {

    /** The URL of a Redis server to test on. */
    public static final String URL_VARIABLE = "XIAOZHI_TEST_REDIS_URL";

    /** A small pool for tests: 8 connections at most, 4 kept idle, 1 opened at start, 2 s timeout. */
    public static final PerformanceConfig.RedisPool SMALL_POOL = new PerformanceConfig.RedisPool(8, 4, 1, 2000);

    private TestRedis() {
    }

    /** The Redis URL the environment names, or empty when {@value #URL_VARIABLE} is unset or blank. */
    public static Optional<String> configuredUrl() {
        return configuredUrl(System.getenv());
    }

    static Optional<String> configuredUrl(Map<String, String> env) {
        String url = env.getOrDefault(URL_VARIABLE, "").strip();
        return url.isEmpty() ? Optional.empty() : Optional.of(url);
    }

    /** A prefix no other test run uses: {@code xz-test:<random>:}. */
    public static String randomKeyPrefix() {
        return "xz-test:" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + ":";
    }

    /** The configured Redis server's store, or an in-memory one when none is configured. */
    public static KeyValueStore create(String keyPrefix) {
        return create(keyPrefix, System.getenv());
    }

    static KeyValueStore create(String keyPrefix, Map<String, String> env) {
        Optional<String> url = configuredUrl(env);
        return url.isPresent() ? connect(url.get(), keyPrefix, URL_VARIABLE) : new InMemoryKeyValueStore(keyPrefix);
    }

    /**
     * The store on the Redis server at {@code url}, with {@link #SMALL_POOL}.
     *
     * @param source where the URL came from (the variable, or the container), named when it fails
     * @throws AssertionError naming {@code source} when Redis cannot be reached
     */
    public static RedisKeyValueStore connect(String url, String keyPrefix, String source) {
        try {
            return RedisKeyValueStore.connect(url, keyPrefix, SMALL_POOL);
        } catch (StorageUnavailableException e) {
            throw new AssertionError(source + ": " + e.getMessage(), e);
        }
    }
}
