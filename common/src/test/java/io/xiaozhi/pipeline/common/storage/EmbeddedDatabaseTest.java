package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The database contract on the embedded default: H2 in MariaDB mode, in the data directory. */
class EmbeddedDatabaseTest extends DatabaseContract {

    @Override
    protected TestDatabase createDatabase() {
        return TestDatabases.createEmbedded();
    }

    @Test
    void theDatabaseIsAFileUnderTheDataDirectory() throws SQLException {
        assertThat(dataSource.getJdbcUrl()).startsWith("jdbc:h2:file:").contains(";MODE=MariaDB;DATABASE_TO_LOWER=TRUE");
        assertThat(Files.exists(database.dataDir().resolve("db").resolve("xiaozhi.mv.db"))).isTrue();
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("H2");
        }
    }
}
