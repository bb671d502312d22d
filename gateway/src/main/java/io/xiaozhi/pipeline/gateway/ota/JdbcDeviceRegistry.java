package io.xiaozhi.pipeline.gateway.ota;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Timestamp;
import java.time.Clock;
import javax.sql.DataSource;

/** The {@code devices} table (see the Flyway migrations in common). */
public final class JdbcDeviceRegistry implements DeviceRegistry {

    private static final String UPDATE = "UPDATE devices SET client_id = COALESCE(?, client_id), board = COALESCE(?, board),"
            + " firmware_version = COALESCE(?, firmware_version), last_seen_at = ? WHERE id = ?";
    private static final String INSERT = "INSERT INTO devices (id, client_id, board, firmware_version, last_seen_at)"
            + " VALUES (?, ?, ?, ?, ?)";

    private final DataSource dataSource;
    private final Clock clock;

    public JdbcDeviceRegistry(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @Override
    public void checkIn(CheckIn checkIn) {
        Timestamp now = Timestamp.from(clock.instant());
        try (Connection connection = dataSource.getConnection()) {
            if (update(connection, checkIn, now) > 0) {
                return;
            }
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, checkIn.deviceId());
                insert.setString(2, orNull(checkIn.clientId()));
                insert.setString(3, orNull(checkIn.board()));
                insert.setString(4, orNull(checkIn.firmwareVersion()));
                insert.setTimestamp(5, now);
                insert.executeUpdate();
            } catch (SQLIntegrityConstraintViolationException e) {
                // another gateway registered the device at the same moment
                update(connection, checkIn, now);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record device " + checkIn.deviceId() + ": " + e.getMessage(), e);
        }
    }

    private static int update(Connection connection, CheckIn checkIn, Timestamp now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            update.setString(1, orNull(checkIn.clientId()));
            update.setString(2, orNull(checkIn.board()));
            update.setString(3, orNull(checkIn.firmwareVersion()));
            update.setTimestamp(4, now);
            update.setString(5, checkIn.deviceId());
            return update.executeUpdate();
        }
    }

    private static String orNull(String value) {
        return value == null || value.isBlank() ? null : truncate(value);
    }

    private static String truncate(String value) {
        return value.length() > 64 ? value.substring(0, 64) : value;
    }
}
