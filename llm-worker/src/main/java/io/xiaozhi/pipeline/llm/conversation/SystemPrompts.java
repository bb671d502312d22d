package io.xiaozhi.pipeline.llm.conversation;

import io.xiaozhi.pipeline.llm.LlmMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system prompt of a device: its agent's ({@code devices.agent_id} → {@code agents.system_prompt}),
 * or the default persona when it has no agent or the agent's prompt is blank. Kept in the process for
 * a short time per device, so a turn costs a query only now and then. When the database cannot be
 * asked the default is used (logged and counted in {@code xiaozhi.llm.prompt.failures}): a turn never
 * fails for its prompt.
 */
public final class SystemPrompts {

    private static final Logger LOG = LoggerFactory.getLogger(SystemPrompts.class);
    private static final String QUERY = "SELECT a.system_prompt FROM devices d JOIN agents a ON a.id = d.agent_id WHERE d.id = ?";
    /** Devices whose prompt is cached at most; the cache is emptied when it is full. */
    static final int MAX_CACHED = 10_000;

    private record Cached(String prompt, long expiresAt) {
    }

    private final Supplier<DataSource> database;
    private final String defaultPrompt;
    private final Duration ttl;
    private final Clock clock;
    private final LlmMetrics metrics;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public SystemPrompts(Supplier<DataSource> database, String defaultPrompt, Duration ttl, Clock clock, LlmMetrics metrics) {
        this.database = database;
        this.defaultPrompt = defaultPrompt;
        this.ttl = ttl;
        this.clock = clock;
        this.metrics = metrics;
    }

    public String forDevice(String deviceId) {
        long now = clock.millis();
        Cached cached = cache.get(deviceId);
        if (cached != null && cached.expiresAt() > now) {
            return cached.prompt();
        }
        String prompt = lookUp(deviceId);
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(deviceId, new Cached(prompt, now + ttl.toMillis()));
        return prompt;
    }

    private String lookUp(String deviceId) {
        try (Connection connection = database.get().getConnection();
                PreparedStatement statement = connection.prepareStatement(QUERY)) {
            statement.setString(1, deviceId);
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    String prompt = rows.getString(1);
                    if (prompt != null && !prompt.isBlank()) {
                        return prompt.strip();
                    }
                }
                return defaultPrompt;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("device {}: agent prompt not readable, using the default: {}", deviceId, e.toString());
            metrics.promptFailure();
            return defaultPrompt;
        }
    }
}
