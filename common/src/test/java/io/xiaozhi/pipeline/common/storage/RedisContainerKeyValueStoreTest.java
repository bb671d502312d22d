package io.xiaozhi.pipeline.common.storage;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/** The contract on a throw-away Redis in a container; skipped where there is no Docker. */
@Testcontainers(disabledWithoutDocker = true)
class RedisContainerKeyValueStoreTest extends RedisKeyValueStoreContract {

    static final DockerImageName IMAGE = DockerImageName.parse("redis:7.4-alpine");
    private static final int REDIS_PORT = 6379;

    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>(IMAGE).withExposedPorts(REDIS_PORT);

    @Override
    protected String redisUrl() {
        return "redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(REDIS_PORT) + "/0";
    }

    @Override
    protected String source() {
        return "Testcontainers " + IMAGE;
    }
}
