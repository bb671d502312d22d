package io.xiaozhi.pipeline.common.audio;

/** The sample rates Opus accepts, and the sample count of the 60 ms packets the protocol uses. */
final class OpusRates {

    /** Duration of every uplink and downlink packet. */
    static final int PACKET_MILLIS = 60;

    private OpusRates() {
    }

    /** Returns {@code sampleRate} if Opus supports it, or throws naming the rate. */
    static int requireSupported(int sampleRate) {
        switch (sampleRate) {
            case 8000, 12000, 16000, 24000, 48000 -> {
                return sampleRate;
            }
            default -> throw new IllegalArgumentException(
                    "Opus sample rate must be 8000, 12000, 16000, 24000 or 48000 Hz, not " + sampleRate);
        }
    }

    /** Samples in one 60 ms packet at {@code sampleRate}. */
    static int samplesPerPacket(int sampleRate) {
        return sampleRate * PACKET_MILLIS / 1000;
    }
}
