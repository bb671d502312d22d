package io.xiaozhi.pipeline.asr;

import edu.cmu.sphinx.api.Context;

/**
 * How widely Sphinx4's decoder searches, and how much silence frames an utterance. With its own
 * defaults (relative beam 1e-60) Sphinx4 decodes this project's test speech more slowly than it is
 * spoken on one core of the development machine; {@link #DEFAULT} narrows the relative beam of the
 * state search to 1e-45, which measured about 2.5 times faster at the same word error rate (8.2 % on
 * sixteen spoken commands; see {@code SphinxBenchmark}). Much narrower beams are faster still but lose
 * words, and very narrow ones make the decoder fail (a stack overflow in its active list), which the
 * recognizer survives.
 *
 * @param relativeBeamWidth pruning threshold of the state and fast-match search relative to the best
 *     path (Sphinx4's {@code relativeBeamWidth}, default 1e-60)
 * @param absoluteBeamWidth the most paths kept per frame ({@code absoluteBeamWidth}, default 20000)
 * @param relativeWordBeamWidth the same for word ends ({@code relativeWordBeamWidth}, default 1e-40)
 * @param absoluteWordBeamWidth the most word ends kept per frame ({@code absoluteWordBeamWidth}, default 200)
 * @param paddingMillis silence added before and after the utterance: Sphinx4's speech marker misses a
 *     first word that starts at the first sample
 */
public record SphinxTuning(double relativeBeamWidth, int absoluteBeamWidth, double relativeWordBeamWidth,
                           int absoluteWordBeamWidth, int paddingMillis) {

    public static final SphinxTuning DEFAULT = new SphinxTuning(1e-45, 20_000, 1e-40, 200, 300);

    public SphinxTuning {
        if (!(relativeBeamWidth > 0 && relativeBeamWidth <= 1) || !(relativeWordBeamWidth > 0 && relativeWordBeamWidth <= 1)) {
            throw new IllegalArgumentException("relative beam widths must be in (0, 1]");
        }
        if (absoluteBeamWidth < 1 || absoluteWordBeamWidth < 1) {
            throw new IllegalArgumentException("absolute beam widths must be positive");
        }
        if (paddingMillis < 0 || paddingMillis > 5000) {
            throw new IllegalArgumentException("padding must be 0 to 5000 ms, not " + paddingMillis);
        }
    }

    /**
     * Sets the widths on the components of a freshly created context, before its recognizer is
     * allocated. Only the components concerned are reconfigured: a global property would reconfigure
     * every component, and Sphinx4's front end does not survive that (its cepstrum stage loses its
     * input and every recognition fails).
     */
    void applyTo(Context context) {
        context.setLocalProperty("standardActiveListFactory->relativeBeamWidth", relativeBeamWidth);
        context.setLocalProperty("standardActiveListFactory->absoluteBeamWidth", absoluteBeamWidth);
        context.setLocalProperty("fastmatchActiveList->absoluteBeamWidth", absoluteBeamWidth);
        context.setLocalProperty("wordActiveListFactory->relativeBeamWidth", relativeWordBeamWidth);
        context.setLocalProperty("wordActiveListFactory->absoluteBeamWidth", absoluteWordBeamWidth);
        context.setLocalProperty("wordPruningLookaheadSearchManager->relativeBeamWidth", relativeBeamWidth);
    }

    int paddingSamples() {
        return SpeechRecognizer.SAMPLE_RATE / 1000 * paddingMillis;
    }
}
