package io.xiaozhi.pipeline.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BadInputLogTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void countsEveryBadInputByReason() {
        BadInputLog log = new BadInputLog(registry, "S1");
        log.record(BadInputReason.MALFORMED_JSON, "x");
        log.record(BadInputReason.MALFORMED_JSON, "y");
        log.record(new DecodedFrame.BadFrame(BadInputReason.HEADER_SIZE_MISMATCH, "v2 header says 3"));
        log.record(new ParseResult.Bad<DeviceMessage>(BadInputReason.TEXT_TOO_LARGE, "big"));
        assertThat(counter(BadInputReason.MALFORMED_JSON)).isEqualTo(2.0);
        assertThat(counter(BadInputReason.HEADER_SIZE_MISMATCH)).isEqualTo(1.0);
        assertThat(counter(BadInputReason.TEXT_TOO_LARGE)).isEqualTo(1.0);
        assertThat(registry.find(BadInputLog.METER).tag("reason", "empty_frame").counter()).isNull();
        assertThat(log.count(BadInputReason.MALFORMED_JSON)).isEqualTo(2);
        assertThat(log.count(BadInputReason.EMPTY_FRAME)).isZero();
    }

    @Test
    void sessionsShareTheCounterButNotTheirOwnCounts() {
        BadInputLog first = new BadInputLog(registry, "S1");
        BadInputLog second = new BadInputLog(registry, "S2");
        first.record(BadInputReason.EMPTY_FRAME, "empty");
        second.record(BadInputReason.EMPTY_FRAME, "empty");
        second.record(BadInputReason.EMPTY_FRAME, "empty");
        assertThat(counter(BadInputReason.EMPTY_FRAME)).isEqualTo(3.0);
        assertThat(first.count(BadInputReason.EMPTY_FRAME)).isEqualTo(1);
        assertThat(second.count(BadInputReason.EMPTY_FRAME)).isEqualTo(2);
    }

    @Test
    void logsOneLinePerSessionAndReason() {
        Logger logger = (Logger) LoggerFactory.getLogger(BadInputLog.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            BadInputLog first = new BadInputLog(registry, "S1");
            BadInputLog second = new BadInputLog(registry, "S2");
            for (int i = 0; i < 5; i++) {
                first.record(BadInputReason.EMPTY_FRAME, "empty " + i);
                first.record(BadInputReason.MISSING_TYPE, "no type");
                second.record(BadInputReason.EMPTY_FRAME, "empty " + i);
            }
            assertThat(lines.list).hasSize(3);
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).contains("S1").contains("empty_frame").contains("empty 0"))
                    .anySatisfy(line -> assertThat(line).contains("S1").contains("missing_type"))
                    .anySatisfy(line -> assertThat(line).contains("S2").contains("empty_frame"));
            assertThat(first.count(BadInputReason.EMPTY_FRAME)).isEqualTo(5);
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void loggedDetailIsBoundedAndSingleLine() {
        String printable = BadInputLog.printable("line1\nline2\u0000" + "z".repeat(500));
        assertThat(printable).doesNotContain("\n").doesNotContain("\u0000").startsWith("line1?line2?");
        assertThat(printable.length()).isLessThanOrEqualTo(201);
        assertThat(BadInputLog.printable(null)).isEmpty();
    }

    @Test
    void tagValuesAreLowerCase() {
        assertThat(BadInputReason.UNKNOWN_FRAME_TYPE.tagValue()).isEqualTo("unknown_frame_type");
    }

    private double counter(BadInputReason reason) {
        return registry.get(BadInputLog.METER).tag("reason", reason.tagValue()).counter().count();
    }
}
