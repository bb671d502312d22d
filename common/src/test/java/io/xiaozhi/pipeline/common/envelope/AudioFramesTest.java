package io.xiaozhi.pipeline.common.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AudioFramesTest {

    @Test
    void roundTripsPacketsOfEverySize() {
        Random random = new Random(42);
        List<byte[]> packets = new ArrayList<>();
        for (int length : new int[] {1, 127, 128, 300, 1275, AudioFrames.MAX_PACKET_BYTES}) {
            byte[] packet = new byte[length];
            random.nextBytes(packet);
            packets.add(packet);
        }
        assertThat(AudioFrames.decode(AudioFrames.encode(packets))).containsExactlyElementsOf(packets);
        assertThat(AudioFrames.decode(AudioFrames.encode(List.of()))).isEmpty();
    }

    @Test
    void framingCostsOneOrTwoBytesAPacket() {
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            packets.add(new byte[120]);
        }
        // version + 2-byte count + 1000 × (1-byte length + 120)
        assertThat(AudioFrames.encode(packets)).hasSize(1 + 2 + 1000 * 121);
    }

    @Test
    void malformedPayloadsAreRejectedWithTheReason() {
        byte[] good = AudioFrames.encode(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5}));
        assertThatThrownBy(() -> AudioFrames.decode(new byte[0])).hasMessage("audio payload is empty");
        assertThatThrownBy(() -> AudioFrames.decode(new byte[] {9, 0})).hasMessage("audio payload has version 9; this build reads version 1");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> AudioFrames.decode(truncated)).isInstanceOf(EnvelopeException.class)
                .hasMessage("audio payload is truncated: packet 1 needs 2 bytes at offset 7, 1 left");
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 2);
        assertThatThrownBy(() -> AudioFrames.decode(trailing)).hasMessage("audio payload has 2 bytes after its last packet");
        assertThatThrownBy(() -> AudioFrames.decode(new byte[] {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1}))
                .hasMessageContaining("malformed length");
        assertThatThrownBy(() -> AudioFrames.decode(new byte[] {1, (byte) 0xFF, (byte) 0xFF, 0x7F}))
                .hasMessageContaining("claims 2097151 packets");
        assertThatThrownBy(() -> AudioFrames.decode(new byte[] {1, 1, 0})).hasMessageContaining("packet 0 claims 0 bytes");
    }

    @Test
    void randomGarbageNeverEscapesAsAnythingButAnEnvelopeException() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && random.nextBoolean()) {
                garbage[0] = AudioFrames.VERSION;
            }
            try {
                AudioFrames.decode(garbage);
            } catch (EnvelopeException expected) {
                // the only failure allowed
            }
        }
    }

    @Test
    void encodingRefusesEmptyOrOversizedPackets() {
        assertThatThrownBy(() -> AudioFrames.encode(List.of(new byte[0]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AudioFrames.encode(List.of(new byte[AudioFrames.MAX_PACKET_BYTES + 1]))).isInstanceOf(IllegalArgumentException.class);
    }
}
