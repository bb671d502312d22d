package io.xiaozhi.pipeline.gateway.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xiaozhi.pipeline.gateway.audio.UtteranceEvent.SpeechEnded;
import io.xiaozhi.pipeline.gateway.audio.UtteranceEvent.SpeechStarted;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UtteranceDetectorTest {

    /** 10 ms windows keep the arithmetic readable: 100 ms minimum speech, 300 ms end silence. */
    private static final UtteranceSettings SETTINGS = new UtteranceSettings(0.5, 0.35, 100, 300, 10);

    /** Feeds {@code count} windows of {@code probability}, recording events with their window index. */
    private static final class Run {
        final UtteranceDetector detector = new UtteranceDetector(SETTINGS);
        final List<UtteranceEvent> events = new ArrayList<>();
        final List<Integer> at = new ArrayList<>();
        int window;

        Run feed(double probability, int count) {
            for (int i = 0; i < count; i++) {
                detector.accept(probability).ifPresent(e -> {
                    events.add(e);
                    at.add(window);
                });
                window++;
            }
            return this;
        }
    }

    @Test
    void reportsStartOnceMinimumSpeechIsReachedAndEndAfterTheSilence() {
        Run run = new Run().feed(0.0, 20).feed(0.9, 50).feed(0.1, 40);

        assertThat(run.events).containsExactly(new SpeechStarted(200), new SpeechEnded(200, 700));
        // Started at the 10th speech window (100 ms), ended at the 30th silent window (300 ms).
        assertThat(run.at).containsExactly(29, 99);
        assertThat(run.detector.inSpeech()).isFalse();
    }

    @Test
    void isInSpeechBetweenStartAndEnd() {
        Run run = new Run().feed(0.9, 15);
        assertThat(run.detector.inSpeech()).isTrue();
        run.feed(0.0, 29);
        assertThat(run.detector.inSpeech()).isTrue();
        run.feed(0.0, 1);
        assertThat(run.detector.inSpeech()).isFalse();
    }

    @Test
    void ignoresAClickShorterThanTheMinimumSpeech() {
        Run run = new Run().feed(0.0, 10).feed(0.95, 5).feed(0.0, 100);
        assertThat(run.events).isEmpty();
        assertThat(run.detector.inSpeech()).isFalse();
    }

    @Test
    void aClickFollowedByLongSilenceDoesNotDelayTheNextUtterance() {
        Run run = new Run().feed(0.95, 3).feed(0.0, 30).feed(0.9, 10).feed(0.0, 30);
        assertThat(run.events).containsExactly(new SpeechStarted(330), new SpeechEnded(330, 430));
    }

    @Test
    void probabilityBetweenTheThresholdsDoesNotStartSpeech() {
        Run run = new Run().feed(0.45, 200);
        assertThat(run.events).isEmpty();
    }

    @Test
    void probabilityBetweenTheThresholdsKeepsSpeechGoing() {
        Run run = new Run().feed(0.9, 10).feed(0.4, 100).feed(0.2, 30);
        assertThat(run.events).containsExactly(new SpeechStarted(0), new SpeechEnded(0, 1100));
    }

    @Test
    void pausesShorterThanTheEndSilenceStayInOneUtterance() {
        Run run = new Run().feed(0.9, 20).feed(0.1, 29).feed(0.9, 20).feed(0.1, 30);
        assertThat(run.events).containsExactly(new SpeechStarted(0), new SpeechEnded(0, 690));
    }

    @Test
    void reportsSeparateUtterancesAfterLongPauses() {
        Run run = new Run().feed(0.9, 20).feed(0.1, 30).feed(0.9, 20).feed(0.1, 30);
        assertThat(run.events).containsExactly(
                new SpeechStarted(0), new SpeechEnded(0, 200),
                new SpeechStarted(500), new SpeechEnded(500, 700));
    }

    @Test
    void defaultsMatchTheSileroWindow() {
        UtteranceDetector detector = new UtteranceDetector();
        List<UtteranceEvent> events = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            detector.accept(0.8).ifPresent(events::add);
        }
        for (int i = 0; i < 22; i++) {
            detector.accept(0.0).ifPresent(events::add);
        }
        // 8 windows of 32 ms reach 250 ms; 22 silent windows reach 700 ms.
        assertThat(events).containsExactly(new SpeechStarted(0), new SpeechEnded(0, 256));
    }

    @Test
    void resetReturnsToSilenceAtTimeZero() {
        Run run = new Run().feed(0.9, 15);
        run.detector.reset();
        assertThat(run.detector.inSpeech()).isFalse();
        assertThat(run.detector.accept(0.9)).isEmpty();
    }

    @Test
    void rejectsInconsistentSettings() {
        assertThatThrownBy(() -> new UtteranceSettings(0.3, 0.5, 100, 300, 10))
                .hasMessageContaining("continueThreshold");
        assertThatThrownBy(() -> new UtteranceSettings(1.5, 0.5, 100, 300, 10))
                .hasMessageContaining("startThreshold");
        assertThatThrownBy(() -> new UtteranceSettings(0.5, 0.35, 100, 0, 10))
                .hasMessageContaining("endSilenceMillis");
    }
}
