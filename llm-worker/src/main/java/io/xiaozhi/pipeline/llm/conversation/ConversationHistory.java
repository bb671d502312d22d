package io.xiaozhi.pipeline.llm.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.KeyValueStoreException;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot copy of a device's recent conversation, which every turn reads: a list in the key-value
 * store under {@code chat:history:<device id>}, one JSON element {@code {"turn","user","assistant"}}
 * per exchange, the last {@code turns} kept, expiring {@code ttl} after the last append.
 *
 * <p>A turn delivered twice (a retry or a redelivery) is appended once: an exchange whose turn id is
 * already among the kept ones is skipped (one extra list read per turn). Failures to read or append
 * are logged and counted ({@code xiaozhi.llm.history.failures}); the turn goes on without history.
 */
public final class ConversationHistory {

    public static final String KEY_PREFIX = "chat:history:";

    private static final Logger LOG = LoggerFactory.getLogger(ConversationHistory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyValueStore store;
    private final int turns;
    private final Duration ttl;
    private final LlmMetrics metrics;

    public ConversationHistory(KeyValueStore store, int turns, Duration ttl, LlmMetrics metrics) {
        this.store = store;
        this.turns = turns;
        this.ttl = ttl;
        this.metrics = metrics;
    }

    public static String key(String deviceId) {
        return KEY_PREFIX + deviceId;
    }

    /** The kept exchanges of {@code deviceId}, oldest first; unreadable elements are left out. */
    public List<Exchange> load(String deviceId) {
        List<String> elements;
        try {
            elements = store.listRange(key(deviceId), -turns, -1);
        } catch (KeyValueStoreException e) {
            LOG.warn("device {}: history not readable: {}", deviceId, e.getMessage());
            metrics.historyFailure("read", 1);
            return List.of();
        }
        List<Exchange> exchanges = new ArrayList<>(elements.size());
        for (String element : elements) {
            try {
                JsonNode node = JSON.readTree(element);
                if (node.path("user").isTextual() && node.path("assistant").isTextual()) {
                    exchanges.add(new Exchange(node.path("turn").asText(""), node.get("user").asText(), node.get("assistant").asText()));
                    continue;
                }
            } catch (IOException e) {
                // counted below
            }
            LOG.warn("device {}: an unreadable history element is left out", deviceId);
            metrics.historyFailure("read", 1);
        }
        return exchanges;
    }

    /** Appends {@code exchange} unless its turn is already kept. */
    public void append(String deviceId, Exchange exchange) {
        String key = key(deviceId);
        try {
            for (String element : store.listRange(key, -turns, -1)) {
                if (element.contains(exchange.turnId()) && exchange.turnId().equals(turnOf(element))) {
                    return;
                }
            }
            ObjectNode node = JSON.createObjectNode();
            node.put("turn", exchange.turnId());
            node.put("user", exchange.user());
            node.put("assistant", exchange.assistant());
            store.listAppend(key, node.toString(), turns, ttl);
        } catch (KeyValueStoreException e) {
            LOG.warn("device {}: history not appended: {}", deviceId, e.getMessage());
            metrics.historyFailure("append", 1);
        }
    }

    private static String turnOf(String element) {
        try {
            return JSON.readTree(element).path("turn").asText("");
        } catch (IOException e) {
            return "";
        }
    }
}
