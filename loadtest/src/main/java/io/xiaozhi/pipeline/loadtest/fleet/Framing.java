package io.xiaozhi.pipeline.loadtest.fleet;

import java.nio.ByteBuffer;

/**
 * The binary framing of audio chosen by {@code Protocol-Version} (docs/protocol.md, section 4):
 * v1 a raw Opus packet per message; v2 a 16-byte header {@code version u16 | type u16 | reserved u32 |
 * timestamp u32 | payload_size u32}; v3 a 4-byte header {@code type u8 | reserved u8 | payload_size u16};
 * all big-endian, type 0 being Opus.
 */
public final class Framing {

    private Framing() {
    }

    public static void requireSupported(int version) {
        if (version < 1 || version > 3) {
            throw new IllegalArgumentException("protocol version must be 1, 2 or 3, not " + version);
        }
    }

    /** Wraps one Opus packet for sending; {@code timestampMs} is used by v2 only. */
    public static byte[] encode(int version, byte[] opus, long timestampMs) {
        return switch (version) {
            case 1 -> opus;
            case 2 -> ByteBuffer.allocate(16 + opus.length).putShort((short) 2).putShort((short) 0).putInt(0)
                    .putInt((int) timestampMs).putInt(opus.length).put(opus).array();
            case 3 -> ByteBuffer.allocate(4 + opus.length).put((byte) 0).put((byte) 0).putShort((short) opus.length).put(opus).array();
            default -> throw new IllegalArgumentException("protocol version " + version);
        };
    }

    /** The Opus packet in a received frame, or {@code null} when the header is wrong or the payload is not audio. */
    public static byte[] decode(int version, byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        int size;
        int type;
        switch (version) {
            case 1 -> {
                return frame.length == 0 ? null : frame;
            }
            case 2 -> {
                if (frame.length < 16) {
                    return null;
                }
                in.getShort();
                type = Short.toUnsignedInt(in.getShort());
                in.getInt();
                in.getInt();
                size = in.getInt();
            }
            case 3 -> {
                if (frame.length < 4) {
                    return null;
                }
                type = Byte.toUnsignedInt(in.get());
                in.get();
                size = Short.toUnsignedInt(in.getShort());
            }
            default -> {
                return null;
            }
        }
        if (type != 0 || size != in.remaining() || size == 0) {
            return null;
        }
        byte[] payload = new byte[size];
        in.get(payload);
        return payload;
    }
}
