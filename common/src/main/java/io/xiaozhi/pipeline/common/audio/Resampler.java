package io.xiaozhi.pipeline.common.audio;

/**
 * Changes the sample rate of speech by linear interpolation. Meant for raising 16 kHz speech to the
 * 24 kHz downlink, where it adds no aliasing; lowering a rate this way would alias.
 */
public final class Resampler {

    private Resampler() {
    }

    public static short[] resample(short[] in, int fromRate, int toRate) {
        if (fromRate == toRate || in.length == 0) {
            return in.clone();
        }
        int outLength = (int) ((long) in.length * toRate / fromRate);
        short[] out = new short[outLength];
        double step = (double) fromRate / toRate;
        for (int i = 0; i < outLength; i++) {
            double position = i * step;
            int left = (int) position;
            int right = Math.min(left + 1, in.length - 1);
            double fraction = position - left;
            out[i] = (short) Math.round(in[left] * (1 - fraction) + in[right] * fraction);
        }
        return out;
    }
}
