package io.xiaozhi.pipeline.monitor.lag;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Turns the samples of each stage into its {@link StageLag}: lag, age, rates, state and the worker
 * count it needs. Pure: it holds a window of samples per target and reads time only from the
 * samples' timestamps (stamped by the sampler's clock), so a test drives it with made-up samples.
 * Not thread-safe: {@link LagMonitor} feeds it from one thread.
 *
 * <h2>The window</h2>
 * The samples of a target no older than {@code window + interval/2} before the newest one (half an
 * interval absorbs scheduling jitter). The window is <em>full</em> once its oldest sample is at least
 * {@code window - interval/2} older than the newest; until then (for about one window after the monitor
 * starts, or after sampling failed for a window) only STOP and OK are judged. A sample older than the
 * newest (the clock went back) starts the window afresh. Below, <em>first</em> is the oldest sample of
 * the window and <em>last</em> the newest; a partition's lag is {@code end - committed} (the committed
 * offset being the log start where the group has none).
 *
 * <h2>State, in this order (the first that holds)</h2>
 * <ol>
 *   <li><b>STOP</b>: last has lag and the group has no member (empty, dead, or never created).
 *       Nothing will serve the queue. Judged on last alone, full window or not.</li>
 *   <li><b>STALL</b>: the window is full, every sample in it has lag, last has members, and no
 *       partition's committed offset moved from first to last (the group committed nothing new, or
 *       re-committed the same offsets): the workers are in the group but stuck.</li>
 *   <li><b>WARN</b>: the window is full, every sample in it has lag, no sample has less lag than
 *       first, and last has more: the stage falls behind (whether or not commits advance). A window
 *       with one sample of zero lag is not WARN, as in Burrow: the group caught up in it.</li>
 *   <li><b>OK</b>: anything else: no lag, lag that is not growing while commits advance, or a window
 *       too short to judge.</li>
 * </ol>
 *
 * <h2>Rates and drain time</h2>
 * Over the window, from first to last: {@code drain_rate} is the advance of the group's committed
 * offsets per second (a partition where the group had no commit at first counts from its log start;
 * one where it has none at last counts nothing, so retention deleting records is not mistaken for
 * consumption), {@code arrival_rate} the advance of the end offsets per second; both 0 with a single
 * sample. {@code drain_seconds} is 0 when there is no lag, {@code records / (drain_rate - arrival_rate)}
 * when that difference is positive, and {@code null} when the queue does not shrink.
 *
 * <h2>Recommended workers</h2>
 * Worker processes in the group: {@code ceil(members / consumers)} ({@code ai_providers.<stage>.consumers}
 * consumers run in each process). What one process can do, in records per second:
 * <ul>
 *   <li><em>observed</em>: {@code drain_rate / processes};</li>
 *   <li><em>configured</em>: {@code max_concurrent / s}, where {@code s} is the stage's mean processing
 *       time in seconds when known (from the metrics), else its {@code timeout} (a floor: no request
 *       takes longer).</li>
 * </ul>
 * When the stage is saturated (lag beyond what its processes hold in flight:
 * {@code records > processes * max_concurrent}) and draining, observed is its real throughput and is
 * used; otherwise observed only says how much work there was, so the larger of the two is used.
 * Then {@code needed = ceil((arrival_rate + records / drain_target_seconds) / per_process)}: enough to
 * keep up with arrivals and empty the present queue within the target. At least 1 when the group has
 * members, lag or arrivals; 0 for an idle stage with no worker.
 */
public final class LagAnalyzer {

    private final long windowMillis;
    private final long intervalMillis;
    private final double drainTargetSeconds;
    private final PerformanceConfig.AiProviders limits;
    private final Function<Stage, OptionalDouble> meanProcessingSeconds;
    private final Map<LagTarget, Deque<LagSample>> windows = new HashMap<>();

    /**
     * @param window                {@code monitor.lag_window_seconds}
     * @param interval              {@code monitor.lag_interval}
     * @param drainTarget           {@code monitor.drain_target_seconds}
     * @param limits                the stages' {@code ai_providers} limits
     * @param meanProcessingSeconds a stage's mean processing time in seconds, when the metrics know it
     */
    public LagAnalyzer(Duration window, Duration interval, Duration drainTarget, PerformanceConfig.AiProviders limits,
                       Function<Stage, OptionalDouble> meanProcessingSeconds) {
        this.windowMillis = window.toMillis();
        this.intervalMillis = interval.toMillis();
        this.drainTargetSeconds = drainTarget.toMillis() / 1000.0;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.meanProcessingSeconds = Objects.requireNonNull(meanProcessingSeconds, "meanProcessingSeconds");
        if (windowMillis <= 0 || intervalMillis <= 0 || drainTargetSeconds <= 0) {
            throw new IllegalArgumentException("window, interval and drain target must be positive");
        }
        if (windowMillis < 2 * intervalMillis) {
            throw new IllegalArgumentException("the window must be at least two intervals long");
        }
    }

    /** An analyzer on {@code monitor.*} and {@code ai_providers.*}, without processing times. */
    public static LagAnalyzer of(PerformanceConfig performance) {
        PerformanceConfig.Monitoring monitor = performance.monitor();
        return new LagAnalyzer(Duration.ofSeconds(monitor.lagWindowSeconds()), Duration.ofSeconds(monitor.lagInterval()),
                Duration.ofSeconds(monitor.drainTargetSeconds()), performance.aiProviders(), stage -> OptionalDouble.empty());
    }

