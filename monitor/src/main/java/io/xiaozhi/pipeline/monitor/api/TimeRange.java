package io.xiaozhi.pipeline.monitor.api;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A time range of {@code /api/history} and of reports: {@code from} and {@code to} in epoch
 * milliseconds, and whether {@code from} was moved forward to the start of the kept history.
 *
 * @param from     start, epoch ms (inclusive)
 * @param to       end, epoch ms
 * @param clamped  whether {@code from} was moved (see {@link #of})
 * @param note     why it was moved, or {@code null}
 */
public record TimeRange(long from, long to, boolean clamped, String note) {

    /** The range asked for when neither end is given: the last hour. */
    public static final Duration DEFAULT_SPAN = Duration.ofHours(1);
    /** The last instant accepted (9999-12-31T23:59:59.999Z): later ones are surely typing mistakes. */
    static final long LATEST = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

    /**
     * The range of the raw parameters {@code fromText} and {@code toText} (either may be {@code null}
     * or blank: absent). {@code to} defaults to now, {@code from} to an hour before {@code to}. History
     * reaches back {@code history} from now (or from {@code to} when it lies ahead): an earlier
     * {@code from} is moved to that point and {@link #clamped()} says so (a range that ends before
     * that point becomes the empty range at {@code to}).
     *
     * @throws BadRequestException for a value that is not a time, or {@code from} after {@code to}
     */
    public static TimeRange of(String fromText, String toText, long now, Duration history) {
        Long requestedTo = parse("to", toText);
        long to = requestedTo != null ? requestedTo : now;
        Long requestedFrom = parse("from", fromText);
        long from = requestedFrom != null ? requestedFrom : to - DEFAULT_SPAN.toMillis();
        if (from > to) {
            throw new BadRequestException("from (" + Instant.ofEpochMilli(from) + ") is after to (" + Instant.ofEpochMilli(to) + ")");
        }
        long earliest = Math.max(to, now) - history.toMillis();
        if (to < earliest) {
            return new TimeRange(to, to, true, "the range ends before the kept history starts (" + Instant.ofEpochMilli(earliest)
                    + "; monitor.history_hours covers " + describe(history) + "): nothing to answer");
        }
        if (from < earliest) {
            return new TimeRange(earliest, to, true, "from moved from " + Instant.ofEpochMilli(from) + " to " + Instant.ofEpochMilli(earliest)
                    + ": history covers the last " + describe(history) + " (monitor.history_hours)");
        }
        return new TimeRange(from, to, false, null);
    }

    /**
     * One end of a range: epoch milliseconds (digits only) or an ISO-8601 instant with a zone offset
     * ({@code 2025-01-01T08:00:00Z}, {@code 2025-01-01T16:00:00+08:00}); {@code null} when absent.
     *
     * @throws BadRequestException naming {@code name} when the text is neither
     */
    public static Long parse(String name, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String value = text.trim();
        long millis;
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                millis = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new BadRequestException(name + ": not a time: " + shorten(value) + " (too large for epoch milliseconds)");
            }
        } else {
            try {
                millis = Instant.parse(value).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new BadRequestException(name + ": not a time: " + shorten(value)
                        + " (epoch milliseconds or an ISO-8601 instant such as 2025-01-01T08:00:00Z)");
            } catch (DateTimeException | ArithmeticException e) {
                throw new BadRequestException(name + ": not a time: " + shorten(value) + " (out of range)");
            }
            if (millis < 0) {
                throw new BadRequestException(name + ": not a time: " + shorten(value) + " (before 1970)");
            }
        }
        if (millis > LATEST) {
            throw new BadRequestException(name + ": not a time: " + shorten(value) + " (after the year 9999)");
        }
        return millis;
    }

    private static String describe(Duration history) {
        long hours = history.toHours();
        return hours * 3_600_000 == history.toMillis() ? hours + " h" : history.toSeconds() + " s";
    }

    /** Echoes at most 64 characters of what was sent, so an error never carries a whole request back. */
    private static String shorten(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }
}
