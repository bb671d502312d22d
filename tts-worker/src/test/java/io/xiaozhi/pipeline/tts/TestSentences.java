package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Sentence requests as the LLM stage writes them. */
final class TestSentences {

    static final String REQUESTS = "xiaozhi.tts.requests";
    static final String DEVICE = "aa:bb:cc:dd:ee:ff";

    private TestSentences() {
    }

    static Envelope envelope(String turn, String replyTo) {
        return new Envelope("session-" + turn, DEVICE, turn, System.currentTimeMillis() + 120_000, replyTo);
    }

    /** The record the LLM stage would publish for sentence {@code seq} of {@code turn}. */
    static ProducerRecord<String, byte[]> producerRecord(String topic, String turn, int seq, boolean last, String text, String replyTo) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "session-" + turn, text.getBytes(StandardCharsets.UTF_8));
        envelope(turn, replyTo).writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.SEQUENCE, seq);
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.LAST, last);
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, 1_700_000_000_000L);
        return record;
    }

    static ConsumerRecord<String, byte[]> consumerRecord(String turn, int seq, boolean last, String text, String replyTo) {
        ProducerRecord<String, byte[]> produced = producerRecord(REQUESTS, turn, seq, last, text, replyTo);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(REQUESTS, 0, 42, produced.key(), produced.value());
        produced.headers().forEach(header -> record.headers().add(header));
        return record;
    }

    static StageRequest request(String turn, int seq, boolean last, String text, String replyTo, int attempt) {
        ConsumerRecord<String, byte[]> record = consumerRecord(turn, seq, last, text, replyTo);
        return new StageRequest(record, Envelope.readFrom(record.headers()), attempt);
    }

    /** A request whose turn ends at {@code deadlineEpochMs}. */
    static StageRequest request(String turn, int seq, boolean last, String text, int attempt, long deadlineEpochMs) {
        ConsumerRecord<String, byte[]> record = consumerRecord(turn, seq, last, text, "xiaozhi.downlink.test");
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.DEADLINE, deadlineEpochMs);
        return new StageRequest(record, Envelope.readFrom(record.headers()), attempt);
    }

    static StageRequest request(String turn, int seq, boolean last, String text) {
        return request(turn, seq, last, text, "xiaozhi.downlink.test", 1);
    }
}
