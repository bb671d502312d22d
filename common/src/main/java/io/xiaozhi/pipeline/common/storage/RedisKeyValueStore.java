package io.xiaozhi.pipeline.common.storage;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.support.AsyncConnectionPoolSupport;
import io.lettuce.core.support.BoundedAsyncPool;
import io.lettuce.core.support.BoundedPoolConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The {@link KeyValueStore} on a Redis server, through Lettuce.
 *
 * <p><b>Connections.</b> A bounded Lettuce pool ({@link AsyncConnectionPoolSupport#createBoundedObjectPool},
 * no commons-pool2) sized by {@code database.redis} in {@code performance.yaml}: at most
 * {@code max_active} connections, idle ones beyond {@code max_idle} closed when returned,
 * {@code min_idle} opened at start. Each call borrows one connection for its duration, so at most
 * {@code max_active} calls are at Redis at once; further callers wait for a free connection (Lettuce's
 * pool itself would fail them at once). Lettuce connections are thread-safe and one could serve
 * everyone, but the configuration promises these limits, and separate connections keep a slow reply
 * (a long list) from holding up the calls queued behind it on one socket.
 *
 * <p><b>Time.</b> {@code database.redis.timeout} bounds every call, waiting for a connection
 * included, and is also the connect timeout and Lettuce's command timeout. While a connection is
 * re-established after a loss, calls fail at once instead of queueing.
 *
 * <p><b>Atomicity.</b> {@link #incrementBy} and {@link #listAppend} each run as one Lua script, so
 * the counter or list never exists without its expiry.
 *
 * <p><b>Start.</b> {@link #connect} opens the pool and sends a {@code PING}; when Redis cannot be
 * reached it throws a {@link StorageUnavailableException} naming {@code host:port} (the password in
 * the URL is never shown).
 */
public final class RedisKeyValueStore implements KeyValueStore {

    /** INCRBY, then the TTL if the key has none: a fixed window that starts with its first increment. */
    private static final String INCREMENT_SCRIPT = """
            local value = redis.call('INCRBY', KEYS[1], ARGV[1])
            if redis.call('PTTL', KEYS[1]) == -1 then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return value
            """;

    /** RPUSH, trim to the last ARGV[2] elements, expire after ARGV[3] ms; returns the length. */
    private static final String APPEND_SCRIPT = """
            local length = redis.call('RPUSH', KEYS[1], ARGV[1])
            local keep = tonumber(ARGV[2])
            if length > keep then
              redis.call('LTRIM', KEYS[1], -keep, -1)
              length = keep
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return length
            """;

    private static final long WARM_UP_MILLIS = 2000;

    private final RedisClient client;
    private final BoundedAsyncPool<StatefulRedisConnection<String, String>> pool;
    private final Semaphore permits;
    private final String keyPrefix;
    private final int maxActive;
    private final long timeoutMillis;
    private final String endpoint;
    private volatile boolean closed;

    private RedisKeyValueStore(RedisClient client, BoundedAsyncPool<StatefulRedisConnection<String, String>> pool,
            String keyPrefix, PerformanceConfig.RedisPool limits, String endpoint) {
        this.client = client;
        this.pool = pool;
        this.permits = new Semaphore(limits.maxActive());
        this.keyPrefix = keyPrefix;
        this.maxActive = limits.maxActive();
        this.timeoutMillis = limits.timeout();
        this.endpoint = endpoint;
    }

    /**
     * Connects to the Redis server at {@code url} ({@code redis://[[user]:password@]host[:port][/db]}
     * or {@code rediss://} for TLS).
     *
     * @param keyPrefix put in front of every key
     * @param limits    pool sizes and the timeout
     * @throws StorageUnavailableException when Redis cannot be reached or does not answer {@code PING}
     * @throws IllegalArgumentException    when {@code url} is not a Redis URL
     */
    public static RedisKeyValueStore connect(String url, String keyPrefix, PerformanceConfig.RedisPool limits) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        RedisURI uri = parse(url);
        String endpoint = uri.getHost() + ":" + uri.getPort();
        Duration timeout = limits.timeoutDuration();
        Duration startupWait = startupWait(timeout);
        uri.setTimeout(timeout);
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        RedisKeyValueStore store = null;
        try {
            BoundedAsyncPool<StatefulRedisConnection<String, String>> pool = AsyncConnectionPoolSupport
                    .createBoundedObjectPoolAsync(() -> client.connectAsync(StringCodec.UTF8, uri), poolConfig(limits), false)
                    .toCompletableFuture()
                    .get(startupWait.toMillis(), TimeUnit.MILLISECONDS);
            store = new RedisKeyValueStore(client, pool, keyPrefix, limits, endpoint);
            store.execute("ping", "", RedisAsyncCommands::ping, startupWait.toMillis());
            return store;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(store, client);
            throw new StorageUnavailableException("Interrupted while connecting to Redis at " + endpoint, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            shutDown(store, client);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String password = passwordIn(url);
            String message = "Cannot connect to Redis at " + endpoint + " (redis.url): " + reasons(cause, password);
            throw FailureMessages.mentions(cause, password)
                    ? new StorageUnavailableException(message)
                    : new StorageUnavailableException(message, cause);
        }
    }

    /**
     * How long start-up waits for the first connection and its {@code PING}: a connect and a command
     * timeout, plus {@value #WARM_UP_MILLIS} ms for the client's one-off start (threads, class loading),
     * which can exceed a short timeout on its own.
     */
    static Duration startupWait(Duration timeout) {
        return timeout.multipliedBy(2).plusMillis(WARM_UP_MILLIS);
    }

    static BoundedPoolConfig poolConfig(PerformanceConfig.RedisPool limits) {
        return BoundedPoolConfig.builder()
                .maxTotal(limits.maxActive())
                .maxIdle(limits.maxIdle())
                .minIdle(limits.minIdle())
                .testOnAcquire()
                .build();
    }

    private static RedisURI parse(String url) {
        Objects.requireNonNull(url, "url");
        try {
            RedisURI uri = RedisURI.create(url);
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException("no host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("redis.url is not a redis:// or rediss:// URL with a host");
        }
    }

    /** The password written in {@code url} ({@code user:password@} or {@code password@}), or "". */
    static String passwordIn(String url) {
        try {
            String userInfo = new URI(url).getUserInfo();
            if (userInfo == null) {
                return "";
            }
            int colon = userInfo.indexOf(':');
            return colon < 0 ? userInfo : userInfo.substring(colon + 1);
        } catch (URISyntaxException e) {
            return "";
        }
    }

    @Override
    public Optional<String> get(String key) {
        String k = prefixed(key);
        return Optional.ofNullable(execute("get", key, c -> c.get(k)));
    }

    @Override
    public void set(String key, String value) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        execute("set", key, c -> c.set(k, v));
    }

    @Override
    public void set(String key, String value, Duration ttl) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        execute("set", key, c -> c.set(k, v, SetArgs.Builder.px(ttlMillis)));
    }

    @Override
    public boolean setIfAbsent(String key, String value, Duration ttl) {
        String k = prefixed(key);
        String v = KeyValueArguments.value(value);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        return "OK".equals(execute("setIfAbsent", key, c -> c.set(k, v, SetArgs.Builder.nx().px(ttlMillis))));
    }

    @Override
    public boolean delete(String key) {
        String k = prefixed(key);
        return execute("delete", key, c -> c.del(k)) > 0;
    }

    @Override
    public boolean exists(String key) {
        String k = prefixed(key);
        return execute("exists", key, c -> c.exists(k)) > 0;
    }

    @Override
    public Optional<Duration> ttl(String key) {
        String k = prefixed(key);
        long millis = execute("ttl", key, c -> c.pttl(k));
        return millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    }

    @Override
    public boolean expire(String key, Duration ttl) {
        String k = prefixed(key);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        return Boolean.TRUE.equals(execute("expire", key, c -> c.pexpire(k, ttlMillis)));
    }

    @Override
    public long incrementBy(String key, long delta, Duration ttl) {
        String[] keys = {prefixed(key)};
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        Long value = execute("incrementBy", key, c -> c.<Long>eval(INCREMENT_SCRIPT, ScriptOutputType.INTEGER, keys,
                Long.toString(delta), Long.toString(ttlMillis)));
        return value;
    }

    @Override
    public long listAppend(String key, String value, int keepLast, Duration ttl) {
        String[] keys = {prefixed(key)};
        String v = KeyValueArguments.value(value);
        int keep = KeyValueArguments.keepLast(keepLast);
        long ttlMillis = KeyValueArguments.ttlMillis(ttl);
        Long length = execute("listAppend", key, c -> c.<Long>eval(APPEND_SCRIPT, ScriptOutputType.INTEGER, keys,
                v, Integer.toString(keep), Long.toString(ttlMillis)));
        return length;
    }

    @Override
    public List<String> listRange(String key, long start, long stop) {
        String k = prefixed(key);
        return List.copyOf(execute("listRange", key, c -> c.lrange(k, start, stop)));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutDown(this, client);
    }

    /** The connection pool, for checks of its limits. */
    BoundedAsyncPool<StatefulRedisConnection<String, String>> connectionPool() {
        return pool;
    }

    /** {@code host:port} of the server. */
    String endpoint() {
        return endpoint;
    }

    private String prefixed(String key) {
        if (closed) {
            throw new IllegalStateException("the key-value store is closed");
        }
        return keyPrefix + KeyValueArguments.key(key);
    }

    /** Runs {@code command} on a borrowed connection, all within the timeout. */
    private <T> T execute(String operation, String key,
            Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
        return execute(operation, key, command, timeoutMillis);
    }

    /**
     * Times every command from now on in {@code registry}: {@code xiaozhi.redis.commands} (tags
     * {@code operation}, {@code outcome}: ok or failed; waiting for a connection included), and the pool
     * as gauges {@code xiaozhi.redis.pool.active} and {@code xiaozhi.redis.pool.max}.
     */
    public RedisKeyValueStore bindMeters(MeterRegistry registry) {
        Gauge.builder("xiaozhi.redis.pool.active", permits, p -> maxActive - p.availablePermits())
                .description("Redis connections in use").register(registry);
        Gauge.builder("xiaozhi.redis.pool.max", () -> maxActive)
                .description("Redis connections at most (database.redis.max_active)").register(registry);
        this.meters = registry;
        return this;
    }

    private volatile MeterRegistry meters;
    /** The command timers by operation and outcome, made once each. */
    private final Map<String, Timer> commandTimers = new ConcurrentHashMap<>();

    /** Runs {@code command} on a borrowed connection, all within {@code waitMillis}, timed when meters are bound. */
    private <T> T execute(String operation, String key,
            Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command, long waitMillis) {
        MeterRegistry registry = meters;
        if (registry == null) {
            return executeUntimed(operation, key, command, waitMillis);
        }
        long start = System.nanoTime();
        String outcome = "failed";
        try {
            T result = executeUntimed(operation, key, command, waitMillis);
            outcome = "ok";
            return result;
        } finally {
            String tagOutcome = outcome;
            commandTimers.computeIfAbsent(operation + "/" + outcome, k -> Timer.builder("xiaozhi.redis.commands")
                    .description("Redis commands, from asking for a connection to the answer")
                    .tag("operation", operation).tag("outcome", tagOutcome).register(registry))
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private <T> T executeUntimed(String operation, String key,
            Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command, long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            if (!permits.tryAcquire(remaining(deadline), TimeUnit.NANOSECONDS)) {
                throw failure(operation, key, "no connection became free within " + waitMillis
                        + " ms (max_active " + maxActive + ")", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(operation, key, "interrupted", e);
        }
        try {
            StatefulRedisConnection<String, String> connection = borrow(operation, key, deadline, waitMillis);
            try {
                return await(operation, key, command.apply(connection.async()), deadline, waitMillis);
            } finally {
                pool.release(connection);
            }
        } finally {
            permits.release();
        }
    }

    private StatefulRedisConnection<String, String> borrow(String operation, String key, long deadline, long waitMillis) {
        CompletableFuture<StatefulRedisConnection<String, String>> acquired = pool.acquire();
        try {
            return acquired.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (!acquired.cancel(false)) {
                acquired.thenAccept(pool::release);
            }
            throw failure(operation, key, "no connection to " + endpoint + " within " + waitMillis + " ms", e);
        } catch (ExecutionException e) {
            throw failure(operation, key, "no connection to " + endpoint + ": " + reasons(e.getCause(), ""), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired.thenAccept(pool::release);
            throw failure(operation, key, "interrupted", e);
        }
    }

    private <T> T await(String operation, String key, RedisFuture<T> reply, long deadline, long waitMillis) {
        try {
            return reply.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            reply.cancel(true);
            throw failure(operation, key, endpoint + " did not answer within " + waitMillis + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RedisCommandTimeoutException) {
                throw failure(operation, key, endpoint + " did not answer within " + timeoutMillis + " ms", cause);
            }
            throw failure(operation, key, reasons(cause, ""), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply.cancel(true);
            throw failure(operation, key, "interrupted", e);
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static KeyValueStoreException failure(String operation, String key, String reason, Throwable cause) {
        String what = key.isEmpty() ? operation : operation + " " + key;
        return new KeyValueStoreException(what + ": " + reason, cause);
    }

    /** The messages along {@code error}'s cause chain, {@code password} hidden. */
    private static String reasons(Throwable error, String password) {
        return FailureMessages.describe(error, message -> password.isEmpty() ? message : message.replace(password, "(hidden)"));
    }

    private static void shutDown(RedisKeyValueStore store, RedisClient client) {
        try {
            if (store != null) {
                store.pool.close();
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
