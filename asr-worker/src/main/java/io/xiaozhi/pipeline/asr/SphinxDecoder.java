package io.xiaozhi.pipeline.asr;

import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.Context;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * One loaded Sphinx4 recognizer for US English: the en-us acoustic model, the CMU pronouncing
 * dictionary and the en-us trigram language model from {@code sphinx4-data}, allocated once and
 * reused for utterance after utterance. Not thread-safe: one utterance at a time.
 *
 * <p>The recognizer is driven directly rather than through Sphinx4's {@code StreamSpeechRecognizer},
 * which allocates and frees the whole decoder around every stream. Each result's best path without
 * fillers is read from the {@link Result} itself; Sphinx4's {@code SpeechResult} would also build a
 * word lattice, which is not needed and is where narrow beams make it fail.
 */
final class SphinxDecoder {

    private static final String MODELS = "resource:/edu/cmu/sphinx/models/en-us/";

    /** What one utterance gave: its words, and whether reading stopped early (cancelled). */
    record Recognition(String text, boolean stopped) {
    }

    private final Context context;
    private final Recognizer recognizer;

    private SphinxDecoder(Context context, Recognizer recognizer) {
        this.context = context;
        this.recognizer = recognizer;
    }

    /** Loads the models and allocates the decoder: seconds of work and about 150 MB of heap. */
    static SphinxDecoder load(SphinxTuning tuning) throws IOException {
        SphinxLogging.install();
        Configuration configuration = new Configuration();
        configuration.setAcousticModelPath(MODELS + "en-us");
        configuration.setDictionaryPath(MODELS + "cmudict-en-us.dict");
        configuration.setLanguageModelPath(MODELS + "en-us.lm.bin");
        configuration.setSampleRate(SpeechRecognizer.SAMPLE_RATE);
        Context context = new Context(configuration);
        tuning.applyTo(context);
        Recognizer recognizer = context.getInstance(Recognizer.class);
        recognizer.allocate();
        return new SphinxDecoder(context, recognizer);
    }

    /**
     * Recognizes one utterance, framed by {@code padding} samples of silence. Sphinx4 cuts the audio
     * at pauses and gives a result per stretch of speech; their words are joined by spaces. A result
     * without a best path adds nothing.
     */
    Recognition recognize(short[] pcm, int padding, BooleanSupplier stop) {
        PcmStream stream = new PcmStream(pcm, padding, stop);
        context.setSpeechSource(stream);
        StringBuilder text = new StringBuilder();
        Result result;
        while ((result = recognizer.recognize()) != null) {
            String words = result.getBestResultNoFiller();
            if (words != null && !words.isBlank()) {
                if (text.length() > 0) {
                    text.append(' ');
                }
                text.append(words.strip());
            }
        }
        return new Recognition(text.toString(), stream.stopped());
    }

    /** Frees the decoder; a recognizer that failed may refuse, which changes nothing. */
    void close() {
        try {
            recognizer.deallocate();
        } catch (RuntimeException e) {
            // the recognizer is dropped either way
        }
    }
}
