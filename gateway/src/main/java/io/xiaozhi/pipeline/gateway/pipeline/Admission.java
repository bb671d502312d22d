package io.xiaozhi.pipeline.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides, before a turn is published, whether its first stage can serve it in time.
 *
 * <p><b>With a fresh value of the monitor's lag feed</b> for the stage ({@link LagFeed}: at most
 * {@code 3 × monitor.lag_interval + 5 s} old):
 * <ul>
 *   <li>refused as {@code stopped} when the stage's state is STOP or its group has no member: nothing
 *       would serve the turn, so the device hears at once that the server is busy instead of waiting
 *       for the turn to time out;</li>
 *   <li>refused as {@code queue} when {@code records + admitted ≥ queue_size + workers × max_concurrent}.
 *       {@code records} is the group's lag, which counts the requests the workers hold in flight as
 *       well as those waiting (a stage commits up to its oldest request in flight), so what the
 *       running workers hold ({@code workers = ceil(members / consumers)} processes of
 *       {@code max_concurrent} each) is added to {@code queue_size}: more workers admit more.
 *       {@code admitted} is the turns this gateway admitted at the stage since the value was measured,
 *       which the value cannot count yet (the feed lags reality by up to an interval); other gateways'
 *       turns of that time are not known here, so near the limit several gateways may overshoot it by
 *       what each admits in one interval;</li>
 *   <li>admitted otherwise, however many turns this gateway has outstanding: the feed is the measure.</li>
 * </ul>
 *
 * <p><b>The stages after the first</b> are checked too, by the feed only: a voice turn is refused
 * when the LLM or TTS stage it will reach is STOP, has no member, or already has
 * {@code records ≥ queue_size + workers × max_concurrent}, and a text turn likewise for TTS, so a
 * slow later stage does not fill up while its first stage still has room. The refusal is counted
 * under the stage that was full. (Turns admitted since the value are not added there: a turn reaches a
 * later stage only after the earlier ones, by when the next value counts it.)
 *
 * <p><b>Without one</b> (no monitor running, or it stopped publishing) the measure is this gateway's
 * own count of turns outstanding at the stage (published and not yet answered): a turn is admitted
 * while that count is below what one worker holds in flight ({@code max_concurrent}) plus the stage's
 * {@code queue_size}, and refused as {@code local} otherwise.
 *
 * <p>Refusals are counted by stage and reason ({@code xiaozhi.gateway.turns.refused{stage, reason=queue|stopped|local}});
 * the outstanding count is the gauge {@code xiaozhi.gateway.turns.outstanding{stage}} whichever rule
 * decided. The device is told at once that the server is busy. Thread-safe.
 */
public final class Admission {

    /** Why a turn was refused: the tag {@code reason} of {@code xiaozhi.gateway.turns.refused}. */
    public enum Refusal {
        /** The lag feed shows the stage's queue full. */
        QUEUE,
        /** The lag feed shows no worker serving the stage. */
        STOPPED,
        /** No fresh lag feed, and this gateway's own outstanding turns fill the stage. */
        LOCAL;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Stage, Gate> gates = new EnumMap<>(Stage.class);
    private final LagFeed feed;
    private final LongSupplier clock;

    /** Admission by this gateway's own count only. */
    public Admission(PerformanceConfig.AiProviders limits, MeterRegistry meters) {
        this(limits, meters, null, System::currentTimeMillis);
    }

    /**
     * Admission by the lag feed while it is fresh, by this gateway's own count otherwise.
     *
     * @param feed  the lag feed, or {@code null} for the own count only
     * @param clock epoch milliseconds, the clock feed values are judged fresh by
     */
    public Admission(PerformanceConfig.AiProviders limits, MeterRegistry meters, LagFeed feed, LongSupplier clock) {
        this.feed = feed;
        this.clock = clock;
        long horizon = feed != null ? feed.freshness().toMillis() : 0;
        for (Stage stage : Stage.values()) {
            gates.put(stage, new Gate(stage, limits.of(stage), horizon, meters));
        }
    }

