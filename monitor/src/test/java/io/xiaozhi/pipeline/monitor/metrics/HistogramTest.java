package io.xiaozhi.pipeline.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HistogramTest {

    private static Histogram of(long count, double maxMs, double[] bounds, long[] cumulative) {
        return new Histogram(count, 0, maxMs, bounds, cumulative);
    }

    @Test
    void percentilesInterpolateLinearlyInsideTheBucketOfTheRank() {
        // 10 values in (0, 10], 30 in (10, 20], 60 in (20, 40]
        Histogram h = of(100, 40, new double[] {10, 20, 40}, new long[] {10, 40, 100});
        assertThat(h.percentile(0.10)).isCloseTo(10.0, within(1e-9));
        assertThat(h.percentile(0.25)).isCloseTo(15.0, within(1e-9));
        assertThat(h.percentile(0.50)).isCloseTo(20 + 20 * (10.0 / 60), within(1e-9));
        assertThat(h.percentile(0.99)).isCloseTo(20 + 20 * (59.0 / 60), within(1e-9));
        assertThat(h.percentile(0.05)).isCloseTo(5.0, within(1e-9));
    }

    @Test
    void ranksPastTheLastBoundReachTowardsTheMaximum() {
        Histogram h = of(10, 100, new double[] {10, 20}, new long[] {5, 8});
        // ranks 8..10 lie in (20, max 100]
        assertThat(h.percentile(0.9)).isCloseTo(20 + 80 * 0.5, within(1e-9));
        assertThat(of(10, 15, new double[] {10, 20}, new long[] {5, 8}).percentile(0.9)).isEqualTo(20.0);
    }

    @Test
    void nothingCountedHasNoPercentiles() {
        assertThat(Histogram.EMPTY.percentile(0.5)).isNull();
        assertThat(new Histogram(5, 50, 20, new double[0], new long[0]).percentile(0.5)).as("no buckets").isNull();
        assertThat(new Histogram(5, 50, 20, new double[0], new long[0]).meanMs()).isEqualTo(10.0);
    }

    @Test
    void theIncreaseSubtractsBucketByBucketAndARestartTakesTheNewReading() {
        Histogram before = new Histogram(10, 100, 20, new double[] {10, 20}, new long[] {4, 10});
        Histogram after = new Histogram(15, 180, 30, new double[] {10, 20}, new long[] {6, 13});
        Histogram increase = after.since(before);
        assertThat(increase.count()).isEqualTo(5);
        assertThat(increase.totalMs()).isEqualTo(80.0);
        assertThat(increase.cumulative()).containsExactly(2, 3);
        Histogram restarted = new Histogram(3, 30, 12, new double[] {10, 20}, new long[] {1, 3});
        assertThat(restarted.wentDownFrom(after)).isTrue();
        assertThat(restarted.since(after)).isEqualTo(restarted);
    }

    @Test
    void histogramsWithDifferentBoundsMergeOnTheUnionOfBounds() {
        Histogram a = of(4, 20, new double[] {10, 20}, new long[] {2, 4});
        Histogram b = of(6, 30, new double[] {15, 30}, new long[] {3, 6});
        Histogram sum = a.plus(b);
        assertThat(sum.bounds()).containsExactly(10, 15, 20, 30);
        // a counts 2 at 15 (its count at 10), b counts 3 at 20 (its count at 15)
        assertThat(sum.cumulative()).containsExactly(2, 5, 7, 10);
        assertThat(sum.count()).isEqualTo(10);
        assertThat(sum.maxMs()).isEqualTo(30.0);
        assertThat(Histogram.EMPTY.plus(a)).isEqualTo(a);
    }
}
