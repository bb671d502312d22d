package io.xiaozhi.pipeline.tts.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StreamingResamplerTest {

    private static short[] convert(int from, int to, short[] input) {
        StreamingResampler resampler = new StreamingResampler(from, to);
        return Tones.concat(resampler.push(input), resampler.finish());
    }

    @ParameterizedTest(name = "{0} Hz")
    @ValueSource(ints = {8_000, 16_000, 22_050, 24_000, 44_100, 48_000})
    void theOutputDoesNotDependOnHowTheInputIsSplit(int from) {
        short[] input = Tones.concat(Tones.sine(440, from, 0.3, 8000), Tones.sine(2500, from, 0.2, 5000));
        short[] whole = convert(from, 24_000, input);

        StreamingResampler pieces = new StreamingResampler(from, 24_000);
        Random random = new Random(7);
        short[] out = new short[0];
        for (int at = 0; at < input.length; ) {
            int length = Math.min(input.length - at, random.nextInt(700));
            out = Tones.concat(out, pieces.push(input, at, length));
            at += length;
        }
        out = Tones.concat(out, pieces.finish());

        assertThat(out).isEqualTo(whole);
        assertThat((long) whole.length).isEqualTo(pieces.outputLength(input.length))
                .isEqualTo((long) Math.ceil(input.length * 24_000.0 / from));
    }

    @ParameterizedTest(name = "{0} Hz → {1} Hz")
    @CsvSource({"16000, 24000", "44100, 24000", "48000, 24000", "22050, 24000", "8000, 24000"})
    void aToneInThePassBandKeepsItsLevelAndTiming(int from, int to) {
        short[] out = convert(from, to, Tones.sine(1000, from, 0.5, 10_000));
        short[] ideal = Tones.sine(1000, to, 0.5, 10_000);
        int margin = to / 20;
        double error = 0;
        for (int i = margin; i < ideal.length - margin; i++) {
            error += Math.pow(out[i] - ideal[i], 2);
        }
        double errorRms = Math.sqrt(error / (ideal.length - 2 * margin));
        assertThat(Tones.rms(out, margin, ideal.length - margin) / Tones.rms(ideal, margin, ideal.length - margin))
                .as("gain").isBetween(0.98, 1.02);
        assertThat(errorRms / Tones.rms(ideal, margin, ideal.length - margin)).as("error against the ideal tone, aligned in time")
                .isLessThan(0.01);
    }

    @ParameterizedTest(name = "{0} Hz → 24 kHz, {1} Hz")
    @CsvSource({"48000, 15000", "48000, 20000", "44100, 13000", "44100, 18000"})
    void aToneAboveTheNewNyquistFrequencyDoesNotAlias(int from, int hertz) {
        short[] out = convert(from, 24_000, Tones.sine(hertz, from, 0.5, 10_000));
        int margin = 1200;
        assertThat(20 * Math.log10(Tones.rms(out, margin, out.length - margin) / (10_000 / Math.sqrt(2))))
                .as("level of what is left, dB").isLessThan(-50);
    }

    @Test
    void raisingSixteenKilohertzLeavesNoImages() {
        // a 7 kHz tone at 16 kHz has its image at 9 kHz once raised to 24 kHz
        short[] out = convert(16_000, 24_000, Tones.sine(7000, 16_000, 0.5, 10_000));
        int margin = 1200;
        double image = goertzel(out, margin, out.length - margin, 9000, 24_000);
        double tone = goertzel(out, margin, out.length - margin, 7000, 24_000);
        assertThat(20 * Math.log10(image / tone)).as("image against tone, dB").isLessThan(-40);
    }

    @Test
    void equalRatesPassThrough() {
        short[] input = Tones.sine(440, 24_000, 0.1, 1000);
        StreamingResampler resampler = new StreamingResampler(24_000, 24_000);
        assertThat(resampler.push(input)).isEqualTo(input);
        assertThat(resampler.finish()).isEmpty();
    }

    @Test
    void clipsInsteadOfWrappingAround() {
        short[] square = new short[4800];
        for (int i = 0; i < square.length; i++) {
            square[i] = (i / 40) % 2 == 0 ? Short.MAX_VALUE : Short.MIN_VALUE;
        }
        short[] out = convert(48_000, 24_000, square);
        // a full-scale square wave overshoots once filtered: the overshoot is clipped, no sample wraps around
        boolean clipped = false;
        for (int i = 100; i < out.length - 100; i++) {
            int phase = (i * 2) % 80;
            if (phase >= 8 && phase <= 32) {
                assertThat(out[i]).as("sample " + i + " of a positive half").isPositive();
            }
            clipped |= out[i] == Short.MAX_VALUE;
        }
        assertThat(clipped).isTrue();
    }

    @Test
    void rejectsRatiosItCannotTabulate() {
        assertThatThrownBy(() -> new StreamingResampler(24_001, 24_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("24001 Hz");
        assertThatThrownBy(() -> new StreamingResampler(500, 24_000)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Magnitude of {@code hertz} in {@code pcm[from, to)}. */
    private static double goertzel(short[] pcm, int from, int to, double hertz, int rate) {
        double w = 2 * Math.PI * hertz / rate;
        double coefficient = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < to; i++) {
            double s = pcm[i] + coefficient * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        return Math.sqrt(s1 * s1 + s2 * s2 - coefficient * s1 * s2);
    }
}