    /**
     * Takes a place at {@code stage}, or returns false (and counts the refusal) when it cannot serve the
     * turn: first the stages the turn will reach after it are checked against the feed, then the
     * stage itself.
     */
    public boolean tryAdmit(Stage stage) {
        long now = clock.getAsLong();
        if (feed != null) {
            for (Stage next : after(stage)) {
                Optional<StageLag> lag = feed.fresh(next, now);
                if (lag.isPresent() && !gates.get(next).canTake(lag.get(), 0)) {
                    return false;
                }
            }
        }
        Optional<StageLag> lag = feed != null ? feed.fresh(stage, now) : Optional.empty();
        return gates.get(stage).tryAdmit(lag, now);
    }

    /** The stages a turn that enters at {@code stage} goes through after it. */
    static List<Stage> after(Stage stage) {
        return switch (stage) {
            case ASR -> List.of(Stage.LLM, Stage.TTS);
            case LLM -> List.of(Stage.TTS);
            default -> List.of();
        };
    }

    /** Gives back the place of a turn that was answered, failed, timed out or was aborted. */
    public void finished(Stage stage) {
        gates.get(stage).outstanding.updateAndGet(n -> Math.max(0, n - 1));
    }

    public int outstanding(Stage stage) {
        return gates.get(stage).outstanding.get();
    }

    /** What this gateway admits at {@code stage} by its own count: {@code max_concurrent + queue_size}. */
    public int capacity(Stage stage) {
        return gates.get(stage).capacity;
    }

    /** One stage's counts. */
    private static final class Gate {

        private final PerformanceConfig.StageLimits limits;
        private final int capacity;
        private final long horizon;
        private final AtomicInteger outstanding = new AtomicInteger();
        /**
         * When this gateway admitted the turns the latest feed value cannot count yet (epoch ms), oldest
         * first; kept only when there is a feed.
         */
        private final Deque<Long> admitted = new ArrayDeque<>();
        private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);

        Gate(Stage stage, PerformanceConfig.StageLimits limits, long horizon, MeterRegistry meters) {
            this.limits = limits;
            this.capacity = limits.maxConcurrent() + limits.queueSize();
            this.horizon = horizon;
            Tags tags = Tags.of("stage", stage.id());
            Gauge.builder("xiaozhi.gateway.turns.outstanding", outstanding, AtomicInteger::get).tags(tags)
                    .description("turns published and not yet answered, by first stage").register(meters);
            for (Refusal reason : Refusal.values()) {
                refused.put(reason, Counter.builder("xiaozhi.gateway.turns.refused").tags(tags.and("reason", reason.tag()))
                        .description("turns refused at admission, by the stage that could not take them and reason").register(meters));
            }
        }

        /**
         * Whether a fresh value shows room at this stage, with {@code admitted} turns on top that the
         * value cannot count yet; counts the refusal when not.
         */
        synchronized boolean canTake(StageLag lag, int admitted) {
            if (lag.state() == LagState.STOP || lag.members() == 0) {
                return refuse(Refusal.STOPPED);
            }
            long workers = ((long) lag.members() + limits.consumers() - 1) / limits.consumers();
            if (lag.records() + admitted >= limits.queueSize() + workers * limits.maxConcurrent()) {
                return refuse(Refusal.QUEUE);
            }
            return true;
        }

        synchronized boolean tryAdmit(Optional<StageLag> fresh, long now) {
            if (horizon > 0) {
                // Turns admitted before the value was measured are in it, and in every newer value; without a
                // fresh value, any that comes is at most `horizon` old.
                long counted = fresh.map(StageLag::timestamp).orElse(now - horizon);
                while (!admitted.isEmpty() && admitted.peekFirst() < counted) {
                    admitted.removeFirst();
                }
            }
            if (fresh.isPresent()) {
                if (!canTake(fresh.get(), admitted.size())) {
                    return false;
                }
            } else if (outstanding.get() >= capacity) {
                return refuse(Refusal.LOCAL);
            }
            outstanding.incrementAndGet();
            if (horizon > 0) {
                admitted.addLast(now);
            }
            return true;
        }

        private boolean refuse(Refusal reason) {
            refused.get(reason).increment();
            return false;
        }
    }
}
