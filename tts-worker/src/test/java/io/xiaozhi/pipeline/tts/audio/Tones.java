package io.xiaozhi.pipeline.tts.audio;

/** Test signals. */
final class Tones {

    private Tones() {
    }

    /** {@code seconds} of a sine of {@code hertz} at {@code rate}, amplitude {@code amplitude}. */
    static short[] sine(double hertz, int rate, double seconds, double amplitude) {
        short[] out = new short[(int) Math.round(seconds * rate)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hertz * i / rate));
        }
        return out;
    }

    /** RMS of {@code pcm[from, to)}. */
    static double rms(short[] pcm, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) pcm[i] * pcm[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    static short[] concat(short[]... parts) {
        int length = 0;
        for (short[] part : parts) {
            length += part.length;
        }
        short[] out = new short[length];
        int at = 0;
        for (short[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
