package io.xiaozhi.pipeline.gateway.downlink;

/** Where a {@link TurnAssembler} stands. */
public enum TurnState {
    /** Pieces are still expected. */
    OPEN,
    /** The last sentence has been released; later pieces are dropped. */
    COMPLETE,
    /** Stopped on request; later pieces are dropped. */
    ABORTED,
    /** Gave up (buffer limit exceeded); later pieces are dropped. */
    FAILED
}
