package io.xiaozhi.pipeline.gateway.vision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads a request body up to a limit. A longer body is read on and discarded up to a further bound,
 * so that a device still sending gets its answer instead of a reset connection; what is past that
 * bound is left for the server to close.
 */
final class BoundedBody {

    private static final int DRAIN_FACTOR = 4;

    private BoundedBody() {
    }

    /**
     * Reads and discards what is left of a body, up to {@code limit} × 4 bytes, so that a device still
     * sending when its upload is refused (a bad token is known from the headers alone) reads the
     * answer rather than a reset connection.
     */
    static void discard(InputStream in, int limit) {
        byte[] buffer = new byte[64 * 1024];
        long left = (long) limit * DRAIN_FACTOR;
        try {
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // the device stopped sending: nothing left to drain
        }
    }

    /** The whole body, or empty if it is longer than {@code limit} bytes. */
    static Optional<byte[]> read(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 256 * 1024));
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        long drainUntil = (long) limit * DRAIN_FACTOR;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total <= limit) {
                out.write(buffer, 0, n);
            } else if (total > drainUntil) {
                return Optional.empty();
            }
        }
        return total <= limit ? Optional.of(out.toByteArray()) : Optional.empty();
    }
}
