package io.xiaozhi.pipeline.monitor.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The analyzer on made-up samples, one second apart, with a 4 s window: no broker, no waiting. */
class LagAnalyzerTest {

    private static final LagTarget ASR = new LagTarget(Stage.ASR, "g", "t");
    /** max_concurrent 2, queue 10, timeout 20 s, 1 consumer per process. */
    private static final PerformanceConfig.StageLimits LIMITS = new PerformanceConfig.StageLimits(2, 10, 20, 1);

    private long now = 1_700_000_000_000L;
    private LagAnalyzer analyzer = analyzer(LIMITS, OptionalDouble.empty());

    private static LagAnalyzer analyzer(PerformanceConfig.StageLimits limits, OptionalDouble meanSeconds) {
        return new LagAnalyzer(Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(10),
                new PerformanceConfig.AiProviders(limits, limits, limits, limits, new PerformanceConfig.RetryPolicy(3, 200, 2000)),
                stage -> meanSeconds);
    }

    /** One partition: log start 0, the given end and committed offset (-1: none), the oldest record {@code age} ms old. */
    private StageLag sample(int members, long end, long committed, long ageMillis) {
        return samples(members, new long[] {0, end, committed, ageMillis});
    }

    /** Partitions as {logStart, end, groupOffset, ageMillis}; then the clock moves on by one second. */
    private StageLag samples(int members, long[]... partitions) {
        List<LagSample.PartitionSample> list = new ArrayList<>();
        for (int i = 0; i < partitions.length; i++) {
            long[] p = partitions[i];
            list.add(new LagSample.PartitionSample(i, p[0], p[1], p[2], p[3] < 0 ? -1 : now - p[3]));
        }
        StageLag lag = analyzer.add(new LagSample(ASR, now, members, members > 0 ? "Stable" : "Empty", list));
        now += 1000;
        return lag;
    }

    @Test
    void noLagIsOkWithOrWithoutMembers() {
        StageLag idle = sample(0, 100, 100, -1);
        assertThat(idle.state()).isEqualTo(LagState.OK);
        assertThat(idle.records()).isZero();
        assertThat(idle.seconds()).isZero();
        assertThat(idle.drainSeconds()).isZero();
        assertThat(idle.recommendedWorkers()).as("an idle stage with no worker needs none").isZero();
        assertThat(sample(2, 100, 100, -1).recommendedWorkers()).as("one with workers keeps one").isEqualTo(1);
    }

    @Test
    void lagWithoutMembersIsStopAtOnceWithoutWaitingForTheWindow() {
        StageLag lag = sample(0, 100, 90, 3000);
        assertThat(lag.state()).isEqualTo(LagState.STOP);
        assertThat(lag.records()).isEqualTo(10);
        assertThat(lag.seconds()).isEqualTo(3.0);
        assertThat(lag.recommendedWorkers()).isGreaterThanOrEqualTo(1);
        assertThat(lag.drainSeconds()).as("nothing drains it").isNull();
        assertThat(sample(0, 100, -1, 3000).state()).as("a group that never existed").isEqualTo(LagState.STOP);
    }

