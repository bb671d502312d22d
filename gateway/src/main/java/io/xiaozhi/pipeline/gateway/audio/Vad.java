package io.xiaozhi.pipeline.gateway.audio;

/**
 * A voice activity detector for one session's audio: 16 kHz mono 16-bit PCM in chunks of any size,
 * judged in windows of {@link #WINDOW_SAMPLES} samples (32 ms), each given a speech probability.
 *
 * <p>Samples that do not yet fill a window are kept for the next call. Instances are per session
 * and not thread-safe; {@link #close()} releases what the instance holds (not shared models).
 */
public interface Vad extends AutoCloseable {

    /** Rate of the samples a detector takes. */
    int SAMPLE_RATE = 16_000;

    /** Samples in one window: 32 ms at 16 kHz, the window Silero VAD v5 takes. */
    int WINDOW_SAMPLES = 512;

    /** Duration of one window in milliseconds. */
    int WINDOW_MILLIS = WINDOW_SAMPLES * 1000 / SAMPLE_RATE;

    /**
     * Feeds {@code length} samples of {@code pcm} from {@code offset}, and returns the speech
     * probability (0..1) of each window they complete, oldest first; empty if none completed.
     */
    float[] feed(short[] pcm, int offset, int length);

    /** Feeds all of {@code pcm}; see {@link #feed(short[], int, int)}. */
    default float[] feed(short[] pcm) {
        return feed(pcm, 0, pcm.length);
    }

    /** Forgets buffered samples and any state carried between windows, as at a new utterance. */
    void reset();

    @Override
    void close();
}
