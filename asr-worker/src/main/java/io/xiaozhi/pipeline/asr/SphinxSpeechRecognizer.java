package io.xiaozhi.pipeline.asr;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline US-English speech recognition with CMU Sphinx4 ({@code providers.asr.type: offline}): pure
 * Java, no network. A Sphinx4 recognizer is not thread-safe and takes seconds and about 150 MB of heap
 * to load, so this keeps a pool of loaded ones ({@link SphinxDecoder}): one is loaded when the worker
 * starts (so a missing model stops it at once and the first turn does not wait), more only when that
 * many utterances are being recognized at the same time, up to {@link #capacity()} — the stage's
 * {@code max_concurrent}, or fewer if the heap cannot hold that many ({@link #capacityFor}). An
 * utterance that finds every recognizer busy and the pool full waits for one within its time left.
 *
 * <p>A recognition stops early when the turn is cancelled or the attempt times out (a retryable
 * failure). A recognizer that fails (Sphinx4 throws, or overflows its stack with very narrow beams) is
 * discarded, counted as {@code xiaozhi.provider.failures{stage=asr,reason=recognizer}}, and the
 * utterance fails retryably: the next attempt gets another recognizer.
 *
 * <p>Meters: {@value #RECOGNIZERS} (loaded or loading), {@value #IDLE} (loaded and free),
 * {@value #LOAD} (time to load one).
 */
public final class SphinxSpeechRecognizer implements SpeechRecognizer {

    public static final String RECOGNIZERS = "xiaozhi.asr.sphinx.recognizers";
    public static final String IDLE = "xiaozhi.asr.sphinx.idle";
    public static final String LOAD = "xiaozhi.asr.sphinx.load";

    /** Heap one loaded recognizer holds, rounded up from the ~150 MB measured. */
    static final long BYTES_PER_RECOGNIZER = 160L << 20;
    /** Heap left for everything else when sizing the pool. */
    static final long HEAP_RESERVE = 256L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(SphinxSpeechRecognizer.class);
    private static final long WAIT_SLICE_MS = 100;

    private final SphinxTuning tuning;
    private final int capacity;
    private final BlockingQueue<SphinxDecoder> idle = new LinkedBlockingQueue<>();
    private final AtomicInteger slots = new AtomicInteger();
    private final Timer loadTime;
    private final ProviderMetrics failures;
    private volatile boolean closed;

    /**
     * Loads the first recognizer now.
     *
     * @throws IOException if Sphinx4's models cannot be read
     */
    public SphinxSpeechRecognizer(SphinxTuning tuning, int capacity, MeterRegistry registry) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("the pool needs room for at least one recognizer, not " + capacity);
        }
        this.tuning = tuning;
        this.capacity = capacity;
        this.failures = new ProviderMetrics(registry);
        this.loadTime = Timer.builder(LOAD).tag("stage", AsrMetrics.STAGE)
                .description("time to load one Sphinx4 recognizer").register(registry);
        Gauge.builder(RECOGNIZERS, slots, AtomicInteger::get).tag("stage", AsrMetrics.STAGE)
                .description("Sphinx4 recognizers loaded or loading").register(registry);
        Gauge.builder(IDLE, idle, BlockingQueue::size).tag("stage", AsrMetrics.STAGE)
                .description("Sphinx4 recognizers loaded and free").register(registry);
        slots.incrementAndGet();
        try {
            idle.add(load());
        } catch (IOException | RuntimeException e) {
            slots.decrementAndGet();
            throw e;
        }
    }

    /**
     * How many recognizers a pool may load: {@code maxConcurrent}, but no more than fit in
     * {@code maxHeapBytes} after a reserve for the rest of the worker; at least one.
     */
    public static int capacityFor(int maxConcurrent, long maxHeapBytes) {
        long fit = (maxHeapBytes - HEAP_RESERVE) / BYTES_PER_RECOGNIZER;
        return (int) Math.max(1, Math.min(maxConcurrent, fit));
    }

    @Override
    public String description() {
        return "offline (CMU Sphinx4, US English; up to " + capacity + " recognizer(s), relative beam " + tuning.relativeBeamWidth() + ")";
    }

    @Override
    public String tag() {
        return "offline";
    }

    /** The most recognizers this pool loads. */
    public int capacity() {
        return capacity;
    }

    /** Recognizers loaded or loading now. */
    public int loaded() {
        return slots.get();
    }

    @Override
    public String transcribe(short[] pcm, StageContext context) {
        if (pcm.length == 0) {
            return "";
        }
        SphinxDecoder decoder = acquire(context);
        boolean healthy = false;
        try {
            SphinxDecoder.Recognition recognition = decoder.recognize(pcm, tuning.paddingSamples(), context::cancelled);
            healthy = true;
            if (recognition.stopped()) {
                throw new StageException("Sphinx4 recognition stopped (turn cancelled or attempt timed out)", true);
            }
            return recognition.text();
        } catch (RuntimeException | StackOverflowError e) {
            if (e instanceof StageException stage) {
                throw stage;
            }
            failures.failure(AsrMetrics.STAGE, "recognizer");
            LOG.warn("asr: Sphinx4 failed on an utterance of {} samples ({}); the recognizer is discarded", pcm.length, e.toString());
            throw new StageException("Sphinx4 failed: " + e, true, e);
        } finally {
            if (healthy) {
                release(decoder);
            } else {
                discard(decoder);
            }
        }
    }

    /** An idle recognizer, a new one if the pool has room, or the next one freed within the time left. */
    private SphinxDecoder acquire(StageContext context) {
        long deadline = System.nanoTime() + context.timeLeft().toNanos();
        while (true) {
            if (closed) {
                throw new StageException("the Sphinx4 recognizer pool is closed", true);
            }
            SphinxDecoder decoder = idle.poll();
            if (decoder != null) {
                return decoder;
            }
            if (reserveSlot()) {
                try {
                    return load();
                } catch (IOException | RuntimeException e) {
                    slots.decrementAndGet();
                    failures.failure(AsrMetrics.STAGE, "recognizer");
                    throw new StageException("cannot load another Sphinx4 recognizer: " + e, true, e);
                }
            }
            long left = deadline - System.nanoTime();
            if (context.cancelled() || left <= 0) {
                throw new StageException("no Sphinx4 recognizer free within the time left (" + capacity + " busy)", true);
            }
            try {
                decoder = idle.poll(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, WAIT_SLICE_MS), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StageException("interrupted while waiting for a Sphinx4 recognizer", true, e);
            }
            if (decoder != null) {
                return decoder;
            }
        }
    }

    private boolean reserveSlot() {
        while (true) {
            int taken = slots.get();
            if (taken >= capacity) {
                return false;
            }
            if (slots.compareAndSet(taken, taken + 1)) {
                return true;
            }
        }
    }

    private SphinxDecoder load() throws IOException {
        long began = System.nanoTime();
        SphinxDecoder decoder = SphinxDecoder.load(tuning);
        long took = System.nanoTime() - began;
        loadTime.record(took, TimeUnit.NANOSECONDS);
        LOG.info("asr: Sphinx4 recognizer {} of at most {} loaded in {} ms", slots.get(), capacity, Duration.ofNanos(took).toMillis());
        return decoder;
    }

    private void release(SphinxDecoder decoder) {
        idle.add(decoder);
        if (closed && idle.remove(decoder)) {
            discard(decoder);
        }
    }

    private void discard(SphinxDecoder decoder) {
        decoder.close();
        slots.decrementAndGet();
    }

    @Override
    public void close() {
        closed = true;
        SphinxDecoder decoder;
        while ((decoder = idle.poll()) != null) {
            discard(decoder);
        }
    }
}
