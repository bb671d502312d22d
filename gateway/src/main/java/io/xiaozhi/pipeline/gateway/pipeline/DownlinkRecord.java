package io.xiaozhi.pipeline.gateway.pipeline;

import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One answer from a worker, as read from this gateway's downlink topic: which session and turn it is
 * for, what it is ({@code xz.type}, see {@code MessageTypes}), its place in the turn, its payload, and
 * the providers' share of the turn up to it ({@code xz.provider-ms}, -1 when it carries none) and, on
 * a turn's first audio chunk, its {@code xz.t.*} timings by name.
 */
public record DownlinkRecord(String type, String sessionId, String turnId, long seq, long chunk, boolean last, boolean fin,
                             String emotion, byte[] payload, long providerMillis, Map<String, Long> timings) {

    /** A record without the providers' share or timings. */
    public DownlinkRecord(String type, String sessionId, String turnId, long seq, long chunk, boolean last, boolean fin,
                          String emotion, byte[] payload) {
        this(type, sessionId, turnId, seq, chunk, last, fin, emotion, payload, -1, Map.of());
    }

    /** A record without timings. */
    public DownlinkRecord(String type, String sessionId, String turnId, long seq, long chunk, boolean last, boolean fin,
                          String emotion, byte[] payload, long providerMillis) {
        this(type, sessionId, turnId, seq, chunk, last, fin, emotion, payload, providerMillis, Map.of());
    }

    /**
     * The {@code xz.t.*} timings of a turn's first audio chunk (sentence 0, chunk 0: the only ones the
     * gateway uses, so no other record pays for reading them); none when one is malformed: they only
     * feed measurements.
     */
    private static Map<String, Long> firstAudioTimings(String type, long seq, long chunk, ConsumerRecord<String, byte[]> record) {
        if (!MessageTypes.AUDIO.equals(type) || seq != 0 || chunk != 0) {
            return Map.of();
        }
        try {
            return HeaderValues.timings(record.headers());
        } catch (EnvelopeException e) {
            return Map.of();
        }
    }

    /** Reads a record; throws {@link EnvelopeException} naming what is missing or malformed. */
    public static DownlinkRecord of(ConsumerRecord<String, byte[]> record) {
        String type = HeaderValues.requiredText(record.headers(), EnvelopeHeaders.TYPE);
        String session = HeaderValues.text(record.headers(), EnvelopeHeaders.SESSION).orElse(record.key());
        if (session == null || session.isEmpty()) {
            throw new EnvelopeException("header " + EnvelopeHeaders.SESSION + " is missing and the record has no key");
        }
        long seq = HeaderValues.number(record.headers(), EnvelopeHeaders.SEQUENCE).orElse(-1);
        long chunk = HeaderValues.number(record.headers(), EnvelopeHeaders.CHUNK).orElse(-1);
        return new DownlinkRecord(type, session,
                HeaderValues.requiredText(record.headers(), EnvelopeHeaders.TURN),
                seq,
                chunk,
                HeaderValues.flag(record.headers(), EnvelopeHeaders.LAST),
                HeaderValues.flag(record.headers(), EnvelopeHeaders.FINAL),
                HeaderValues.text(record.headers(), EnvelopeHeaders.EMOTION).orElse(""),
                record.value() == null ? new byte[0] : record.value(),
                HeaderValues.providerMillis(record.headers()),
                firstAudioTimings(type, seq, chunk, record));
    }
}