    @Test
    void membersThatCommitNothingNewWhileLagLastsTheWholeWindowStall() {
        List<LagState> states = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            states.add(sample(1, 100, 90, 1000L * i).state());
        }
        assertThat(states).as("OK until the window is full (4 s from the first sample), then STALL")
                .containsExactly(LagState.OK, LagState.OK, LagState.OK, LagState.OK, LagState.STALL, LagState.STALL);
    }

    @Test
    void aGroupThatNeverCommittedStallsToo() {
        LagState state = null;
        for (int i = 0; i < 5; i++) {
            state = sample(1, 100, -1, 1000L * i).state();
        }
        assertThat(state).isEqualTo(LagState.STALL);
    }

    @Test
    void oneCommitInTheWindowIsNotAStall() {
        for (int i = 0; i < 4; i++) {
            sample(1, 100, 90, 1000);
        }
        assertThat(sample(1, 100, 91, 1000).state()).isEqualTo(LagState.OK);
        // the window slides on: 4 s after the commit without another one, the group stalls again
        List<LagState> later = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            later.add(sample(1, 100, 91, 1000).state());
        }
        assertThat(later).containsExactly(LagState.OK, LagState.OK, LagState.OK, LagState.STALL);
    }

    @Test
    void lagWithoutAWholeWindowOfItIsNoStall() {
        sample(1, 100, 100, -1);
        for (int i = 0; i < 4; i++) {
            assertThat(sample(1, 100, 95, 1000).state()).isEqualTo(LagState.OK);
        }
        assertThat(sample(1, 100, 95, 1000).state()).as("the sample without lag has left the window").isEqualTo(LagState.STALL);
    }

    @Test
    void membersLeavingTurnAStallIntoAStop() {
        for (int i = 0; i < 5; i++) {
            sample(1, 100, 90, 1000);
        }
        assertThat(sample(0, 100, 90, 1000).state()).isEqualTo(LagState.STOP);
    }

    @Test
    void lagGrowingOverTheWholeWindowWhileCommitsAdvanceIsWarn() {
        List<StageLag> lags = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // 3 arrive and 1 is committed each second
            lags.add(sample(1, 100 + 3 * i, 90 + i, 1000L * (i + 1)));
        }
        StageLag last = lags.get(4);
        assertThat(lags.subList(0, 4)).allMatch(l -> l.state() == LagState.OK);
        assertThat(last.state()).isEqualTo(LagState.WARN);
        assertThat(last.records()).isEqualTo(18);
        assertThat(last.drainRate()).isCloseTo(1.0, within(1e-9));
        assertThat(last.arrivalRate()).isCloseTo(3.0, within(1e-9));
        assertThat(last.drainSeconds()).as("the queue does not shrink").isNull();
        // saturated (18 > 1 process x 2 in flight): per process 1/s observed; (3 + 18 / 10) / 1 = 4.8
        assertThat(last.recommendedWorkers()).isEqualTo(5);
    }

    @Test
    void growthWithADipBelowTheFirstSampleOrANewFirstIsNotWarn() {
        long[] lags = {5, 6, 4, 7, 8};
        StageLag last = null;
        for (int i = 0; i < lags.length; i++) {
            last = sample(1, 100 + i * 10L + lags[i], 100 + i * 10L, 1000);
        }
        assertThat(last.state()).as("one sample below the first").isEqualTo(LagState.OK);

        analyzer.reset();
        long[] flat = {5, 6, 7, 6, 5};
        for (int i = 0; i < flat.length; i++) {
            last = sample(1, 200 + i * 10L + flat[i], 200 + i * 10L, 1000);
        }
        assertThat(last.state()).as("back where it started").isEqualTo(LagState.OK);
    }

    @Test
    void growthFromAWindowWithZeroLagInItIsNotWarn() {
        long[] lags = {0, 1, 2, 3, 4};
        StageLag last = null;
        for (int i = 0; i < lags.length; i++) {
            last = sample(1, 100 + i * 10L + lags[i], 100 + i * 10L, lags[i] > 0 ? 500 : -1);
        }
        assertThat(last.state()).as("the group caught up within the window").isEqualTo(LagState.OK);
    }

    @Test
    void growingLagWithNoCommitAllWindowIsAStallNotAWarn() {
        StageLag last = null;
        for (int i = 0; i < 5; i++) {
            last = sample(1, 101 + i, 100, 1000);
        }
        assertThat(last.state()).as("no commit moved while lag lasted the window: stuck, not slow").isEqualTo(LagState.STALL);
    }

    @Test
    void aQueueThatShrinksHasADrainTime() {
        StageLag last = null;
        for (int i = 0; i < 5; i++) {
            // 1 arrives and 5 are committed each second: 40 left at the end
            last = sample(2, 100 + i, 44 + 5 * i, 2000);
        }
        assertThat(last.state()).isEqualTo(LagState.OK);
        assertThat(last.records()).isEqualTo(40);
        assertThat(last.drainRate()).isCloseTo(5.0, within(1e-9));
        assertThat(last.arrivalRate()).isCloseTo(1.0, within(1e-9));
        assertThat(last.drainSeconds()).isCloseTo(10.0, within(1e-9));
        // saturated: 2.5/s per process; (1 + 40 / 10) / 2.5 = 2
        assertThat(last.recommendedWorkers()).isEqualTo(2);
    }

    @Test
    void aStageThatIsNotSaturatedIsSizedByWhatItCouldDoNotByWhatItWasGiven() {
        analyzer = analyzer(new PerformanceConfig.StageLimits(10, 10, 20, 1), OptionalDouble.of(0.5));
        StageLag last = null;
        for (int i = 0; i < 5; i++) {
            // 1 a second arrives and is done by one of 3 processes: observed 1/3 per process, but each could do 10 / 0.5 s = 20
            last = sample(3, 100 + i, 99 + i, 200);
        }
        assertThat(last.records()).isEqualTo(1);
        assertThat(last.recommendedWorkers()).as("(1 + 1/10) / 20 rounds up to 1").isEqualTo(1);
    }

    @Test
    void withoutProcessingTimesTheTimeoutBoundsAProcessAndConsumersShareAProcess() {
        // 4 consumers per process, max_concurrent 2, timeout 20 s: 0.1 requests/s a process at the least
        analyzer = analyzer(new PerformanceConfig.StageLimits(2, 10, 20, 4), OptionalDouble.empty());
        StageLag lag = sample(0, 30, 0, 5000);
        assertThat(lag.recommendedWorkers()).as("no members: 30 / 10 s = 3/s over 0.1/s a process").isEqualTo(30);

        analyzer.reset();
        StageLag busy = null;
        for (int i = 0; i < 5; i++) {
            // 5 consumers = 2 processes, committing 4/s while 4/s arrive, 20 waiting
            busy = sample(5, 120 + 4 * i, 100 + 4 * i, 3000);
        }
        assertThat(busy.records()).isEqualTo(20);
        // saturated (20 > 2 x 2): 2/s per process; (4 + 20 / 10) / 2 = 3
        assertThat(busy.recommendedWorkers()).isEqualTo(3);
        assertThat(busy.drainSeconds()).as("drain equals arrival").isNull();
    }

    @Test
    void ageIsTheOldestPartitionsAndRatesAddUpOverPartitions() {
        StageLag first = samples(2, new long[] {0, 10, 10, -1}, new long[] {0, 20, 15, 1500});
        assertThat(first.seconds()).isEqualTo(1.5);
        assertThat(first.partitions()).extracting(StageLag.Partition::records).containsExactly(0L, 5L);
        StageLag second = samples(2, new long[] {0, 14, 11, 2500}, new long[] {0, 22, 17, 700});
        assertThat(second.seconds()).isEqualTo(2.5);
        assertThat(second.records()).isEqualTo(8);
        assertThat(second.arrivalRate()).isCloseTo(6.0, within(1e-9));
        assertThat(second.drainRate()).isCloseTo(3.0, within(1e-9));
        assertThat(second.partitions().get(1).committed()).isEqualTo(17);
    }

    @Test
    void retentionDeletingRecordsIsNeitherConsumptionNorACommit() {
        StageLag last = null;
        for (int i = 0; i < 5; i++) {
            // the group never committed; retention moves the log start on by 10 a second
            last = samples(1, new long[] {10L * i, 100, -1, 1000});
        }
        assertThat(last.drainRate()).isZero();
        assertThat(last.partitions().get(0).committed()).as("where the group would begin").isEqualTo(40);
        assertThat(last.state()).isEqualTo(LagState.STALL);
    }

    @Test
    void aClockThatGoesBackStartsTheWindowAfresh() {
        for (int i = 0; i < 5; i++) {
            sample(1, 100, 90, 1000);
        }
        now -= 10_000;
        StageLag lag = sample(1, 100, 90, 1000);
        assertThat(lag.state()).as("one sample: the window is not full").isEqualTo(LagState.OK);
        assertThat(lag.drainRate()).isZero();
    }

    @Test
    void samplingGapsLongerThanTheWindowLeaveOnlyTheNewSample() {
        for (int i = 0; i < 5; i++) {
            sample(1, 100, 90, 1000);
        }
        now += 30_000;
        assertThat(sample(1, 100, 90, 1000).state()).isEqualTo(LagState.OK);
    }

    @Test
    void jitterInTheIntervalStillFillsTheWindow() {
        long[] offsets = {0, 1010, 1990, 3050, 3980};
        long start = now;
        StageLag last = null;
        for (long offset : offsets) {
            now = start + offset;
            last = sample(1, 100, 90, 1000);
        }
        assertThat(last.state()).isEqualTo(LagState.STALL);
    }

    @Test
    void stagesAreJudgedApart() {
        LagTarget llm = new LagTarget(Stage.LLM, "g2", "t2");
        for (int i = 0; i < 5; i++) {
            sample(1, 100, 90, 1000);
            analyzer.add(new LagSample(llm, now, 1, "Stable", List.of(new LagSample.PartitionSample(0, 0, 100 + i, 100 + i, -1))));
        }
        StageLag other = analyzer.add(new LagSample(llm, now, 1, "Stable", List.of(new LagSample.PartitionSample(0, 0, 106, 106, -1))));
        assertThat(other.stage()).isEqualTo(Stage.LLM);
        assertThat(other.state()).isEqualTo(LagState.OK);
        assertThat(other.group()).isEqualTo("g2");
        assertThat(other.queueSize()).isEqualTo(10);
        assertThat(other.maxConcurrent()).isEqualTo(2);
        assertThat(other.timeout()).isEqualTo(20);
    }
}
