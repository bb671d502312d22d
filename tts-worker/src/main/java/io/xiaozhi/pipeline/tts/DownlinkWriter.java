package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The records one sentence produces on its turn's reply-to topic, keyed by session, each with the
 * request's envelope, its {@code xz.type}, the sentence's {@code xz.seq}, and the request's
 * {@code xz.t.*} timings:
 * {@code tts.sentence} (the text, {@code xz.last}), {@code tts.audio} ({@link AudioFrames},
 * {@code xz.chunk}, {@code xz.final}; chunk 0 also carries {@code xz.t.tts.start}, when this stage
 * took the sentence, {@code xz.t.tts}, when its audio was ready, and {@code xz.provider-ms} when the request carried it: the providers' share of the turn up
 * to this audio) and {@code tts.sentence.failed} (the reason, {@code xz.last}).
 */
final class DownlinkWriter {

    /** Timing header of the first audio of a sentence. */
    static final String TTS_TIMING = "tts";
    /** Timing header of when this stage took the sentence. */
    static final String TTS_START_TIMING = "tts.start";

    private final StageRequest request;
    private final SentenceRequest sentence;
    private final StageContext context;
    private final LongSupplier clock;
    private final long startedAt;

    DownlinkWriter(StageRequest request, SentenceRequest sentence, StageContext context, LongSupplier clock) {
        this.request = request;
        this.sentence = sentence;
        this.context = context;
        this.clock = clock;
        this.startedAt = clock.getAsLong();
    }

    void sentenceText() {
        ProducerRecord<String, byte[]> record = record(MessageTypes.SENTENCE, sentence.text().strip().getBytes(StandardCharsets.UTF_8));
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.LAST, sentence.last());
        context.send(record);
    }

    /** {@code providerMillis}: {@code xz.provider-ms} of the chunk, when not negative (chunk 0 only). */
    void audio(int chunk, List<byte[]> packets, boolean fin, long providerMillis) {
        ProducerRecord<String, byte[]> record = record(MessageTypes.AUDIO, AudioFrames.encode(packets));
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.CHUNK, chunk);
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.FINAL, fin);
        if (chunk == 0) {
            HeaderValues.putTiming(record.headers(), TTS_START_TIMING, startedAt);
            HeaderValues.putTiming(record.headers(), TTS_TIMING, clock.getAsLong());
        }
        if (providerMillis >= 0) {
            HeaderValues.putProviderMillis(record.headers(), providerMillis);
        }
        context.send(record);
    }

    void failed(String reason) {
        ProducerRecord<String, byte[]> record = record(MessageTypes.SENTENCE_FAILED, reason.getBytes(StandardCharsets.UTF_8));
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.LAST, sentence.last());
        context.send(record);
    }

    private ProducerRecord<String, byte[]> record(String type, byte[] payload) {
        Envelope envelope = request.envelope();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(), payload);
        for (Header header : request.record().headers()) {
            if (header.key().startsWith(EnvelopeHeaders.TIMING_PREFIX)) {
                record.headers().add(header.key(), header.value());
            }
        }
        envelope.writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, type);
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.SEQUENCE, sentence.seq());
        return record;
    }
}
