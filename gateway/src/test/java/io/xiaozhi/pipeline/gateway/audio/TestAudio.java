package io.xiaozhi.pipeline.gateway.audio;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/** Audio for tests: the JFK speech fixture, silence, white noise, and measures on samples. */
public final class TestAudio {

    static final int RATE = 16_000;

    private TestAudio() {
    }

    /** The 11 s JFK recording, 16 kHz mono (see audio/NOTICE.md in the test resources). */
    public static short[] jfk() {
        try (InputStream in = TestAudio.class.getResourceAsStream("/audio/jfk-16k-mono.pcm")) {
            if (in == null) {
                throw new IllegalStateException("test resource /audio/jfk-16k-mono.pcm is missing");
            }
            byte[] bytes = in.readAllBytes();
            short[] samples = new short[bytes.length / 2];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
            return samples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static short[] silence(int millis) {
        return new short[RATE * millis / 1000];
    }

    /** Gaussian white noise with the given RMS level in dBFS, reproducible through {@code seed}. */
    static short[] whiteNoise(int millis, double rmsDbfs, long seed) {
        Random random = new Random(seed);
        double sigma = 32768.0 * Math.pow(10.0, rmsDbfs / 20.0);
        short[] samples = new short[RATE * millis / 1000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(random.nextGaussian() * sigma)));
        }
        return samples;
    }

    public static short[] concat(short[] a, short[] b) {
        short[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RMS level in dBFS of each 512-sample window of {@code pcm}. */
    static double[] windowLevels(short[] pcm) {
        double[] levels = new double[pcm.length / Vad.WINDOW_SAMPLES];
        float[] window = new float[Vad.WINDOW_SAMPLES];
        for (int w = 0; w < levels.length; w++) {
            for (int i = 0; i < window.length; i++) {
                window[i] = pcm[w * Vad.WINDOW_SAMPLES + i] / 32768f;
            }
            levels[w] = EnergyVad.rmsDbfs(window);
        }
        return levels;
    }
}
