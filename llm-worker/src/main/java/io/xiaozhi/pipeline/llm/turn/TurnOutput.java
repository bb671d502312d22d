package io.xiaozhi.pipeline.llm.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.text.Emotion;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * What one attempt at a turn sends, and the bookkeeping of it: sentences to speech synthesis (keyed
 * {@code <turn>:<seq>} so a turn's sentences spread over the stage's partitions, with the request's
 * envelope, {@code xz.seq}, {@code xz.last}, the turn's end-of-speech time and, on a user's turn, its
 * timings so far plus {@code xz.t.llm.start} and {@code xz.t.llm.sent}), and the emotion, tool
 * calls, turn end and session end to the gateway. Once the turn is cancelled or the attempt has
 * timed out, nothing more is sent: the next send throws.
 */
public final class TurnOutput {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code xz.t.llm.start}: when this stage took the turn's request. */
    public static final String TIMING_START = "llm.start";
    /** {@code xz.t.llm.sent}: when the sentence was sent to speech synthesis. */
    public static final String TIMING_SENT = "llm.sent";

    private final StageContext context;
    private final Envelope envelope;
    private final String ttsTopic;
    private final LlmMetrics metrics;
    private final Clock clock;
    private final List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    private Map<String, Long> timings = Map.of();
    private int sentences;

    public TurnOutput(StageContext context, Envelope envelope, String ttsTopic, LlmMetrics metrics, Clock clock) {
        this.context = context;
        this.envelope = envelope;
        this.ttsTopic = ttsTopic;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The turn's {@code xz.t.*} timings so far (from the request) and when this stage took it
     * ({@code llm.start}): every sentence carries them on, with {@code llm.sent}, when it was sent.
     */
    public void carry(Map<String, Long> requestTimings, long llmStart) {
        Map<String, Long> all = new LinkedHashMap<>(requestTimings);
        all.put(TIMING_START, llmStart);
        timings = all;
    }

    /**
     * A sentence for speech synthesis; {@code text} may be empty only on the last one (it then just
     * closes the turn). {@code providerMillis} becomes {@code xz.provider-ms} unless it is negative.
     */
    public void sentence(int seq, String text, boolean last, Long endOfSpeech, long providerMillis) {
        ensureLive();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(ttsTopic, envelope.turnId() + ":" + seq,
                text.getBytes(StandardCharsets.UTF_8));
        envelope.writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.SEQUENCE, seq);
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.LAST, last);
        if (endOfSpeech != null) {
            HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, endOfSpeech);
        }
        if (providerMillis >= 0) {
            HeaderValues.putProviderMillis(record.headers(), providerMillis);
        }
        if (!timings.isEmpty()) {
            timings.forEach((name, at) -> HeaderValues.putTiming(record.headers(), name, at));
            HeaderValues.putTiming(record.headers(), TIMING_SENT, clock.millis());
        }
        sends.add(context.send(record));
        sentences++;
        metrics.sentence();
    }

    /** The reply's emotion: the emoji as payload, its name in {@code xz.emotion}. */
    public void emotion(String emoji, Emotion emotion) {
        ensureLive();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(),
                emoji.getBytes(StandardCharsets.UTF_8));
        envelope.writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, MessageTypes.EMOTION);
        HeaderValues.putText(record.headers(), EnvelopeHeaders.EMOTION, emotion.wireName());
        sends.add(context.send(record));
    }

    /** Asks the gateway to call a device tool by its device name. */
    public void toolCall(String callId, String deviceName, JsonNode arguments) {
        ensureLive();
        ObjectNode payload = JSON.createObjectNode();
        payload.put("call_id", callId);
        payload.put("name", deviceName);
        payload.set("arguments", arguments);
        sends.add(context.reply(MessageTypes.TOOL_CALL, payload.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The turn ends without anything spoken. */
    public void turnEnd() {
        ensureLive();
        sends.add(context.reply(MessageTypes.TURN_END, new byte[0]));
    }

    /** The conversation is over: the gateway closes the connection once the reply has played. */
    public void sessionEnd() {
        ensureLive();
        sends.add(context.reply(MessageTypes.SESSION_END, new byte[0]));
    }

    /** Sentences sent by this attempt. */
    public int sentences() {
        return sentences;
    }

    /** Completes when every send so far has been acknowledged; fails with the first failure. */
    public CompletableFuture<Void> acknowledged() {
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
    }

    private void ensureLive() {
        if (context.cancelled()) {
            throw new StageException("llm: the turn was cancelled or the attempt timed out; nothing more is sent", true);
        }
    }
}
