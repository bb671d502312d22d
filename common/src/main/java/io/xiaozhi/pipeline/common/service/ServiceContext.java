package io.xiaozhi.pipeline.common.service;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.storage.DataSources;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.KeyValueStores;
import io.xiaozhi.pipeline.common.storage.Migrations;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * What a service offers the parts it runs: its name, settings, meter registry and clock, and the
 * database and key-value store, opened on first use (a worker that needs neither opens neither) and
 * closed with the context. Either can be supplied instead (the standalone server shares one of each
 * among all its parts; tests pass their own).
 */
public final class ServiceContext implements AutoCloseable {

    private final String service;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Supplier<DataSource> databaseFactory;
    private final Supplier<KeyValueStore> keyValueFactory;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private DataSource database;
    private KeyValueStore keyValues;

    private ServiceContext(String service, Settings settings, MeterRegistry meters, Clock clock,
                           Supplier<DataSource> databaseFactory, Supplier<KeyValueStore> keyValueFactory) {
        this.service = service;
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
        this.databaseFactory = databaseFactory;
        this.keyValueFactory = keyValueFactory;
    }

    /** A context that opens the database ({@code database.*}, migrated) and store ({@code redis.*}) it is configured for. */
    public static ServiceContext of(String service, Settings settings, MeterRegistry meters) {
        return new ServiceContext(service, settings, meters, Clock.systemUTC(), null, null);
    }

    /** A context with a database and store supplied by the caller, who also closes them. */
    public static ServiceContext shared(String service, Settings settings, MeterRegistry meters, Clock clock,
                                        DataSource database, KeyValueStore keyValues) {
        return new ServiceContext(service, settings, meters, clock, () -> database, () -> keyValues);
    }

    public String service() {
        return service;
    }

    public Settings settings() {
        return settings;
    }

    public MeterRegistry meters() {
        return meters;
    }

    public Clock clock() {
        return clock;
    }

    /** The relational database, migrated; opened on first call. */
    public synchronized DataSource database() {
        if (database == null) {
            if (databaseFactory != null) {
                database = databaseFactory.get();
            } else {
                HikariDataSource pool = DataSources.create(service, settings, meters);
                owned.add(pool);
                Migrations.migrate(pool);
                database = pool;
            }
        }
        return database;
    }

    /** The key-value store; opened on first call. */
    public synchronized KeyValueStore keyValues() {
        if (keyValues == null) {
            if (keyValueFactory != null) {
                keyValues = keyValueFactory.get();
            } else {
                KeyValueStore store = KeyValueStores.create(settings, meters);
                owned.add(store);
                keyValues = store;
            }
        }
        return keyValues;
    }

    /** Closes what this context opened itself. */
    @Override
    public synchronized void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ServiceContext.class).warn("{}: closing {} failed: {}", service, owned.get(i), e.toString());
            }
        }
        owned.clear();
    }
}
