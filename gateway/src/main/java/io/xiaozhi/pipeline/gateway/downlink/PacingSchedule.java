package io.xiaozhi.pipeline.gateway.downlink;

/**
 * The due times of one turn's packets. Packet {@code k} is due at
 * {@code anchor + max(0, k - anchorIndex - prebuffer + 1) * frame}: the pre-buffer at once, then one
 * packet a frame. Due times are computed from the anchor, never from when the previous packet actually
 * went out, so scheduler delays do not accumulate.
 *
 * <p>The schedule also tracks when the device will have played everything sent so far. A packet sent
 * after that moment found the device's queue empty (playback stalled), so the schedule re-anchors at
 * that packet: the device gets a fresh pre-buffer and then one packet a frame again. A burst after a
 * stall therefore never exceeds the pre-buffer, and while the device keeps playing, packets overdue
 * under the unchanged schedule only bring its queue back to the pre-buffer.
 */
final class PacingSchedule {

    private final int frameMillis;
    private final int prebuffer;
    private long anchorMillis;
    private long anchorIndex;
    private long nextIndex;
    private long playedOutAt;
    private long lastDueMillis;

    PacingSchedule(long startMillis, int frameMillis, int prebuffer) {
        this.frameMillis = frameMillis;
        this.prebuffer = prebuffer;
        this.anchorMillis = startMillis;
        this.playedOutAt = startMillis;
        this.lastDueMillis = startMillis;
    }

    /** Index of the next packet to send, from 0. */
    long nextIndex() {
        return nextIndex;
    }

    /** When the next packet is due. */
    long nextDueMillis() {
        return anchorMillis + Math.max(0, nextIndex - anchorIndex - prebuffer + 1) * frameMillis;
    }

    /** The due time of the last packet sent (after any re-anchoring); the start time if none was sent. */
    long lastDueMillis() {
        return lastDueMillis;
    }

    /**
     * Records that the next packet went out at {@code sentAt} and returns how late it was against its
     * due time (0 if on time or early).
     */
    long recordSent(long sentAt) {
        long due = nextDueMillis();
        long lateness = Math.max(0, sentAt - due);
        if (sentAt > playedOutAt) {
            anchorMillis = sentAt;
            anchorIndex = nextIndex;
            due = sentAt;
        }
        playedOutAt = Math.max(playedOutAt, sentAt) + frameMillis;
        lastDueMillis = due;
        nextIndex++;
        return lateness;
    }
}
