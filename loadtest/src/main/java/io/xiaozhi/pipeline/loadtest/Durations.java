package io.xiaozhi.pipeline.loadtest;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Command-line durations and shares: {@code 1500ms}, {@code 2s}, {@code 1.5s}, {@code 5m}, a bare number
 * being milliseconds; shares as {@code 0.5%} or a fraction {@code 0.005}.
 */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Durations() {
    }

    /** Parses {@code text}; a bare number is milliseconds. */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 1500ms, 2s, 5m)");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        double millis = switch (unit) {
            case "s" -> value * 1_000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            default -> value;
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    /** Parses a share: {@code 0.5%} is 0.005, {@code 0.005} is 0.005; must lie in [0, 1]. */
    public static double parseShare(String text) {
        String t = text.trim();
        double value;
        try {
            value = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100 : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a share: '" + text + "' (expected e.g. 0.5% or 0.005)");
        }
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("a share must lie between 0 and 100 %: '" + text + "'");
        }
        return value;
    }

    /** picocli converter for {@link Duration} options. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli converter for shares. */
    public static final class ShareConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                return parseShare(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
