package io.xiaozhi.pipeline.gateway.audio;

import java.util.Arrays;

/**
 * Cuts a stream of 16-bit PCM chunks of any size into fixed windows of float samples in [-1, 1),
 * keeping an incomplete window for the next chunk.
 */
final class PcmWindows {

    /** Receives each completed window; the array is reused after the call returns. */
    @FunctionalInterface
    interface WindowSink {
        void window(float[] samples);
    }

    private final float[] window;
    private int filled;

    PcmWindows(int windowSamples) {
        this.window = new float[windowSamples];
    }

    /** Appends samples and hands each window they complete to {@code sink}; returns how many. */
    int append(short[] pcm, int offset, int length, WindowSink sink) {
        if (offset < 0 || length < 0 || offset + length > pcm.length) {
            throw new IndexOutOfBoundsException(
                    "offset " + offset + ", length " + length + " outside " + pcm.length + " samples");
        }
        int completed = 0;
        for (int i = offset; i < offset + length; i++) {
            window[filled++] = pcm[i] / 32768f;
            if (filled == window.length) {
                sink.window(window);
                filled = 0;
                completed++;
            }
        }
        return completed;
    }

    /** Number of windows that {@code length} more samples would complete. */
    int windowsCompletedBy(int length) {
        return (filled + length) / window.length;
    }

    /** Drops the incomplete window. */
    void clear() {
        filled = 0;
        Arrays.fill(window, 0f);
    }
}
