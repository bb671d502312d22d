package io.xiaozhi.pipeline.common.storage;

import com.zaxxer.hikari.HikariDataSource;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One test class's own database, from {@link TestDatabases}: a database created on a MySQL/MariaDB
 * server, or an embedded H2 file in a directory of its own. {@link #close()} drops the database or
 * deletes the directory; close the data sources opened on it first.
 */
public final class TestDatabase implements AutoCloseable {

    /** A small pool for tests: 4 connections at most, none kept idle, none opened up front, 5 s wait. */
    public static final PerformanceConfig.MysqlPool SMALL_POOL = new PerformanceConfig.MysqlPool(4, 0, 0, 5000);

    private final ServiceConfig.Database config;
    private final Path dataDir;
    private final MysqlServer server;
    private final String databaseName;

    private TestDatabase(ServiceConfig.Database config, Path dataDir, MysqlServer server, String databaseName) {
        this.config = config;
        this.dataDir = dataDir;
        this.server = server;
        this.databaseName = databaseName;
    }

    static TestDatabase embedded(Path dataDir) {
        return new TestDatabase(new ServiceConfig.Database(ServiceConfig.DatabaseKind.EMBEDDED, "", "", ""),
                dataDir, null, null);
    }

    static TestDatabase onServer(MysqlServer server, String databaseName, Path dataDir) {
        ServiceConfig.Database config = new ServiceConfig.Database(ServiceConfig.DatabaseKind.MYSQL,
                server.urlFor(databaseName), server.username(), server.password());
        return new TestDatabase(config, dataDir, server, databaseName);
    }

    /** {@code database} as {@code config.yaml} would give it for this database. */
    public ServiceConfig.Database config() {
        return config;
    }

    /** A data directory of its own (it holds the database when embedded). */
    public Path dataDir() {
        return dataDir;
    }

    /** The server the database is on; empty when embedded. */
    public Optional<MysqlServer> server() {
        return Optional.ofNullable(server);
    }

    /** The database's name on the server; empty when embedded. */
    public Optional<String> databaseName() {
        return Optional.ofNullable(databaseName);
    }

    /** A pool on this database ({@link #SMALL_POOL}) with the migrations applied. */
    public HikariDataSource openMigrated(String serviceName) {
        HikariDataSource dataSource = DataSources.create(serviceName, config, SMALL_POOL, dataDir, null);
        try {
            Migrations.migrate(dataSource);
            return dataSource;
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Drops the database from the server, or deletes the embedded one, and the data directory. */
    @Override
    public void close() {
        try {
            if (server != null) {
                try (Connection connection = DriverManager.getConnection(server.url(), server.username(), server.password());
                        Statement statement = connection.createStatement()) {
                    statement.execute("DROP DATABASE IF EXISTS " + databaseName);
                } catch (SQLException e) {
                    throw new IllegalStateException("could not drop test database " + databaseName + " on " + server, e);
                }
            }
        } finally {
            deleteRecursively(dataDir);
        }
    }

    @Override
    public String toString() {
        return server == null ? "embedded H2 in " + dataDir : databaseName + " on " + server;
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + directory, e);
        }
    }
}
