package io.xiaozhi.pipeline.gateway.audio;

/**
 * How an {@link UtteranceDetector} reads per-window speech probabilities.
 *
 * @param startThreshold    probability at or above which a window opens an utterance
 * @param continueThreshold probability at or above which a window keeps an open utterance going;
 *                          lower than {@code startThreshold}, so speech dipping briefly is not cut
 * @param minSpeechMillis   shortest span from the first to the last speech window that counts as
 *                          an utterance; shorter bursts, such as clicks, are ignored
 * @param endSilenceMillis  silence after the last speech window that ends an utterance
 * @param windowMillis      duration of one window
 */
public record UtteranceSettings(
        double startThreshold,
        double continueThreshold,
        int minSpeechMillis,
        int endSilenceMillis,
        int windowMillis) {

    /** Silero's usual thresholds 0.5 / 0.35, 250 ms minimum speech, 700 ms end silence, 32 ms windows. */
    public static final UtteranceSettings DEFAULTS = new UtteranceSettings(0.5, 0.35, 250, 700, Vad.WINDOW_MILLIS);

    /** Validates the settings, naming the first one out of range. */
    public UtteranceSettings {
        if (!(startThreshold > 0.0 && startThreshold <= 1.0)) {
            throw new IllegalArgumentException("startThreshold must be in (0, 1], not " + startThreshold);
        }
        if (!(continueThreshold > 0.0 && continueThreshold <= startThreshold)) {
            throw new IllegalArgumentException("continueThreshold must be in (0, startThreshold = "
                    + startThreshold + "], not " + continueThreshold);
        }
        if (minSpeechMillis < 0) {
            throw new IllegalArgumentException("minSpeechMillis must be >= 0, not " + minSpeechMillis);
        }
        if (endSilenceMillis <= 0) {
            throw new IllegalArgumentException("endSilenceMillis must be > 0, not " + endSilenceMillis);
        }
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("windowMillis must be > 0, not " + windowMillis);
        }
    }
}
