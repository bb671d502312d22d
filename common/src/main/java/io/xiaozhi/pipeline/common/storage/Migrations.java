package io.xiaozhi.pipeline.common.storage;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Brings the database schema up to date with the versioned SQL migrations in
 * {@value #LOCATION} ({@code V<n>__<description>.sql}). The same scripts run on MySQL/MariaDB and on
 * the embedded H2 database in MariaDB mode, so they stick to portable SQL.
 *
 * <p>Flyway records what it applied in {@code flyway_schema_history}; running again applies only
 * what is new. On MySQL/MariaDB, services migrating at the same time are serialized by Flyway's
 * named lock, so every service may call this at start.
 */
public final class Migrations {

    /** Where the migration scripts are on the class path. */
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {
    }

    /**
     * Applies the pending migrations.
     *
     * @return how many migrations were applied (0 when the schema was already current)
     * @throws org.flywaydb.core.api.FlywayException when a migration fails or an applied one was changed
     */
    public static int migrate(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .validateMigrationNaming(true)
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
