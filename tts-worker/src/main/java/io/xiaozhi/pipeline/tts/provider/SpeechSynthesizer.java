package io.xiaozhi.pipeline.tts.provider;

import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.tts.audio.PcmSink;
import java.time.Duration;

/**
 * A text-to-speech provider: speaks one sentence into PCM, delivered to a {@link PcmSink} as it is
 * produced (a streaming provider delivers the first audio before the rest is synthesized).
 *
 * <p>Implementations are called by several handler threads at once. A failure is a
 * {@link io.xiaozhi.pipeline.common.runtime.StageException} saying whether another attempt may help;
 * a {@link SynthesisFailure} also names the reason it is counted under.
 */
public interface SpeechSynthesizer extends AutoCloseable {

    /** What this is, for logs: provider, model, voice. */
    String describe();

    /**
     * Speaks {@code text}, returning once all its audio went to {@code sink}. Gives up (retryable,
     * reason {@code timeout}) when {@code budget} has passed, and stops when {@code context} is cancelled.
     */
    void synthesize(String text, PcmSink sink, StageContext context, Duration budget);

    @Override
    default void close() {
    }
}
