package io.xiaozhi.pipeline.gateway.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Protocol version 2: a 16-byte header {@code version u16 (=2) | type u16 (0 Opus, 1 JSON) |
 * reserved u32 | timestamp u32 (ms) | payload_size u32}, then the payload.
 */
final class FramingV2 implements BinaryFraming {

    static final FramingV2 INSTANCE = new FramingV2();

    static final int HEADER_SIZE = 16;
    static final int TYPE_OPUS = 0;
    static final int TYPE_JSON = 1;

    private FramingV2() {
    }

    @Override
    public int version() {
        return 2;
    }

    @Override
    public DecodedFrame decode(ByteBuffer frame) {
        DecodedFrame.BadFrame sizeProblem = BinaryFraming.sizeProblem(frame, 2, HEADER_SIZE, MAX_JSON_PAYLOAD);
        if (sizeProblem != null) {
            return sizeProblem;
        }
        int length = frame.remaining();
        ByteBuffer in = frame.duplicate();
        int start = in.position();
        int version = Short.toUnsignedInt(in.getShort(start));
        int type = Short.toUnsignedInt(in.getShort(start + 2));
        long timestamp = Integer.toUnsignedLong(in.getInt(start + 8));
        long payloadSize = Integer.toUnsignedLong(in.getInt(start + 12));
        int actual = length - HEADER_SIZE;
        if (version != 2) {
            return bad(BadInputReason.UNSUPPORTED_VERSION, "v2 header carries version " + version);
        }
        if (type != TYPE_OPUS && type != TYPE_JSON) {
            return bad(BadInputReason.UNKNOWN_FRAME_TYPE, "v2 frame type " + type);
        }
        if (payloadSize != actual) {
            return bad(BadInputReason.HEADER_SIZE_MISMATCH, "v2 header says " + payloadSize + " bytes, frame has " + actual);
        }
        if (actual == 0) {
            return bad(BadInputReason.EMPTY_FRAME, "v2 frame with an empty payload");
        }
        in.position(start + HEADER_SIZE);
        if (type == TYPE_OPUS) {
            if (actual > MAX_AUDIO_PAYLOAD) {
                return bad(BadInputReason.FRAME_TOO_LARGE, "v2 Opus payload of " + actual + " bytes exceeds " + MAX_AUDIO_PAYLOAD);
            }
            return new DecodedFrame.AudioPacket(BinaryFraming.remaining(in), timestamp);
        }
        try {
            String json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in)
                    .toString();
            return new DecodedFrame.JsonText(json);
        } catch (CharacterCodingException e) {
            return bad(BadInputReason.BINARY_JSON_INVALID, "v2 JSON payload is not valid UTF-8");
        }
    }

    @Override
    public byte[] encodeAudio(byte[] opus, long timestampMs) {
        BinaryFraming.checkAudio(opus, timestampMs);
        return ByteBuffer.allocate(HEADER_SIZE + opus.length)
                .putShort((short) 2)
                .putShort((short) TYPE_OPUS)
                .putInt(0)
                .putInt((int) timestampMs)
                .putInt(opus.length)
                .put(opus)
                .array();
    }

    private static DecodedFrame bad(BadInputReason reason, String detail) {
        return new DecodedFrame.BadFrame(reason, detail);
    }

    @Override
    public String toString() {
        return "BinaryFraming v2";
    }
}
