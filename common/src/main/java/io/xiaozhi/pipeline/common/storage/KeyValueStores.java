package io.xiaozhi.pipeline.common.storage;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;

/**
 * Opens the {@link KeyValueStore} that {@code redis.kind} in {@code config.yaml} names: an
 * {@link InMemoryKeyValueStore} for {@code memory}, a {@link RedisKeyValueStore} on
 * {@code redis.url} for {@code redis}, both with {@code redis.key_prefix}.
 */
public final class KeyValueStores {

    private KeyValueStores() {
    }

    /** The store for these settings. */
    public static KeyValueStore create(Settings settings) {
        return create(settings.config().redis(), settings.performance().database().redis());
    }

    /** The store for these settings; a Redis store times its commands in {@code registry}. */
    public static KeyValueStore create(Settings settings, io.micrometer.core.instrument.MeterRegistry registry) {
        KeyValueStore store = create(settings);
        if (store instanceof RedisKeyValueStore redis) {
            redis.bindMeters(registry);
        }
        return store;
    }

    /**
     * The store {@code redis} names; {@code limits} sizes the Redis connection pool.
     *
     * @throws StorageUnavailableException when {@code kind} is redis and Redis cannot be reached
     */
    public static KeyValueStore create(ServiceConfig.Redis redis, PerformanceConfig.RedisPool limits) {
        return switch (redis.kind()) {
            case MEMORY -> new InMemoryKeyValueStore(redis.keyPrefix());
            case REDIS -> RedisKeyValueStore.connect(redis.url(), redis.keyPrefix(), limits);
        };
    }
}
