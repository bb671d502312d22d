package io.xiaozhi.pipeline.gateway.protocol;

import java.nio.ByteBuffer;

/**
 * The binary framing of audio on one connection, chosen by the {@code Protocol-Version} handshake
 * value: version 1 sends raw Opus packets, version 2 a 16-byte header, version 3 a 4-byte header
 * (all fields big-endian).
 *
 * <p>{@link #decode} never throws on device input; {@link #encodeAudio} rejects a packet the server
 * should not send with an {@link IllegalArgumentException}.
 */
public sealed interface BinaryFraming permits FramingV1, FramingV2, FramingV3 {

    /** The largest Opus packet accepted or sent, in bytes. */
    int MAX_AUDIO_PAYLOAD = 4 * 1024;

    /** The largest JSON payload accepted in a binary frame, in bytes. */
    int MAX_JSON_PAYLOAD = 64 * 1024;

    /** The framing of a protocol version; anything other than 2 or 3 is version 1. */
    static BinaryFraming forVersion(int version) {
        return switch (version) {
            case 2 -> FramingV2.INSTANCE;
            case 3 -> FramingV3.INSTANCE;
            default -> FramingV1.INSTANCE;
        };
    }

    /**
     * The framing named by a {@code Protocol-Version} header or query value; a missing, blank or
     * unknown value is version 1.
     */
    static BinaryFraming forHandshake(String protocolVersion) {
        if (protocolVersion == null) {
            return FramingV1.INSTANCE;
        }
        return switch (protocolVersion.strip()) {
            case "2" -> FramingV2.INSTANCE;
            case "3" -> FramingV3.INSTANCE;
            default -> FramingV1.INSTANCE;
        };
    }

    /** The protocol version of this framing: 1, 2 or 3. */
    int version();

    /**
     * Decodes one binary message, from its position to its limit; the buffer's position is not
     * changed. A {@code null} buffer is an empty frame.
     */
    DecodedFrame decode(ByteBuffer frame);

    /** Decodes one binary message; a {@code null} array is an empty frame. */
    default DecodedFrame decode(byte[] frame) {
        return decode(frame == null ? null : ByteBuffer.wrap(frame));
    }

    /**
     * Frames one Opus packet for the downlink.
     *
     * @param opus a packet of 1 to {@value #MAX_AUDIO_PAYLOAD} bytes
     * @param timestampMs a non-negative timestamp; version 2 carries it modulo 2^32, the others drop it
     * @return the bytes of one binary WebSocket message
     */
    byte[] encodeAudio(byte[] opus, long timestampMs);

    /** Checks a downlink packet and timestamp; shared by the framings. */
    static void checkAudio(byte[] opus, long timestampMs) {
        if (opus == null || opus.length == 0) {
            throw new IllegalArgumentException("an Opus packet needs at least one byte");
        }
        if (opus.length > MAX_AUDIO_PAYLOAD) {
            throw new IllegalArgumentException("Opus packet of " + opus.length + " bytes exceeds " + MAX_AUDIO_PAYLOAD);
        }
        if (timestampMs < 0) {
            throw new IllegalArgumentException("negative timestamp " + timestampMs);
        }
    }

    /** The bytes from the buffer's position to its limit, copied. */
    /**
     * The size checks every framed version makes before reading its header: not empty, at least a
     * header, at most a header and {@code maxPayload}. Returns the problem, or null when the size is fine.
     */
    static DecodedFrame.BadFrame sizeProblem(ByteBuffer frame, int version, int headerSize, int maxPayload) {
        if (frame == null || !frame.hasRemaining()) {
            return new DecodedFrame.BadFrame(BadInputReason.EMPTY_FRAME, "empty frame");
        }
        int length = frame.remaining();
        if (length < headerSize) {
            return new DecodedFrame.BadFrame(BadInputReason.TRUNCATED_HEADER,
                    "v" + version + " frame of " + length + " bytes, header needs " + headerSize);
        }
        if (length > headerSize + maxPayload) {
            return new DecodedFrame.BadFrame(BadInputReason.FRAME_TOO_LARGE,
                    "v" + version + " frame of " + length + " bytes exceeds " + (headerSize + maxPayload));
        }
        return null;
    }

    static byte[] remaining(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
