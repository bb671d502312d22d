package io.xiaozhi.pipeline.vllm;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Small real images for the tests, written by {@link ImageIO}: a red square on white, 16×16. */
final class TestImages {

    /**
     * A 1×1 lossless WebP (the image Modernizr uses to detect WebP support); {@link ImageIO} has no
     * WebP writer.
     */
    static final byte[] WEBP = Base64.getDecoder().decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");

    private TestImages() {
    }

    static byte[] png() {
        return write("png", BufferedImage.TYPE_INT_ARGB);
    }

    static byte[] jpeg() {
        return write("jpeg", BufferedImage.TYPE_INT_RGB);
    }

    static byte[] gif() {
        return write("gif", BufferedImage.TYPE_INT_RGB);
    }

    static byte[] bmp() {
        return write("bmp", BufferedImage.TYPE_INT_RGB);
    }

    static byte[] tiff() {
        return write("tiff", BufferedImage.TYPE_INT_RGB);
    }

    private static byte[] write(String format, int type) {
        BufferedImage image = new BufferedImage(16, 16, type);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 16, 16);
        g.setColor(Color.RED);
        g.fillRect(4, 4, 8, 8);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
