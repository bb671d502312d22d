package io.xiaozhi.pipeline.asr;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.xiaozhi.pipeline.common.Stage;
import java.util.concurrent.TimeUnit;

/**
 * The speech-to-text stage's own meters, beside the runtime's {@code xiaozhi.stage.*} and the
 * providers' {@code xiaozhi.provider.failures}; every one is tagged {@code stage=asr}, and those about
 * recognition also {@code provider} ({@code offline} or {@code openai}):
 *
 * <ul>
 *   <li>{@value #AUDIO_SECONDS}: seconds of audio transcribed (counter);</li>
 *   <li>{@value #RECOGNITION}: how long the provider took for one utterance (timer);</li>
 *   <li>{@value #REAL_TIME_FACTOR}: that time divided by the utterance's duration (below 1 is
 *       faster than real time);</li>
 *   <li>{@value #UNDECODABLE}: uplink packets that were not valid Opus, skipped;</li>
 *   <li>{@value #EMPTY}: turns ended without text, by {@code reason}: {@code no_audio} (nothing
 *       decodable) or {@code no_speech} (the provider heard nothing but noise);</li>
 *   <li>{@value #BAD_INPUT}: requests with an unreadable part, by {@code reason}: {@code payload}
 *       (not an audio payload: refused) or {@code timing_header} (an {@code xz.t.*} header that is
 *       not a number: dropped, the turn goes on).</li>
 * </ul>
 */
public final class AsrMetrics {

    public static final String AUDIO_SECONDS = "xiaozhi.asr.audio.seconds";
    public static final String RECOGNITION = "xiaozhi.asr.recognition";
    public static final String REAL_TIME_FACTOR = "xiaozhi.asr.realtime.factor";
    public static final String UNDECODABLE = "xiaozhi.asr.packets.undecodable";
    public static final String EMPTY = "xiaozhi.asr.empty";
    public static final String BAD_INPUT = "xiaozhi.asr.bad_input";

    static final String STAGE = Stage.ASR.id();

    private final Counter audioSeconds;
    private final Timer recognition;
    private final DistributionSummary realTimeFactor;
    private final Counter undecodable;
    private final Counter noAudio;
    private final Counter noSpeech;
    private final Counter badPayload;
    private final Counter badTimingHeader;

    public AsrMetrics(MeterRegistry registry, String provider) {
        audioSeconds = Counter.builder(AUDIO_SECONDS).baseUnit("seconds").tag("stage", STAGE).tag("provider", provider)
                .description("seconds of utterance audio transcribed").register(registry);
        recognition = Timer.builder(RECOGNITION).tag("stage", STAGE).tag("provider", provider)
                .description("time the provider took to transcribe one utterance (successful attempts)").register(registry);
        realTimeFactor = DistributionSummary.builder(REAL_TIME_FACTOR).tag("stage", STAGE).tag("provider", provider)
                .description("recognition time divided by the utterance's duration")
                .serviceLevelObjectives(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 4)
                .register(registry);
        undecodable = Counter.builder(UNDECODABLE).tag("stage", STAGE)
                .description("uplink packets that were not valid Opus, skipped").register(registry);
        noAudio = empty(registry, "no_audio");
        noSpeech = empty(registry, "no_speech");
        badPayload = badInput(registry, "payload");
        badTimingHeader = badInput(registry, "timing_header");
    }

    private static Counter empty(MeterRegistry registry, String reason) {
        return Counter.builder(EMPTY).tag("stage", STAGE).tag("reason", reason)
                .description("turns ended without text, by reason").register(registry);
    }

    private static Counter badInput(MeterRegistry registry, String reason) {
        return Counter.builder(BAD_INPUT).tag("stage", STAGE).tag("reason", reason)
                .description("requests with an unreadable part, by reason").register(registry);
    }

    void recognized(int samples, long nanos) {
        double seconds = (double) samples / SpeechRecognizer.SAMPLE_RATE;
        audioSeconds.increment(seconds);
        recognition.record(nanos, TimeUnit.NANOSECONDS);
        if (seconds > 0) {
            realTimeFactor.record(nanos / 1e9 / seconds);
        }
    }

    void undecodable(int packets) {
        undecodable.increment(packets);
    }

    void noAudio() {
        noAudio.increment();
    }

    void noSpeech() {
        noSpeech.increment();
    }

    void badPayload() {
        badPayload.increment();
    }

    void badTimingHeader() {
        badTimingHeader.increment();
    }
}
