package io.xiaozhi.pipeline.common.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * RIFF/WAVE with 16-bit PCM: writes mono files (the ASR upload) and reads what speech APIs return
 * (mono or stereo, 16-bit PCM; stereo is mixed down). Reading checks every chunk length against the
 * bytes present and refuses other encodings with a message that says what was found.
 */
public final class Wav {

    /** Decoded audio: mono samples at {@code sampleRate}. */
    public record Audio(int sampleRate, short[] samples) {
    }

    private Wav() {
    }

    /** A mono 16-bit PCM WAV file of {@code samples} at {@code sampleRate}. */
    public static byte[] encode(short[] samples, int sampleRate) {
        int dataBytes = samples.length * 2;
        ByteBuffer out = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        out.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2)
                .putShort((short) 2).putShort((short) 16);
        out.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
        for (short sample : samples) {
            out.putShort(sample);
        }
        return out.array();
    }

    /** Whether {@code bytes} start like a WAV file. */
    public static boolean looksLikeWav(byte[] bytes) {
        return bytes.length >= 12 && ascii(bytes, 0, 4).equals("RIFF") && ascii(bytes, 8, 4).equals("WAVE");
    }

    /**
     * Reads a 16-bit PCM WAV file. A data chunk that claims more bytes than are present (a streamed
     * file whose length fields are 0 or -1, as some servers send) is read up to the bytes present.
     *
     * @throws IllegalArgumentException naming what is wrong with the file
     */
    public static Audio decode(byte[] bytes) {
        if (!looksLikeWav(bytes)) {
            throw new IllegalArgumentException("not a WAV file (no RIFF/WAVE header)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(12);
        int channels = -1;
        int sampleRate = -1;
        while (in.remaining() >= 8) {
            String id = ascii(bytes, in.position(), 4);
            in.position(in.position() + 4);
            long size = Integer.toUnsignedLong(in.getInt());
            if (id.equals("fmt ")) {
                if (size < 16 || size > in.remaining()) {
                    throw new IllegalArgumentException("WAV fmt chunk of " + size + " bytes is truncated or too short");
                }
                int start = in.position();
                int format = Short.toUnsignedInt(in.getShort());
                channels = Short.toUnsignedInt(in.getShort());
                sampleRate = in.getInt();
                in.getInt();
                in.getShort();
                int bits = Short.toUnsignedInt(in.getShort());
                if (format == 0xFFFE && size >= 40) {
                    // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes are the format code
                    in.position(start + 24);
                    format = Short.toUnsignedInt(in.getShort());
                }
                if (format != 1 || bits != 16) {
                    throw new IllegalArgumentException("WAV encoding " + format + " with " + bits
                            + " bits per sample; only 16-bit PCM (1) is read");
                }
                if (channels < 1 || channels > 2 || sampleRate < 1000 || sampleRate > 192_000) {
                    throw new IllegalArgumentException("WAV with " + channels + " channels at " + sampleRate + " Hz is not speech audio");
                }
                in.position(start + (int) size + (int) (size & 1));
            } else if (id.equals("data")) {
                if (channels < 0) {
                    throw new IllegalArgumentException("WAV data chunk before its fmt chunk");
                }
                int length = (int) Math.min(size, in.remaining());
                int frames = length / (2 * channels);
                short[] samples = new short[frames];
                for (int i = 0; i < frames; i++) {
                    if (channels == 1) {
                        samples[i] = in.getShort();
                    } else {
                        samples[i] = (short) ((in.getShort() + in.getShort()) / 2);
                    }
                }
                return new Audio(sampleRate, samples);
            } else {
                if (size > in.remaining()) {
                    break;
                }
                in.position(in.position() + (int) size + (int) (size & 1 & Math.min(1, in.remaining() - size)));
            }
        }
        throw new IllegalArgumentException(channels < 0 ? "WAV file without a fmt chunk" : "WAV file without a data chunk");
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        if (offset + length > bytes.length) {
            return "";
        }
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }
}
