package io.xiaozhi.pipeline.gateway.downlink;

import java.util.List;
import java.util.Objects;

/**
 * One piece of a turn's reply as it arrives from the workers, in any order and possibly more than once
 * (at-least-once delivery). Sentences are numbered from 0 ({@code seq}); the audio of one sentence is
 * split into chunks numbered from 0, the last one flagged {@code last}.
 */
public sealed interface TurnPiece {

    /** The sentence number within the turn. */
    int seq();

    /**
     * The text of sentence {@code seq}; {@code last} marks the turn's last sentence. A blank text means
     * the sentence has no audio and is skipped.
     */
    record SentenceText(int seq, String text, boolean last) implements TurnPiece {
        public SentenceText {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * Synthesis of sentence {@code seq} failed for good: the sentence is skipped so the ones after it
     * still play. {@code last} repeats the last-sentence flag when the failing sentence is the last.
     */
    record SentenceFailed(int seq, boolean last, String reason) implements TurnPiece {
        public SentenceFailed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Chunk {@code chunk} of the audio of sentence {@code seq}: Opus packets of 60 ms each. */
    record AudioChunk(int seq, int chunk, boolean last, List<byte[]> packets) implements TurnPiece {
        public AudioChunk {
            packets = List.copyOf(packets);
        }
    }
}
