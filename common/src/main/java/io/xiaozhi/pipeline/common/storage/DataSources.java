package io.xiaozhi.pipeline.common.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Opens the HikariCP pool for the database named by {@code database} in {@code config.yaml}
 * (see {@link JdbcTarget}), sized by {@code database.mysql} in {@code performance.yaml}:
 *
 * <ul>
 *   <li>{@code max_active} → {@code maximumPoolSize};</li>
 *   <li>{@code min_idle} → {@code minimumIdle};</li>
 *   <li>{@code max_wait} (milliseconds) → {@code connectionTimeout}, the longest a caller waits for a connection;</li>
 *   <li>{@code initial_size} has no HikariCP setting. It is honoured at start: that many connections are
 *       borrowed together (the pool opens them) and then returned, so the pool starts with at least
 *       {@code initial_size} open connections. Those above {@code min_idle} are closed later by HikariCP's
 *       idle timeout like any other idle connection.</li>
 * </ul>
 *
 * <p>The pool is named {@code <service>-db}; given a {@link MeterRegistry}, its metrics
 * ({@code hikaricp.connections.*}, tagged {@code pool=<service>-db}) are registered there.
 *
 * <p>Start-up fails fast: when the database cannot be reached, {@code create} throws a
 * {@link StorageUnavailableException} naming the URL and user (never the password) and the cause.
 * The embedded database's directory is created when missing.
 */
public final class DataSources {

    private DataSources() {
    }

    /** The pool for {@code serviceName} from its settings, without metrics. */
    public static HikariDataSource create(String serviceName, Settings settings) {
        return create(serviceName, settings, null);
    }

    /** The pool for {@code serviceName} from its settings; metrics go to {@code registry} unless it is {@code null}. */
    public static HikariDataSource create(String serviceName, Settings settings, MeterRegistry registry) {
        return create(serviceName, settings.config().database(), settings.performance().database().mysql(),
                settings.dataDir(), registry);
    }

    /**
     * The pool for {@code serviceName}.
     *
     * @param database which database, and the credentials for MySQL/MariaDB
     * @param pool     pool sizes and the wait for a connection
     * @param dataDir  the data directory, which holds the embedded database
     * @param registry where pool metrics go; {@code null} for none
     * @throws StorageUnavailableException when the database cannot be reached or the initial connections cannot be opened
     */
    public static HikariDataSource create(String serviceName, ServiceConfig.Database database,
            PerformanceConfig.MysqlPool pool, Path dataDir, MeterRegistry registry) {
        Objects.requireNonNull(serviceName, "serviceName");
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("serviceName must not be blank");
        }
        JdbcTarget target = JdbcTarget.of(database, dataDir);
        if (target.kind() == ServiceConfig.DatabaseKind.EMBEDDED) {
            createDirectoryOf(JdbcTarget.embeddedFile(dataDir));
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikariConfig(serviceName, target, pool, registry));
        } catch (RuntimeException e) {
            throw unavailable("Cannot connect to the database at " + target + hint(target), target, e);
        }
        try {
            openInitialConnections(dataSource, pool.initialSize());
        } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw unavailable("Cannot open initial_size=" + pool.initialSize() + " connections to the database at "
                    + target, target, e);
        }
        return dataSource;
    }

    /** The name of the pool of {@code serviceName}: it tags the pool's metrics and log lines. */
    public static String poolName(String serviceName) {
        return serviceName + "-db";
    }

    static HikariConfig hikariConfig(String serviceName, JdbcTarget target, PerformanceConfig.MysqlPool pool,
            MeterRegistry registry) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName(serviceName));
        config.setJdbcUrl(target.url());
        config.setUsername(target.username());
        config.setPassword(target.password());
        config.setMaximumPoolSize(pool.maxActive());
        config.setMinimumIdle(pool.minIdle());
        config.setConnectionTimeout(pool.maxWait());
        if (registry != null) {
            config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
        return config;
    }

    /** Borrows {@code count} connections at once, so that the pool opens them, and returns them all. */
    private static void openInitialConnections(HikariDataSource dataSource, int count) throws SQLException {
        List<Connection> borrowed = new ArrayList<>(count);
        SQLException failure = null;
        try {
            for (int i = 0; i < count; i++) {
                borrowed.add(dataSource.getConnection());
            }
        } finally {
            for (Connection connection : borrowed) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void createDirectoryOf(Path file) {
        Path directory = file.getParent();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StorageUnavailableException("Cannot create the embedded database directory " + directory + ": " + e, e);
        }
    }

    private static String hint(JdbcTarget target) {
        if (target.url().startsWith("jdbc:mysql:") && !target.url().contains("permitMysqlScheme")) {
            return " (the MariaDB driver accepts jdbc:mysql: URLs only with the permitMysqlScheme option; use jdbc:mariadb:)";
        }
        return "";
    }

    /**
     * The exception to throw: {@code what}, then the messages of the cause chain with secrets scrubbed.
     * The cause is attached for its stack trace only when none of its messages shows a secret.
     */
    private static StorageUnavailableException unavailable(String what, JdbcTarget target, Throwable cause) {
        boolean revealing = false;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            revealing |= target.reveals(t.getMessage()) || target.reveals(t.toString());
        }
        String message = what + ": " + FailureMessages.describe(cause, target::scrub);
        return revealing ? new StorageUnavailableException(message) : new StorageUnavailableException(message, cause);
    }
}
