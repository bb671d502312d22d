package io.xiaozhi.pipeline.common.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Turns cancelled on {@code xiaozhi.control}, remembered for a while, and the handler contexts of
 * those turns currently in flight, which are told at once.
 */
final class CancellationRegistry {

    private final Map<String, Long> cancelledUntil = new ConcurrentHashMap<>();
    private final Map<String, Set<AttemptContext>> inFlight = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final long rememberMs;

    CancellationRegistry(LongSupplier clock, Duration remember) {
        this.clock = clock;
        this.rememberMs = remember.toMillis();
    }

    void cancel(String turnId) {
        long now = clock.getAsLong();
        cancelledUntil.put(turnId, now + rememberMs);
        Set<AttemptContext> contexts = inFlight.get(turnId);
        if (contexts != null) {
            contexts.forEach(AttemptContext::cancel);
        }
        if (cancelledUntil.size() > 10_000) {
            cancelledUntil.values().removeIf(until -> until < now);
        }
    }

    boolean isCancelled(String turnId) {
        Long until = cancelledUntil.get(turnId);
        return until != null && until >= clock.getAsLong();
    }

    /** Registers a running attempt; it is cancelled at once if its turn already is. */
    void track(String turnId, AttemptContext context) {
        inFlight.computeIfAbsent(turnId, k -> ConcurrentHashMap.newKeySet()).add(context);
        if (isCancelled(turnId)) {
            context.cancel();
        }
    }

    void untrack(String turnId, AttemptContext context) {
        inFlight.computeIfPresent(turnId, (k, set) -> {
            set.remove(context);
            return set.isEmpty() ? null : set;
        });
    }
}
