package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import io.xiaozhi.pipeline.tts.audio.AudioChunker;
import io.xiaozhi.pipeline.tts.audio.OpusPacketEncoder;
import io.xiaozhi.pipeline.tts.audio.PcmSink;
import io.xiaozhi.pipeline.tts.provider.SpeechSynthesizer;
import io.xiaozhi.pipeline.tts.provider.SynthesisFailure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TTS stage's handler: one sentence of a reply in, its text and audio out to the turn's gateway.
 *
 * <p>For a request on {@code xiaozhi.tts.requests} (payload: the sentence; headers: the envelope,
 * {@code xz.seq}, {@code xz.last}) it sends, on the reply-to topic: {@code tts.sentence} with the text
 * just before the first audio, then {@code tts.audio} chunks numbered from 0 with {@code xz.final} on
 * the last ({@link DownlinkWriter}). Audio is cut by the {@link io.xiaozhi.pipeline.tts.audio.ChunkPlan}
 * as it arrives from the provider, so a streaming provider's first chunk leaves before the sentence is
 * synthesized; since the cut depends only on the audio, a retry or redelivery of the same sentence
 * re-sends the same chunk numbers, which the gateway deduplicates.
 *
 * <p><b>A sentence that cannot be spoken does not fail the turn.</b> The stage runtime answers a
 * request that fails for good with {@code turn.error}, and the gateway then drops the whole reply. A
 * reply is several sentences, so this handler never lets a failed sentence get that far:
 * <ul>
 *   <li>nothing speakable (blank, only emoji or punctuation): {@code tts.sentence.failed} at once;</li>
 *   <li>a retryable provider failure (429, 5xx, timeout, connection) before any audio was sent is
 *       thrown as a retryable {@link StageException}, so the runtime retries it with backoff;</li>
 *   <li>on the last attempt ({@code ai_providers.retry.max_attempts}, or when the turn's deadline
 *       leaves no room for the runtime's next backoff), for a non-retryable failure (4xx, a malformed
 *       answer, text the voice cannot say), and for any failure after part of the audio went out (a
 *       new attempt would not produce the same audio to continue it): {@code tts.sentence.failed}
 *       with {@code xz.seq} and {@code xz.last}, and the handler completes normally. The gateway skips
 *       the sentence (or cuts it short) and plays the next.</li>
 * </ul>
 * Every such sentence is counted in {@code xiaozhi.tts.sentences.failed} by reason. Provider failures
 * (everything but nothing-speakable) are also copied to the stage's dead-letter topic with
 * {@code xz.error}, {@code xz.attempts} and {@code xz.origin}, as the runtime does for the other
 * stages, so an outage shows in {@code xiaozhi.tts.dlq} like anywhere else. A record that is not a
 * sentence request at all (no {@code xz.seq}) is thrown as non-retryable: the runtime dead-letters it
 * and sends {@code turn.error}, since the gateway could not place it in the reply.
 *
 * <p>The provider gets the attempt's time less a reserve (a quarter, at most one second), so that it
 * gives up before the runtime's own attempt timeout and the handler can still answer
 * {@code tts.sentence.failed}. A cancelled turn is not synthesized, and a synthesis under way stops
 * sending when the turn is cancelled.
 */
public final class TtsHandler implements StageHandler {

