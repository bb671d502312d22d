package io.xiaozhi.pipeline.gateway.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The device sessions' meters: frames in and out, hello latency, turns by outcome, closes by reason. */
public final class SessionMetrics {

    /** How a turn ended, as far as the gateway knows. */
    public enum TurnOutcome { PUBLISHED, BUSY, TIMEOUT, ERROR, ABORTED }

    /** Why the gateway closed a session itself. */
    public enum CloseReason { NO_HELLO, NO_VOICE, IDLE, GOODBYE }

    final Counter framesIn;
    final Counter framesOut;
    final Counter textIn;
    final Timer hello;
    final Timer vad;
    final Timer firstAudio;
    final Timer overhead;
    private final Map<String, Timer> segments = new java.util.HashMap<>();
    private final Map<TurnOutcome, Counter> turns = new EnumMap<>(TurnOutcome.class);
    private final Map<CloseReason, Counter> closes = new EnumMap<>(CloseReason.class);

    public SessionMetrics(MeterRegistry registry) {
        framesIn = Counter.builder("xiaozhi.gateway.frames.in").description("binary frames received from devices").register(registry);
        framesOut = Counter.builder("xiaozhi.gateway.frames.out").description("audio frames sent to devices").register(registry);
        textIn = Counter.builder("xiaozhi.gateway.messages.in").description("text messages received from devices").register(registry);
        hello = Timer.builder("xiaozhi.gateway.hello").description("from connection to the device's hello")
                .publishPercentiles(0.5, 0.99).register(registry);
        vad = Timer.builder("xiaozhi.gateway.vad").description("VAD time per uplink packet (decode excluded)")
                .publishPercentiles(0.5, 0.99).register(registry);
        firstAudio = Timer.builder("xiaozhi.gateway.turn.first_audio")
                .description("from the end of the user's speech (or text) to the first packet of the reply sent to the device")
                .register(registry);
        overhead = Timer.builder("xiaozhi.gateway.turn.overhead")
                .description("the pipeline's own share of turn.first_audio: that latency less the time the providers took on the way"
                        + " (xz.provider-ms of the first audio)")
                .register(registry);
        for (String segment : TurnSegments.NAMES) {
            segments.put(segment, Timer.builder("xiaozhi.gateway.turn.segment").tag("segment", segment)
                    .description("where a turn's time to its first audio went, segment by segment, from the stages' timings")
                    .register(registry));
        }
        for (TurnOutcome outcome : TurnOutcome.values()) {
            turns.put(outcome, Counter.builder("xiaozhi.gateway.turns").tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .description("turns by outcome").register(registry));
        }
        for (CloseReason reason : CloseReason.values()) {
            closes.put(reason, Counter.builder("xiaozhi.gateway.sessions.closed").tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .description("sessions the gateway closed itself").register(registry));
        }
    }

    void segments(Map<String, Long> millis) {
        millis.forEach((name, value) -> {
            Timer timer = segments.get(name);
            if (timer != null) {
                timer.record(value, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        });
    }

    void turn(TurnOutcome outcome) {
        turns.get(outcome).increment();
    }

    void closed(CloseReason reason) {
        closes.get(reason).increment();
    }
}
