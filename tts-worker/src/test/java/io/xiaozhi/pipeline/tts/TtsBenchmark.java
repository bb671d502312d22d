package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import io.xiaozhi.pipeline.tts.audio.OpusPacketEncoder;
import io.xiaozhi.pipeline.tts.audio.StreamingResampler;
import io.xiaozhi.pipeline.tts.provider.FreeTtsVoices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Cost of the TTS worker's audio path on this machine, one thread: FreeTTS synthesis (real-time
 * factor), resampling to 24 kHz, and Opus encoding of 60 ms packets at complexities 0, 5 and 10
 * (packets per second, mean packet size, and the decoded waveform's SNR against the input as a rough
 * quality proxy). The speech is FreeTTS reading a paragraph. Not part of the test run: the name does
 * not end in Test, and it is disabled unless the {@code test} property names it. Run it with
 * {@code mvn -q -pl tts-worker test -Dtest=TtsBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "test", matches = ".*TtsBenchmark.*")
class TtsBenchmark {

    private static final String PARAGRAPH = "The weather today is mostly sunny, with a light breeze from the west. "
            + "In the afternoon, temperatures will rise to twenty four degrees. "
            + "Tomorrow brings clouds and a chance of rain in the evening, so take an umbrella if you go out. "
            + "The weekend looks warm and dry, a good time for a walk in the park or a picnic by the lake.";
    private static final int WARM_UP_PASSES = 5;
    private static final int MEASURED_PASSES = 10;

    @Test
    void audioPathCosts() throws Exception {
        short[] speech16k;
        long synthesisNanos;
        try (FreeTtsVoices voices = new FreeTtsVoices(1)) {
            voices.speak(PARAGRAPH, Duration.ofSeconds(30));
            long start = System.nanoTime();
            speech16k = voices.speak(PARAGRAPH, Duration.ofSeconds(30));
            synthesisNanos = System.nanoTime() - start;
        }
        double seconds = speech16k.length / 16_000.0;
        StreamingResampler up = new StreamingResampler(16_000, 24_000);
        short[] speech = concat(up.push(speech16k), up.finish());
        short[] speech48k = new StreamingResampler(24_000, 48_000).push(speech);
        int frames = speech.length / OpusPacketEncoder.PACKET_SAMPLES;

        System.out.printf(Locale.ROOT, "TtsBenchmark (%.1f s of FreeTTS speech, %d packets of 60 ms, one thread, %d warm-up and %d measured passes)%n",
                seconds, frames, WARM_UP_PASSES, MEASURED_PASSES);
        System.out.printf(Locale.ROOT, "  FreeTTS kevin16: %.0f ms for %.1f s of speech, real-time factor %.4f%n",
                synthesisNanos / 1e6, seconds, synthesisNanos / 1e9 / seconds);
        System.out.printf(Locale.ROOT, "  resample 16 kHz -> 24 kHz: %.2f ms per second of audio%n",
                timeResample(speech16k, 16_000) / seconds / 1e6);
        System.out.printf(Locale.ROOT, "  resample 48 kHz -> 24 kHz: %.2f ms per second of audio%n",
                timeResample(speech48k, 48_000) / (speech48k.length / 48_000.0) / 1e6);
        System.out.printf(Locale.ROOT, "  resample 44.1 kHz -> 24 kHz: %.2f ms per second of audio%n",
                timeResample(new short[44_100 * 10], 44_100) / 10 / 1e6);

        long constructStart = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            new OpusPacketEncoder(5, 24_000);
        }
        System.out.printf(Locale.ROOT, "  new encoder: %.3f ms each%n", (System.nanoTime() - constructStart) / 200 / 1e6);

        // complexities interleaved pass by pass, so a change in the machine's load hits all of them alike
        int[] complexities = {0, 5, 10};
        long[][] nanos = new long[complexities.length][MEASURED_PASSES * 2];
        List<List<byte[]>> encoded = new ArrayList<>();
        for (int pass = 0; pass < WARM_UP_PASSES * 2 + MEASURED_PASSES * 2; pass++) {
            for (int c = 0; c < complexities.length; c++) {
                OpusPacketEncoder encoder = new OpusPacketEncoder(complexities[c], 24_000);
                List<byte[]> out = new ArrayList<>(frames);
                long start = System.nanoTime();
                for (int f = 0; f < frames; f++) {
                    out.add(encoder.encode(Arrays.copyOfRange(speech, f * OpusPacketEncoder.PACKET_SAMPLES,
                            (f + 1) * OpusPacketEncoder.PACKET_SAMPLES)));
                }
                long took = System.nanoTime() - start;
                if (pass >= WARM_UP_PASSES * 2) {
                    nanos[c][pass - WARM_UP_PASSES * 2] = took;
                }
                if (encoded.size() <= c) {
                    encoded.add(out);
                }
            }
        }
        for (int c = 0; c < complexities.length; c++) {
            long[] sorted = nanos[c].clone();
            Arrays.sort(sorted);
            long median = sorted[sorted.length / 2];
            List<byte[]> packets = encoded.get(c);
            double mean = packets.stream().mapToInt(p -> p.length).average().orElse(0);
            System.out.printf(Locale.ROOT, "  Opus complexity %2d: %5.0f packets/s (median pass; best %5.0f), %.1f ms per second of audio, "
                            + "%.0f bytes per packet, waveform SNR %.1f dB%n",
                    complexities[c], frames / (median / 1e9), frames / (sorted[0] / 1e9), median / seconds / 1e6, mean,
                    snr(speech, packets));
            assertThat(packets).hasSize(frames);
        }
    }

    private static long timeResample(short[] input, int rate) {
        long best = Long.MAX_VALUE;
        for (int pass = 0; pass < WARM_UP_PASSES + MEASURED_PASSES; pass++) {
            StreamingResampler resampler = new StreamingResampler(rate, 24_000);
            long start = System.nanoTime();
            for (int at = 0; at < input.length; at += 4800) {
                resampler.push(input, at, Math.min(4800, input.length - at));
            }
            resampler.finish();
            best = Math.min(best, System.nanoTime() - start);
        }
        return best;
    }

    /** SNR of the packets decoded (at 48 kHz, brought back to 24 kHz) against {@code reference}, best alignment. */
    private static double snr(short[] reference, List<byte[]> packets) {
        OpusDecoding decoder = new OpusDecoding(48_000);
        StreamingResampler down = new StreamingResampler(48_000, 24_000);
        short[] decoded = new short[0];
        for (byte[] packet : packets) {
            decoded = concat(decoded, down.push(((DecodeResult.Samples) decoder.decode(packet)).samples()));
        }
        decoded = concat(decoded, down.finish());
        double best = Double.NEGATIVE_INFINITY;
        for (int lag = 0; lag < 1200; lag++) {
            double signal = 0;
            double noise = 0;
            for (int i = 0; i + lag < decoded.length && i < reference.length; i++) {
                double d = decoded[i + lag] - reference[i];
                signal += (double) reference[i] * reference[i];
                noise += d * d;
            }
            best = Math.max(best, 10 * Math.log10(signal / Math.max(noise, 1)));
        }
        return best;
    }

    private static short[] concat(short[] a, short[] b) {
        short[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
