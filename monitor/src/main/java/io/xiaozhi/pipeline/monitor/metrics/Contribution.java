package io.xiaozhi.pipeline.monitor.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * What one snapshot of one instance adds to the window of one (service, stage): the increase of its
 * counters and timers since the instance's previous snapshot, over {@code intervalMs}, and its gauges
 * at {@code timestamp}.
 *
 * <p>For a stage of the stage runtime, requests are the requests that finished (completed, sent to the
 * dead-letter topic, or past their deadline) and errors those that failed (dead letter or deadline);
 * latency is {@code xiaozhi.stage.processing}. For the gateway (stage {@code ""}), requests are the
 * turns it was asked for (published or refused as busy) and errors the turns that failed (busy,
 * timed out, failed); latency is {@code xiaozhi.gateway.turn.first_audio}. Host and pool figures go
 * with every (service, stage) of the instance.
 *
 * @param intervalMs the time the increases cover; 0 when the snapshot only set a baseline
 * @param cpu process CPU, 0..1; {@code memory} is heap used over heap max, 0..1
 */
public record Contribution(String service, String stage, String instance, long timestamp, long intervalMs,
                           double requests, double errors, Histogram latency, Double inflight, Double connections,
                           Double cpu, Double systemCpu, Double memory, Double systemMemory, Double disk,
                           double networkReceived, double networkSent, Pool pool) {

    /** Pool gauges at {@code timestamp} and the acquire timer's increase. */
    public record Pool(double active, double idle, double pending, Histogram acquire) {
    }

    /** The (service, stage) key of the window this goes to: {@code service} or {@code service/stage}. */
    public String windowKey() {
        return WindowStats.key(service, stage);
    }

    /** How a snapshot relates to the one before it. */
    enum Continuity {
        /** The first snapshot of an instance that has run for a while: it only sets the baseline. */
        BASELINE,
        /** The first snapshot of an instance that started recently: everything it counted is new. */
        FRESH,
        /** The instance restarted since its previous snapshot (counters went down or its start time changed). */
        RESTARTED,
        /** The next snapshot of a running instance. */
        CONTINUED
    }

    /**
     * The contributions of {@code current} given the instance's {@code previous} sample (null for
     * the first one seen). A first sample whose uptime is at most {@code freshWithinMs} counts whole
     * (its process started within about one publishing interval); an older first sample only sets a
     * baseline, so a monitor started late does not see hours of counts as one window's traffic. After
     * a restart the new values are the increase, over the new process's uptime when known.
     * Network counters are the host's, not the process's, so they are differenced only between
     * continued snapshots.
     */
    public static List<Contribution> between(InstanceSample previous, InstanceSample current, long freshWithinMs) {
        Continuity continuity = continuity(previous, current, freshWithinMs);
        InstanceSample base = switch (continuity) {
            case BASELINE -> current;
            case FRESH, RESTARTED -> null;
            case CONTINUED -> previous;
        };
        long interval = switch (continuity) {
            case BASELINE -> 0;
            case FRESH -> Math.max(1, current.uptimeMs().longValue());
            case RESTARTED -> {
                long since = current.timestamp() - previous.timestamp();
                yield current.uptimeMs() != null ? Math.max(1, Math.min(since, current.uptimeMs().longValue())) : since;
            }
            case CONTINUED -> current.timestamp() - previous.timestamp();
        };
        InstanceSample.HostFigures host = current.host();
        double received = 0;
        double sent = 0;
        if (continuity == Continuity.CONTINUED) {
            received = increase(host.networkReceived(), previous.host().networkReceived());
            sent = increase(host.networkSent(), previous.host().networkSent());
        }
        Pool pool = null;
        if (current.pool() != null) {
            Histogram acquireBase = base == null || base.pool() == null ? null : base.pool().acquire();
            pool = new Pool(current.pool().active(), current.pool().idle(), current.pool().pending(),
                    current.pool().acquire().since(acquireBase));
        }
        List<Contribution> out = new ArrayList<>();
        for (var entry : current.stages().entrySet()) {
            InstanceSample.StageFigures now = entry.getValue();
            InstanceSample.StageFigures before = base == null ? null : base.stages().get(entry.getKey());
            double completed = delta(now.completed(), before == null ? null : before.completed());
            double failed = delta(now.deadLetters(), before == null ? null : before.deadLetters())
                    + delta(now.expired(), before == null ? null : before.expired());
            Histogram latency = now.processing().since(before == null ? null : before.processing());
            out.add(new Contribution(current.service(), entry.getKey(), current.instance(), current.timestamp(), interval,
                    completed + failed, failed, latency, now.inflight(), null, host.processCpu(), host.systemCpu(), host.heap(),
                    host.systemMemory(), host.disk(), received, sent, pool));
        }
        if (current.gateway() != null || current.stages().isEmpty()) {
            double requests = 0;
            double errors = 0;
            Histogram latency = Histogram.EMPTY;
            Double connections = null;
            InstanceSample.GatewayFigures now = current.gateway();
            if (now != null) {
                InstanceSample.GatewayFigures before = base == null ? null : base.gateway();
                double busy = delta(now.busy(), before == null ? null : before.busy());
                double failed = busy + delta(now.timedOut(), before == null ? null : before.timedOut())
                        + delta(now.failed(), before == null ? null : before.failed());
                requests = delta(now.published(), before == null ? null : before.published()) + busy;
                errors = failed;
                latency = now.firstAudio().since(before == null ? null : before.firstAudio());
                connections = now.connections();
            }
            out.add(new Contribution(current.service(), "", current.instance(), current.timestamp(), interval, requests, errors,
                    latency, null, connections, host.processCpu(), host.systemCpu(), host.heap(), host.systemMemory(), host.disk(),
                    received, sent, pool));
        }
        return out;
    }

    static Continuity continuity(InstanceSample previous, InstanceSample current, long freshWithinMs) {
        if (previous == null) {
            return current.uptimeMs() != null && current.uptimeMs() <= freshWithinMs ? Continuity.FRESH : Continuity.BASELINE;
        }
        return restarted(previous, current) ? Continuity.RESTARTED : Continuity.CONTINUED;
    }

    /** The process's start time moved, or a counter of the process went down. */
    static boolean restarted(InstanceSample previous, InstanceSample current) {
        if (previous.startTimeMs() != null && current.startTimeMs() != null
                && Math.abs(current.startTimeMs() - previous.startTimeMs()) > 1000) {
            return true;
        }
        for (var entry : current.stages().entrySet()) {
            InstanceSample.StageFigures before = previous.stages().get(entry.getKey());
            InstanceSample.StageFigures now = entry.getValue();
            if (before != null && (now.completed() < before.completed() || now.deadLetters() < before.deadLetters()
                    || now.expired() < before.expired() || now.processing().wentDownFrom(before.processing()))) {
                return true;
            }
        }
        InstanceSample.GatewayFigures before = previous.gateway();
        InstanceSample.GatewayFigures now = current.gateway();
        if (before != null && now != null && (now.published() < before.published() || now.busy() < before.busy()
                || now.timedOut() < before.timedOut() || now.failed() < before.failed() || now.firstAudio().wentDownFrom(before.firstAudio()))) {
            return true;
        }
        return previous.pool() != null && current.pool() != null && current.pool().acquire().wentDownFrom(previous.pool().acquire());
    }

    private static double delta(double now, Double before) {
        return before == null ? now : Math.max(0, now - before);
    }

    private static double increase(Double now, Double before) {
        return now != null && before != null && now >= before ? now - before : 0;
    }
}