    private static final Logger LOG = LoggerFactory.getLogger(TtsHandler.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Duration MAX_RESERVE = Duration.ofSeconds(1);
    /** Header values are read back with at most 1024 bytes. */
    private static final int MAX_ERROR_CHARS = 900;

    private final SpeechSynthesizer synthesizer;
    private final TtsOptions options;
    private final PerformanceConfig.RetryPolicy retry;
    private final String deadLetterTopic;
    private final TtsMetrics metrics;
    private final LongSupplier clock;

    /**
     * @param deadLetterTopic where failed sentences are copied ({@code Topics.deadLetters(Stage.TTS)})
     * @param clock epoch milliseconds
     */
    public TtsHandler(SpeechSynthesizer synthesizer, TtsOptions options, PerformanceConfig.RetryPolicy retry, String deadLetterTopic,
                      TtsMetrics metrics, LongSupplier clock) {
        this.synthesizer = synthesizer;
        this.options = options;
        this.retry = retry;
        this.deadLetterTopic = deadLetterTopic;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> handle(StageRequest request, StageContext context) {
        SentenceRequest sentence;
        try {
            sentence = SentenceRequest.read(request.record());
        } catch (StageException e) {
            metrics.failed(TtsMetrics.BAD_REQUEST);
            throw e;
        }
        if (context.cancelled()) {
            return DONE;
        }
        DownlinkWriter out = new DownlinkWriter(request, sentence, context, clock);
        String speech = SpeakableText.forSpeech(sentence.text());
        if (speech.isEmpty()) {
            return failed(request, context, sentence, out, SynthesisFailure.UNSPEAKABLE, "tts: nothing to speak in the sentence", false);
        }
        if (speech.length() > options.maxTextChars()) {
            return failed(request, context, sentence, out, SynthesisFailure.REJECTED, "tts: the sentence has " + speech.length()
                    + " characters; at most " + options.maxTextChars() + " are sent to the provider", true);
        }
        long started = System.nanoTime();
        long upstreamProviderMillis = HeaderValues.providerMillis(request.record().headers());
        TimedSink[] timed = new TimedSink[1];
        AudioChunker chunker = new AudioChunker(new OpusPacketEncoder(options.opusComplexity(), options.opusBitrate()), options.chunks(),
                (chunk, packets, last) -> {
                    if (context.cancelled()) {
                        return;
                    }
                    long providerMillis = -1;
                    if (chunk == 0) {
                        out.sentenceText();
                        metrics.firstAudio(System.nanoTime() - started);
                        if (upstreamProviderMillis >= 0) {
                            providerMillis = upstreamProviderMillis + timed[0].providerNanos(started) / 1_000_000;
                        }
                    }
                    out.audio(chunk, packets, last, providerMillis);
                });
        TimedSink sink = new TimedSink(chunker);
        timed[0] = sink;
        try {
            synthesizer.synthesize(speech, sink, context, providerBudget(context.timeLeft()));
            if (context.cancelled()) {
                return DONE;
            }
            if (!chunker.finish()) {
                throw new SynthesisFailure(SynthesisFailure.NO_AUDIO, "tts: the provider returned no audio", false);
            }
        } catch (StageException e) {
            if (context.cancelled()) {
                return DONE;
            }
            return failure(request, context, sentence, out, chunker, e);
        } catch (RuntimeException e) {
            if (context.cancelled()) {
                return DONE;
            }
            LOG.warn("tts turn {} sentence {}: unexpected failure", request.envelope().turnId(), sentence.seq(), e);
            return failure(request, context, sentence, out, chunker, new SynthesisFailure(SynthesisFailure.INTERNAL, "tts: " + e, false, e));
        }
        long elapsed = System.nanoTime() - started;
        metrics.spoken(chunker.audioSeconds(), Math.max(0, elapsed - sink.nanos), chunker.encodeNanos(), chunker.packets());
        return DONE;
    }

    /** Rethrows a failure worth another attempt; answers any other with {@code tts.sentence.failed}. */
    private CompletionStage<Void> failure(StageRequest request, StageContext context, SentenceRequest sentence, DownlinkWriter out, AudioChunker chunker,
                                          StageException e) {
        boolean audioSent = chunker.chunks() > 0;
        if (e.retryable() && !audioSent && !lastAttempt(request)) {
            LOG.debug("tts turn {} sentence {} attempt {} failed, to be retried: {}", request.envelope().turnId(), sentence.seq(),
                    request.attempt(), e.getMessage());
            throw e;
        }
        String reason = e instanceof SynthesisFailure failure ? failure.reason()
                : e.retryable() ? SynthesisFailure.UNAVAILABLE : SynthesisFailure.REJECTED;
        String message = e.getMessage();
        if (audioSent && e.retryable()) {
            reason = SynthesisFailure.INTERRUPTED;
            message = "tts: the audio broke off after " + chunker.chunks() + " chunk(s): " + message;
        }
        return failed(request, context, sentence, out, reason, message, true);
    }

    private CompletionStage<Void> failed(StageRequest request, StageContext context, SentenceRequest sentence, DownlinkWriter out, String reason, String message,
                                         boolean deadLetter) {
        metrics.failed(reason);
        if (deadLetter) {
            LOG.warn("tts turn {} sentence {} not spoken after {} attempt(s) ({}): {}", request.envelope().turnId(), sentence.seq(),
                    request.attempt(), reason, message);
        } else {
            LOG.debug("tts turn {} sentence {} not spoken ({}): {}", request.envelope().turnId(), sentence.seq(), reason, message);
        }
        out.failed(message);
        if (deadLetter) {
            deadLetter(request, context, reason + ": " + message);
        }
        return DONE;
    }

    /** Whether the runtime would not run another attempt: attempts used up, or no time for the next backoff. */
    boolean lastAttempt(StageRequest request) {
        if (request.attempt() >= retry.maxAttempts()) {
            return true;
        }
        long step = retry.initialBackoffMs();
        for (int i = 1; i < request.attempt() && step < retry.maxBackoffMs(); i++) {
            step *= 2;
        }
        step = Math.min(step, retry.maxBackoffMs());
        return request.envelope().deadlineEpochMs() - clock.getAsLong() <= step;
    }

    /** The provider's share of the attempt's time: all but a reserve to answer in. */
    static Duration providerBudget(Duration timeLeft) {
        Duration reserve = timeLeft.dividedBy(4);
        if (reserve.compareTo(MAX_RESERVE) > 0) {
            reserve = MAX_RESERVE;
        }
        Duration budget = timeLeft.minus(reserve);
        return budget.isZero() || budget.isNegative() ? Duration.ofMillis(1) : budget;
    }

    private void deadLetter(StageRequest request, StageContext context, String error) {
        ConsumerRecord<String, byte[]> record = request.record();
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(deadLetterTopic, null, record.key(), record.value());
        for (Header header : record.headers()) {
            letter.headers().add(header);
        }
        HeaderValues.putText(letter.headers(), EnvelopeHeaders.ERROR,
                error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) + "…" : error);
        HeaderValues.putLong(letter.headers(), EnvelopeHeaders.ATTEMPTS, request.attempt());
        HeaderValues.putText(letter.headers(), EnvelopeHeaders.ORIGIN, record.topic() + "-" + record.partition() + "@" + record.offset());
        context.send(letter);
    }

    /** Measures the time spent in the chunker (resampling, encoding, sending), which is not the provider's. */
    /** Times what happens in the sink (resampling, encoding, sending), so the rest is the provider's. */
    private static final class TimedSink implements PcmSink {
        private final PcmSink target;
        private long nanos;
        private long callStart = -1;

        TimedSink(PcmSink target) {
            this.target = target;
        }

        @Override
        public void accept(short[] samples, int offset, int length, int sampleRate) {
            long start = System.nanoTime();
            callStart = start;
            try {
                target.accept(samples, offset, length, sampleRate);
            } finally {
                nanos += System.nanoTime() - start;
                callStart = -1;
            }
        }

        /**
         * The provider's time from {@code started} until the audio now in hand came back: up to the
         * current sink call when called from inside one, else up to now, less the time spent in the sink.
         */
        long providerNanos(long started) {
            long until = callStart >= 0 ? callStart : System.nanoTime();
            return Math.max(0, until - started - nanos);
        }
    }
}
