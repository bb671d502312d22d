package io.xiaozhi.pipeline.gateway.downlink;

/**
 * Figures of one paced turn.
 *
 * @param turnId            the turn
 * @param outcome           how it ended, or {@link TurnOutcome#ACTIVE}
 * @param packetsSent       audio packets sent to the device
 * @param latePackets       of those, the ones sent later than the late threshold after their due time
 * @param maxLatenessMillis the largest delay of a packet behind its due time
 * @param failureReason     why the turn failed or was aborted, or {@code null}
 */
public record TurnStats(
        String turnId,
        TurnOutcome outcome,
        long packetsSent,
        long latePackets,
        long maxLatenessMillis,
        String failureReason) {
}
