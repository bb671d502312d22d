package io.xiaozhi.pipeline.gateway.audio;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;

import io.xiaozhi.pipeline.common.audio.OpusDecoding;

import io.xiaozhi.pipeline.common.audio.DecodeResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpusRoundTripTest {

    @Test
    void jfkSpeechSurvivesOpusAt16kHzIn60msPackets() {
        short[] speech = TestAudio.jfk();
        OpusEncoding encoder = new OpusEncoding(16_000);
        List<byte[]> packets = encoder.encode(speech);

        assertThat(packets).hasSize((speech.length + 959) / 960);

        OpusDecoding decoder = new OpusDecoding();
        short[] decoded = new short[packets.size() * 960];
        int at = 0;
        for (byte[] packet : packets) {
            DecodeResult result = decoder.decode(packet);
            assertThat(result).isInstanceOf(DecodeResult.Samples.class);
            short[] samples = ((DecodeResult.Samples) result).samples();
            assertThat(samples).hasSize(960);
            System.arraycopy(samples, 0, decoded, at, samples.length);
            at += samples.length;
        }

        // The codec delays its output by its look-ahead; compare at the best alignment.
        double best = 0;
        int bestLag = -1;
        for (int lag = 0; lag <= 960; lag++) {
            double c = correlation(speech, decoded, lag);
            if (c > best) {
                best = c;
                bestLag = lag;
            }
        }
        assertThat(bestLag).isBetween(1, 240);
        assertThat(best).isGreaterThan(0.9);
    }

    @Test
    void downlinkPacketsAt24kHzCarry60ms() {
        short[] tone = new short[24_000];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 24_000.0));
        }
        List<byte[]> packets = new OpusEncoding(24_000).encode(tone);
        assertThat(packets).hasSize(17);

        OpusDecoding decoder = new OpusDecoding(24_000);
        for (byte[] packet : packets) {
            assertThat(decoder.decode(packet))
                    .isInstanceOfSatisfying(DecodeResult.Samples.class, s -> assertThat(s.samples()).hasSize(1440));
        }
    }

    @Test
    void rejectsRatesOpusDoesNotHaveAndWrongPacketSizes() {
        assertThatThrownBy(() -> new OpusEncoding(22_050)).hasMessageContaining("22050");
        assertThatThrownBy(() -> new OpusDecoding(44_100)).hasMessageContaining("44100");
        assertThatThrownBy(() -> new OpusEncoding(16_000).encodePacket(new short[320]))
                .hasMessageContaining("960");
    }

    private static double correlation(short[] reference, short[] decoded, int lag) {
        double xy = 0;
        double xx = 0;
        double yy = 0;
        for (int i = 0; i < reference.length && i + lag < decoded.length; i++) {
            double x = reference[i];
            double y = decoded[i + lag];
            xy += x * y;
            xx += x * x;
            yy += y * y;
        }
        return xy / Math.sqrt(xx * yy);
    }
}
