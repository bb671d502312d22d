package io.xiaozhi.pipeline.gateway.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EnergyVadTest {

    @Test
    void silenceIsNotSpeech() {
        try (EnergyVad vad = new EnergyVad()) {
            assertThat(vad.feed(TestAudio.silence(1000))).hasSize(31).containsOnly(0f);
        }
    }

    @Test
    void jfkSpeechIsMostlySpeech() {
        short[] speech = TestAudio.jfk();
        try (EnergyVad vad = new EnergyVad()) {
            float[] decisions = vad.feed(speech);
            int speechWindows = 0;
            for (float d : decisions) {
                speechWindows += d > 0.5f ? 1 : 0;
            }
            assertThat((double) speechWindows / decisions.length).isBetween(0.4, 0.98);
        }
    }

    @Test
    void thresholdSeparatesNoiseLevels() {
        try (EnergyVad vad = new EnergyVad(-40)) {
            assertThat(vad.feed(TestAudio.whiteNoise(1000, -50, 3))).containsOnly(0f);
            assertThat(vad.feed(TestAudio.whiteNoise(1000, -30, 4))).contains(1f).doesNotContain(0f);
        }
    }

    @Test
    void keepsAnIncompleteWindowForTheNextChunk() {
        try (EnergyVad vad = new EnergyVad()) {
            short[] loud = TestAudio.whiteNoise(100, -20, 5);
            assertThat(vad.feed(loud, 0, 500)).isEmpty();
            assertThat(vad.feed(loud, 500, 24)).containsExactly(1f);
        }
    }

    @Test
    void thresholdMustBeBelowFullScale() {
        assertThatThrownBy(() -> new EnergyVad(0)).hasMessageContaining("dBFS");
    }
}
