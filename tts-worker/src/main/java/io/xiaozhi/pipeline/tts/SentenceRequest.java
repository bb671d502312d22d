package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record of {@code xiaozhi.tts.requests} past its envelope: the sentence's text (the UTF-8
 * payload; none is an empty sentence), its number in the turn ({@code xz.seq}, from 0) and whether it
 * is the turn's last ({@code xz.last}).
 */
public record SentenceRequest(String text, int seq, boolean last) {

    /**
     * Reads the sentence; a record that is not one (no or a malformed {@code xz.seq} or {@code xz.last},
     * a payload that is not UTF-8) is a non-retryable {@link StageException} naming the fault.
     */
    public static SentenceRequest read(ConsumerRecord<String, byte[]> record) {
        long seq;
        boolean last;
        try {
            seq = HeaderValues.requiredNumber(record.headers(), EnvelopeHeaders.SEQUENCE);
            last = HeaderValues.flag(record.headers(), EnvelopeHeaders.LAST);
        } catch (EnvelopeException e) {
            throw new StageException("tts: not a sentence request: " + e.getMessage(), false, e);
        }
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            throw new StageException("tts: not a sentence request: header " + EnvelopeHeaders.SEQUENCE + " is " + seq
                    + ", not 0.." + Integer.MAX_VALUE, false);
        }
        String text;
        try {
            text = record.value() == null ? "" : StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(record.value())).toString();
        } catch (CharacterCodingException e) {
            throw new StageException("tts: not a sentence request: the payload is not UTF-8 text (" + e + ")", false, e);
        }
        return new SentenceRequest(text, (int) seq, last);
    }
}
