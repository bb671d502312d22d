package io.xiaozhi.pipeline.gateway.audio;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;

import io.xiaozhi.pipeline.common.audio.OpusDecoding;

import io.xiaozhi.pipeline.common.audio.DecodeResult;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpusDecodingTest {

    private final OpusDecoding decoder = new OpusDecoding();

    @Test
    void emptyPacketIsUndecodable() {
        assertThat(decoder.decode(new byte[0])).isInstanceOf(DecodeResult.Undecodable.class);
        assertThat(decoder.decode(null)).isInstanceOf(DecodeResult.Undecodable.class);
    }

    @Test
    void packetWithZeroFramesIsUndecodable() {
        // TOC code 3 (arbitrary frame count) followed by a count of 0 frames.
        DecodeResult result = decoder.decode(new byte[] {(byte) 0x0B, 0x00});
        assertThat(result).isInstanceOfSatisfying(DecodeResult.Undecodable.class,
                u -> assertThat(u.reason()).isNotBlank());
    }

    @Test
    void packetWhoseFrameLengthOverrunsItIsUndecodable() {
        // TOC code 2 (two frames of different sizes); the first is said to be 200 bytes long.
        assertThat(decoder.decode(new byte[] {(byte) 0x0A, (byte) 200, 1, 2, 3}))
                .isInstanceOf(DecodeResult.Undecodable.class);
    }

    @Test
    void packetLongerThan120msIsUndecodable() {
        // Code 3 with 3 frames of 60 ms: 180 ms, beyond what one Opus packet may carry.
        assertThat(decoder.decode(new byte[] {(byte) 0x1B, 0x03, 0, 0, 0}))
                .isInstanceOf(DecodeResult.Undecodable.class);
    }

    @Test
    void decoderKeepsWorkingAfterABadPacket() {
        List<byte[]> packets = new OpusEncoding(16_000).encode(TestAudio.whiteNoise(180, -20, 1));
        assertThat(decoder.decode(packets.get(0))).isInstanceOf(DecodeResult.Samples.class);
        assertThat(decoder.decode(new byte[] {(byte) 0x0B, 0x00})).isInstanceOf(DecodeResult.Undecodable.class);
        assertThat(decoder.decode(packets.get(1)))
                .isInstanceOfSatisfying(DecodeResult.Samples.class, s -> assertThat(s.samples()).hasSize(960));
    }
}
