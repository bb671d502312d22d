package io.xiaozhi.pipeline.common.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which database tests run on, chosen by the environment:
 *
 * <ul>
 *   <li>{@value #URL_VARIABLE} set (for example {@code jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable}),
 *       with {@value #USER_VARIABLE} and {@value #PASSWORD_VARIABLE}: that MySQL/MariaDB server. Each
 *       {@link TestDatabase} is a database of its own on it ({@code xz_test_<random>}), dropped when closed.
 *       When the server cannot be reached the test fails (it is not skipped), naming the variable.</li>
 *   <li>unset: an embedded H2 database (MariaDB mode) in a fresh directory, as the embedded default runs.</li>
 * </ul>
 *
 * <p>Create one per test class (in {@code @BeforeAll}) and close it in {@code @AfterAll}.
 */
public final class TestDatabases {

    /** The JDBC URL of a MySQL/MariaDB server to test on. */
    public static final String URL_VARIABLE = "XIAOZHI_TEST_MYSQL_URL";
    /** The user on that server; it must be allowed to create and drop databases. */
    public static final String USER_VARIABLE = "XIAOZHI_TEST_MYSQL_USER";
    /** That user's password (empty when unset). */
    public static final String PASSWORD_VARIABLE = "XIAOZHI_TEST_MYSQL_PASSWORD";

    private TestDatabases() {
    }

    /** The server the environment names, or empty when {@value #URL_VARIABLE} is unset or blank. */
    public static Optional<MysqlServer> configuredServer() {
        return configuredServer(System.getenv());
    }

    static Optional<MysqlServer> configuredServer(Map<String, String> env) {
        String url = env.getOrDefault(URL_VARIABLE, "").strip();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new MysqlServer(url, env.getOrDefault(USER_VARIABLE, ""),
                env.getOrDefault(PASSWORD_VARIABLE, ""), URL_VARIABLE));
    }

    /** A fresh database on the configured server, or an embedded one when none is configured. */
    public static TestDatabase create() {
        return create(System.getenv());
    }

    static TestDatabase create(Map<String, String> env) {
        Optional<MysqlServer> server = configuredServer(env);
        return server.isPresent() ? createOn(server.get()) : createEmbedded();
    }

    /** A fresh embedded H2 database in a new directory. */
    public static TestDatabase createEmbedded() {
        return TestDatabase.embedded(newDataDir());
    }

    /**
     * A fresh database ({@code xz_test_<random>}) on {@code server}.
     *
     * @throws AssertionError naming {@link MysqlServer#source()} when the server cannot be reached
     *                        or refuses to create the database
     */
    public static TestDatabase createOn(MysqlServer server) {
        String name = "xz_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection connection = DriverManager.getConnection(server.url(), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new AssertionError(server.source() + ": cannot create a test database on " + server.describe()
                    + ": " + e.getMessage(), e);
        }
        return TestDatabase.onServer(server, name, newDataDir());
    }

    private static Path newDataDir() {
        try {
            return Files.createTempDirectory("xz-test-data-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
