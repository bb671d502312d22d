package io.xiaozhi.pipeline.monitor.metrics;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * A timer's count, total and histogram as a metric snapshot carries it: cumulative counts at upper
 * bounds in milliseconds ({@code cumulative[i]} values were at most {@code bounds[i]}). The same type
 * holds a cumulative reading since a process started and the increase between two readings, since
 * the difference of cumulative counts is the cumulative count of the differences.
 *
 * <p>Percentiles ({@link #percentile}) interpolate linearly inside the bucket that holds the wanted
 * rank, as Prometheus' {@code histogram_quantile} does: with {@code N} values, rank {@code r = q·N}
 * falls in the first bucket whose cumulative count {@code C_i >= r}, and the estimate is
 * {@code L + (U - L)·(r - C_{i-1})/(C_i - C_{i-1})} with {@code L}, {@code U} the bucket's lower and
 * upper bounds (the first bucket starts at 0). So the estimate always lies in the bucket of the true
 * value; its error is at most the bucket's width. Ranks past the last finite bound (values longer than
 * it) are interpolated between that bound and the largest recent maximum ({@code max_ms}), or given as
 * the bound when no larger maximum is known.
 */
public record Histogram(long count, double totalMs, double maxMs, double[] bounds, long[] cumulative) {

    public static final Histogram EMPTY = new Histogram(0, 0, 0, new double[0], new long[0]);

    public Histogram {
        if (bounds.length != cumulative.length) {
            throw new IllegalArgumentException("bounds and counts differ in length");
        }
    }

    /** Whether {@code previous} counted more than this: the process was restarted in between. */
    public boolean wentDownFrom(Histogram previous) {
        return previous != null && count < previous.count;
    }

    /**
     * The increase since {@code previous} (null: everything counted so far). Buckets are subtracted
     * bound by bound; if the bounds changed (another histogram configuration), this reading's
     * buckets are taken whole. The maximum is this reading's: it is not a sum and cannot be differenced.
     */
    public Histogram since(Histogram previous) {
        if (previous == null || wentDownFrom(previous)) {
            return this;
        }
        long[] counts;
        if (Arrays.equals(bounds, previous.bounds)) {
            counts = new long[cumulative.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = Math.max(0, cumulative[i] - previous.cumulative[i]);
            }
        } else {
            counts = cumulative.clone();
        }
        return new Histogram(count - previous.count, Math.max(0, totalMs - previous.totalMs), maxMs, bounds.clone(), counts);
    }

    /**
     * The two histograms as one. Bounds are the union of both; where one side lacks a bound, its
     * cumulative count at its largest bound below is used (exact when both have the same bounds, as
     * every service's {@code xiaozhi.*} timers do).
     */
    public Histogram plus(Histogram other) {
        if (other == null || other.count == 0 && other.bounds.length == 0) {
            return this;
        }
        if (count == 0 && bounds.length == 0) {
            return other;
        }
        double[] union;
        if (Arrays.equals(bounds, other.bounds)) {
            union = bounds.clone();
        } else {
            TreeSet<Double> all = new TreeSet<>();
            for (double b : bounds) {
                all.add(b);
            }
            for (double b : other.bounds) {
                all.add(b);
            }
            union = all.stream().mapToDouble(Double::doubleValue).toArray();
        }
        long[] counts = new long[union.length];
        for (int i = 0; i < union.length; i++) {
            counts[i] = countAt(union[i]) + other.countAt(union[i]);
        }
        return new Histogram(count + other.count, totalMs + other.totalMs, Math.max(maxMs, other.maxMs), union, counts);
    }

    /** Cumulative count at {@code bound}: the count at the largest own bound not above it. */
    private long countAt(double bound) {
        int index = Arrays.binarySearch(bounds, bound);
        if (index >= 0) {
            return cumulative[index];
        }
        int below = -index - 2;
        return below >= 0 ? cumulative[below] : 0;
    }

    /** Mean in milliseconds, or null when nothing was counted. */
    public Double meanMs() {
        return count > 0 ? totalMs / count : null;
    }

    /** The {@code q} quantile (0 < q <= 1) in milliseconds, or null when nothing was counted or there are no buckets. */
    public Double percentile(double q) {
        if (count <= 0 || bounds.length == 0) {
            return null;
        }
        double rank = q * count;
        double lower = 0;
        long below = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= rank && cumulative[i] > below) {
                double fraction = (rank - below) / (cumulative[i] - below);
                return lower + (bounds[i] - lower) * fraction;
            }
            lower = bounds[i];
            below = cumulative[i];
        }
        // the rank lies past the last finite bound
        if (maxMs > lower && count > below) {
            return lower + (maxMs - lower) * Math.min(1.0, (rank - below) / (count - below));
        }
        return lower;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Histogram h && count == h.count && Double.compare(totalMs, h.totalMs) == 0
                && Double.compare(maxMs, h.maxMs) == 0 && Arrays.equals(bounds, h.bounds) && Arrays.equals(cumulative, h.cumulative);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Arrays.hashCode(cumulative);
    }

    @Override
    public String toString() {
        return "Histogram[count=" + count + ", totalMs=" + totalMs + ", maxMs=" + maxMs + ", buckets=" + bounds.length + "]";
    }
}
