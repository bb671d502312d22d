package io.xiaozhi.pipeline.gateway.prompts;

import io.xiaozhi.pipeline.common.audio.Resampler;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpokenPromptsTest {

    @Test
    void everyPromptIsSpeechEncodedForTheDownlink() {
        SpokenPrompts prompts = SpokenPrompts.synthesize();
        for (SpokenPrompts.Prompt prompt : SpokenPrompts.Prompt.values()) {
            List<byte[]> packets = prompts.audio(prompt);
            // a sentence of ten or so words: two to six seconds of 60 ms packets
            assertThat(packets.size()).as(prompt.name()).isBetween(33, 100);
            // decoded at 48 kHz: Concentus's decoder at 24 kHz loses about 40 dB on packets in CELT or
            // hybrid mode (the encoder is right; devices decode with libopus)
            OpusDecoding decoder = new OpusDecoding(48_000);
            double energy = 0;
            long samples = 0;
            for (byte[] packet : packets) {
                short[] pcm = ((DecodeResult.Samples) decoder.decode(packet)).samples();
                assertThat(pcm).hasSize(2880);
                for (short s : pcm) {
                    energy += (double) s * s;
                }
                samples += pcm.length;
            }
            double rmsDbfs = 20 * Math.log10(Math.sqrt(energy / samples) / 32768.0);
            assertThat(rmsDbfs).as("speech, not silence").isGreaterThan(-40);
        }
    }

    @Test
    void concentusDecodesTwentyFourKilohertzAudioRightAtFortyEightButNotAtTwentyFour() {
        short[] tone = new short[24_000];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 24_000.0));
        }
        List<byte[]> packets = new io.xiaozhi.pipeline.common.audio.OpusEncoding(24_000).encode(tone);
        assertThat(level(packets, 48_000)).isGreaterThan(-20);
        // a known fault of the pure-Java decoder, pinned so that a fixed version is noticed
        assertThat(level(packets, 24_000)).isLessThan(-40);
    }

    private static double level(List<byte[]> packets, int rate) {
        OpusDecoding decoder = new OpusDecoding(rate);
        double energy = 0;
        long samples = 0;
        for (byte[] packet : packets.subList(2, packets.size())) {
            for (short s : ((DecodeResult.Samples) decoder.decode(packet)).samples()) {
                energy += (double) s * s;
                samples++;
            }
        }
        return 20 * Math.log10(Math.sqrt(energy / samples) / 32768.0);
    }

    @Test
    void noPromptsMeansNoAudio() {
        assertThat(SpokenPrompts.none().audio(SpokenPrompts.Prompt.BUSY)).isEmpty();
    }

    @Test
    void resamplingKeepsDurationAndShape() {
        short[] ramp = new short[1600];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (short) (i * 10);
        }
        short[] up = Resampler.resample(ramp, 16_000, 24_000);
        assertThat(up).hasSize(2400);
        assertThat(up[0]).isEqualTo((short) 0);
        assertThat(up[3]).isEqualTo((short) 20);
        assertThat(up[1500]).isEqualTo((short) 10_000);
        assertThat(Resampler.resample(ramp, 16_000, 16_000)).isEqualTo(ramp).isNotSameAs(ramp);
    }
}
