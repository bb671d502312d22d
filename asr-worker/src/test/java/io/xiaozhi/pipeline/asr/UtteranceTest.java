package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class UtteranceTest {

    private static short[] tone(int millis) {
        short[] pcm = new short[16 * millis];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
        }
        return pcm;
    }

    @Test
    void packetsDecodeInOrderTo16kHzPcm() {
        List<byte[]> packets = TestSpeech.packets(tone(600));
        Utterance utterance = Utterance.decode(AudioFrames.encode(packets));
        assertThat(utterance.packets()).isEqualTo(10);
        assertThat(utterance.undecodable()).isZero();
        assertThat(utterance.pcm()).hasSize(10 * 960);
        assertThat(utterance.seconds()).isEqualTo(0.6);
        // the decoded tone has its energy, not silence
        double rms = Math.sqrt(Arrays.stream(toInts(utterance.pcm())).mapToDouble(s -> (double) s * s).average().orElse(0));
        assertThat(rms).isGreaterThan(2000);
    }

    @Test
    void undecodablePacketsAreSkippedAndCounted() {
        List<byte[]> packets = new ArrayList<>(TestSpeech.packets(tone(300)));
        packets.addAll(2, TestSpeech.garbagePackets(3));
        Utterance utterance = Utterance.decode(AudioFrames.encode(packets));
        assertThat(utterance.packets()).isEqualTo(8);
        assertThat(utterance.undecodable()).isEqualTo(3);
        assertThat(utterance.firstProblem()).isNotBlank();
        assertThat(utterance.pcm()).hasSize(5 * 960);
    }

    @Test
    void aPayloadOfNoPacketsIsNoAudio() {
        Utterance utterance = Utterance.decode(AudioFrames.encode(List.of()));
        assertThat(utterance.pcm()).isEmpty();
        assertThat(utterance.packets()).isZero();
    }

    @Test
    void aTruncatedPayloadIsRefusedSayingWhere() {
        byte[] payload = AudioFrames.encode(TestSpeech.packets(tone(300)));
        byte[] truncated = Arrays.copyOf(payload, payload.length - 10);
        assertThatThrownBy(() -> Utterance.decode(truncated)).isInstanceOf(EnvelopeException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Utterance.decode(new byte[0])).isInstanceOf(EnvelopeException.class).hasMessageContaining("empty");
    }

    private static int[] toInts(short[] pcm) {
        int[] out = new int[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            out[i] = pcm[i];
        }
        return out;
    }
}
