package io.xiaozhi.pipeline.gateway.ota;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs on the MySQL/MariaDB server named by XIAOZHI_TEST_MYSQL_URL, or on the embedded database. */
class JdbcDeviceRegistryTest {

    private static TestDatabase database;
    private static HikariDataSource dataSource;

    @BeforeAll
    static void open() {
        database = TestDatabases.create();
        dataSource = database.openMigrated("gateway-test");
    }

    @AfterAll
    static void close() {
        dataSource.close();
        database.close();
    }

    private static String[] row(String id) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT client_id, board, firmware_version, last_seen_at, created_at FROM devices WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                return new String[] {r.getString(1), r.getString(2), r.getString(3), r.getTimestamp(4).toInstant().toString(),
                    r.getTimestamp(5) == null ? null : "created"};
            }
        }
    }

    @Test
    void aFirstCheckInRegistersAndLaterOnesRefreshWithoutForgetting() throws Exception {
        Instant t0 = Instant.parse("2026-11-27T08:00:00Z");
        new JdbcDeviceRegistry(dataSource, Clock.fixed(t0, ZoneOffset.UTC))
                .checkIn(new DeviceRegistry.CheckIn("aa:bb:cc:dd:ee:10", "client-1", "lichuang-dev", "1.6.0"));
        assertThat(row("aa:bb:cc:dd:ee:10")).containsExactly("client-1", "lichuang-dev", "1.6.0", t0.toString(), "created");

        Instant t1 = t0.plusSeconds(3600);
        new JdbcDeviceRegistry(dataSource, Clock.fixed(t1, ZoneOffset.UTC))
                .checkIn(new DeviceRegistry.CheckIn("aa:bb:cc:dd:ee:10", "", "", "1.7.2"));
        assertThat(row("aa:bb:cc:dd:ee:10")).containsExactly("client-1", "lichuang-dev", "1.7.2", t1.toString(), "created");
    }

    @Test
    void activationIssuesOneCodeUntilTheDeviceIsBound() {
        JdbcDeviceRegistry registry = new JdbcDeviceRegistry(dataSource, Clock.systemUTC());
        registry.checkIn(new DeviceRegistry.CheckIn("aa:bb:cc:dd:ee:20", "c", "b", "1.0"));
        registry.checkIn(new DeviceRegistry.CheckIn("aa:bb:cc:dd:ee:21", "c", "b", "1.0"));
        java.util.Iterator<String> codes = java.util.List.of("111111", "111111", "222222").iterator();
        DeviceRegistry.Activation first = registry.requireActivation("aa:bb:cc:dd:ee:20", codes::next);
        assertThat(first).isEqualTo(new DeviceRegistry.Activation(false, "111111"));
        DeviceRegistry.Activation second = registry.requireActivation("aa:bb:cc:dd:ee:21", codes::next);
        assertThat(second.code()).as("a code another device waits with is not reused").isEqualTo("222222");
        assertThat(registry.requireActivation("aa:bb:cc:dd:ee:20", () -> "999999").code()).isEqualTo("111111");
        assertThat(registry.bind("333333")).isEmpty();
        assertThat(registry.bind("111111")).contains("aa:bb:cc:dd:ee:20");
        assertThat(registry.activation("aa:bb:cc:dd:ee:20")).isEqualTo(new DeviceRegistry.Activation(true, ""));
        assertThat(registry.bind("111111")).isEmpty();
        assertThat(registry.activation("aa:bb:cc:dd:ee:99")).isEqualTo(new DeviceRegistry.Activation(false, ""));
    }

    @Test
    void unknownDevicesAreNotThere() throws Exception {
        assertThat(row("aa:bb:cc:dd:ee:99")).isNull();
    }
}
