package io.xiaozhi.pipeline.loadtest.fleet;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a fleet measured, shared by its devices: the latency histograms, the turns by outcome, the
 * frames (received, late, malformed), connections and the first-audio latency of each turn over time.
 * Thread-safe.
 */
public final class FleetStats {

    /** How a turn ended. */
    public enum Outcome {
        /** {@code stt}, the reply and {@code tts stop}. */
        OK,
        /** An alert other than the apology before {@code stt}: the server refused the turn. */
        BUSY,
        /** No {@code tts stop} within the turn timeout. */
        TIMEOUT,
        /** The apology alert ({@code status: Error}), or the connection was lost during the turn. */
        ERROR
    }

    /** One turn's first audio latency at a moment of the run. */
    public record Point(double atSeconds, double firstAudioMs) {
    }

    public static final int MAX_POINTS = 50_000;

    final Histogram connect = new Histogram();
    final Histogram hello = new Histogram();
    final Histogram stt = new Histogram();
    final Histogram firstAudio = new Histogram();
    final Histogram ttsStop = new Histogram();
    final Histogram busy = new Histogram();
    final Histogram frameGap = new Histogram();
    final LongAdder frames = new LongAdder();
    final LongAdder lateFrames = new LongAdder();
    final LongAdder badFrames = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder helloTimeouts = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder otherAlerts = new LongAdder();
    final AtomicInteger connected = new AtomicInteger();
    private final Map<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
    private final List<Point> points = new ArrayList<>();
    private final long startNanos;

    public FleetStats(long startNanos) {
        this.startNanos = startNanos;
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, new LongAdder());
        }
    }

    void outcome(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    void firstAudio(long nowNanos, long latencyNanos) {
        firstAudio.recordNanos(latencyNanos);
        synchronized (points) {
            if (points.size() < MAX_POINTS) {
                points.add(new Point((nowNanos - startNanos) / 1e9, latencyNanos / 1e6));
            }
        }
    }

    public long turns(Outcome outcome) {
        return outcomes.get(outcome).sum();
    }

    public long turns() {
        return outcomes.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Histogram connect() {
        return connect;
    }

    public Histogram hello() {
        return hello;
    }

    public Histogram stt() {
        return stt;
    }

    public Histogram firstAudio() {
        return firstAudio;
    }

    /** End of speech to the busy alert, for turns the server refused after the speech ended. */
    public Histogram busy() {
        return busy;
    }

    public Histogram ttsStop() {
        return ttsStop;
    }

    public Histogram frameGap() {
        return frameGap;
    }

    public long frames() {
        return frames.sum();
    }

    public long lateFrames() {
        return lateFrames.sum();
    }

    public long badFrames() {
        return badFrames.sum();
    }

    /** Late frames over frames received in turns, 0 when none were received. */
    public double lateShare() {
        long n = frames();
        return n == 0 ? 0 : (double) lateFrames() / n;
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long helloTimeouts() {
        return helloTimeouts.sum();
    }

    public long disconnects() {
        return disconnects.sum();
    }

    public long otherAlerts() {
        return otherAlerts.sum();
    }

    public int connected() {
        return connected.get();
    }

    /** Errors as the SLO counts them: error and timeout turns, failed connections and hellos. */
    public long errors() {
        return turns(Outcome.ERROR) + turns(Outcome.TIMEOUT) + connectFailures() + helloTimeouts();
    }

    public List<Point> points() {
        synchronized (points) {
            return List.copyOf(points);
        }
    }
}
