package io.xiaozhi.pipeline.common.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WavTest {

    @Test
    void aMonoFileRoundTrips() {
        short[] samples = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 1234};
        byte[] wav = Wav.encode(samples, 16_000);
        assertThat(wav).hasSize(44 + samples.length * 2);
        assertThat(Wav.looksLikeWav(wav)).isTrue();
        Wav.Audio audio = Wav.decode(wav);
        assertThat(audio.sampleRate()).isEqualTo(16_000);
        assertThat(audio.samples()).containsExactly(samples);
    }

    @Test
    void stereoIsMixedDownAndUnknownChunksAreSkipped() {
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + 8 + 3 + 1 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(0).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 2).putInt(24_000).putInt(96_000)
                .putShort((short) 4).putShort((short) 16);
        b.put("LIST".getBytes()).putInt(3).put(new byte[] {1, 2, 3}).put((byte) 0);
        b.put("data".getBytes()).putInt(8).putShort((short) 100).putShort((short) 300).putShort((short) -10).putShort((short) -30);
        Wav.Audio audio = Wav.decode(Arrays.copyOf(b.array(), b.position()));
        assertThat(audio.sampleRate()).isEqualTo(24_000);
        assertThat(audio.samples()).containsExactly((short) 200, (short) -20);
    }

    @Test
    void aStreamedFileWithAnOpenEndedDataLengthIsReadToItsEnd() {
        byte[] wav = Wav.encode(new short[] {5, 6, 7}, 24_000);
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(40, -1);
        assertThat(Wav.decode(wav).samples()).containsExactly((short) 5, (short) 6, (short) 7);
    }

    @Test
    void otherEncodingsAndBrokenFilesAreRefusedWithAReason() {
        byte[] floatWav = Wav.encode(new short[] {1}, 16_000);
        ByteBuffer.wrap(floatWav).order(ByteOrder.LITTLE_ENDIAN).putShort(20, (short) 3);
        assertThatThrownBy(() -> Wav.decode(floatWav)).hasMessageContaining("only 16-bit PCM");
        assertThatThrownBy(() -> Wav.decode("{\"error\":\"quota\"}".getBytes())).hasMessageContaining("not a WAV file");
        assertThatThrownBy(() -> Wav.decode(Arrays.copyOf(Wav.encode(new short[] {1}, 16_000), 30)))
                .hasMessageContaining("truncated");
        byte[] noData = Arrays.copyOf(Wav.encode(new short[0], 16_000), 36);
        assertThatThrownBy(() -> Wav.decode(noData)).hasMessageContaining("without a data chunk");
    }
}
