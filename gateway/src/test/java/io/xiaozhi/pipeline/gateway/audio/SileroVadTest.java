package io.xiaozhi.pipeline.gateway.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SileroVadTest {

    private static SileroModel model;

    @BeforeAll
    static void loadModel() {
        model = SileroModel.load();
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void findsSpeechInTheJfkRecording() {
        short[] speech = TestAudio.jfk();
        float[] probabilities;
        try (SileroVad vad = model.newVad()) {
            probabilities = vad.feed(speech);
        }
        assertThat(probabilities).hasSize(speech.length / Vad.WINDOW_SAMPLES);

        // Loud windows of a speech recording are speech: most of them must be judged so.
        double[] levels = TestAudio.windowLevels(speech);
        int loud = 0;
        int loudAndSpeech = 0;
        int speechWindows = 0;
        for (int w = 0; w < probabilities.length; w++) {
            if (levels[w] > -30) {
                loud++;
                loudAndSpeech += probabilities[w] > 0.5 ? 1 : 0;
            }
            speechWindows += probabilities[w] > 0.5 ? 1 : 0;
        }
        assertThat(loud).isGreaterThan(100);
        assertThat((double) loudAndSpeech / loud).isGreaterThan(0.9);
        // The clip has pauses between phrases, so not every window is speech.
        assertThat((double) speechWindows / probabilities.length).isBetween(0.4, 0.95);
    }

    @Test
    void findsNoSpeechInSilence() {
        try (SileroVad vad = model.newVad()) {
            float[] probabilities = vad.feed(TestAudio.silence(3000));
            assertThat(probabilities).hasSize(93);
            assertThat(max(probabilities)).isLessThan(0.2f);
        }
    }

    @Test
    void findsNoSpeechInLowWhiteNoise() {
        try (SileroVad vad = model.newVad()) {
            float[] probabilities = vad.feed(TestAudio.whiteNoise(3000, -50, 7));
            assertThat(probabilities).hasSize(93);
            assertThat(max(probabilities)).isLessThan(0.5f);
        }
    }

    @Test
    void chunkSizeDoesNotChangeTheResult() {
        short[] speech = TestAudio.jfk();
        float[] whole;
        try (SileroVad vad = model.newVad()) {
            whole = vad.feed(speech, 0, 32_000);
        }
        float[] chunked = new float[whole.length];
        int n = 0;
        try (SileroVad vad = model.newVad()) {
            for (int at = 0; at < 32_000; at += 333) {
                for (float p : vad.feed(speech, at, Math.min(333, 32_000 - at))) {
                    chunked[n++] = p;
                }
            }
        }
        assertThat(n).isEqualTo(whole.length);
        assertThat(chunked).containsExactly(whole);
    }

    @Test
    void resetForgetsTheCarriedState() {
        short[] speech = TestAudio.jfk();
        try (SileroVad vad = model.newVad()) {
            float[] first = vad.feed(speech, 0, 16_000);
            vad.feed(speech, 16_000, 7_000);
            vad.reset();
            assertThat(vad.feed(speech, 0, 16_000)).containsExactly(first);
        }
    }

    @Test
    void closedVadRefusesAudio() {
        SileroVad vad = model.newVad();
        vad.close();
        assertThatThrownBy(() -> vad.feed(new short[512])).isInstanceOf(IllegalStateException.class);
    }

    private static float max(float[] values) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
