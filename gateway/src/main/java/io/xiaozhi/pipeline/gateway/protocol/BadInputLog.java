package io.xiaozhi.pipeline.gateway.protocol;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bad-input account of one device session: every bad input increments the counter
 * {@value #METER} tagged with its {@code reason}, and the first of each reason in the session is
 * logged (later ones are only counted, so a misbehaving device cannot flood the log).
 */
public final class BadInputLog {

    /** The name of the counter. */
    public static final String METER = "xiaozhi.gateway.bad_input";

    private static final Logger LOG = LoggerFactory.getLogger(BadInputLog.class);
    private static final int MAX_DETAIL_CHARS = 200;

    private final MeterRegistry registry;
    private final String sessionId;
    private final Map<BadInputReason, AtomicLong> counts = new EnumMap<>(BadInputReason.class);
    private final Set<BadInputReason> logged = ConcurrentHashMap.newKeySet();

    /** An account for the session {@code sessionId} whose counters live in {@code registry}. */
    public BadInputLog(MeterRegistry registry, String sessionId) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        for (BadInputReason reason : BadInputReason.values()) {
            counts.put(reason, new AtomicLong());
        }
    }

    /** Counts one bad input, and logs it if it is the session's first of that reason. */
    public void record(BadInputReason reason, String detail) {
        Objects.requireNonNull(reason, "reason");
        counts.get(reason).incrementAndGet();
        counter(reason).increment();
        if (logged.add(reason)) {
            LOG.warn("Bad input from session {}: {} ({}); further ones of this reason are only counted",
                    sessionId, reason.tagValue(), printable(detail));
        }
    }

    /** Counts a rejected frame. */
    public void record(DecodedFrame.BadFrame frame) {
        record(frame.reason(), frame.detail());
    }

    /** Counts a rejected message. */
    public void record(ParseResult.Bad<?> rejected) {
        record(rejected.reason(), rejected.detail());
    }

    /** How many bad inputs of {@code reason} this session has had. */
    public long count(BadInputReason reason) {
        return counts.get(reason).get();
    }

    private Counter counter(BadInputReason reason) {
        return Counter.builder(METER)
                .tag("reason", reason.tagValue())
                .description("Frames and messages from devices that were rejected, by reason")
                .register(registry);
    }

    /** The detail cut to a bounded length with control characters replaced, so it is safe to log. */
    static String printable(String detail) {
        if (detail == null) {
            return "";
        }
        String cut = detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) + "…" : detail;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return out.toString();
    }
}
