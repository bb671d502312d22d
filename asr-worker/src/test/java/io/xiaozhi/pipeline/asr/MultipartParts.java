package io.xiaozhi.pipeline.asr;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a {@code multipart/form-data} body the way a server does, strictly enough for tests to check a body. */
final class MultipartParts {

    /** One part: its headers' name, file name and type, and its content. */
    record Part(String name, String fileName, String contentType, byte[] content) {

        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("^multipart/form-data;\\s*boundary=([^;\\s]+)$");
    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");
    private static final Pattern FILE_NAME = Pattern.compile("filename=\"([^\"]*)\"");

    private MultipartParts() {
    }

    /** The parts by name; throws {@link AssertionError} if the body does not follow the format. */
    static Map<String, Part> parse(String contentType, byte[] body) {
        Matcher type = BOUNDARY.matcher(contentType);
        if (!type.matches()) {
            throw new AssertionError("not a multipart/form-data type with a boundary: " + contentType);
        }
        byte[] delimiter = ("--" + type.group(1)).getBytes(StandardCharsets.US_ASCII);
        byte[] close = ("--" + type.group(1) + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        if (!Arrays.equals(Arrays.copyOfRange(body, body.length - close.length, body.length), close)) {
            throw new AssertionError("the body does not end with the closing delimiter");
        }
        Map<String, Part> parts = new LinkedHashMap<>();
        int at = indexOf(body, delimiter, 0);
        if (at != 0) {
            throw new AssertionError("the body does not start with the delimiter");
        }
        while (true) {
            int start = at + delimiter.length;
            if (body[start] == '-' && body[start + 1] == '-') {
                return parts;
            }
            start += 2; // CRLF after the delimiter
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), start);
            String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int next = indexOf(body, ("\r\n" + new String(delimiter, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII), contentStart);
            byte[] content = Arrays.copyOfRange(body, contentStart, next);
            String name = find(NAME, headers);
            String contentTypeHeader = null;
            for (String line : headers.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                    contentTypeHeader = line.substring("content-type:".length()).strip();
                }
            }
            parts.put(name, new Part(name, find(FILE_NAME, headers), contentTypeHeader, content));
            at = next + 2;
        }
    }

    private static String find(Pattern pattern, String headers) {
        Matcher matcher = pattern.matcher(headers);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static int indexOf(byte[] in, byte[] what, int from) {
        outer:
        for (int i = from; i <= in.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("expected " + new String(what, StandardCharsets.US_ASCII).strip() + " after offset " + from);
    }
}
