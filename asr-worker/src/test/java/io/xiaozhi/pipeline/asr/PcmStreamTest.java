package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PcmStreamTest {

    @Test
    void samplesAreLittleEndianBetweenThePadding() throws Exception {
        short[] pcm = {1, -2, 0x1234, Short.MIN_VALUE, Short.MAX_VALUE};
        PcmStream stream = new PcmStream(pcm, 3, () -> false);
        assertThat(stream.available()).isEqualTo(2 * (5 + 6));
        byte[] bytes = stream.readAllBytes();
        assertThat(bytes).hasSize(22);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        short[] read = new short[11];
        in.asShortBuffer().get(read);
        assertThat(read).containsExactly(0, 0, 0, 1, -2, 0x1234, Short.MIN_VALUE, Short.MAX_VALUE, 0, 0, 0);
        assertThat(stream.read()).isEqualTo(-1);
        assertThat(stream.stopped()).isFalse();
    }

    @Test
    void singleBytesAndOddSizedReadsLineUp() throws Exception {
        PcmStream stream = new PcmStream(new short[] {0x0102, 0x0304}, 0, () -> false);
        byte[] first = new byte[3];
        assertThat(stream.read(first, 0, 3)).isEqualTo(3);
        assertThat(first).containsExactly(0x02, 0x01, 0x04);
        assertThat(stream.read()).isEqualTo(0x03);
        assertThat(stream.read()).isEqualTo(-1);
    }

    @Test
    void theStreamEndsOnceStopSaysSo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        PcmStream stream = new PcmStream(new short[16_000], 0, stop::get);
        byte[] buffer = new byte[3200];
        assertThat(stream.read(buffer, 0, buffer.length)).isEqualTo(3200);
        stop.set(true);
        assertThat(stream.read(buffer, 0, buffer.length)).isEqualTo(-1);
        assertThat(stream.stopped()).isTrue();
    }
}
