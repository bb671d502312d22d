package io.xiaozhi.pipeline.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    /** max_concurrent 2, queue 3, timeout 10 s, 1 consumer per process. */
    private final PerformanceConfig.StageLimits small = new PerformanceConfig.StageLimits(2, 3, 10, 1);
    private final PerformanceConfig.AiProviders limits = new PerformanceConfig.AiProviders(small, small, small,
            new PerformanceConfig.StageLimits(1, 0, 10, 1), new PerformanceConfig.RetryPolicy(3, 200, 2000));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Admission admission = new Admission(limits, meters);

    /** A feed trusted for 11 s (lag_interval 2 s), on a clock the test moves. */
    private long now = 1_700_000_000_000L;
    private final SimpleMeterRegistry fedMeters = new SimpleMeterRegistry();
    private final LagFeed feed = new LagFeed(LagFeed.freshness(2), fedMeters);
    private final Admission fed = new Admission(limits, fedMeters, feed, () -> now);

    private double refused(String stage, String reason) {
        return refused(fedMeters, stage, reason);
    }

    private static double refused(SimpleMeterRegistry meters, String stage, String reason) {
        return meters.get("xiaozhi.gateway.turns.refused").tag("stage", stage).tag("reason", reason).counter().count();
    }

    private static StageLag lag(Stage stage, long timestamp, long records, LagState state, int members) {
        return new StageLag(stage, "xiaozhi." + stage.id(), "xiaozhi." + stage.id() + ".requests", timestamp, records,
                records > 0 ? 1.0 : 0, state, members, 1, 1, null, 1, 3, 2, 10, List.of());
    }

    @Test
    void admitsUpToWhatOneWorkerHoldsPlusTheQueueThenRefuses() {
        assertThat(admission.capacity(Stage.ASR)).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
        }
        assertThat(admission.tryAdmit(Stage.ASR)).isFalse();
        assertThat(refused(meters, "asr", "local")).isEqualTo(1);
        assertThat(refused(meters, "asr", "queue")).isZero();
        admission.finished(Stage.ASR);
        assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
        assertThat(admission.tryAdmit(Stage.LLM)).as("stages are counted apart").isTrue();
        assertThat(meters.get("xiaozhi.gateway.turns.outstanding").tag("stage", "asr").gauge().value()).isEqualTo(5.0);
    }

    @Test
    void aStageWithoutAQueueTakesOnlyWhatItCanRunAndCountsNeverGoNegative() {
        assertThat(admission.tryAdmit(Stage.VLLM)).isTrue();
        assertThat(admission.tryAdmit(Stage.VLLM)).isFalse();
        admission.finished(Stage.VLLM);
        admission.finished(Stage.VLLM);
        assertThat(admission.outstanding(Stage.VLLM)).isZero();
    }

    @Test
    void withoutAnyFeedValueTheOwnCountDecides() {
        for (int i = 0; i < 5; i++) {
            assertThat(fed.tryAdmit(Stage.ASR)).isTrue();
        }
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        assertThat(refused("asr", "local")).isEqualTo(1);
    }

    @Test
    void aFreshFeedValueDecidesInsteadOfTheOwnCountAndMoreWorkersAdmitMore() {
        // 3 workers of 2 in flight each, plus a queue of 3: 9 in lag fills the stage
        feed.accept(lag(Stage.ASR, now, 0, LagState.OK, 3));
        for (int i = 0; i < 9; i++) {
            assertThat(fed.tryAdmit(Stage.ASR)).as("turn " + i + ": beyond the own count of 5, the feed says there is room").isTrue();
        }
        assertThat(fed.tryAdmit(Stage.ASR)).as("9 admitted since the value was measured, which it cannot count yet").isFalse();
        assertThat(refused("asr", "queue")).isEqualTo(1);
        assertThat(refused("asr", "local")).isZero();

        // the next value counts them (and others' turns) in its lag: 8 of 9
        now += 2000;
        feed.accept(lag(Stage.ASR, now - 100, 8, LagState.OK, 3));
        assertThat(fed.tryAdmit(Stage.ASR)).isTrue();
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        assertThat(refused("asr", "queue")).isEqualTo(2);

        now += 2000;
        feed.accept(lag(Stage.ASR, now, 20, LagState.WARN, 3));
        assertThat(fed.tryAdmit(Stage.ASR)).as("a full queue refuses whatever this gateway holds").isFalse();
        assertThat(refused("asr", "queue")).isEqualTo(3);
        assertThat(fed.tryAdmit(Stage.LLM)).as("stages are judged apart; LLM has no value: own count").isTrue();
    }

    @Test
    void consumersSharingAProcessAreCountedAsOneWorker() {
        PerformanceConfig.StageLimits twoConsumers = new PerformanceConfig.StageLimits(2, 3, 10, 2);
        Admission admission = new Admission(new PerformanceConfig.AiProviders(twoConsumers, twoConsumers, twoConsumers, twoConsumers,
                new PerformanceConfig.RetryPolicy(3, 200, 2000)), new SimpleMeterRegistry(), feed, () -> now);
        // 3 consumers at 2 a process = 2 processes: 3 + 2 x 2 = 7
        feed.accept(lag(Stage.TTS, now, 6, LagState.OK, 3));
        assertThat(admission.tryAdmit(Stage.TTS)).isTrue();
        assertThat(admission.tryAdmit(Stage.TTS)).isFalse();
    }

    @Test
    void aVoiceTurnIsRefusedWhenALaterStageOfItsWayIsFullOrStopped() {
        feed.accept(lag(Stage.ASR, now, 0, LagState.OK, 1));
        feed.accept(lag(Stage.LLM, now, 0, LagState.OK, 1));
        // TTS: 3 + 1 x 2 = 5 is full
        feed.accept(lag(Stage.TTS, now, 5, LagState.WARN, 1));
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        assertThat(fed.tryAdmit(Stage.LLM)).as("a text turn reaches TTS as well").isFalse();
        assertThat(refused("tts", "queue")).isEqualTo(2);
        assertThat(fed.outstanding(Stage.ASR)).as("nothing was taken at the first stage").isZero();

        feed.accept(lag(Stage.TTS, now, 4, LagState.WARN, 1));
        assertThat(fed.tryAdmit(Stage.ASR)).as("room again").isTrue();
        feed.accept(lag(Stage.LLM, now, 0, LagState.STOP, 0));
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        assertThat(refused("llm", "stopped")).isEqualTo(1);
        assertThat(fed.tryAdmit(Stage.TTS)).as("nothing comes after TTS").isTrue();
    }

    @Test
    void withoutAFeedTheLaterStagesAreNotJudged() {
        for (int i = 0; i < 5; i++) {
            assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
        }
        assertThat(admission.tryAdmit(Stage.ASR)).as("the own count at the first stage still decides").isFalse();
        assertThat(refused("tts", "queue") + refused("llm", "queue")).isZero();
    }

    @Test
    void aStoppedStageOrOneWithoutWorkersRefusesAtOnce() {
        feed.accept(lag(Stage.ASR, now, 4, LagState.STOP, 0));
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        feed.accept(lag(Stage.LLM, now, 0, LagState.OK, 0));
        assertThat(fed.tryAdmit(Stage.LLM)).as("no member, even with nothing waiting: nothing would serve it").isFalse();
        assertThat(refused("asr", "stopped")).isEqualTo(1);
        assertThat(refused("llm", "stopped")).isEqualTo(1);
        assertThat(fed.outstanding(Stage.ASR)).isZero();
    }

    @Test
    void aStaleValueIsNotTrustedAndTheOwnCountDecidesAgain() {
        feed.accept(lag(Stage.ASR, now, 100, LagState.STOP, 0));
        now += Duration.ofSeconds(11).toMillis();
        assertThat(fed.tryAdmit(Stage.ASR)).as("11 s old: still fresh").isFalse();
        now += 1;
        for (int i = 0; i < 5; i++) {
            assertThat(fed.tryAdmit(Stage.ASR)).as("a monitor gone quiet: the own count").isTrue();
        }
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
        assertThat(refused("asr", "stopped")).isEqualTo(1);
        assertThat(refused("asr", "local")).isEqualTo(1);
    }

    @Test
    void aValueFromAClockFarAheadIsNotTrustedEither() {
        feed.accept(lag(Stage.ASR, now + 60_000, 100, LagState.STOP, 0));
        assertThat(feed.fresh(Stage.ASR, now)).isEmpty();
        assertThat(fed.tryAdmit(Stage.ASR)).isTrue();
    }

    @Test
    void turnsAdmittedWhileTheFeedWasStaleCountOnceItIsFreshAgain() {
        for (int i = 0; i < 4; i++) {
            assertThat(fed.tryAdmit(Stage.ASR)).isTrue();
        }
        // a value measured before those turns: it cannot hold them; 4 + 4 = 8 of 9 (3 workers)
        feed.accept(lag(Stage.ASR, now - 500, 4, LagState.OK, 3));
        assertThat(fed.tryAdmit(Stage.ASR)).isTrue();
        assertThat(fed.tryAdmit(Stage.ASR)).isFalse();
    }
}
