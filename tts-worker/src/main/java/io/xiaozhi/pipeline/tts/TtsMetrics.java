package io.xiaozhi.pipeline.tts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The TTS worker's meters (the stage runtime's {@code xiaozhi.stage.*} and the providers'
 * {@code xiaozhi.provider.failures} come on top):
 *
 * <ul>
 *   <li>{@code xiaozhi.tts.sentences}: sentences spoken (audio sent to the end);</li>
 *   <li>{@code xiaozhi.tts.sentences.failed} (tag {@code reason}): sentences answered with
 *       {@code tts.sentence.failed} or refused as a bad request;</li>
 *   <li>{@code xiaozhi.tts.audio.seconds}: seconds of audio produced;</li>
 *   <li>{@code xiaozhi.tts.packets}: 60 ms Opus packets produced;</li>
 *   <li>{@code xiaozhi.tts.realtime.factor}: per sentence, seconds the provider spent per second of audio
 *       (below 1 is faster than real time);</li>
 *   <li>{@code xiaozhi.tts.first.audio}: from the start of a sentence to its first audio record;</li>
 *   <li>{@code xiaozhi.tts.encode}: Opus encoding time per sentence.</li>
 * </ul>
 */
public final class TtsMetrics {

    public static final String SENTENCES = "xiaozhi.tts.sentences";
    public static final String FAILED = "xiaozhi.tts.sentences.failed";
    public static final String AUDIO_SECONDS = "xiaozhi.tts.audio.seconds";
    public static final String PACKETS = "xiaozhi.tts.packets";
    public static final String REAL_TIME_FACTOR = "xiaozhi.tts.realtime.factor";
    public static final String FIRST_AUDIO = "xiaozhi.tts.first.audio";
    public static final String ENCODE = "xiaozhi.tts.encode";

    /** A request that is not a sentence (no or a malformed {@code xz.seq}, text that is not UTF-8). */
    public static final String BAD_REQUEST = "bad_request";

    private final MeterRegistry registry;
    private final Counter sentences;
    private final Counter audioSeconds;
    private final Counter packets;
    private final DistributionSummary realTimeFactor;
    private final Timer firstAudio;
    private final Timer encode;

    public TtsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sentences = Counter.builder(SENTENCES).description("sentences spoken").register(registry);
        this.audioSeconds = Counter.builder(AUDIO_SECONDS).description("seconds of audio produced").baseUnit("seconds").register(registry);
        this.packets = Counter.builder(PACKETS).description("60 ms Opus packets produced").register(registry);
        this.realTimeFactor = DistributionSummary.builder(REAL_TIME_FACTOR)
                .description("provider seconds per second of audio, per sentence").publishPercentiles(0.5, 0.95).register(registry);
        this.firstAudio = Timer.builder(FIRST_AUDIO).description("start of a sentence to its first audio record")
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
        this.encode = Timer.builder(ENCODE).description("Opus encoding time per sentence").register(registry);
    }

    void spoken(double seconds, long synthesisNanos, long encodeNanos, long packetCount) {
        sentences.increment();
        audioSeconds.increment(seconds);
        packets.increment(packetCount);
        if (seconds > 0) {
            realTimeFactor.record(synthesisNanos / 1e9 / seconds);
        }
        encode.record(encodeNanos, TimeUnit.NANOSECONDS);
    }

    void firstAudio(long nanos) {
        firstAudio.record(nanos, TimeUnit.NANOSECONDS);
    }

    void failed(String reason) {
        Counter.builder(FAILED).description("sentences not spoken, by reason").tag("reason", reason).register(registry).increment();
    }

    /** Sentences failed for {@code reason} so far. */
    public double failedCount(String reason) {
        Counter counter = registry.find(FAILED).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    public double spokenCount() {
        return sentences.count();
    }
}
