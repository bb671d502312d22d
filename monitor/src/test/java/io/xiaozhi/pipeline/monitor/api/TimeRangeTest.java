package io.xiaozhi.pipeline.monitor.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeRangeTest {

    private static final long NOW = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();
    private static final Duration DAY = Duration.ofHours(24);

    @Test
    void parsesEpochMillisAndInstantsWithOffsets() {
        assertThat(TimeRange.parse("from", "1748779200000")).isEqualTo(NOW);
        assertThat(TimeRange.parse("from", " 2025-06-01T12:00:00Z ")).isEqualTo(NOW);
        assertThat(TimeRange.parse("from", "2025-06-01T20:00:00+08:00")).isEqualTo(NOW);
        assertThat(TimeRange.parse("from", "2025-06-01T12:00:00.250Z")).isEqualTo(NOW + 250);
        assertThat(TimeRange.parse("from", null)).isNull();
        assertThat(TimeRange.parse("from", "  ")).isNull();
    }

    @Test
    void refusesWhatIsNotATime() {
        assertThatThrownBy(() -> TimeRange.parse("to", "2025-06-01")).isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("to: not a time: 2025-06-01 (epoch milliseconds or an ISO-8601 instant");
        assertThatThrownBy(() -> TimeRange.parse("from", "1.5")).hasMessageStartingWith("from: not a time: 1.5");
        assertThatThrownBy(() -> TimeRange.parse("from", "1969-12-31T23:59:59Z")).hasMessage("from: not a time: 1969-12-31T23:59:59Z (before 1970)");
        assertThatThrownBy(() -> TimeRange.parse("from", "253402300800000")).hasMessage("from: not a time: 253402300800000 (after the year 9999)");
        assertThatThrownBy(() -> TimeRange.parse("from", "x".repeat(500))).hasMessageContaining("x".repeat(64) + "…")
                .message().hasSizeLessThan(200);
    }

    @Test
    void defaultsAndOrder() {
        TimeRange range = TimeRange.of(null, null, NOW, DAY);
        assertThat(range).isEqualTo(new TimeRange(NOW - 3_600_000, NOW, false, null));
        assertThat(TimeRange.of(null, "1748775600000", NOW, DAY)).isEqualTo(new TimeRange(NOW - 7_200_000, NOW - 3_600_000, false, null));
        assertThat(TimeRange.of("1748775600000", null, NOW, DAY)).isEqualTo(new TimeRange(NOW - 3_600_000, NOW, false, null));
        assertThat(TimeRange.of(String.valueOf(NOW), String.valueOf(NOW), NOW, DAY).from()).isEqualTo(NOW);
        assertThatThrownBy(() -> TimeRange.of(String.valueOf(NOW + 1), String.valueOf(NOW), NOW, DAY))
                .hasMessage("from (2025-06-01T12:00:00.001Z) is after to (2025-06-01T12:00:00Z)");
    }

    @Test
    void clampsToTheKeptHistory() {
        TimeRange range = TimeRange.of("0", null, NOW, DAY);
        assertThat(range.clamped()).isTrue();
        assertThat(range.from()).isEqualTo(NOW - DAY.toMillis());
        assertThat(range.note()).contains("1970-01-01T00:00:00Z").contains("24 h");
        // a range reaching into the future is limited to history_hours long
        TimeRange ahead = TimeRange.of(String.valueOf(NOW - DAY.toMillis()), String.valueOf(NOW + 3_600_000), NOW, DAY);
        assertThat(ahead.clamped()).isTrue();
        assertThat(ahead.to() - ahead.from()).isEqualTo(DAY.toMillis());
        TimeRange gone = TimeRange.of("0", "1000", NOW, DAY);
        assertThat(gone.clamped()).isTrue();
        assertThat(gone.from()).isEqualTo(1000);
        assertThat(gone.to()).isEqualTo(1000);
        TimeRange inside = TimeRange.of(String.valueOf(NOW - DAY.toMillis()), null, NOW, DAY);
        assertThat(inside.clamped()).isFalse();
    }
}
