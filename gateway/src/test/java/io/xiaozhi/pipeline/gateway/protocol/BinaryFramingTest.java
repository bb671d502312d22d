package io.xiaozhi.pipeline.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryFramingTest {

    private static final byte[] OPUS = {0x58, 0x01, (byte) 0xFF, 0x00, 0x7F};

    @ParameterizedTest
    @CsvSource(value = {"1,1", "2,2", "3,3", " 3 ,3", "0,1", "4,1", "abc,1", "'',1", "NULL,1"}, nullValues = "NULL")
    void handshakeValueChoosesTheFraming(String header, int expected) {
        assertThat(BinaryFraming.forHandshake(header).version()).isEqualTo(expected);
    }

    @Test
    void versionNumberChoosesTheFraming() {
        assertThat(BinaryFraming.forVersion(2).version()).isEqualTo(2);
        assertThat(BinaryFraming.forVersion(3).version()).isEqualTo(3);
        assertThat(BinaryFraming.forVersion(7).version()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void audioRoundTrips(int version) {
        BinaryFraming framing = BinaryFraming.forVersion(version);
        byte[] frame = framing.encodeAudio(OPUS, 1234);
        DecodedFrame decoded = framing.decode(frame);
        assertThat(decoded).isInstanceOf(DecodedFrame.AudioPacket.class);
        DecodedFrame.AudioPacket audio = (DecodedFrame.AudioPacket) decoded;
        assertThat(audio.opus()).containsExactly(OPUS);
        assertThat(audio.timestampMs()).isEqualTo(version == 2 ? 1234 : 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void largestPacketRoundTrips(int version) {
        BinaryFraming framing = BinaryFraming.forVersion(version);
        byte[] opus = new byte[BinaryFraming.MAX_AUDIO_PAYLOAD];
        opus[opus.length - 1] = 9;
        DecodedFrame decoded = framing.decode(framing.encodeAudio(opus, 0));
        assertThat(((DecodedFrame.AudioPacket) decoded).opus()).containsExactly(opus);
    }

    @Test
    void v1IsTheRawPacket() {
        assertThat(BinaryFraming.forVersion(1).encodeAudio(OPUS, 99)).containsExactly(OPUS);
    }

    @Test
    void v2HeaderIsBigEndian() {
        byte[] frame = BinaryFraming.forVersion(2).encodeAudio(OPUS, 0x01020304L);
        assertThat(frame).hasSize(16 + OPUS.length);
        assertThat(frame).startsWith(0, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 5);
    }

    @Test
    void v2TimestampWrapsAt32Bits() {
        BinaryFraming framing = BinaryFraming.forVersion(2);
        DecodedFrame decoded = framing.decode(framing.encodeAudio(OPUS, (1L << 32) + 7));
        assertThat(((DecodedFrame.AudioPacket) decoded).timestampMs()).isEqualTo(7);
        DecodedFrame high = framing.decode(framing.encodeAudio(OPUS, 0xFFFF_FFFFL));
        assertThat(((DecodedFrame.AudioPacket) high).timestampMs()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void v3HeaderIsBigEndian() {
        byte[] frame = BinaryFraming.forVersion(3).encodeAudio(new byte[300], 0);
        assertThat(frame).hasSize(304).startsWith(0, 0, 1, 44);
    }

    @Test
    void decodingReadsFromPositionAndLeavesTheBufferAlone() {
        byte[] frame = BinaryFraming.forVersion(3).encodeAudio(OPUS, 0);
        ByteBuffer buffer = ByteBuffer.allocate(frame.length + 3);
        buffer.put(new byte[] {9, 9}).put(frame).put((byte) 9).flip();
        buffer.position(2).limit(2 + frame.length);
        DecodedFrame decoded = BinaryFraming.forVersion(3).decode(buffer);
        assertThat(((DecodedFrame.AudioPacket) decoded).opus()).containsExactly(OPUS);
        assertThat(buffer.position()).isEqualTo(2);
        assertThat(buffer.limit()).isEqualTo(2 + frame.length);
    }

    @Test
    void decodedPacketDoesNotShareTheInput() {
        byte[] frame = OPUS.clone();
        DecodedFrame.AudioPacket audio = (DecodedFrame.AudioPacket) BinaryFraming.forVersion(1).decode(frame);
        frame[0] = 0;
        assertThat(audio.opus()[0]).isEqualTo(OPUS[0]);
    }

    @Test
    void v2CarriesJson() {
        byte[] json = "{\"type\":\"ping\",\"text\":\"你好\"}".getBytes(StandardCharsets.UTF_8);
        DecodedFrame decoded = BinaryFraming.forVersion(2).decode(v2(2, 1, 55, json.length, json));
        assertThat(decoded).isEqualTo(new DecodedFrame.JsonText("{\"type\":\"ping\",\"text\":\"你好\"}"));
        assertThat(new DeviceMessageParser().parse(((DecodedFrame.JsonText) decoded).json()))
                .isEqualTo(ParseResult.ok(new DeviceMessage.Ping("")));
    }

    @Test
    void v2JsonThatIsNotUtf8IsBad() {
        byte[] payload = {'{', (byte) 0xC3, (byte) 0x28, '}'};
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 1, 0, payload.length, payload)), BadInputReason.BINARY_JSON_INVALID);
    }

    @Test
    void v2JsonMayBeLargerThanAudio() {
        byte[] payload = ("\"" + "a".repeat(10_000) + "\"").getBytes(StandardCharsets.UTF_8);
        assertThat(BinaryFraming.forVersion(2).decode(v2(2, 1, 0, payload.length, payload))).isInstanceOf(DecodedFrame.JsonText.class);
    }

    @Test
    void v2ReservedFieldIsIgnored() {
        ByteBuffer frame = ByteBuffer.wrap(BinaryFraming.forVersion(2).encodeAudio(OPUS, 5));
        frame.putInt(4, 0xDEADBEEF);
        assertThat(BinaryFraming.forVersion(2).decode(frame)).isInstanceOf(DecodedFrame.AudioPacket.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void emptyFrameIsBad(int version) {
        assertBad(BinaryFraming.forVersion(version).decode(new byte[0]), BadInputReason.EMPTY_FRAME);
        assertBad(BinaryFraming.forVersion(version).decode((byte[]) null), BadInputReason.EMPTY_FRAME);
        assertBad(BinaryFraming.forVersion(version).decode((ByteBuffer) null), BadInputReason.EMPTY_FRAME);
    }

    @Test
    void headerWithEmptyPayloadIsBad() {
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0, 0, 0, new byte[0])), BadInputReason.EMPTY_FRAME);
        assertBad(BinaryFraming.forVersion(3).decode(new byte[] {0, 0, 0, 0}), BadInputReason.EMPTY_FRAME);
    }

    @Test
    void v1FrameOverTheMaximumIsBad() {
        assertBad(BinaryFraming.forVersion(1).decode(new byte[BinaryFraming.MAX_AUDIO_PAYLOAD + 1]), BadInputReason.FRAME_TOO_LARGE);
    }

    @Test
    void v2AudioOverTheMaximumIsBad() {
        int size = BinaryFraming.MAX_AUDIO_PAYLOAD + 1;
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0, 0, size, new byte[size])), BadInputReason.FRAME_TOO_LARGE);
    }

    @Test
    void v2FrameOverTheJsonMaximumIsBad() {
        int size = BinaryFraming.MAX_JSON_PAYLOAD + 1;
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 1, 0, size, new byte[size])), BadInputReason.FRAME_TOO_LARGE);
    }

    @Test
    void v3FrameOverTheMaximumIsBad() {
        int size = BinaryFraming.MAX_AUDIO_PAYLOAD + 1;
        assertBad(BinaryFraming.forVersion(3).decode(v3(0, size, new byte[size])), BadInputReason.FRAME_TOO_LARGE);
    }

    @Test
    void truncatedHeadersAreBad() {
        assertBad(BinaryFraming.forVersion(2).decode(new byte[15]), BadInputReason.TRUNCATED_HEADER);
        assertBad(BinaryFraming.forVersion(3).decode(new byte[3]), BadInputReason.TRUNCATED_HEADER);
    }

    @Test
    void sizeDisagreeingWithTheFrameIsBad() {
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0, 0, OPUS.length + 1, OPUS)), BadInputReason.HEADER_SIZE_MISMATCH);
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0, 0, OPUS.length - 1, OPUS)), BadInputReason.HEADER_SIZE_MISMATCH);
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0, 0, 0xFFFF_FFFFL, OPUS)), BadInputReason.HEADER_SIZE_MISMATCH);
        assertBad(BinaryFraming.forVersion(3).decode(v3(0, OPUS.length + 1, OPUS)), BadInputReason.HEADER_SIZE_MISMATCH);
        assertBad(BinaryFraming.forVersion(3).decode(v3(0, 0xFFFF, OPUS)), BadInputReason.HEADER_SIZE_MISMATCH);
    }

    @Test
    void unknownTypesAreBad() {
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 2, 0, OPUS.length, OPUS)), BadInputReason.UNKNOWN_FRAME_TYPE);
        assertBad(BinaryFraming.forVersion(2).decode(v2(2, 0xFFFF, 0, OPUS.length, OPUS)), BadInputReason.UNKNOWN_FRAME_TYPE);
        assertBad(BinaryFraming.forVersion(3).decode(v3(1, OPUS.length, OPUS)), BadInputReason.UNKNOWN_FRAME_TYPE);
        assertBad(BinaryFraming.forVersion(3).decode(v3(0xFF, OPUS.length, OPUS)), BadInputReason.UNKNOWN_FRAME_TYPE);
    }

    @Test
    void v2HeaderWithAnotherVersionIsBad() {
        assertBad(BinaryFraming.forVersion(2).decode(v2(3, 0, 0, OPUS.length, OPUS)), BadInputReason.UNSUPPORTED_VERSION);
        assertBad(BinaryFraming.forVersion(2).decode(v2(1, 0, 0, OPUS.length, OPUS)), BadInputReason.UNSUPPORTED_VERSION);
    }

    @Test
    void badFramesSayWhatWasWrong() {
        DecodedFrame bad = BinaryFraming.forVersion(3).decode(v3(0, 10, OPUS));
        assertThat(((DecodedFrame.BadFrame) bad).detail()).contains("10").contains("5");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void encodingRefusesWhatShouldNotBeSent(int version) {
        BinaryFraming framing = BinaryFraming.forVersion(version);
        assertThatThrownBy(() -> framing.encodeAudio(new byte[0], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> framing.encodeAudio(null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> framing.encodeAudio(new byte[BinaryFraming.MAX_AUDIO_PAYLOAD + 1], 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> framing.encodeAudio(OPUS, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] v2(int version, int type, long timestamp, long size, byte[] payload) {
        return ByteBuffer.allocate(16 + payload.length)
                .putShort((short) version).putShort((short) type).putInt(0)
                .putInt((int) timestamp).putInt((int) size).put(payload).array();
    }

    static byte[] v3(int type, int size, byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length)
                .put((byte) type).put((byte) 0).putShort((short) size).put(payload).array();
    }

    private static void assertBad(DecodedFrame frame, BadInputReason reason) {
        assertThat(frame).isInstanceOf(DecodedFrame.BadFrame.class);
        assertThat(((DecodedFrame.BadFrame) frame).reason()).isEqualTo(reason);
        assertThat(((DecodedFrame.BadFrame) frame).detail()).isNotBlank();
    }
}
