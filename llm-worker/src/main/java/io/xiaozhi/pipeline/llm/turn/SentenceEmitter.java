package io.xiaozhi.pipeline.llm.turn;

import io.xiaozhi.pipeline.llm.text.SpokenText;

/**
 * Numbers a turn's sentences and sends them. A sentence cut while the model is still streaming goes
 * out at once, so speech synthesis starts on it while the model writes the next; the text left when
 * the stream ends is held until the round's outcome is known, so that the last sentence goes out
 * with {@code xz.last} (or, when the round called tools, without it). A reply whose last sentence
 * went out mid-stream is closed by an empty last sentence. Each sentence carries the providers'
 * share of the turn up to the moment its text was complete. Sentences with nothing to speak (only
 * emoji or punctuation) are dropped.
 */
final class SentenceEmitter {

    private final TurnState state;
    private final TurnOutput output;
    private String held;
    private long heldProviderMillis = -1;

    SentenceEmitter(TurnState state, TurnOutput output) {
        this.state = state;
        this.output = output;
    }

    /** A sentence cut while the model streams: sent now. */
    void offer(String sentence) {
        String spoken = speakable(sentence);
        if (spoken == null) {
            return;
        }
        sendHeld(false);
        output.sentence(state.takeSeq(), spoken, false, state.endOfSpeech(), state.providerMillisAt(System.nanoTime()));
    }

    /** Text left when the model's stream ended: held until {@link #flush()} or {@link #finish()}. */
    void offerAtEnd(String sentence) {
        String spoken = speakable(sentence);
        if (spoken == null) {
            return;
        }
        sendHeld(false);
        held = spoken;
        heldProviderMillis = state.providerMillisAt(System.nanoTime());
    }

    /** More rounds follow (the model called tools): the held sentence is not the last. */
    void flush() {
        sendHeld(false);
    }

    /**
     * The reply is complete: the held sentence goes out as the last. Without one, an empty last
     * sentence closes a turn that spoke already; returns false when the turn spoke not at all.
     */
    boolean finish() {
        if (held != null) {
            sendHeld(true);
            return true;
        }
        if (state.nextSeq() > 0) {
            output.sentence(state.takeSeq(), "", true, state.endOfSpeech(), -1);
            return true;
        }
        return false;
    }

    /** The sentence cleaned for speech, or null when nothing in it can be spoken. */
    private static String speakable(String sentence) {
        String spoken = SpokenText.clean(sentence);
        return SpokenText.speakable(spoken) ? spoken : null;
    }

    private void sendHeld(boolean last) {
        if (held != null) {
            output.sentence(state.takeSeq(), held, last, state.endOfSpeech(), heldProviderMillis);
            held = null;
            heldProviderMillis = -1;
        }
    }
}
