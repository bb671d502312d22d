package io.xiaozhi.pipeline.llm.testing;

import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/** A sentence as the TTS stage receives it; {@code providerMillis} is -1 when it carries none. */
public record Sentence(String key, long seq, String text, boolean last, long endOfSpeech, String turn, long providerMillis) {

    public static Sentence of(ProducerRecord<String, byte[]> record) {
        return of(record.key(), record.headers(), record.value());
    }

    public static Sentence of(ConsumerRecord<String, byte[]> record) {
        return of(record.key(), record.headers(), record.value());
    }

    private static Sentence of(String key, Headers headers, byte[] value) {
        return new Sentence(key, HeaderValues.requiredNumber(headers, EnvelopeHeaders.SEQUENCE),
                new String(value, StandardCharsets.UTF_8), HeaderValues.flag(headers, EnvelopeHeaders.LAST),
                HeaderValues.number(headers, EnvelopeHeaders.END_OF_SPEECH).orElse(-1),
                HeaderValues.requiredText(headers, EnvelopeHeaders.TURN), HeaderValues.providerMillis(headers));
    }
}
