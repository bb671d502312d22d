package io.xiaozhi.pipeline.vllm;

import java.util.Locale;
import java.util.Optional;

/**
 * The image formats the vision stage takes, the same as the gateway's upload accepts, each with its
 * MIME type and the signature its files start with. The worker checks a request's image against
 * its declared type itself rather than trusting whoever wrote the record.
 */
public enum ImageFormat {
    JPEG("image/jpeg"),
    PNG("image/png"),
    GIF("image/gif"),
    BMP("image/bmp"),
    TIFF("image/tiff"),
    WEBP("image/webp");

    /** The shortest BMP file: a 14-byte file header and the 12-byte core header. */
    private static final int MIN_BMP_BYTES = 26;

    private static final byte[] JPEG_SIGNATURE = bytes(0xFF, 0xD8, 0xFF);
    private static final byte[] PNG_SIGNATURE = bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
    private static final byte[] GIF87 = bytes('G', 'I', 'F', '8', '7', 'a');
    private static final byte[] GIF89 = bytes('G', 'I', 'F', '8', '9', 'a');
    private static final byte[] BMP_SIGNATURE = bytes('B', 'M');
    private static final byte[] TIFF_LITTLE_ENDIAN = bytes('I', 'I', 42, 0);
    private static final byte[] TIFF_BIG_ENDIAN = bytes('M', 'M', 0, 42);
    private static final byte[] RIFF = bytes('R', 'I', 'F', 'F');
    private static final byte[] WEBP_FORM = bytes('W', 'E', 'B', 'P');

    private final String mimeType;

    ImageFormat(String mimeType) {
        this.mimeType = mimeType;
    }

    public String mimeType() {
        return mimeType;
    }

    /** The format named by a MIME type (compared ignoring case and surrounding spaces), if it is one of these. */
    public static Optional<ImageFormat> ofMimeType(String mimeType) {
        String wanted = mimeType.strip().toLowerCase(Locale.ROOT);
        for (ImageFormat format : values()) {
            if (format.mimeType.equals(wanted)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    /** The format whose signature {@code image} starts with, if any. */
    public static Optional<ImageFormat> detect(byte[] image) {
        if (startsWith(image, 0, JPEG_SIGNATURE)) {
            return Optional.of(JPEG);
        }
        if (startsWith(image, 0, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (startsWith(image, 0, GIF87) || startsWith(image, 0, GIF89)) {
            return Optional.of(GIF);
        }
        if (startsWith(image, 0, BMP_SIGNATURE) && image.length >= MIN_BMP_BYTES) {
            return Optional.of(BMP);
        }
        if (startsWith(image, 0, TIFF_LITTLE_ENDIAN) || startsWith(image, 0, TIFF_BIG_ENDIAN)) {
            return Optional.of(TIFF);
        }
        if (startsWith(image, 0, RIFF) && startsWith(image, 8, WEBP_FORM)) {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] data, int offset, byte[] signature) {
        if (data.length < offset + signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if (data[offset + i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
