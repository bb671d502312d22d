package io.xiaozhi.pipeline.tts.audio;

/** Where a speech synthesizer delivers its audio as it is produced: 16-bit mono PCM, one rate per sentence. */
@FunctionalInterface
public interface PcmSink {

    /** Takes {@code length} samples from {@code offset} at {@code sampleRate} Hz. */
    void accept(short[] samples, int offset, int length, int sampleRate);

    default void accept(short[] samples, int sampleRate) {
        accept(samples, 0, samples.length, sampleRate);
    }
}
