package io.xiaozhi.pipeline.tts.provider;

import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.tts.audio.PcmSink;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The offline provider: FreeTTS's {@code kevin16} voice from a {@link FreeTtsVoices} pool, 16 kHz
 * English. A sentence is synthesized whole (FreeTTS takes a few milliseconds per second of speech) and
 * delivered at once. Text it cannot pronounce (Chinese, for one) yields no audio, a non-retryable
 * {@link SynthesisFailure#NO_AUDIO}: another attempt would give the same.
 */
public final class FreeTtsSpeech implements SpeechSynthesizer {

    private final FreeTtsVoices voices;

    public FreeTtsSpeech(FreeTtsVoices voices) {
        this.voices = voices;
    }

    @Override
    public String describe() {
        return "offline FreeTTS voice " + FreeTtsVoices.VOICE + " (" + voices.size() + " in the pool)";
    }

    @Override
    public void synthesize(String text, PcmSink sink, StageContext context, Duration budget) {
        short[] samples;
        try {
            samples = voices.speak(text, budget);
        } catch (TimeoutException e) {
            throw new SynthesisFailure(SynthesisFailure.TIMEOUT, "tts offline: " + e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SynthesisFailure(SynthesisFailure.TIMEOUT, "tts offline: interrupted while waiting for a voice", true, e);
        } catch (RuntimeException e) {
            throw new SynthesisFailure(SynthesisFailure.INTERNAL, "tts offline: " + e.getMessage(), false, e);
        }
        if (samples.length == 0) {
            throw new SynthesisFailure(SynthesisFailure.NO_AUDIO,
                    "tts offline: the voice " + FreeTtsVoices.VOICE + " produced no audio for this text (it speaks English only)", false);
        }
        if (!context.cancelled()) {
            sink.accept(samples, FreeTtsVoices.SAMPLE_RATE);
        }
    }

    @Override
    public void close() {
        voices.close();
    }
}
