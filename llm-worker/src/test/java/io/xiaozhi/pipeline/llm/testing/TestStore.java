package io.xiaozhi.pipeline.llm.testing;

import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.RedisKeys;
import io.xiaozhi.pipeline.common.storage.TestRedis;
import java.util.Optional;

/**
 * A test's key-value store: on the Redis server {@code XIAOZHI_TEST_REDIS_URL} names (under a key
 * prefix of its own, removed on close), or in memory when it names none.
 */
public final class TestStore implements AutoCloseable {

    private final String prefix = TestRedis.randomKeyPrefix();
    private final KeyValueStore store = TestRedis.create(prefix);

    public KeyValueStore store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
        Optional<String> url = TestRedis.configuredUrl();
        if (url.isPresent()) {
            try (RedisKeys keys = new RedisKeys(url.get())) {
                keys.deleteWithPrefix(prefix);
            }
        }
    }
}
