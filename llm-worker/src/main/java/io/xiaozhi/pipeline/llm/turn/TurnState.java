package io.xiaozhi.pipeline.llm.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a turn is: the conversation sent to the model so far (system prompt, history, the user's
 * words, and each tool round's assistant and tool messages), the next sentence number, the tool
 * rounds used, whether the emotion was sent, whether the conversation ends after the turn, the calls
 * of the round that waits for the device, and the timings for the history. Saved as JSON while a
 * device tool runs, so that any worker can take the turn up when the answer arrives.
 */
public final class TurnState {

    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String turnId;
    private final String sessionId;
    private final String deviceId;
    private final String userText;
    private final List<ChatMessage> messages;
    private final StringBuilder reply;
    private final Long endOfSpeech;
    private final Integer asrMillis;
    private final long llmStart;
    private int round;
    private int nextSeq;
    private boolean emotionSent;
    private boolean endConversation;
    private List<RoundCall> calls;
    private Long firstToken;
    private long modelMillis;
    /** Provider time before this stage (xz.provider-ms of the request); -1 when not known. Not saved. */
    private long upstreamProviderMillis = -1;
    private long modelNanos;
    private long roundStartedNanos = -1;

    private TurnState(String turnId, String sessionId, String deviceId, String userText, List<ChatMessage> messages, String reply,
                      Long endOfSpeech, Integer asrMillis, long llmStart) {
        this.turnId = turnId;
        this.sessionId = sessionId;
        this.deviceId = deviceId;
        this.userText = userText;
        this.messages = new ArrayList<>(messages);
        this.reply = new StringBuilder(reply);
        this.endOfSpeech = endOfSpeech;
        this.asrMillis = asrMillis;
        this.llmStart = llmStart;
        this.calls = List.of();
    }

    /** A new turn of {@code envelope}: {@code messages} end with the user's words. */
    public static TurnState start(Envelope envelope, String userText, List<ChatMessage> messages, Long endOfSpeech, Integer asrMillis,
                                  long now) {
        return new TurnState(envelope.turnId(), envelope.sessionId(), envelope.deviceId(), userText, messages, "", endOfSpeech,
                asrMillis, now);
    }

    public String turnId() {
        return turnId;
    }

    public String sessionId() {
        return sessionId;
    }

    public String deviceId() {
        return deviceId;
    }

    public String userText() {
        return userText;
    }

    /** The conversation so far; the runner appends to it. */
    public List<ChatMessage> messages() {
        return messages;
    }

    /** The reply's text as the model wrote it, all rounds together. */
    public String reply() {
        return reply.toString();
    }

    void appendReply(String text) {
        reply.append(text);
    }

    public Long endOfSpeech() {
        return endOfSpeech;
    }

    public Integer asrMillis() {
        return asrMillis;
    }

    public long llmStart() {
        return llmStart;
    }

    public int round() {
        return round;
    }

    void nextRound() {
        round++;
    }

    /** The sequence number the next sentence gets. */
    public int nextSeq() {
        return nextSeq;
    }

    int takeSeq() {
        return nextSeq++;
    }

    public boolean emotionSent() {
        return emotionSent;
    }

    void emotionSent(boolean sent) {
        emotionSent = sent;
    }

    public boolean endConversation() {
        return endConversation;
    }

    void endConversation(boolean ends) {
        endConversation = ends;
    }

    /** The calls of the round that waits for the device (empty when none waits). */
    public List<RoundCall> calls() {
        return calls;
    }

    void calls(List<RoundCall> roundCalls) {
        calls = List.copyOf(roundCalls);
    }

    public Long firstToken() {
        return firstToken;
    }

    void firstToken(long at) {
        if (firstToken == null) {
            firstToken = at;
        }
    }

    public long modelMillis() {
        return modelMillis;
    }

    void addModelMillis(long millis) {
        modelMillis += millis;
    }

    /**
     * The providers' share of the turn before this stage ({@code xz.provider-ms} of the request), or -1
     * when it is not known. It is not saved with the state: a turn resumed after a device tool has
     * the device's time in its path, so its sentences carry no provider time.
     */
    public void upstreamProviderMillis(long millis) {
        upstreamProviderMillis = millis;
    }

    /** The model starts streaming a round, at {@code nanos} ({@link System#nanoTime()}). */
    void roundStarted(long nanos) {
        roundStartedNanos = nanos;
    }

    /** The round's stream has ended, at {@code nanos}. */
    void roundEnded(long nanos) {
        if (roundStartedNanos >= 0) {
            modelNanos += Math.max(0, nanos - roundStartedNanos);
            roundStartedNanos = -1;
        }
    }

    /**
     * Provider time up to {@code nanos}: what came before this stage plus the model's streaming so far
     * (all rounds of this attempt), or -1 when what came before is not known.
     */
    long providerMillisAt(long nanos) {
        if (upstreamProviderMillis < 0) {
            return -1;
        }
        long model = modelNanos + (roundStartedNanos >= 0 ? Math.max(0, nanos - roundStartedNanos) : 0);
        return upstreamProviderMillis + model / 1_000_000;
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("v", VERSION);
        node.put("turn", turnId);
        node.put("session", sessionId);
        node.put("device", deviceId);
        node.put("user", userText);
        node.put("reply", reply.toString());
        node.put("round", round);
        node.put("next_seq", nextSeq);
        node.put("emotion_sent", emotionSent);
        node.put("end_conversation", endConversation);
        ArrayNode messageArray = node.putArray("messages");
        messages.forEach(m -> messageArray.add(m.toJson()));
        ArrayNode callArray = node.putArray("calls");
        calls.forEach(c -> callArray.add(c.toJson()));
        ObjectNode timing = node.putObject("t");
        if (endOfSpeech != null) {
            timing.put("eos", endOfSpeech);
        }
        if (asrMillis != null) {
            timing.put("asr_ms", asrMillis);
        }
        timing.put("llm_start", llmStart);
        if (firstToken != null) {
            timing.put("first_token", firstToken);
        }
        timing.put("model_ms", modelMillis);
        return node.toString();
    }

    /** Reads a saved state; throws {@link IllegalArgumentException} saying what is wrong with it. */
    public static TurnState fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the saved turn state is not JSON: " + e.getMessage(), e);
        }
        if (node.path("v").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("the saved turn state has version " + node.path("v") + ", expected " + VERSION);
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode message : node.path("messages")) {
            messages.add(ChatMessage.fromJson(message));
        }
        JsonNode timing = node.path("t");
        TurnState state = new TurnState(text(node, "turn"), text(node, "session"), text(node, "device"), text(node, "user"), messages,
                node.path("reply").asText(""), timing.has("eos") ? timing.get("eos").asLong() : null,
                timing.has("asr_ms") ? timing.get("asr_ms").asInt() : null, timing.path("llm_start").asLong());
        state.round = node.path("round").asInt();
        state.nextSeq = node.path("next_seq").asInt();
        state.emotionSent = node.path("emotion_sent").asBoolean();
        state.endConversation = node.path("end_conversation").asBoolean();
        List<RoundCall> calls = new ArrayList<>();
        for (JsonNode call : node.path("calls")) {
            calls.add(RoundCall.fromJson(call));
        }
        state.calls = List.copyOf(calls);
        state.firstToken = timing.has("first_token") ? timing.get("first_token").asLong() : null;
        state.modelMillis = timing.path("model_ms").asLong();
        return state;
    }

    private static String text(JsonNode node, String field) {
        String value = node.path(field).asText("");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("the saved turn state has no '" + field + "'");
        }
        return value;
    }
}
