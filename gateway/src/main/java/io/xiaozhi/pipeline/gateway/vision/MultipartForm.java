package io.xiaozhi.pipeline.gateway.vision;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code multipart/form-data} body (RFC 7578) read whole from memory: its parts by field name,
 * the first part of a name winning. Only what a form upload needs is read from each part's headers
 * ({@code Content-Disposition} name and filename, {@code Content-Type}); anything that does not
 * follow the format fails with {@link MalformedFormException} naming the problem.
 */
public final class MultipartForm {

    /** One part: its field name, file name (empty for a text field), declared type and content. */
    public record Part(String name, String filename, String contentType, byte[] content) {

        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** The body is not a form this reader understands. */
    public static final class MalformedFormException extends Exception {
        public MalformedFormException(String message) {
            super(message);
        }
    }

    private static final int MAX_PARTS = 16;
    private static final int MAX_PART_HEADER_BYTES = 8 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private final Map<String, Part> parts;

    private MultipartForm(Map<String, Part> parts) {
        this.parts = parts;
    }

    public Optional<Part> part(String name) {
        return Optional.ofNullable(parts.get(name));
    }

    /** The boundary named in a {@code Content-Type} header, if it is {@code multipart/form-data} with one. */
    public static Optional<String> boundary(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String[] params = contentType.split(";");
        if (!params[0].trim().equalsIgnoreCase("multipart/form-data")) {
            return Optional.empty();
        }
        for (int i = 1; i < params.length; i++) {
            String param = params[i].trim();
            if (param.regionMatches(true, 0, "boundary=", 0, 9)) {
                String value = unquote(param.substring(9).trim());
                return value.isEmpty() || value.length() > 70 ? Optional.empty() : Optional.of(value);
            }
        }
        return Optional.empty();
    }

    public static MultipartForm parse(byte[] body, String boundary) throws MalformedFormException {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] separator = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int position = indexOf(body, delimiter, 0);
        if (position < 0 || (position > 0 && !startsWith(body, position - 2, CRLF))) {
            throw new MalformedFormException("the form has no opening boundary");
        }
        position += delimiter.length;
        Map<String, Part> parts = new LinkedHashMap<>();
        while (true) {
            if (startsWith(body, position, new byte[] {'-', '-'})) {
                return new MultipartForm(parts);
            }
            position = skipLineEnd(body, position);
            if (parts.size() == MAX_PARTS) {
                throw new MalformedFormException("the form has more than " + MAX_PARTS + " parts");
            }
            int headerEnd = indexOf(body, HEADER_END, position);
            if (headerEnd < 0 || headerEnd - position > MAX_PART_HEADER_BYTES) {
                throw new MalformedFormException("a part's headers do not end");
            }
            String headers = new String(body, position, headerEnd - position, StandardCharsets.UTF_8);
            int contentStart = headerEnd + HEADER_END.length;
            int contentEnd = indexOf(body, separator, contentStart);
            if (contentEnd < 0) {
                throw new MalformedFormException("the form is cut off (no closing boundary)");
            }
            Part part = part(headers, Arrays.copyOfRange(body, contentStart, contentEnd));
            parts.putIfAbsent(part.name(), part);
            position = contentEnd + separator.length;
        }
    }

    private static Part part(String headerBlock, byte[] content) throws MalformedFormException {
        String name = null;
        String filename = "";
        String contentType = "";
        for (String line : headerBlock.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (header.equals("content-disposition")) {
                for (String param : value.split(";")) {
                    String p = param.trim();
                    if (p.regionMatches(true, 0, "name=", 0, 5)) {
                        name = unquote(p.substring(5).trim());
                    } else if (p.regionMatches(true, 0, "filename=", 0, 9)) {
                        filename = unquote(p.substring(9).trim());
                    }
                }
            } else if (header.equals("content-type")) {
                contentType = value;
            }
        }
        if (name == null || name.isEmpty()) {
            throw new MalformedFormException("a part has no field name");
        }
        return new Part(name, filename, contentType, content);
    }

    private static int skipLineEnd(byte[] body, int position) throws MalformedFormException {
        int p = position;
        while (p < body.length && (body[p] == ' ' || body[p] == '\t')) {
            p++;
        }
        if (!startsWith(body, p, CRLF)) {
            throw new MalformedFormException("a boundary is not followed by a line end");
        }
        return p + CRLF.length;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static boolean startsWith(byte[] data, int offset, byte[] prefix) {
        if (offset < 0 || data.length - offset < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        int last = data.length - pattern.length;
        byte first = pattern[0];
        for (int i = Math.max(0, from); i <= last; i++) {
            if (data[i] == first && startsWith(data, i, pattern)) {
                return i;
            }
        }
        return -1;
    }
}