    /** Adds a sample to its target's window and returns the stage's lag as of that sample. */
    public StageLag add(LagSample sample) {
        Deque<LagSample> window = windows.computeIfAbsent(sample.target(), t -> new ArrayDeque<>());
        if (!window.isEmpty() && sample.timestamp() < window.peekLast().timestamp()) {
            window.clear();
        }
        window.addLast(sample);
        long oldestKept = sample.timestamp() - windowMillis - intervalMillis / 2;
        while (window.peekFirst().timestamp() < oldestKept) {
            window.removeFirst();
        }
        return analyze(List.copyOf(window));
    }

    /** Forgets every window (the next samples start afresh). */
    public void reset() {
        windows.clear();
    }

    private StageLag analyze(List<LagSample> window) {
        LagSample first = window.get(0);
        LagSample last = window.get(window.size() - 1);
        Stage stage = last.target().stage();
        PerformanceConfig.StageLimits stageLimits = limits.of(stage);
        boolean full = last.timestamp() - first.timestamp() >= windowMillis - intervalMillis / 2;

        double seconds = (last.timestamp() - first.timestamp()) / 1000.0;
        double drainRate = seconds > 0 ? drained(first, last) / seconds : 0;
        double arrivalRate = seconds > 0 ? arrived(first, last) / seconds : 0;
        long records = last.records();
        Double drainSeconds = records == 0 ? Double.valueOf(0)
                : drainRate - arrivalRate > 0 ? Double.valueOf(records / (drainRate - arrivalRate)) : null;

        List<StageLag.Partition> partitions = last.partitions().stream()
                .map(p -> new StageLag.Partition(p.partition(), p.end(), p.committed(), p.records(), p.ageSeconds(last.timestamp())))
                .toList();
        double age = partitions.stream().mapToDouble(StageLag.Partition::seconds).max().orElse(0);
        return new StageLag(stage, last.target().group(), last.target().topic(), last.timestamp(), records, age,
                state(window, full), last.members(), drainRate, arrivalRate, drainSeconds,
                recommendedWorkers(stage, stageLimits, last.members(), records, drainRate, arrivalRate),
                stageLimits.queueSize(), stageLimits.maxConcurrent(), stageLimits.timeout(), partitions);
    }

    static LagState state(List<LagSample> window, boolean full) {
        LagSample first = window.get(0);
        LagSample last = window.get(window.size() - 1);
        if (last.records() > 0 && last.members() == 0) {
            return LagState.STOP;
        }
        if (!full) {
            return LagState.OK;
        }
        boolean lagThroughout = window.stream().allMatch(s -> s.records() > 0);
        if (lagThroughout && last.members() > 0 && !committedMoved(first, last)) {
            return LagState.STALL;
        }
        long firstRecords = first.records();
        if (lagThroughout && last.records() > firstRecords && window.stream().allMatch(s -> s.records() >= firstRecords)) {
            return LagState.WARN;
        }
        return LagState.OK;
    }

    /** Whether the group committed an offset at {@code last} that it had not at {@code first}, on any partition. */
    private static boolean committedMoved(LagSample first, LagSample last) {
        Map<Integer, LagSample.PartitionSample> before = byPartition(first);
        for (LagSample.PartitionSample p : last.partitions()) {
            LagSample.PartitionSample was = before.get(p.partition());
            if (p.groupCommitted() && (was == null || was.groupOffset() != p.groupOffset())) {
                return true;
            }
        }
        return false;
    }

    private static long drained(LagSample first, LagSample last) {
        Map<Integer, LagSample.PartitionSample> before = byPartition(first);
        long total = 0;
        for (LagSample.PartitionSample p : last.partitions()) {
            LagSample.PartitionSample was = before.get(p.partition());
            if (was != null && p.groupCommitted()) {
                long from = was.groupCommitted() ? was.groupOffset() : was.logStart();
                total += Math.max(0, p.groupOffset() - from);
            }
        }
        return total;
    }

    private static long arrived(LagSample first, LagSample last) {
        Map<Integer, LagSample.PartitionSample> before = byPartition(first);
        long total = 0;
        for (LagSample.PartitionSample p : last.partitions()) {
            LagSample.PartitionSample was = before.get(p.partition());
            if (was != null) {
                total += Math.max(0, p.end() - was.end());
            }
        }
        return total;
    }

    private static Map<Integer, LagSample.PartitionSample> byPartition(LagSample sample) {
        Map<Integer, LagSample.PartitionSample> map = new HashMap<>();
        sample.partitions().forEach(p -> map.put(p.partition(), p));
        return map;
    }

    private int recommendedWorkers(Stage stage, PerformanceConfig.StageLimits stageLimits, int members, long records,
                                   double drainRate, double arrivalRate) {
        int processes = (members + stageLimits.consumers() - 1) / stageLimits.consumers();
        double observed = processes > 0 ? drainRate / processes : 0;
        double meanSeconds = meanProcessingSeconds.apply(stage).orElse(0);
        double configured = stageLimits.maxConcurrent() / (meanSeconds > 0 ? meanSeconds : stageLimits.timeout());
        boolean saturated = processes > 0 && records > (long) processes * stageLimits.maxConcurrent();
        double perProcess = saturated && observed > 0 ? observed : Math.max(observed, configured);
        double demand = arrivalRate + records / drainTargetSeconds;
        long needed = demand > 0 ? (long) Math.ceil(demand / perProcess - 1e-9) : 0;
        if (members > 0 || records > 0 || arrivalRate > 0) {
            needed = Math.max(1, needed);
        }
        return (int) Math.min(Integer.MAX_VALUE, needed);
    }
}
