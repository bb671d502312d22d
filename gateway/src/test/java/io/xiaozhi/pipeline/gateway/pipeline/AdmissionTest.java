package io.xiaozhi.pipeline.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    private final PerformanceConfig.StageLimits small = new PerformanceConfig.StageLimits(2, 3, 10, 1);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Admission admission = new Admission(new PerformanceConfig.AiProviders(small, small, small,
            new PerformanceConfig.StageLimits(1, 0, 10, 1), new PerformanceConfig.RetryPolicy(3, 200, 2000)), meters);

    @Test
    void admitsUpToWhatOneWorkerHoldsPlusTheQueueThenRefuses() {
        assertThat(admission.capacity(Stage.ASR)).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
        }
        assertThat(admission.tryAdmit(Stage.ASR)).isFalse();
        assertThat(meters.get("xiaozhi.gateway.turns.refused").tag("stage", "asr").counter().count()).isEqualTo(1);
        admission.finished(Stage.ASR);
        assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
        assertThat(admission.tryAdmit(Stage.LLM)).as("stages are counted apart").isTrue();
    }

    @Test
    void aStageWithoutAQueueTakesOnlyWhatItCanRunAndCountsNeverGoNegative() {
        assertThat(admission.tryAdmit(Stage.VLLM)).isTrue();
        assertThat(admission.tryAdmit(Stage.VLLM)).isFalse();
        admission.finished(Stage.VLLM);
        admission.finished(Stage.VLLM);
        assertThat(admission.outstanding(Stage.VLLM)).isZero();
    }
}
