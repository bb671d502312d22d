package io.xiaozhi.pipeline.gateway.audio;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;

import io.xiaozhi.pipeline.common.audio.OpusDecoding;

import io.xiaozhi.pipeline.common.audio.DecodeResult;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Cost per device of the uplink audio path on this machine: one Silero window (32 ms of audio),
 * one energy window, and one Opus packet decode (60 ms of audio), timed one call at a time over the
 * JFK recording after warm-up. Not part of the test run: the name does not end in Test, and it is
 * disabled unless the {@code test} property names it, so a wildcard such as
 * {@code -Dtest='io.xiaozhi.pipeline.gateway.**'} skips it too. Run it with
 * {@code mvn -q -pl gateway -am test -Dtest=VadBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "test", matches = ".*VadBenchmark.*")
class VadBenchmark {

    private static final int WARM_UP_PASSES = 20;
    private static final int MEASURED_PASSES = 20;

    @Test
    void timePerWindowAndPerPacket() {
        short[] speech = TestAudio.jfk();
        int windows = speech.length / Vad.WINDOW_SAMPLES;

        long[] silero;
        try (SileroModel model = SileroModel.load(); SileroVad vad = model.newVad()) {
            silero = timeWindows(vad, speech, windows);
        }
        long[] energy;
        try (EnergyVad vad = new EnergyVad()) {
            energy = timeWindows(vad, speech, windows);
        }
        List<byte[]> packets = new OpusEncoding(16_000).encode(speech);
        long[] decode = timeDecodes(packets);

        System.out.println("VadBenchmark (JFK 11 s, " + WARM_UP_PASSES + " warm-up passes, "
                + MEASURED_PASSES + " measured, one call at a time, one thread)");
        report("Silero VAD v5, per 32 ms window", silero);
        report("Energy VAD, per 32 ms window", energy);
        report("Opus decode 16 kHz, per 60 ms packet", decode);

        assertThat(silero).hasSize(windows * MEASURED_PASSES);
        assertThat(decode).hasSize(packets.size() * MEASURED_PASSES);
    }

    private static long[] timeWindows(Vad vad, short[] speech, int windows) {
        long[] nanos = new long[windows * MEASURED_PASSES];
        for (int pass = 0; pass < WARM_UP_PASSES + MEASURED_PASSES; pass++) {
            vad.reset();
            for (int w = 0; w < windows; w++) {
                long start = System.nanoTime();
                float[] p = vad.feed(speech, w * Vad.WINDOW_SAMPLES, Vad.WINDOW_SAMPLES);
                long took = System.nanoTime() - start;
                if (p.length != 1) {
                    throw new IllegalStateException("expected one window, got " + p.length);
                }
                if (pass >= WARM_UP_PASSES) {
                    nanos[(pass - WARM_UP_PASSES) * windows + w] = took;
                }
            }
        }
        return nanos;
    }

    private static long[] timeDecodes(List<byte[]> packets) {
        long[] nanos = new long[packets.size() * MEASURED_PASSES];
        for (int pass = 0; pass < WARM_UP_PASSES + MEASURED_PASSES; pass++) {
            OpusDecoding decoder = new OpusDecoding();
            for (int i = 0; i < packets.size(); i++) {
                long start = System.nanoTime();
                DecodeResult result = decoder.decode(packets.get(i));
                long took = System.nanoTime() - start;
                if (!(result instanceof DecodeResult.Samples)) {
                    throw new IllegalStateException("packet " + i + " did not decode: " + result);
                }
                if (pass >= WARM_UP_PASSES) {
                    nanos[(pass - WARM_UP_PASSES) * packets.size() + i] = took;
                }
            }
        }
        return nanos;
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "  %-38s median %.3f ms, p99 %.3f ms, max %.3f ms (n = %d)%n",
                what, sorted[sorted.length / 2] / 1e6, sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6,
                sorted[sorted.length - 1] / 1e6, sorted.length);
    }
}
