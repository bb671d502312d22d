package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speech-to-text stage's handler. A record on {@code xiaozhi.asr.requests} holds one utterance:
 * an {@link io.xiaozhi.pipeline.common.envelope.AudioFrames} payload of Opus packets, keyed by
 * session, with the envelope and {@code xz.t.eos}. The packets are decoded to 16 kHz PCM
 * ({@link Utterance}; undecodable packets are skipped and counted) and transcribed by the
 * {@link SpeechRecognizer}. Then:
 *
 * <ul>
 *   <li>speech: the text goes to the reply-to topic as {@link MessageTypes#STT}, and to the LLM stage's
 *       request topic as a record keyed by session, payload the text in UTF-8, headers the request's
 *       envelope, its {@code xz.t.*} timings and {@code xz.t.asr.start} / {@code xz.t.asr.end} (epoch
 *       ms: when this stage took the request and when the transcript was ready). The request is done
 *       when both are acknowledged.</li>
 *   <li>no decodable audio, or a transcript that is blank or only noise ({@link Transcripts}): a
 *       {@link MessageTypes#TURN_END} with an empty payload ends the turn quietly; counted.</li>
 *   <li>a payload that is not an audio payload: a non-retryable {@link StageException} naming the
 *       problem (the runtime dead-letters the record and tells the gateway {@code turn.error});
 *       counted.</li>
 * </ul>
 *
 * A turn cancelled before the provider is asked is not transcribed. Handling the same request again
 * (a retry after a send failed, or a redelivery after a crash) sends the outputs again, under the same
 * turn: the same transcript, since the same audio goes to the same provider.
 */
public final class AsrHandler implements StageHandler {

    /** Timing header names: {@code xz.t.asr.start}, {@code xz.t.asr.end}. */
    public static final String TIMING_START = "asr.start";
    public static final String TIMING_END = "asr.end";

    private static final Logger LOG = LoggerFactory.getLogger(AsrHandler.class);

    private final SpeechRecognizer recognizer;
    private final AsrMetrics metrics;
    private final String llmTopic;
    private final Clock clock;

    /** {@code llmTopic}: where transcripts go ({@code xiaozhi.llm.requests} in the pipeline). */
    public AsrHandler(SpeechRecognizer recognizer, AsrMetrics metrics, String llmTopic, Clock clock) {
        this.recognizer = recognizer;
        this.metrics = metrics;
        this.llmTopic = llmTopic;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> handle(StageRequest request, StageContext context) {
        long start = clock.millis();
        Envelope envelope = request.envelope();
        boolean first = request.attempt() == 1;
        Utterance utterance;
        try {
            utterance = Utterance.decode(request.record().value());
        } catch (EnvelopeException e) {
            metrics.badPayload();
            throw new StageException(e.getMessage(), false);
        }
        if (utterance.undecodable() > 0 && first) {
            metrics.undecodable(utterance.undecodable());
            LOG.debug("asr turn {}: {} of {} packets undecodable, skipped (first: {})", envelope.turnId(), utterance.undecodable(),
                    utterance.packets(), utterance.firstProblem());
        }
        if (utterance.pcm().length == 0) {
            if (first) {
                metrics.noAudio();
            }
            LOG.debug("asr turn {}: no decodable audio in {} packets; the turn ends", envelope.turnId(), utterance.packets());
            return endTurn(context);
        }
        if (context.cancelled()) {
            return CompletableFuture.completedFuture(null);
        }
        long began = System.nanoTime();
        String transcript = recognizer.transcribe(utterance.pcm(), context);
        long took = System.nanoTime() - began;
        long end = clock.millis();
        metrics.recognized(utterance.pcm().length, took);
        if (context.cancelled()) {
            return CompletableFuture.completedFuture(null);
        }
        String text = Transcripts.speech(transcript);
        if (LOG.isDebugEnabled()) {
            LOG.debug("asr turn {}: {} s of audio in {} ms: '{}'", envelope.turnId(), String.format(java.util.Locale.ROOT, "%.2f",
                    utterance.seconds()), took / 1_000_000, transcript);
        }
        if (text.isEmpty()) {
            metrics.noSpeech();
            return endTurn(context);
        }
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        return CompletableFuture.allOf(
                context.reply(MessageTypes.STT, payload),
                context.send(llmRequest(request, payload, start, end, took / 1_000_000)));
    }

    private static CompletionStage<Void> endTurn(StageContext context) {
        return context.reply(MessageTypes.TURN_END, new byte[0]).thenApply(sent -> null);
    }

    /**
     * The LLM stage's request for a transcript: keyed by session, under the request's envelope and
     * timings, with the recognizer's time as {@code xz.provider-ms}.
     */
    ProducerRecord<String, byte[]> llmRequest(StageRequest request, byte[] text, long start, long end, long providerMillis) {
        Envelope envelope = request.envelope();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(llmTopic, envelope.sessionId(), text);
        envelope.writeTo(record.headers());
        copyTimings(request.record().headers(), record.headers(), envelope);
        HeaderValues.putTiming(record.headers(), TIMING_START, start);
        HeaderValues.putTiming(record.headers(), TIMING_END, end);
        HeaderValues.putProviderMillis(record.headers(), providerMillis);
        return record;
    }

    /** Copies every {@code xz.t.*} timing (its last value), dropping and counting one that is not a number. */
    private void copyTimings(Headers from, Headers to, Envelope envelope) {
        Set<String> names = new LinkedHashSet<>();
        for (Header header : from) {
            if (header.key().startsWith(EnvelopeHeaders.TIMING_PREFIX)) {
                names.add(header.key());
            }
        }
        for (String name : names) {
            try {
                HeaderValues.number(from, name).ifPresent(value -> HeaderValues.putLong(to, name, value));
            } catch (EnvelopeException e) {
                metrics.badTimingHeader();
                LOG.debug("asr turn {}: timing dropped: {}", envelope.turnId(), e.getMessage());
            }
        }
    }
}
