package io.xiaozhi.pipeline.asr;

import java.io.InputStream;
import java.util.function.BooleanSupplier;

/**
 * 16-bit little-endian samples as a byte stream, as Sphinx4 reads audio: {@code padding} samples of
 * silence, the utterance, {@code padding} samples of silence. The stream ends early, as if the audio
 * were over, once {@code stop} says so, so a recognition of a cancelled turn winds down within one
 * read (Sphinx4 reads a tenth of a second at a time).
 */
final class PcmStream extends InputStream {

    private final short[] pcm;
    private final int padding;
    private final BooleanSupplier stop;
    private final long length;
    private long position;
    private boolean stopped;

    PcmStream(short[] pcm, int padding, BooleanSupplier stop) {
        this.pcm = pcm;
        this.padding = padding;
        this.stop = stop;
        this.length = 2L * (pcm.length + 2L * padding);
    }

    /** Whether the stream ended because {@code stop} said so. */
    boolean stopped() {
        return stopped;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) {
        if (count == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        if (stop.getAsBoolean()) {
            stopped = true;
            return -1;
        }
        int n = (int) Math.min(count, length - position);
        for (int i = 0; i < n; i++) {
            long at = position + i;
            long sample = at / 2 - padding;
            int value = sample >= 0 && sample < pcm.length ? pcm[(int) sample] : 0;
            buffer[offset + i] = (byte) ((at & 1) == 0 ? value : value >> 8);
        }
        position += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }
}
