package io.xiaozhi.pipeline.llm.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Requests of the LLM stage, as the ASR stage and the gateway publish them. */
public final class Requests {

    public static final String REQUEST_TOPIC = "xiaozhi.llm.requests";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong OFFSETS = new AtomicLong();

    private Requests() {
    }

    public static Envelope envelope(String session, String device, String turn, String replyTo) {
        return new Envelope(session, device, turn, System.currentTimeMillis() + 120_000, replyTo);
    }

    /** What the user said, with the end of speech and the ASR stage's timings. */
    public static ProducerRecord<String, byte[]> userText(String topic, Envelope envelope, String text, long endOfSpeech, Long asrStart, Long asrEnd) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, envelope.sessionId(), text.getBytes(StandardCharsets.UTF_8));
        envelope.writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, endOfSpeech);
        if (asrStart != null) {
            HeaderValues.putLong(record.headers(), "xz.t.asr.start", asrStart);
        }
        if (asrEnd != null) {
            HeaderValues.putLong(record.headers(), "xz.t.asr.end", asrEnd);
        }
        return record;
    }

    /** A device tool's answer, as the gateway publishes it. */
    public static ProducerRecord<String, byte[]> toolResult(String topic, Envelope envelope, String callId, String name, String result,
                                                            boolean isError) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("call_id", callId);
        payload.put("name", name);
        payload.put("result", result);
        payload.put("is_error", isError);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, envelope.sessionId(), payload.toString().getBytes(StandardCharsets.UTF_8));
        envelope.writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, System.currentTimeMillis());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, MessageTypes.TOOL_RESULT);
        return record;
    }

    /** {@code record} as the stage runtime hands it to a handler (a fresh offset each time). */
    public static StageRequest asRequest(ProducerRecord<String, byte[]> record) {
        ConsumerRecord<String, byte[]> consumed = new ConsumerRecord<>(record.topic(), 0, OFFSETS.incrementAndGet(), record.key(), record.value());
        record.headers().forEach(h -> consumed.headers().add(h));
        return new StageRequest(consumed, Envelope.readFrom(consumed.headers()), 1);
    }
}
