package io.xiaozhi.pipeline.llm.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The key-value store's part in a turn that waits for device tools, so that whichever worker gets a
 * device's answer can go on with the turn. Keys (each with the turn-state TTL):
 *
 * <ul>
 *   <li>{@code llm:turn:<turn>:r<round>}: the {@link TurnState} saved before round {@code round}'s tool
 *       calls went to the device;</li>
 *   <li>{@code llm:turn:<turn>:r<round>:c<index>}: the device's answer to call {@code index} of that
 *       round (first answer wins);</li>
 *   <li>{@code llm:turn:<turn>:r<round>:resumed}: which request took the round up once all its answers
 *       were in (exactly one does);</li>
 *   <li>{@code llm:turn:<turn>:done}: the turn is over; later deliveries of its requests are duplicates.</li>
 * </ul>
 *
 * <p>The call id the device's answer comes back with is {@code <round>.<index>} ({@link #callId}), so
 * the answer finds its round's state even when a later round has been saved since.
 */
public final class TurnStore {

    public static final String KEY_PREFIX = "llm:turn:";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A device's answer to one call. */
    public record CallResult(String text, boolean isError) {
    }

    /** Whether a request may take a round up. */
    public enum Claim {
        /** This request resumes the round. */
        WON,
        /** Another request has resumed (or is resuming) it. */
        TAKEN
    }

    /** The round and index a call id names. */
    public record CallRef(int round, int index) {
    }

    private final KeyValueStore store;
    private final Duration ttl;

    public TurnStore(KeyValueStore store, Duration ttl) {
        this.store = store;
        this.ttl = ttl;
    }

    public static String callId(int round, int index) {
        return round + "." + index;
    }

    /** The round and index of a call id made by {@link #callId}; empty for anything else. */
    public static Optional<CallRef> parseCallId(String callId) {
        int dot = callId.indexOf('.');
        if (dot <= 0 || dot == callId.length() - 1 || callId.length() > 20) {
            return Optional.empty();
        }
        try {
            int round = Integer.parseInt(callId.substring(0, dot));
            int index = Integer.parseInt(callId.substring(dot + 1));
            return round > 0 && index >= 0 ? Optional.of(new CallRef(round, index)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static String stateKey(String turnId, int round) {
        return KEY_PREFIX + turnId + ":r" + round;
    }

    public void save(TurnState state) {
        store.set(stateKey(state.turnId(), state.round()), state.toJson(), ttl);
    }

    /** The saved state of {@code round}; throws {@link IllegalArgumentException} when what is saved is unreadable. */
    public Optional<TurnState> load(String turnId, int round) {
        return store.get(stateKey(turnId, round)).map(TurnState::fromJson);
    }

    /**
     * Records the answer to call {@code index} of {@code round}; an earlier answer to the same call is
     * kept. Returns whether this answer was the first.
     */
    public boolean putResult(String turnId, int round, int index, CallResult result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("result", result.text());
        node.put("is_error", result.isError());
        return store.setIfAbsent(stateKey(turnId, round) + ":c" + index, node.toString(), ttl);
    }

    public Optional<CallResult> result(String turnId, int round, int index) {
        Optional<String> stored = store.get(stateKey(turnId, round) + ":c" + index);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(stored.get());
            return Optional.of(new CallResult(node.path("result").asText(""), node.path("is_error").asBoolean(false)));
        } catch (IOException e) {
            throw new IllegalArgumentException("the saved answer to call " + callId(round, index) + " is not JSON", e);
        }
    }

    /**
     * Claims the resumption of {@code round} for the request {@code requestId} (its topic, partition
     * and offset). The same request claiming again (a retry, a redelivery) wins again.
     */
    public Claim claimResume(String turnId, int round, String requestId) {
        String key = stateKey(turnId, round) + ":resumed";
        if (store.setIfAbsent(key, requestId, ttl)) {
            return Claim.WON;
        }
        return store.get(key).filter(requestId::equals).isPresent() ? Claim.WON : Claim.TAKEN;
    }

    public void markDone(String turnId) {
        store.set(KEY_PREFIX + turnId + ":done", "1", ttl);
    }

    public boolean done(String turnId) {
        return store.exists(KEY_PREFIX + turnId + ":done");
    }
}
