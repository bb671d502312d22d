package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The database contract on the MySQL/MariaDB server named by {@value TestDatabases#URL_VARIABLE}, in
 * a database of its own; skipped when the variable is unset, failing when it is set and the server
 * cannot be used.
 */
class MysqlDatabaseTest extends DatabaseContract {

    @Override
    protected Optional<String> skipReason() {
        return TestDatabases.configuredServer().isPresent()
                ? Optional.empty()
                : Optional.of("set " + TestDatabases.URL_VARIABLE
                        + " (for example jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable), " + TestDatabases.USER_VARIABLE
                        + " and " + TestDatabases.PASSWORD_VARIABLE + " to run these tests against a MySQL/MariaDB server");
    }

    @Override
    protected TestDatabase createDatabase() {
        return TestDatabases.createOn(TestDatabases.configuredServer().orElseThrow());
    }

    @Test
    void theTablesAreInTheTestClassesOwnDatabase() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getCatalog()).isEqualTo(database.databaseName().orElseThrow()).startsWith("xz_test_");
        }
    }
}
