package io.xiaozhi.pipeline.gateway.downlink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/** The downlink's meters, shared by every session's pacer. */
public final class DownlinkMetrics {

    private final Counter packetsSent;
    private final Counter latePackets;
    private final Map<TurnOutcome, Counter> turns = new EnumMap<>(TurnOutcome.class);
    private final Map<Acceptance, Counter> droppedPieces = new EnumMap<>(Acceptance.class);

    public DownlinkMetrics(MeterRegistry registry) {
        packetsSent = Counter.builder("xiaozhi.downlink.packets")
                .description("Opus packets sent to devices")
                .register(registry);
        latePackets = Counter.builder("xiaozhi.downlink.packets.late")
                .description("Opus packets sent more than the late threshold after their due time")
                .register(registry);
        for (TurnOutcome outcome : TurnOutcome.values()) {
            if (outcome != TurnOutcome.ACTIVE) {
                turns.put(outcome, Counter.builder("xiaozhi.downlink.turns")
                        .description("Paced turns by how they ended")
                        .tag("outcome", outcome.name().toLowerCase())
                        .register(registry));
            }
        }
        for (Acceptance acceptance : Acceptance.values()) {
            if (acceptance != Acceptance.ACCEPTED) {
                droppedPieces.put(acceptance, Counter.builder("xiaozhi.downlink.pieces.dropped")
                        .description("Turn pieces not used: duplicates, pieces of closed turns, pieces over the limit")
                        .tag("reason", acceptance.name().toLowerCase())
                        .register(registry));
            }
        }
    }

    void packetSent(boolean late) {
        packetsSent.increment();
        if (late) {
            latePackets.increment();
        }
    }

    void turnEnded(TurnOutcome outcome) {
        turns.get(outcome).increment();
    }

    void pieceDropped(Acceptance reason) {
        droppedPieces.get(reason).increment();
    }
}
