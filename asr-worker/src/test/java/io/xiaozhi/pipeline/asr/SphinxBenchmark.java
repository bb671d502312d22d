package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What CMU Sphinx4 costs on this machine: the time to load a recognizer and the heap it holds, and the
 * real-time factor (recognition time / audio duration, wall and thread CPU) and word error rate on
 * sixteen spoken commands (FreeTTS's kevin16 voice, 16 kHz), with Sphinx4's default beams and with
 * {@link SphinxTuning#DEFAULT}; then two recognizers at once, as two turns on a two-core machine.
 * Not part of the test run: disabled unless the {@code test} property names it. Run it with
 * {@code mvn -q -pl asr-worker test -Dtest=SphinxBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "test", matches = ".*SphinxBenchmark.*")
class SphinxBenchmark {

    static final List<String> COMMANDS = List.of("what time is it", "what is the weather like today", "tell me a joke",
            "turn on the light in the kitchen", "hello", "play some music", "how are you", "set an alarm for seven o'clock",
            "what is your name", "turn the volume down", "i would like to hear a story", "how far away is the moon",
            "good morning", "please stop talking", "can you help me with my homework", "who is the president of france");

    /** Sphinx4's own beams, for comparison. */
    static final SphinxTuning SPHINX_DEFAULTS = new SphinxTuning(1e-60, 20_000, 1e-40, 200, 300);

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    record Pass(double audioSeconds, double wallSeconds, double cpuSeconds, int wordErrors, int words, List<String> heard) {

        String line() {
            return String.format(Locale.ROOT, "%.1f s of audio: wall RTF %.2f, CPU RTF %.2f, WER %.1f %% (%d/%d words)",
                    audioSeconds, wallSeconds / audioSeconds, cpuSeconds / audioSeconds, 100.0 * wordErrors / words, wordErrors, words);
        }
    }

    @Test
    void loadTimeHeapRealTimeFactorAndWordErrors() throws Exception {
        Map<String, short[]> speech = new LinkedHashMap<>();
        for (String command : COMMANDS) {
            speech.put(command, TestSpeech.pcm(command));
        }
        System.out.println("SphinxBenchmark (" + COMMANDS.size() + " FreeTTS commands, " + Runtime.getRuntime().availableProcessors()
                + " cores, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB)");

        long before = usedHeap();
        long began = System.nanoTime();
        SphinxDecoder first = SphinxDecoder.load(SPHINX_DEFAULTS);
        double firstLoad = (System.nanoTime() - began) / 1e9;
        long afterOne = usedHeap();
        began = System.nanoTime();
        SphinxDecoder second = SphinxDecoder.load(SphinxTuning.DEFAULT);
        double secondLoad = (System.nanoTime() - began) / 1e9;
        long afterTwo = usedHeap();
        System.out.printf(Locale.ROOT, "load: first recognizer %.1f s, second %.1f s; heap per recognizer %d MB and %d MB%n",
                firstLoad, secondLoad, (afterOne - before) >> 20, (afterTwo - afterOne) >> 20);

        pass(first, speech, SPHINX_DEFAULTS);
        Pass defaults = pass(first, speech, SPHINX_DEFAULTS);
        System.out.println("Sphinx4 default beams (relative 1e-60): " + defaults.line());
        System.out.println("  heard: " + defaults.heard());
        pass(second, speech, SphinxTuning.DEFAULT);
        Pass tuned = pass(second, speech, SphinxTuning.DEFAULT);
        System.out.println("SphinxTuning.DEFAULT (relative 1e-45): " + tuned.line());
        System.out.println("  heard: " + tuned.heard());

        SphinxDecoder third = SphinxDecoder.load(SphinxTuning.DEFAULT);
        pass(third, speech, SphinxTuning.DEFAULT);
        CompletableFuture<Pass> a = CompletableFuture.supplyAsync(() -> pass(second, speech, SphinxTuning.DEFAULT));
        CompletableFuture<Pass> b = CompletableFuture.supplyAsync(() -> pass(third, speech, SphinxTuning.DEFAULT));
        System.out.println("two at once, SphinxTuning.DEFAULT: " + a.get().line() + " | " + b.get().line());
        first.close();
        second.close();
        third.close();

        assertThat(tuned.heard().get(0)).contains("time");
    }

    private static Pass pass(SphinxDecoder decoder, Map<String, short[]> speech, SphinxTuning tuning) {
        double audio = 0;
        long wall = 0;
        long cpu = 0;
        int errors = 0;
        int words = 0;
        List<String> heard = new ArrayList<>();
        for (Map.Entry<String, short[]> command : speech.entrySet()) {
            short[] pcm = command.getValue();
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            long wallBefore = System.nanoTime();
            String text = decoder.recognize(pcm, tuning.paddingSamples(), () -> false).text();
            wall += System.nanoTime() - wallBefore;
            cpu += THREADS.getCurrentThreadCpuTime() - cpuBefore;
            audio += (double) pcm.length / SpeechRecognizer.SAMPLE_RATE;
            errors += wordErrors(command.getKey(), text);
            words += command.getKey().split(" ").length;
            heard.add(text);
        }
        return new Pass(audio, wall / 1e9, cpu / 1e9, errors, words, heard);
    }

    /** Word-level edit distance. */
    static int wordErrors(String reference, String hypothesis) {
        String[] ref = reference.split(" ");
        String[] hyp = hypothesis.isBlank() ? new String[0] : hypothesis.split(" ");
        int[][] d = new int[ref.length + 1][hyp.length + 1];
        for (int i = 0; i <= ref.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= hyp.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= ref.length; i++) {
            for (int j = 1; j <= hyp.length; j++) {
                int substitution = d[i - 1][j - 1] + (ref[i - 1].equals(hyp[j - 1]) ? 0 : 1);
                d[i][j] = Math.min(substitution, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
            }
        }
        return d[ref.length][hyp.length];
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
