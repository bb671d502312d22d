package io.xiaozhi.pipeline.gateway.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.gateway.protocol.McpTool;
import io.xiaozhi.pipeline.gateway.protocol.ToolNames;
import java.time.Duration;
import java.util.List;

/**
 * Keeps a session's device tools where any llm-worker can read them: in the key-value store (Redis,
 * or memory in the standalone server) under {@code mcp:tools:<session id>}, with a TTL, as a JSON
 * array of {@code {name, llm_name, description, input_schema}}: the device's dotted name and the name
 * an LLM API accepts.
 */
public final class DeviceToolStore {

    public static final String KEY_PREFIX = "mcp:tools:";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyValueStore store;
    private final Duration ttl;

    public DeviceToolStore(KeyValueStore store, Duration ttl) {
        this.store = store;
        this.ttl = ttl;
    }

    public static String key(String sessionId) {
        return KEY_PREFIX + sessionId;
    }

    public void save(String sessionId, List<McpTool> tools) {
        ToolNames names = ToolNames.ofTools(tools);
        ArrayNode array = JSON.createArrayNode();
        for (McpTool tool : tools) {
            ObjectNode entry = array.addObject();
            entry.put("name", tool.name());
            entry.put("llm_name", names.toLlm(tool.name()).orElse(tool.name()));
            entry.put("description", tool.description());
            entry.set("input_schema", tool.inputSchema());
        }
        store.set(key(sessionId), array.toString(), ttl);
    }

    public void forget(String sessionId) {
        store.delete(key(sessionId));
    }
}
