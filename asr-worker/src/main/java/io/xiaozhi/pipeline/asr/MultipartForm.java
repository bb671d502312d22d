package io.xiaozhi.pipeline.asr;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A {@code multipart/form-data} body (RFC 7578) built in memory: text fields and files, each part
 * framed by a boundary of 128 random bits, so no content can contain it by more than chance.
 * Field names and file names are ASCII chosen by this code, not user input.
 */
final class MultipartForm {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] CRLF = {'\r', '\n'};

    private final String boundary;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    MultipartForm() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        this.boundary = "xiaozhi-" + HexFormat.of().formatHex(random);
    }

    /** The value of the request's {@code Content-Type} header. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    String boundary() {
        return boundary;
    }

    MultipartForm field(String name, String value) {
        start("Content-Disposition: form-data; name=\"" + name + "\"\r\n");
        write(value.getBytes(StandardCharsets.UTF_8));
        write(CRLF);
        return this;
    }

    MultipartForm file(String name, String fileName, String contentType, byte[] content) {
        start("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: " + contentType + "\r\n");
        write(content);
        write(CRLF);
        return this;
    }

    /** The whole body, closing boundary included. */
    byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + boundary.length() + 8);
        out.writeBytes(body.toByteArray());
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private void start(String headers) {
        write(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private void write(byte[] bytes) {
        body.writeBytes(bytes);
    }
}
