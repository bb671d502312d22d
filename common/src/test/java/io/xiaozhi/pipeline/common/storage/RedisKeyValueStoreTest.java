package io.xiaozhi.pipeline.common.storage;

import java.util.Optional;

/**
 * The contract on the Redis server named by {@value TestRedis#URL_VARIABLE}; skipped when the
 * variable is unset, failing when it is set and the server cannot be reached.
 */
class RedisKeyValueStoreTest extends RedisKeyValueStoreContract {

    @Override
    protected Optional<String> skipReason() {
        return TestRedis.configuredUrl().isPresent()
                ? Optional.empty()
                : Optional.of("set " + TestRedis.URL_VARIABLE
                        + " (for example redis://127.0.0.1:6379/0) to run these tests against a Redis server");
    }

    @Override
    protected String redisUrl() {
        return TestRedis.configuredUrl().orElseThrow();
    }

    @Override
    protected String source() {
        return TestRedis.URL_VARIABLE;
    }
}
