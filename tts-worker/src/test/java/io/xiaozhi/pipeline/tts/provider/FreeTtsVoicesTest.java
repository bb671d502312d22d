package io.xiaozhi.pipeline.tts.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FreeTtsVoicesTest {

    private static final List<String> SENTENCES = List.of(
            "What time is it?",
            "The quick brown fox jumps over the lazy dog.",
            "I have 42 apples and 3.5 oranges on March 3rd, 2021.",
            "Hello there, Doctor Smith; how are you today?");

    @Test
    void voicesInParallelThreadsSayExactlyWhatOneVoiceSaysAlone() throws Exception {
        Map<String, short[]> alone = new HashMap<>();
        try (FreeTtsVoices one = new FreeTtsVoices(1)) {
            for (String sentence : SENTENCES) {
                alone.put(sentence, one.speak(sentence, Duration.ofSeconds(10)));
            }
        }
        assertThat(alone.values()).allSatisfy(samples -> assertThat(samples.length).isGreaterThan(FreeTtsVoices.SAMPLE_RATE / 2));

        int threads = SENTENCES.size();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FreeTtsVoices voices = new FreeTtsVoices(threads)) {
            for (int round = 0; round < 5; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<short[]>> results = new ArrayList<>();
                List<String> said = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    String sentence = SENTENCES.get((i + round) % SENTENCES.size());
                    said.add(sentence);
                    results.add(pool.submit(() -> {
                        start.await();
                        return voices.speak(sentence, Duration.ofSeconds(10));
                    }));
                }
                start.countDown();
                for (int i = 0; i < threads; i++) {
                    assertThat(results.get(i).get()).as("round " + round + ": " + said.get(i)).isEqualTo(alone.get(said.get(i)));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCallerWaitsForAFreeVoiceOnlyAsLongAsItMay() throws Exception {
        try (FreeTtsVoices voices = new FreeTtsVoices(1)) {
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                // hold the only voice with a long text while this thread asks for one
                String longText = "This sentence is long enough to keep the only voice busy for a little while. ".repeat(20);
                Future<short[]> busy = other.submit(() -> voices.speak(longText, Duration.ofSeconds(10)));
                while (voices.idle() > 0 && !busy.isDone()) {
                    Thread.sleep(1);
                }
                if (voices.idle() == 0) {
                    assertThatThrownBy(() -> voices.speak("Hello.", Duration.ofMillis(1)))
                            .isInstanceOf(TimeoutException.class).hasMessageContaining("1 FreeTTS voices stayed busy");
                }
                assertThat(busy.get().length).isGreaterThan(FreeTtsVoices.SAMPLE_RATE * 10);
                assertThat(voices.speak("Hello.", Duration.ofSeconds(5))).isNotEmpty();
            } finally {
                other.shutdownNow();
            }
        }
    }

    @Test
    void textItCannotPronounceGivesNoAudio() throws Exception {
        try (FreeTtsVoices voices = new FreeTtsVoices(1)) {
            assertThat(voices.speak("你好世界", Duration.ofSeconds(5))).isEmpty();
            assertThat(voices.speak("ok", Duration.ofSeconds(5))).isNotEmpty();
        }
    }

    @Test
    void aClosedPoolRefusesWork() {
        FreeTtsVoices voices = new FreeTtsVoices(1);
        voices.close();
        assertThatThrownBy(() -> voices.speak("Hello.", Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
    }
}
