package io.xiaozhi.pipeline.common.envelope;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Typed reads and writes of single header values. A header set twice counts by its last value. */
public final class HeaderValues {

    private static final int MAX_TEXT = 1024;

    private HeaderValues() {
    }

    /** Sets {@code name} to {@code value}, replacing any earlier value. */
    public static void putText(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    public static void putLong(Headers headers, String name, long value) {
        putText(headers, name, Long.toString(value));
    }

    public static void putBoolean(Headers headers, String name, boolean value) {
        putText(headers, name, Boolean.toString(value));
    }

    /** Records a stage timing as {@code xz.t.<name>} = epoch ms. */
    public static void putTiming(Headers headers, String name, long epochMillis) {
        putLong(headers, EnvelopeHeaders.TIMING_PREFIX + name, epochMillis);
    }

    public static Optional<String> text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        if (header.value().length > MAX_TEXT) {
            throw new EnvelopeException("header " + name + " is " + header.value().length + " bytes long; at most " + MAX_TEXT + " allowed");
        }
        return Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    public static String requiredText(Headers headers, String name) {
        String value = text(headers, name).orElseThrow(() -> new EnvelopeException("header " + name + " is missing"));
        if (value.isEmpty()) {
            throw new EnvelopeException("header " + name + " is empty");
        }
        return value;
    }

    public static OptionalLong number(Headers headers, String name) {
        Optional<String> text = text(headers, name);
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text.get().trim()));
        } catch (NumberFormatException e) {
            throw new EnvelopeException("header " + name + " is not a whole number: '" + abbreviate(text.get()) + "'");
        }
    }

    public static long requiredNumber(Headers headers, String name) {
        return number(headers, name).orElseThrow(() -> new EnvelopeException("header " + name + " is missing"));
    }

    /** Absent is false; anything but {@code true} or {@code false} is malformed. */
    public static boolean flag(Headers headers, String name) {
        Optional<String> text = text(headers, name);
        if (text.isEmpty()) {
            return false;
        }
        return switch (text.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new EnvelopeException("header " + name + " must be true or false, not '" + abbreviate(text.get()) + "'");
        };
    }

    /**
     * {@code xz.provider-ms}, the providers' share of the way to this record, or -1 when it is absent,
     * malformed or negative: it only feeds a measurement, so a bad value is not the record's failure.
     */
    public static long providerMillis(Headers headers) {
        try {
            long value = number(headers, EnvelopeHeaders.PROVIDER_MILLIS).orElse(-1);
            return value < 0 ? -1 : value;
        } catch (EnvelopeException e) {
            return -1;
        }
    }

    /** Sets {@code xz.provider-ms} to {@code millis} (at least 0). */
    public static void putProviderMillis(Headers headers, long millis) {
        putLong(headers, EnvelopeHeaders.PROVIDER_MILLIS, Math.max(0, millis));
    }

    /** Every {@code xz.t.<name>} timing, by name. */
    public static Map<String, Long> timings(Headers headers) {
        Map<String, Long> timings = new TreeMap<>();
        for (Header header : headers) {
            if (header.key().startsWith(EnvelopeHeaders.TIMING_PREFIX)) {
                String name = header.key().substring(EnvelopeHeaders.TIMING_PREFIX.length());
                timings.put(name, requiredNumber(headers, header.key()));
            }
        }
        return timings;
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
