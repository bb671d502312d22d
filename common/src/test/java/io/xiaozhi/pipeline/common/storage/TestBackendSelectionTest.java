package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test helpers pick the backend the environment names, and fail loudly when it is unreachable. */
class TestBackendSelectionTest {

    @Test
    void withoutTheMysqlVariableTestsGetAnEmbeddedDatabase() {
        TestDatabase database = TestDatabases.create(Map.of());
        try {
            assertThat(database.config().kind()).isEqualTo(ServiceConfig.DatabaseKind.EMBEDDED);
            assertThat(database.server()).isEmpty();
            assertThat(Files.isDirectory(database.dataDir())).isTrue();
        } finally {
            database.close();
        }
        assertThat(Files.exists(database.dataDir())).as("close deletes the data directory").isFalse();
    }

    @Test
    void anUnreachableMysqlServerFailsNamingTheVariable() {
        Map<String, String> env = Map.of(
                TestDatabases.URL_VARIABLE, "jdbc:mariadb://127.0.0.1:" + ClosedPorts.find() + "/test?sslMode=disable",
                TestDatabases.USER_VARIABLE, "root",
                TestDatabases.PASSWORD_VARIABLE, "db-secret-7");
        assertThatThrownBy(() -> TestDatabases.create(env))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith(TestDatabases.URL_VARIABLE + ": ")
                .hasMessageNotContaining("db-secret-7");
    }

    @Test
    void withTheMysqlVariableEachDatabaseIsCreatedAndDroppedOnTheServer() throws SQLException {
        assumeTrue(TestDatabases.configuredServer().isPresent(), "set " + TestDatabases.URL_VARIABLE + " to run this test");
        MysqlServer server = TestDatabases.configuredServer().orElseThrow();
        TestDatabase database = TestDatabases.create();
        String name = database.databaseName().orElseThrow();
        try {
            assertThat(database.config().kind()).isEqualTo(ServiceConfig.DatabaseKind.MYSQL);
            assertThat(database.config().url()).isEqualTo(server.urlFor(name));
            assertThat(databaseExists(server, name)).isTrue();
        } finally {
            database.close();
        }
        assertThat(databaseExists(server, name)).as("close drops the database").isFalse();
    }

    @Test
    void theDatabaseInAServerUrlIsReplacedAndTheOptionsKept() {
        assertThat(new MysqlServer("jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable", "root", "", "x").urlFor("xz_test_1"))
                .isEqualTo("jdbc:mariadb://127.0.0.1:3306/xz_test_1?sslMode=disable");
        assertThat(new MysqlServer("jdbc:mariadb://db:3306", "root", "", "x").urlFor("xz_test_2"))
                .isEqualTo("jdbc:mariadb://db:3306/xz_test_2");
        assertThat(new MysqlServer("jdbc:mariadb://db/?sslMode=disable", "root", "", "x").urlFor("xz_test_3"))
                .isEqualTo("jdbc:mariadb://db/xz_test_3?sslMode=disable");
        assertThat(new MysqlServer("jdbc:mariadb://db:3306/test", "root", "pw-5", "x").toString()).doesNotContain("pw-5");
    }

    @Test
    void withoutTheRedisVariableTestsGetTheInMemoryStore() {
        try (KeyValueStore store = TestRedis.create("p:", Map.of())) {
            assertThat(store).isInstanceOf(InMemoryKeyValueStore.class);
        }
    }

    @Test
    void anUnreachableRedisFailsNamingTheVariable() {
        Map<String, String> env = Map.of(TestRedis.URL_VARIABLE, "redis://127.0.0.1:" + ClosedPorts.find() + "/0");
        assertThatThrownBy(() -> TestRedis.create("p:", env))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith(TestRedis.URL_VARIABLE + ": Cannot connect to Redis at 127.0.0.1:");
    }

    private static boolean databaseExists(MysqlServer server, String name) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.url(), server.username(), server.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW DATABASES LIKE '" + name + "'")) {
            return rows.next();
        }
    }
}
