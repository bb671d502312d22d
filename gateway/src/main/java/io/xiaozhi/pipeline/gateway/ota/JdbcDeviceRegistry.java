package io.xiaozhi.pipeline.gateway.ota;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
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

    @Override
    public Activation activation(String deviceId) {
        try (Connection connection = dataSource.getConnection()) {
            return activation(connection, deviceId);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the activation of " + deviceId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Activation requireActivation(String deviceId, Supplier<String> newCode) {
        try (Connection connection = dataSource.getConnection()) {
            Activation current = activation(connection, deviceId);
            for (int attempt = 0; !current.bound() && current.code().isEmpty() && attempt < 10; attempt++) {
                String code = newCode.get();
                if (codeTaken(connection, code)) {
                    continue;
                }
                try (PreparedStatement issue = connection.prepareStatement(
                        "UPDATE devices SET activation_code = ? WHERE id = ? AND bound_at IS NULL AND activation_code IS NULL")) {
                    issue.setString(1, code);
                    issue.setString(2, deviceId);
                    issue.executeUpdate();
                }
                current = activation(connection, deviceId);
            }
            return current;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot issue an activation code to " + deviceId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> bind(String code) {
        try (Connection connection = dataSource.getConnection()) {
            String deviceId;
            try (PreparedStatement find = connection.prepareStatement(
                    "SELECT id FROM devices WHERE activation_code = ? AND bound_at IS NULL")) {
                find.setString(1, code);
                try (ResultSet row = find.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    deviceId = row.getString(1);
                }
            }
            try (PreparedStatement bind = connection.prepareStatement(
                    "UPDATE devices SET bound_at = ?, activation_code = NULL WHERE id = ? AND activation_code = ?")) {
                bind.setTimestamp(1, Timestamp.from(clock.instant()));
                bind.setString(2, deviceId);
                bind.setString(3, code);
                return bind.executeUpdate() == 1 ? Optional.of(deviceId) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot bind a device: " + e.getMessage(), e);
        }
    }

    private static Activation activation(Connection connection, String deviceId) throws SQLException {
        try (PreparedStatement read = connection.prepareStatement("SELECT bound_at, activation_code FROM devices WHERE id = ?")) {
            read.setString(1, deviceId);
            try (ResultSet row = read.executeQuery()) {
                if (!row.next()) {
                    return new Activation(false, "");
                }
                String code = row.getString(2);
                return new Activation(row.getTimestamp(1) != null, code == null ? "" : code);
            }
        }
    }

    private static boolean codeTaken(Connection connection, String code) throws SQLException {
        try (PreparedStatement taken = connection.prepareStatement("SELECT 1 FROM devices WHERE activation_code = ?")) {
            taken.setString(1, code);
            try (ResultSet row = taken.executeQuery()) {
                return row.next();
            }
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
