package io.xiaozhi.pipeline.tts;

import static io.xiaozhi.pipeline.tts.FakeSpeechServer.tone;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import io.xiaozhi.pipeline.tts.audio.PcmSink;
import io.xiaozhi.pipeline.tts.provider.SpeechSynthesizer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code xz.provider-ms} on a sentence's first audio: what came before plus the synthesizer's time, not ours. */
class ProviderTimeTest {

    /** Waits {@code pauseMillis} before each of its two halves of 0.5 s of audio. */
    private record SlowSynthesizer(long pauseMillis) implements SpeechSynthesizer {
        @Override
        public String describe() {
            return "slow";
        }

        @Override
        public void synthesize(String text, PcmSink sink, StageContext context, Duration budget) {
            short[] audio = tone(300, 24_000, 0.5);
            for (int half = 0; half < 2; half++) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                sink.accept(audio, half * audio.length / 2, audio.length / 2, 24_000);
            }
        }
    }

    private static List<Downlink> speak(StageRequest request) throws Exception {
        TtsHandler handler = new TtsHandler(new SlowSynthesizer(150), TtsOptions.defaults(), new PerformanceConfig.RetryPolicy(3, 20, 100),
                "xiaozhi.tts.dlq", new TtsMetrics(new SimpleMeterRegistry()), System::currentTimeMillis);
        RecordingContext context = new RecordingContext(request.envelope());
        handler.handle(request, context).toCompletableFuture().get(20, TimeUnit.SECONDS);
        return context.downlink();
    }

    @Test
    void theFirstChunkCarriesTheProvidersShareUpToItsAudio() throws Exception {
        StageRequest request = TestSentences.request("turn-p", 0, true, "A sentence.");
        HeaderValues.putProviderMillis(request.record().headers(), 700);
        long began = System.nanoTime();
        List<Downlink> out = speak(request);
        long elapsedMillis = (System.nanoTime() - began) / 1_000_000;

        List<Downlink> audio = out.stream().filter(d -> d.type().equals(MessageTypes.AUDIO)).toList();
        assertThat(audio).hasSizeGreaterThan(1);
        assertThat(audio.get(0).chunk()).isZero();
        // chunk 0 (three packets, 180 ms) is complete with the first 250 ms of audio: one pause
        assertThat(HeaderValues.providerMillis(audio.get(0).headers())).isBetween(700L + 150, 700L + Math.min(299, elapsedMillis));
        assertThat(audio.subList(1, audio.size())).allSatisfy(d -> assertThat(d.headers().lastHeader(EnvelopeHeaders.PROVIDER_MILLIS)).isNull());
        java.util.Map<String, Long> timings = HeaderValues.timings(audio.get(0).headers());
        assertThat(timings.get("tts") - timings.get("tts.start")).as("chunk 0 came a pause after the stage took the sentence")
                .isGreaterThanOrEqualTo(150);
    }

    @Test
    void withoutTheShareBeforeThisStageTheAudioCarriesNone() throws Exception {
        List<Downlink> out = speak(TestSentences.request("turn-q", 0, true, "A sentence."));
        assertThat(out).allSatisfy(d -> assertThat(HeaderValues.providerMillis(d.headers())).isEqualTo(-1));
    }
}
