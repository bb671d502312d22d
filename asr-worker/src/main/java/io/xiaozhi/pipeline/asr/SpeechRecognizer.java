package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;

/**
 * Where the speech-to-text stage's transcripts come from ({@code providers.asr.type}).
 * {@link #transcribe} is called on a runtime thread, which it may block, by as many threads at once
 * as the stage allows ({@code ai_providers.asr.max_concurrent}); it must give up when
 * {@link StageContext#cancellation()} completes or {@link StageContext#timeLeft()} runs out.
 */
public interface SpeechRecognizer extends AutoCloseable {

    /** The rate of the samples {@link #transcribe} takes. */
    int SAMPLE_RATE = 16_000;

    /** What the recognizer is, for the log: its type and, for a remote one, model and host. */
    String description();

    /** The value of the {@code provider} tag on the stage's meters: {@code offline} or {@code openai}. */
    String tag();

    /**
     * What was said in {@code pcm} (16-bit mono samples at {@value #SAMPLE_RATE} Hz): the provider's
     * text as it is, possibly blank or only noise markers (the caller judges that). Fails with a
     * {@link StageException} saying whether another attempt may help.
     */
    String transcribe(short[] pcm, StageContext context);

    /** Releases what the recognizer holds (loaded models). */
    @Override
    default void close() {
    }
}
