package io.xiaozhi.pipeline.gateway.downlink;

/** What became of one {@link TurnPiece} offered to a {@link TurnAssembler}. */
public enum Acceptance {
    /** Kept: released now or buffered until the pieces before it arrive. */
    ACCEPTED,
    /** Already seen, or belongs to a sentence or chunk already released or skipped: dropped. */
    DUPLICATE,
    /**
     * Dropped because the turn is no longer open (finished, aborted, failed, or not the current turn),
     * or because the piece contradicts what is known (past the last sentence or the final chunk).
     */
    DROPPED,
    /** Keeping the piece would exceed the turn's buffer limit: the turn failed and everything was dropped. */
    TURN_FAILED
}
