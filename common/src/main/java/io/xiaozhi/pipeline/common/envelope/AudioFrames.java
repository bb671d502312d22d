package io.xiaozhi.pipeline.common.envelope;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of an audio record: a sequence of Opus packets, each length-prefixed.
 *
 * <pre>
 *   version   u8      = 1
 *   count     varint  number of packets
 *   count × { length varint, packet bytes }
 * </pre>
 * Varints are unsigned LEB128 (7 bits a byte, low first), so a typical 60 ms packet of 40–200 bytes
 * costs one or two bytes of framing. Decoding checks every length against what is left and rejects
 * trailing bytes, so a truncated or foreign payload fails with a specific message instead of
 * yielding garbage audio.
 */
public final class AudioFrames {

    public static final int VERSION = 1;
    /** Largest packet accepted; an Opus packet is at most 1275 bytes a frame, 120 ms at most. */
    public static final int MAX_PACKET_BYTES = 8 * 1024;
    /** Most packets in one payload: 20 minutes of 60 ms packets. */
    public static final int MAX_PACKETS = 20_000;

    private AudioFrames() {
    }

    public static byte[] encode(List<byte[]> packets) {
        if (packets.size() > MAX_PACKETS) {
            throw new IllegalArgumentException(packets.size() + " packets in one payload; at most " + MAX_PACKETS);
        }
        int size = 1 + 5;
        for (byte[] packet : packets) {
            size += 3 + packet.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.write(VERSION);
        writeVarint(out, packets.size());
        for (byte[] packet : packets) {
            if (packet.length == 0 || packet.length > MAX_PACKET_BYTES) {
                throw new IllegalArgumentException("an audio packet must be 1 to " + MAX_PACKET_BYTES + " bytes, not " + packet.length);
            }
            writeVarint(out, packet.length);
            out.write(packet, 0, packet.length);
        }
        return out.toByteArray();
    }

    public static List<byte[]> decode(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new EnvelopeException("audio payload is empty");
        }
        if (payload[0] != VERSION) {
            throw new EnvelopeException("audio payload has version " + (payload[0] & 0xFF) + "; this build reads version " + VERSION);
        }
        int[] position = {1};
        long count = readVarint(payload, position);
        if (count > MAX_PACKETS) {
            throw new EnvelopeException("audio payload claims " + count + " packets; at most " + MAX_PACKETS);
        }
        List<byte[]> packets = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            long length = readVarint(payload, position);
            if (length == 0 || length > MAX_PACKET_BYTES) {
                throw new EnvelopeException("audio packet " + i + " claims " + length + " bytes; 1 to " + MAX_PACKET_BYTES + " allowed");
            }
            if (length > payload.length - position[0]) {
                throw new EnvelopeException("audio payload is truncated: packet " + i + " needs " + length
                        + " bytes at offset " + position[0] + ", " + (payload.length - position[0]) + " left");
            }
            byte[] packet = new byte[(int) length];
            System.arraycopy(payload, position[0], packet, 0, packet.length);
            position[0] += packet.length;
            packets.add(packet);
        }
        if (position[0] != payload.length) {
            throw new EnvelopeException("audio payload has " + (payload.length - position[0]) + " bytes after its last packet");
        }
        return packets;
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = value;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static long readVarint(byte[] in, int[] position) {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (position[0] >= in.length) {
                throw new EnvelopeException("audio payload is truncated at offset " + position[0]);
            }
            int b = in[position[0]++] & 0xFF;
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new EnvelopeException("audio payload has a malformed length at offset " + (position[0] - 5));
    }
}
