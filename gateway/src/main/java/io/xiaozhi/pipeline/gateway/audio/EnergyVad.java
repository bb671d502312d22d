package io.xiaozhi.pipeline.gateway.audio;

/**
 * A cheap voice activity detector: a window is speech (probability 1) when its RMS level reaches a
 * threshold in dBFS, otherwise silence (probability 0).
 *
 * <p>It tells loud from quiet, not voice from noise: steady noise above the threshold counts as
 * speech. Use it where the Silero model is too costly or the room is known to be quiet.
 */
public final class EnergyVad implements Vad {

    /** Threshold used unless another is given; speech at a normal distance is well above it. */
    public static final double DEFAULT_THRESHOLD_DBFS = -40.0;

    private final double thresholdDbfs;
    private final PcmWindows windows = new PcmWindows(WINDOW_SAMPLES);

    /** A detector with {@link #DEFAULT_THRESHOLD_DBFS}. */
    public EnergyVad() {
        this(DEFAULT_THRESHOLD_DBFS);
    }

    /** A detector calling a window speech when its RMS level is at least {@code thresholdDbfs}. */
    public EnergyVad(double thresholdDbfs) {
        if (!(thresholdDbfs < 0.0)) {
            throw new IllegalArgumentException("threshold must be below 0 dBFS, not " + thresholdDbfs);
        }
        this.thresholdDbfs = thresholdDbfs;
    }

    /** RMS level of {@code samples} (floats in [-1, 1)) in dBFS; negative infinity for silence. */
    static double rmsDbfs(float[] samples) {
        double sum = 0;
        for (float s : samples) {
            sum += (double) s * s;
        }
        return 10.0 * Math.log10(sum / samples.length);
    }

    @Override
    public float[] feed(short[] pcm, int offset, int length) {
        float[] out = new float[windows.windowsCompletedBy(length)];
        int[] next = {0};
        windows.append(pcm, offset, length,
                window -> out[next[0]++] = rmsDbfs(window) >= thresholdDbfs ? 1f : 0f);
        return out;
    }

    @Override
    public void reset() {
        windows.clear();
    }

    @Override
    public void close() {
        windows.clear();
    }
}
