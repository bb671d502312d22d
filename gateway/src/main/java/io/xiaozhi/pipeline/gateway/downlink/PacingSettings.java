package io.xiaozhi.pipeline.gateway.downlink;

/**
 * How the downlink is paced (docs/protocol.md §5).
 *
 * @param frameMillis         playback length of one packet
 * @param prebufferPackets    packets sent at once when playback starts or restarts after running dry
 * @param stopDelayMillis     wait between the last packet's due time and {@code tts stop}, so the
 *                            device's queue has drained (the pre-buffer plus a margin)
 * @param lateThresholdMillis a packet sent more than this after its due time counts as late
 * @param maxBufferedPackets  packets one turn may hold before they are sent; beyond it the turn fails
 * @param maxPendingSentences sentences one turn may hold waiting for an earlier one
 */
public record PacingSettings(
        int frameMillis,
        int prebufferPackets,
        int stopDelayMillis,
        int lateThresholdMillis,
        int maxBufferedPackets,
        int maxPendingSentences) {

    /** 60 ms packets, a pre-buffer of 5, stop 7 frames after the last, late beyond 65 ms, at most 40 s held. */
    public static final PacingSettings DEFAULTS = new PacingSettings(60, 5, 7 * 60, 65, 40_000 / 60, 256);

    public PacingSettings {
        requirePositive("frameMillis", frameMillis);
        requirePositive("prebufferPackets", prebufferPackets);
        requirePositive("maxBufferedPackets", maxBufferedPackets);
        requirePositive("maxPendingSentences", maxPendingSentences);
        if (stopDelayMillis < 0 || lateThresholdMillis < 0) {
            throw new IllegalArgumentException("stopDelayMillis and lateThresholdMillis must not be negative: "
                    + stopDelayMillis + ", " + lateThresholdMillis);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }

    /** These settings with another {@code tts stop} delay. */
    public PacingSettings withStopDelayMillis(int millis) {
        return new PacingSettings(frameMillis, prebufferPackets, millis, lateThresholdMillis, maxBufferedPackets, maxPendingSentences);
    }

    /** These settings with another per-turn buffer limit. */
    public PacingSettings withMaxBufferedPackets(int packets) {
        return new PacingSettings(frameMillis, prebufferPackets, stopDelayMillis, lateThresholdMillis, packets, maxPendingSentences);
    }
}
