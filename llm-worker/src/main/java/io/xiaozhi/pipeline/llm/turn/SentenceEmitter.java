package io.xiaozhi.pipeline.llm.turn;

import io.xiaozhi.pipeline.llm.text.SpokenText;

/**
 * Numbers a turn's sentences and sends them, one behind: the latest sentence is held back until the
 * next one is cut or the reply ends, so that the last one goes out with {@code xz.last}. Sentences
 * with nothing to speak (only emoji or punctuation) are dropped.
 */
final class SentenceEmitter {

    private final TurnState state;
    private final TurnOutput output;
    private String held;

    SentenceEmitter(TurnState state, TurnOutput output) {
        this.state = state;
        this.output = output;
    }

    /** A sentence as cut from the reply; the previous one is sent. */
    void offer(String sentence) {
        String spoken = SpokenText.clean(sentence);
        if (!SpokenText.speakable(spoken)) {
            return;
        }
        if (held != null) {
            output.sentence(state.takeSeq(), held, false, state.endOfSpeech());
        }
        held = spoken;
    }

    /** More rounds follow (the model called tools): the held sentence is not the last. */
    void flush() {
        if (held != null) {
            output.sentence(state.takeSeq(), held, false, state.endOfSpeech());
            held = null;
        }
    }

    /**
     * The reply is complete: the held sentence goes out as the last. Without one, an empty last
     * sentence closes a turn that spoke in an earlier round; returns false when the turn spoke not at all.
     */
    boolean finish() {
        if (held != null) {
            output.sentence(state.takeSeq(), held, true, state.endOfSpeech());
            held = null;
            return true;
        }
        if (state.nextSeq() > 0) {
            output.sentence(state.takeSeq(), "", true, state.endOfSpeech());
            return true;
        }
        return false;
    }
}
