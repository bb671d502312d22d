package io.xiaozhi.pipeline.gateway.protocol;

import java.nio.ByteBuffer;

/** Protocol version 3: a 4-byte header {@code type u8 (0 Opus) | reserved u8 | payload_size u16}, then the payload. */
final class FramingV3 implements BinaryFraming {

    static final FramingV3 INSTANCE = new FramingV3();

    static final int HEADER_SIZE = 4;
    static final int TYPE_OPUS = 0;

    private FramingV3() {
    }

    @Override
    public int version() {
        return 3;
    }

    @Override
    public DecodedFrame decode(ByteBuffer frame) {
        DecodedFrame.BadFrame sizeProblem = BinaryFraming.sizeProblem(frame, 3, HEADER_SIZE, MAX_AUDIO_PAYLOAD);
        if (sizeProblem != null) {
            return sizeProblem;
        }
        int length = frame.remaining();
        ByteBuffer in = frame.duplicate();
        int start = in.position();
        int type = Byte.toUnsignedInt(in.get(start));
        int payloadSize = Short.toUnsignedInt(in.getShort(start + 2));
        int actual = length - HEADER_SIZE;
        if (type != TYPE_OPUS) {
            return bad(BadInputReason.UNKNOWN_FRAME_TYPE, "v3 frame type " + type);
        }
        if (payloadSize != actual) {
            return bad(BadInputReason.HEADER_SIZE_MISMATCH, "v3 header says " + payloadSize + " bytes, frame has " + actual);
        }
        if (actual == 0) {
            return bad(BadInputReason.EMPTY_FRAME, "v3 frame with an empty payload");
        }
        in.position(start + HEADER_SIZE);
        return new DecodedFrame.AudioPacket(BinaryFraming.remaining(in), 0);
    }

    @Override
    public byte[] encodeAudio(byte[] opus, long timestampMs) {
        BinaryFraming.checkAudio(opus, timestampMs);
        return ByteBuffer.allocate(HEADER_SIZE + opus.length)
                .put((byte) TYPE_OPUS)
                .put((byte) 0)
                .putShort((short) opus.length)
                .put(opus)
                .array();
    }

    private static DecodedFrame bad(BadInputReason reason, String detail) {
        return new DecodedFrame.BadFrame(reason, detail);
    }

    @Override
    public String toString() {
        return "BinaryFraming v3";
    }
}
