package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class KeyValueStoresTest {

    private static final PerformanceConfig.RedisPool POOL = new PerformanceConfig.RedisPool(4, 2, 1, 1500);

    @Test
    void memoryKindGivesTheInProcessStoreWithThePrefix() {
        ServiceConfig.Redis redis = new ServiceConfig.Redis(ServiceConfig.RedisKind.MEMORY, "redis://unused:6379/0", "xiaozhi:");
        try (KeyValueStore store = KeyValueStores.create(redis, POOL)) {
            assertThat(store).isInstanceOf(InMemoryKeyValueStore.class);
            store.set("session", "v");
            assertThat(((InMemoryKeyValueStore) store).storedKeys()).containsExactly("xiaozhi:session");
        }
    }

    @Test
    void anUnreachableRedisFailsFastNamingHostAndPortButNotThePassword() {
        int port = ClosedPorts.find();
        ServiceConfig.Redis redis = new ServiceConfig.Redis(ServiceConfig.RedisKind.REDIS,
                "redis://:redis-secret-42@127.0.0.1:" + port + "/0", "xiaozhi:");

        long started = System.nanoTime();
        StorageUnavailableException error = catchThrowableOfType(StorageUnavailableException.class,
                () -> KeyValueStores.create(redis, POOL));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(error).isNotNull();
        assertThat(error.getMessage()).startsWith("Cannot connect to Redis at 127.0.0.1:" + port + " (redis.url): ");
        StringWriter printed = new StringWriter();
        error.printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString()).doesNotContain("redis-secret-42");
        assertThat(tookMillis).as("fails within the start-up bound")
                .isLessThan(RedisKeyValueStore.startupWait(POOL.timeoutDuration()).toMillis());
    }

    @Test
    void aUrlThatIsNotARedisUrlIsRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> RedisKeyValueStore.connect("http://user:pw-9@host", "p:", POOL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("pw-9");
    }

    @Test
    void thePasswordIsFoundInEitherUserInfoForm() {
        assertThat(RedisKeyValueStore.passwordIn("redis://:pw1@h:6379/0")).isEqualTo("pw1");
        assertThat(RedisKeyValueStore.passwordIn("redis://user:pw2@h:6379/0")).isEqualTo("pw2");
        assertThat(RedisKeyValueStore.passwordIn("redis://pw3@h:6379/0")).isEqualTo("pw3");
        assertThat(RedisKeyValueStore.passwordIn("redis://h:6379/0")).isEmpty();
    }
}
