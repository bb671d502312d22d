package io.xiaozhi.pipeline.tts.audio;

/**
 * Converts 16-bit mono PCM from one sample rate to another as it arrives, raising or lowering the
 * rate through a windowed-sinc low-pass filter (polyphase, Kaiser window), so that lowering a rate
 * (44.1 or 48 kHz to 24 kHz) does not alias and raising it (16 to 24 kHz) adds no images.
 *
 * <p>The rates are reduced to a ratio {@code up / down} (48 000 → 24 000 is 1/2, 16 000 → 24 000 is
 * 3/2, 44 100 → 24 000 is 80/147); output sample {@code n} is the filtered input at time
 * {@code n × down / up}. The pass band ends at 45 % of the lower of the two rates. The output does not
 * depend on how the input is split into calls: the same samples give the same output, which keeps a
 * sentence's audio identical when it is synthesized again. {@link #finish()} flushes the filter's
 * look-ahead; in all, {@code ceil(inputSamples × up / down)} samples come out.
 *
 * <p>One instance per stream; not thread-safe.
 */
public final class StreamingResampler {

    /** Largest {@code up} factor accepted: bounds the filter table (a rate such as 24 001 Hz is refused). */
    static final int MAX_UP = 1_000;
    /** Zero crossings of the sinc on each side of the centre. */
    private static final int ZERO_CROSSINGS = 16;
    /** Pass band as a share of the lower rate's Nyquist frequency. */
    private static final double ROLLOFF = 0.9;
    private static final double KAISER_BETA = 8.0;

    private final int fromRate;
    private final int toRate;
    private final int up;
    private final int down;
    private final int delay;
    private final int taps;
    /** {@code phases[p][k]}: the coefficient applied to input {@code base - k} in phase {@code p}. */
    private final float[][] phases;

    private float[] buffer = new float[4096];
    /** Absolute index of {@code buffer[0]}. */
    private long bufferStart;
    private int buffered;
    private long received;
    private long produced;
    private boolean finished;

    public StreamingResampler(int fromRate, int toRate) {
        if (fromRate < 1_000 || fromRate > 384_000 || toRate < 1_000 || toRate > 384_000) {
            throw new IllegalArgumentException("sample rates must be 1000..384000 Hz, not " + fromRate + " → " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        int gcd = gcd(fromRate, toRate);
        this.up = toRate / gcd;
        this.down = fromRate / gcd;
        if (up > MAX_UP) {
            throw new IllegalArgumentException("cannot convert " + fromRate + " Hz to " + toRate + " Hz: the ratio "
                    + up + "/" + down + " needs a filter of more than " + MAX_UP + " phases");
        }
        if (fromRate == toRate) {
            this.delay = 0;
            this.taps = 1;
            this.phases = new float[][] {{1f}};
        } else {
            // cut-off in cycles per sample of the input raised by `up`
            double cutoff = 0.5 * ROLLOFF * Math.min(fromRate, toRate) / ((double) up * fromRate);
            this.delay = (int) Math.ceil(ZERO_CROSSINGS / (2 * cutoff));
            int length = 2 * delay + 1;
            this.taps = (length + up - 1) / up;
            this.phases = new float[up][taps];
            double i0Beta = besselI0(KAISER_BETA);
            for (int p = 0; p < up; p++) {
                double sum = 0;
                double[] row = new double[taps];
                for (int k = 0; k < taps; k++) {
                    int j = p + k * up;
                    if (j >= length) {
                        continue;
                    }
                    double t = j - delay;
                    double x = 2 * cutoff * t;
                    double sinc = t == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
                    double r = t / (delay + 1);
                    double window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
                    row[k] = sinc * window;
                    sum += row[k];
                }
                // every phase passes DC at unit gain
                for (int k = 0; k < taps; k++) {
                    phases[p][k] = (float) (row[k] / sum);
                }
            }
        }
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** Input samples of look-ahead the filter needs before an output sample can be computed. */
    public int lookAhead() {
        return (delay + up - 1) / up;
    }

    /** Takes {@code length} samples and returns the output samples they complete (possibly none). */
    public short[] push(short[] samples, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("the stream was finished");
        }
        if (fromRate == toRate) {
            received += length;
            produced += length;
            short[] copy = new short[length];
            System.arraycopy(samples, offset, copy, 0, length);
            return copy;
        }
        append(samples, offset, length);
        return drain();
    }

    public short[] push(short[] samples) {
        return push(samples, 0, samples.length);
    }

    /** Ends the stream: returns the samples still held in the filter's look-ahead. */
    public short[] finish() {
        if (finished) {
            return new short[0];
        }
        finished = true;
        if (fromRate == toRate) {
            return new short[0];
        }
        return drain();
    }

    /** Output samples a stream of {@code inputSamples} yields in all. */
    public long outputLength(long inputSamples) {
        return (inputSamples * up + down - 1) / down;
    }

    private void append(short[] samples, int offset, int length) {
        if (buffered + length > buffer.length) {
            float[] grown = new float[Math.max(buffer.length * 2, buffered + length)];
            System.arraycopy(buffer, 0, grown, 0, buffered);
            buffer = grown;
        }
        for (int i = 0; i < length; i++) {
            buffer[buffered + i] = samples[offset + i];
        }
        buffered += length;
        received += length;
    }

    private short[] drain() {
        long total = finished ? outputLength(received) : Long.MAX_VALUE;
        int count = 0;
        short[] out = new short[16];
        while (produced < total) {
            long t = produced * down + delay;
            long base = t / up;
            if (!finished && base >= received) {
                break;
            }
            float[] coefficients = phases[(int) (t % up)];
            double sum = 0;
            for (int k = 0; k < taps; k++) {
                long index = base - k;
                if (index < bufferStart) {
                    break;
                }
                if (index < received) {
                    sum += coefficients[k] * buffer[(int) (index - bufferStart)];
                }
            }
            if (count == out.length) {
                short[] grown = new short[out.length * 2];
                System.arraycopy(out, 0, grown, 0, count);
                out = grown;
            }
            out[count++] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(sum)));
            produced++;
        }
        discardBefore((produced * down + delay) / up - (taps - 1));
        short[] result = new short[count];
        System.arraycopy(out, 0, result, 0, count);
        return result;
    }

    /** Drops buffered input before absolute index {@code index}: no later output needs it. */
    private void discardBefore(long index) {
        int drop = (int) Math.min(buffered, Math.max(0, index - bufferStart));
        if (drop > 0) {
            System.arraycopy(buffer, drop, buffer, 0, buffered - drop);
            buffered -= drop;
            bufferStart += drop;
        }
    }

    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        for (int k = 1; k < 50; k++) {
            term *= (x / (2 * k)) * (x / (2 * k));
            sum += term;
            if (term < sum * 1e-12) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
