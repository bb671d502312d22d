package io.xiaozhi.pipeline.tts.provider;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A pool of allocated FreeTTS {@code kevin16} voices (16 kHz, English), one per concurrent caller, each
 * with its own in-memory audio player, so sentences are synthesized in parallel without files.
 *
 * <p>FreeTTS keeps per-voice state (utterance processors, output thread, audio player), so a voice
 * serves one caller at a time; separate voices run in parallel threads safely (the loaded lexicon and
 * diphone data they share are only read): {@code FreeTtsVoicesTest} synthesizes different sentences
 * on several voices at once and gets the same samples as one voice alone. All voices are allocated
 * up front (about 0.3 s for the first, 80 ms and 6 MB of heap for each further one), so no request
 * pays for loading.
 */
public final class FreeTtsVoices implements AutoCloseable {

    public static final String VOICE = "kevin16";
    public static final int SAMPLE_RATE = 16_000;

    private record Pooled(Voice voice, MemoryAudioPlayer player) {
    }

    private final BlockingQueue<Pooled> idle;
    private final List<Pooled> all = new ArrayList<>();
    private volatile boolean closed;

    /** Allocates {@code size} voices. */
    public FreeTtsVoices(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a voice pool needs at least one voice, not " + size);
        }
        this.idle = new ArrayBlockingQueue<>(size);
        try {
            for (int i = 0; i < size; i++) {
                Pooled pooled = allocate();
                all.add(pooled);
                idle.add(pooled);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    public int size() {
        return all.size();
    }

    /** Voices free right now. */
    int idle() {
        return idle.size();
    }

    /**
     * Speaks {@code text} on a free voice, waiting at most {@code wait} for one; returns 16 kHz mono
     * samples (none for text the voice cannot pronounce, such as Chinese).
     *
     * @throws TimeoutException if no voice became free in time
     * @throws IllegalStateException if FreeTTS reports a failure or the pool is closed
     */
    public short[] speak(String text, Duration wait) throws TimeoutException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("the FreeTTS voice pool is closed");
        }
        Pooled pooled = idle.poll(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        if (pooled == null) {
            throw new TimeoutException("all " + all.size() + " FreeTTS voices stayed busy for " + wait.toMillis() + " ms");
        }
        try {
            pooled.player().clear();
            if (!pooled.voice().speak(text)) {
                throw new IllegalStateException("FreeTTS could not speak the sentence");
            }
            if (pooled.player().sampleRate() != SAMPLE_RATE) {
                throw new IllegalStateException("FreeTTS produced " + pooled.player().sampleRate() + " Hz, not " + SAMPLE_RATE);
            }
            return pooled.player().samples();
        } finally {
            pooled.player().clear();
            idle.add(pooled);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Pooled pooled : all) {
            try {
                pooled.voice().deallocate();
            } catch (RuntimeException e) {
                // a voice that fails to release is dropped with the pool
            }
        }
        all.clear();
        idle.clear();
    }

    private static Pooled allocate() {
        Voice voice = null;
        for (Voice candidate : new KevinVoiceDirectory().getVoices()) {
            if (VOICE.equals(candidate.getName())) {
                voice = candidate;
            }
        }
        if (voice == null) {
            throw new IllegalStateException("the FreeTTS voice " + VOICE + " is not on the classpath");
        }
        MemoryAudioPlayer player = new MemoryAudioPlayer();
        voice.setAudioPlayer(player);
        voice.allocate();
        return new Pooled(voice, player);
    }
}
