package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What {@link DataSources} and {@link Migrations} must do on every database they support, run by a
 * subclass per backend. Each class gets a database of its own ({@link TestDatabase}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DatabaseContract {

    static final String SERVICE = "contract-test";
    /** Sizes unlike any default, so that the test sees they were applied. */
    static final PerformanceConfig.MysqlPool POOL = new PerformanceConfig.MysqlPool(7, 2, 5, 3000);

    private static final Instant BOUND_AT = Instant.parse("2025-03-01T08:15:30.123Z");
    private static final Instant SEEN_AT = Instant.parse("2025-03-02T09:00:00.007Z");
    private static final Instant SAID_AT = Instant.parse("2025-03-02T09:00:01.456Z");

    protected TestDatabase database;
    protected HikariDataSource dataSource;
    private SimpleMeterRegistry registry;
    private int connectionsAtStart;
    private int appliedAtFirstRun;

    /** This class's database on the backend under test. */
    protected abstract TestDatabase createDatabase();

    /**
     * Why the backend is not available to this run, or empty when it is. Each test is then skipped
     * with this message (rather than the class, whose skip reports would lose it).
     */
    protected Optional<String> skipReason() {
        return Optional.empty();
    }

    @BeforeAll
    void openDatabase() {
        if (skipReason().isPresent()) {
            return;
        }
        database = createDatabase();
        registry = new SimpleMeterRegistry();
        dataSource = DataSources.create(SERVICE, database.config(), POOL, database.dataDir(), registry);
        connectionsAtStart = dataSource.getHikariPoolMXBean().getTotalConnections();
        appliedAtFirstRun = Migrations.migrate(dataSource);
    }

    @BeforeEach
    void skipWhenUnavailable() {
        assumeTrue(skipReason().isEmpty(), () -> skipReason().orElseThrow());
    }

    @AfterAll
    void closeDatabase() {
        try {
            if (dataSource != null) {
                dataSource.close();
            }
        } finally {
            if (database != null) {
                database.close();
            }
        }
    }

    @Test
    void migrationsCreateTheTablesAndASecondRunAppliesNothing() throws SQLException {
        assertThat(appliedAtFirstRun).isPositive();
        assertThat(tableNames()).contains("devices", "agents", "chat_history");
        assertThat(Migrations.migrate(dataSource)).isZero();
    }

    @Test
    void aDeviceIsStoredWithItsBindingAndReadBack() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            insertAgent(connection, "agent-1");
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO devices (id, client_id, agent_id, activation_code, bound_at, firmware_version, board, last_seen_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, "aa:bb:cc:dd:ee:01");
                insert.setString(2, "6f1c1f46-3b1e-4b4e-9d0b-0c1f2e3d4c5b");
                insert.setString(3, "agent-1");
                insert.setNull(4, Types.VARCHAR);
                insert.setTimestamp(5, Timestamp.from(BOUND_AT));
                insert.setString(6, "1.6.2");
                insert.setString(7, "bread-compact-wifi");
                insert.setTimestamp(8, Timestamp.from(SEEN_AT));
                assertThat(insert.executeUpdate()).isOne();
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT * FROM devices WHERE id = ?")) {
                select.setString(1, "aa:bb:cc:dd:ee:01");
                try (ResultSet row = select.executeQuery()) {
                    assertThat(row.next()).isTrue();
                    assertThat(row.getString("client_id")).isEqualTo("6f1c1f46-3b1e-4b4e-9d0b-0c1f2e3d4c5b");
                    assertThat(row.getString("agent_id")).isEqualTo("agent-1");
                    assertThat(row.getString("activation_code")).isNull();
                    assertThat(row.getTimestamp("bound_at").toInstant()).isEqualTo(BOUND_AT);
                    assertThat(row.getString("firmware_version")).isEqualTo("1.6.2");
                    assertThat(row.getString("board")).isEqualTo("bread-compact-wifi");
                    assertThat(row.getTimestamp("last_seen_at").toInstant()).isEqualTo(SEEN_AT);
                    assertThat(row.getTimestamp("created_at")).as("created_at has a default").isNotNull();
                    assertThat(row.next()).isFalse();
                }
            }
        }
    }

    @Test
    void aDeviceWaitingForActivationHasACodeAndNoBinding() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO devices (id, activation_code) VALUES ('aa:bb:cc:dd:ee:02', '123456')");
                try (ResultSet row = statement.executeQuery(
                        "SELECT id, bound_at, agent_id FROM devices WHERE activation_code = '123456'")) {
                    assertThat(row.next()).isTrue();
                    assertThat(row.getString("id")).isEqualTo("aa:bb:cc:dd:ee:02");
                    assertThat(row.getTimestamp("bound_at")).isNull();
                    assertThat(row.getString("agent_id")).isNull();
                }
            }
        }
    }

    @Test
    void aDeviceCannotNameAMissingAgentAndLosesItsAgentWhenTheAgentIsDeleted() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeUpdate(
                    "INSERT INTO devices (id, agent_id) VALUES ('aa:bb:cc:dd:ee:03', 'no-such-agent')"))
                    .isInstanceOf(SQLException.class);

            insertAgent(connection, "agent-2");
            statement.executeUpdate("INSERT INTO devices (id, agent_id) VALUES ('aa:bb:cc:dd:ee:04', 'agent-2')");
            statement.executeUpdate("DELETE FROM agents WHERE id = 'agent-2'");
            try (ResultSet row = statement.executeQuery("SELECT agent_id FROM devices WHERE id = 'aa:bb:cc:dd:ee:04'")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString("agent_id")).isNull();
            }
        }
    }

    @Test
    void anAgentKeepsItsPromptVoiceAndProviders() throws SQLException {
        String prompt = "你是小智，一个友好的语音助手。Answer briefly. 😀\n".repeat(200);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO agents (id, name, system_prompt, voice, asr_provider, llm_provider, tts_provider, vllm_provider)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, "agent-3");
                insert.setString(2, "小智");
                insert.setString(3, prompt);
                insert.setString(4, "zh-CN-XiaoxiaoNeural");
                insert.setString(5, "offline");
                insert.setString(6, "openai");
                insert.setString(7, "openai");
                insert.setNull(8, Types.VARCHAR);
                assertThat(insert.executeUpdate()).isOne();
            }
            try (Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SELECT * FROM agents WHERE id = 'agent-3'")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString("name")).isEqualTo("小智");
                assertThat(row.getString("system_prompt")).isEqualTo(prompt);
                assertThat(row.getString("voice")).isEqualTo("zh-CN-XiaoxiaoNeural");
                assertThat(row.getString("asr_provider")).isEqualTo("offline");
                assertThat(row.getString("llm_provider")).isEqualTo("openai");
                assertThat(row.getString("tts_provider")).isEqualTo("openai");
                assertThat(row.getString("vllm_provider")).isNull();
                assertThat(row.getTimestamp("created_at")).isNotNull();
                assertThat(row.getTimestamp("updated_at")).isNotNull();
            }
        }
    }

    @Test
    void chatHistoryKeepsTheTurnTimingsAndMillisecondTimes() throws SQLException {
        String sql = "INSERT INTO chat_history (device_id, session_id, turn_id, role, content, created_at,"
                + " asr_ms, llm_first_token_ms, llm_ms, tts_first_audio_ms, total_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        List<Long> ids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
                bindTurn(insert, "user", "今天天气怎么样？", SAID_AT, new Integer[] {120, null, null, null, null});
                insert.executeUpdate();
                ids.add(generatedId(insert));
                bindTurn(insert, "assistant", "今天晴，25 度。😀", SAID_AT.plusMillis(1), new Integer[] {null, 350, 900, 210, 1500});
                insert.executeUpdate();
                ids.add(generatedId(insert));
            }
            assertThat(ids.get(1)).as("ids increase").isGreaterThan(ids.get(0));

            Map<String, Object[]> rows = new LinkedHashMap<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT * FROM chat_history WHERE device_id = ? ORDER BY created_at")) {
                select.setString(1, "aa:bb:cc:dd:ee:10");
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        rows.put(row.getString("role"), new Object[] {
                                row.getLong("id"), row.getString("session_id"), row.getString("turn_id"),
                                row.getString("content"), row.getTimestamp("created_at").toInstant(),
                                row.getObject("asr_ms"), row.getObject("llm_first_token_ms"), row.getObject("llm_ms"),
                                row.getObject("tts_first_audio_ms"), row.getObject("total_ms")});
                    }
                }
            }
            assertThat(rows.keySet()).containsExactly("user", "assistant");
            assertThat(rows.get("user")).containsExactly(ids.get(0), "session-1", "turn-1", "今天天气怎么样？", SAID_AT,
                    120, null, null, null, null);
            assertThat(rows.get("assistant")).containsExactly(ids.get(1), "session-1", "turn-1", "今天晴，25 度。😀",
                    SAID_AT.plusMillis(1), null, 350, 900, 210, 1500);
        }
    }

    @Test
    void chatHistoryAcceptsOnlyUserAssistantAndToolRoles() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate("INSERT INTO chat_history (device_id, session_id, turn_id, role, content)"
                    + " VALUES ('aa:bb:cc:dd:ee:11', 's', 't', 'tool', '{\"volume\": 50}')")).isOne();
            assertThatThrownBy(() -> statement.executeUpdate("INSERT INTO chat_history (device_id, session_id, turn_id, role, content)"
                    + " VALUES ('aa:bb:cc:dd:ee:11', 's', 't', 'system', 'x')"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void chatHistoryIsIndexedByDeviceThenTime() throws SQLException {
        Map<String, List<String>> indexes = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData meta = connection.getMetaData();
            try (ResultSet index = meta.getIndexInfo(connection.getCatalog(), null, "chat_history", false, false)) {
                while (index.next()) {
                    String name = index.getString("INDEX_NAME");
                    if (name != null && index.getString("COLUMN_NAME") != null) {
                        List<String> columns = indexes.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>());
                        int position = index.getShort("ORDINAL_POSITION");
                        while (columns.size() < position) {
                            columns.add(null);
                        }
                        columns.set(position - 1, index.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        assertThat(indexes).containsEntry("idx_chat_history_device_created", List.of("device_id", "created_at"));
    }

    @Test
    void thePoolIsSizedFromDatabaseMysql() {
        assertThat(dataSource.getPoolName()).isEqualTo(DataSources.poolName(SERVICE)).contains(SERVICE);
        assertThat(dataSource.getMaximumPoolSize()).isEqualTo(POOL.maxActive());
        assertThat(dataSource.getMinimumIdle()).isEqualTo(POOL.minIdle());
        assertThat(dataSource.getConnectionTimeout()).isEqualTo(POOL.maxWait());
        assertThat(connectionsAtStart).as("initial_size connections open right after start").isGreaterThanOrEqualTo(POOL.initialSize());
    }

    @Test
    void poolMetricsAreRegistered() {
        double max = registry.get("hikaricp.connections.max").tag("pool", DataSources.poolName(SERVICE)).gauge().value();
        assertThat(max).isEqualTo(POOL.maxActive());
        assertThat(registry.get("hikaricp.connections").tag("pool", DataSources.poolName(SERVICE)).gauge().value())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCallerWaitsAtMostMaxWaitForAConnection() throws SQLException {
        PerformanceConfig.MysqlPool single = new PerformanceConfig.MysqlPool(1, 0, 1, 250);
        try (HikariDataSource one = DataSources.create(SERVICE + "-single", database.config(), single, database.dataDir(), null);
                Connection held = one.getConnection()) {
            assertThat(held.isValid(2)).isTrue();
            long started = System.nanoTime();
            assertThatThrownBy(one::getConnection).isInstanceOf(SQLTransientConnectionException.class);
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(waitedMillis).isBetween(200L, 2_000L);
        }
    }

    private Set<String> tableNames() throws SQLException {
        Set<String> names = new HashSet<>();
        try (Connection connection = dataSource.getConnection();
                ResultSet tables = connection.getMetaData().getTables(connection.getCatalog(), null, "%", new String[] {"TABLE"})) {
            while (tables.next()) {
                names.add(tables.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static void insertAgent(Connection connection, String id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO agents (id, name, system_prompt) VALUES (?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, "Agent " + id);
            insert.setString(3, "You are a helpful assistant.");
            insert.executeUpdate();
        }
    }

    private static void bindTurn(PreparedStatement insert, String role, String content, Instant at, Integer[] timings)
            throws SQLException {
        insert.setString(1, "aa:bb:cc:dd:ee:10");
        insert.setString(2, "session-1");
        insert.setString(3, "turn-1");
        insert.setString(4, role);
        insert.setString(5, content);
        insert.setTimestamp(6, Timestamp.from(at));
        for (int i = 0; i < timings.length; i++) {
            if (timings[i] == null) {
                insert.setNull(7 + i, Types.INTEGER);
            } else {
                insert.setInt(7 + i, timings[i]);
            }
        }
    }

    private static long generatedId(PreparedStatement insert) throws SQLException {
        try (ResultSet keys = insert.getGeneratedKeys()) {
            assertThat(keys.next()).as("a generated id").isTrue();
            return keys.getLong(1);
        }
    }
}
