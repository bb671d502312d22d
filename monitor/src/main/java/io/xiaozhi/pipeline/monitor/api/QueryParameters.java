package io.xiaozhi.pipeline.monitor.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The query string of an API request, read strictly: a parameter given twice, or one that is not
 * valid URL encoding (such as {@code %zz}), is a {@link BadRequestException} naming it, rather than
 * being dropped silently and answered as if it had not been sent.
 */
final class QueryParameters {

    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = values;
    }

    static QueryParameters parse(String rawQuery) {
        Map<String, String> values = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new QueryParameters(values);
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
            String name = decode("query", rawName);
            String value = decode(name, rawValue);
            if (values.putIfAbsent(name, value) != null) {
                throw new BadRequestException(name + ": given more than once");
            }
        }
        return new QueryParameters(values);
    }

    /** The value, or {@code null} when the parameter was not sent. */
    String get(String name) {
        return values.get(name);
    }

    private static String decode(String name, String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(name + ": not valid URL encoding: " + (raw.length() > 64 ? raw.substring(0, 64) + "…" : raw));
        }
    }
}
