package io.xiaozhi.pipeline.gateway.protocol;

import java.nio.ByteBuffer;

/** Protocol version 1: each binary message is one raw Opus packet. */
final class FramingV1 implements BinaryFraming {

    static final FramingV1 INSTANCE = new FramingV1();

    private FramingV1() {
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public DecodedFrame decode(ByteBuffer frame) {
        if (frame == null || !frame.hasRemaining()) {
            return new DecodedFrame.BadFrame(BadInputReason.EMPTY_FRAME, "empty frame");
        }
        if (frame.remaining() > MAX_AUDIO_PAYLOAD) {
            return new DecodedFrame.BadFrame(BadInputReason.FRAME_TOO_LARGE,
                    "v1 frame of " + frame.remaining() + " bytes exceeds " + MAX_AUDIO_PAYLOAD);
        }
        return new DecodedFrame.AudioPacket(BinaryFraming.remaining(frame), 0);
    }

    @Override
    public byte[] encodeAudio(byte[] opus, long timestampMs) {
        BinaryFraming.checkAudio(opus, timestampMs);
        return opus.clone();
    }

    @Override
    public String toString() {
        return "BinaryFraming v1";
    }
}
