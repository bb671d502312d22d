package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CMU Sphinx4 for real on spoken English: one pool of up to two recognizers for the class. */
class SphinxSpeechRecognizerTest {

    private static final Logger LOG = LoggerFactory.getLogger(SphinxSpeechRecognizerTest.class);
    private static final Envelope ENVELOPE = new Envelope("s", "d", "t", System.currentTimeMillis() + 600_000, "r");

    private static SimpleMeterRegistry meters;
    private static SphinxSpeechRecognizer sphinx;

    @BeforeAll
    static void load() throws Exception {
        meters = new SimpleMeterRegistry();
        sphinx = new SphinxSpeechRecognizer(SphinxTuning.DEFAULT, 2, meters);
    }

    @AfterAll
    static void close() {
        sphinx.close();
    }

    private static String transcribe(short[] pcm) {
        String text = sphinx.transcribe(pcm, new RecordingContext(ENVELOPE));
        LOG.info("Sphinx4 heard: '{}'", text);
        return text;
    }

    @Test
    void oneRecognizerIsLoadedAtOnce() {
        assertThat(meters.find(SphinxSpeechRecognizer.LOAD).timer().count()).isGreaterThanOrEqualTo(1);
        assertThat(sphinx.loaded()).isBetween(1, 2);
        assertThat(sphinx.capacity()).isEqualTo(2);
        assertThat(sphinx.description()).contains("Sphinx4").contains("2 recognizer");
    }

    @Test
    void aSpokenQuestionIsTranscribed() {
        assertThat(transcribe(TestSpeech.pcm("what time is it"))).contains("time");
    }

    @Test
    void silenceHasNoWords() {
        assertThat(Transcripts.speech(transcribe(TestSpeech.silence(1500)))).isEmpty();
    }

    @Test
    void twoUtterancesAtOnceAreRecognizedByTwoRecognizers() throws Exception {
        short[] question = TestSpeech.pcm("what time is it");
        short[] request = TestSpeech.pcm("turn on the light in the kitchen");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> transcribe(question), threads);
            CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> transcribe(request), threads);
            assertThat(first.get(120, TimeUnit.SECONDS)).contains("time");
            assertThat(second.get(120, TimeUnit.SECONDS)).contains("light");
        } finally {
            threads.shutdownNow();
        }
        assertThat(sphinx.loaded()).isEqualTo(2);
        assertThat(meters.find(SphinxSpeechRecognizer.IDLE).gauge().value()).isEqualTo(2);
    }

    @Test
    void aCancelledRecognitionStopsAndTheRecognizerIsKept() throws Exception {
        short[] phrase = TestSpeech.pcm("set an alarm for seven o'clock");
        short[] long20s = new short[phrase.length * 12];
        for (int i = 0; i < 12; i++) {
            System.arraycopy(phrase, 0, long20s, i * phrase.length, phrase.length);
        }
        RecordingContext context = new RecordingContext(ENVELOPE);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(context::cancel, 300, TimeUnit.MILLISECONDS);
            int before = sphinx.loaded();
            assertThatThrownBy(() -> sphinx.transcribe(long20s, context))
                    .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("stopped");
            assertThat(sphinx.loaded()).isEqualTo(before);
        } finally {
            timer.shutdownNow();
        }
        assertThat(transcribe(TestSpeech.pcm("what time is it"))).contains("time");
    }

    @Test
    void aRecognizerThatFailsIsDiscardedAndTheFailureIsRetryable() throws Exception {
        // Beams this narrow make Sphinx4's active list recurse until the stack overflows.
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SphinxSpeechRecognizer broken = new SphinxSpeechRecognizer(new SphinxTuning(1e-2, 5, 1e-2, 1, 300), 1, registry);
        try {
            short[] pcm = TestSpeech.pcm("what time is it");
            for (int attempt = 1; attempt <= 2; attempt++) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread thread = new Thread(null, () -> {
                    try {
                        broken.transcribe(pcm, new RecordingContext(ENVELOPE));
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "small-stack", 256 * 1024);
                thread.start();
                thread.join(120_000);
                assertThat(failure.get()).isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("Sphinx4 failed").contains("StackOverflowError");
                });
                assertThat(broken.loaded()).as("the failed recognizer is gone").isZero();
            }
            assertThat(new ProviderMetrics(registry).count("asr", "recognizer")).isEqualTo(2);
            assertThat(registry.find(SphinxSpeechRecognizer.LOAD).timer().count()).as("a new one was loaded for the second").isEqualTo(2);
        } finally {
            broken.close();
        }
    }

    @Test
    void thePoolIsSizedToTheHeap() {
        long mb = 1 << 20;
        assertThat(SphinxSpeechRecognizer.capacityFor(8, 4096 * mb)).isEqualTo(8);
        assertThat(SphinxSpeechRecognizer.capacityFor(8, 1024 * mb)).isEqualTo(4);
        assertThat(SphinxSpeechRecognizer.capacityFor(8, 256 * mb)).isEqualTo(1);
        assertThat(SphinxSpeechRecognizer.capacityFor(2, 1024 * mb)).isEqualTo(2);
    }
}
