package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.KeyValueStoreException;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a session's device tools where the gateway keeps them: {@code mcp:tools:<session id>} in the
 * key-value store, a JSON array of {@code {name, llm_name, description, input_schema}}. A session
 * without the key has no tools. An unreadable list, or an entry without its names, is logged,
 * counted ({@code xiaozhi.llm.device_tools.unreadable}) and left out: the turn goes on without it.
 */
public final class DeviceToolCatalog {

    public static final String KEY_PREFIX = "mcp:tools:";

    private static final Logger LOG = LoggerFactory.getLogger(DeviceToolCatalog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyValueStore store;
    private final LlmMetrics metrics;

    public DeviceToolCatalog(KeyValueStore store, LlmMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    public static String key(String sessionId) {
        return KEY_PREFIX + sessionId;
    }

    /** The tools of {@code sessionId}'s device; empty when it has none or they cannot be read. */
    public List<DeviceTool> load(String sessionId) {
        Optional<String> stored;
        try {
            stored = store.get(key(sessionId));
        } catch (KeyValueStoreException e) {
            LOG.warn("session {}: device tools not readable from the store: {}", sessionId, e.getMessage());
            metrics.deviceToolsUnreadable();
            return List.of();
        }
        if (stored.isEmpty()) {
            return List.of();
        }
        JsonNode array;
        try {
            array = JSON.readTree(stored.get());
        } catch (IOException e) {
            LOG.warn("session {}: device tool list is not JSON: {}", sessionId, e.getMessage());
            metrics.deviceToolsUnreadable();
            return List.of();
        }
        if (!array.isArray()) {
            LOG.warn("session {}: device tool list is not a JSON array", sessionId);
            metrics.deviceToolsUnreadable();
            return List.of();
        }
        List<DeviceTool> tools = new ArrayList<>();
        for (JsonNode entry : array) {
            String name = entry.path("name").asText("");
            String llmName = entry.path("llm_name").asText("");
            if (name.isEmpty() || llmName.isEmpty()) {
                LOG.warn("session {}: a device tool without name or llm_name is left out: {}", sessionId, abbreviate(entry.toString()));
                metrics.deviceToolsUnreadable();
                continue;
            }
            JsonNode schema = entry.path("input_schema");
            tools.add(new DeviceTool(name, llmName, entry.path("description").asText(""),
                    schema.isObject() ? schema : emptyObjectSchema()));
        }
        return tools;
    }

    static ObjectNode emptyObjectSchema() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    private static String abbreviate(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }
}
