package io.xiaozhi.pipeline.gateway.audio;

import java.util.Optional;

/**
 * Turns per-window speech probabilities into the start and end of utterances.
 *
 * <p>A window at or above the start threshold opens a candidate utterance; while it is open,
 * windows at or above the lower continue threshold count as speech (hysteresis). The candidate is
 * reported as {@link UtteranceEvent.SpeechStarted} once its speech spans the minimum duration, and
 * dropped without a report if silence reaches the end-of-speech duration first. A reported
 * utterance ends with {@link UtteranceEvent.SpeechEnded} after that much silence; its end is the
 * end of its last speech window. Pure logic with no clock: time is counted in windows. One
 * instance per session; not thread-safe.
 */
public final class UtteranceDetector {

    private enum State { IDLE, CANDIDATE, SPEAKING }

    private final UtteranceSettings settings;
    private final int minSpeechWindows;
    private final int endSilenceWindows;
    private State state = State.IDLE;
    private long window;
    private long firstSpeechWindow;
    private long lastSpeechWindow;

    /** A detector with {@link UtteranceSettings#DEFAULTS}. */
    public UtteranceDetector() {
        this(UtteranceSettings.DEFAULTS);
    }

    /** A detector reading probabilities as {@code settings} say. */
    public UtteranceDetector(UtteranceSettings settings) {
        this.settings = settings;
        this.minSpeechWindows = ceilDiv(settings.minSpeechMillis(), settings.windowMillis());
        this.endSilenceWindows = ceilDiv(settings.endSilenceMillis(), settings.windowMillis());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Takes the speech probability of the next window; returns the event it causes, if any. */
    public Optional<UtteranceEvent> accept(double probability) {
        long current = window++;
        return switch (state) {
            case IDLE -> {
                if (probability >= settings.startThreshold()) {
                    firstSpeechWindow = current;
                    lastSpeechWindow = current;
                    state = State.CANDIDATE;
                    yield confirmIfLongEnough();
                }
                yield Optional.empty();
            }
            case CANDIDATE -> {
                if (probability >= settings.continueThreshold()) {
                    lastSpeechWindow = current;
                    yield confirmIfLongEnough();
                }
                if (silentWindowsAfterSpeech(current) >= endSilenceWindows) {
                    state = State.IDLE;
                }
                yield Optional.empty();
            }
            case SPEAKING -> {
                if (probability >= settings.continueThreshold()) {
                    lastSpeechWindow = current;
                } else if (silentWindowsAfterSpeech(current) >= endSilenceWindows) {
                    state = State.IDLE;
                    yield Optional.of(new UtteranceEvent.SpeechEnded(
                            millis(firstSpeechWindow), millis(lastSpeechWindow + 1)));
                }
                yield Optional.empty();
            }
        };
    }

    private Optional<UtteranceEvent> confirmIfLongEnough() {
        if (lastSpeechWindow - firstSpeechWindow + 1 >= minSpeechWindows) {
            state = State.SPEAKING;
            return Optional.of(new UtteranceEvent.SpeechStarted(millis(firstSpeechWindow)));
        }
        return Optional.empty();
    }

    private long silentWindowsAfterSpeech(long current) {
        return current - lastSpeechWindow;
    }

    private long millis(long windowIndex) {
        return windowIndex * settings.windowMillis();
    }

    /** True between a reported start of speech and its end. */
    public boolean inSpeech() {
        return state == State.SPEAKING;
    }

    /** Returns to silence and restarts the clock at zero, as for a new stream. */
    public void reset() {
        state = State.IDLE;
        window = 0;
    }
}
