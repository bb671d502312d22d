package io.xiaozhi.pipeline.tts.audio;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusSignal;
import java.util.Arrays;

/**
 * Encodes the downlink's audio: 24 kHz mono speech into 60 ms Opus packets (1440 samples each),
 * with a chosen encoder complexity. Concentus's complexity trades CPU for quality: one core encodes
 * about 2,300 packets a second at 0, 1,300 at 5 and 880 at 10 (TtsBenchmark, 24 kbit/s speech).
 *
 * <p>One instance per sentence: the encoder carries state from packet to packet, so a fresh one makes
 * a sentence's packets depend on its own audio only (the same sentence always encodes to the same
 * bytes). Not thread-safe.
 */
public final class OpusPacketEncoder {

    /** The downlink's sample rate. */
    public static final int SAMPLE_RATE = 24_000;
    /** Samples in one 60 ms packet at 24 kHz. */
    public static final int PACKET_SAMPLES = SAMPLE_RATE * 60 / 1000;
    /** Upper bound of one encoded packet, as recommended by the Opus documentation. */
    private static final int MAX_PACKET_BYTES = 4000;

    private final OpusEncoder encoder;
    private final byte[] buffer = new byte[MAX_PACKET_BYTES];

    /**
     * An encoder of {@code complexity} 0 (cheapest) to 10 (best) at {@code bitrate} bit/s
     * (6000..510000), tuned for voice.
     */
    public OpusPacketEncoder(int complexity, int bitrate) {
        if (complexity < 0 || complexity > 10) {
            throw new IllegalArgumentException("Opus complexity must be 0..10, not " + complexity);
        }
        if (bitrate < 6_000 || bitrate > 510_000) {
            throw new IllegalArgumentException("Opus bit rate must be 6000..510000 bit/s, not " + bitrate);
        }
        try {
            this.encoder = new OpusEncoder(SAMPLE_RATE, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus encoder rejected " + SAMPLE_RATE + " Hz mono", e);
        }
        encoder.setBitrate(bitrate);
        encoder.setSignalType(OpusSignal.OPUS_SIGNAL_VOICE);
        encoder.setComplexity(complexity);
    }

    /** Encodes exactly one packet's worth ({@value #PACKET_SAMPLES}) of samples. */
    public byte[] encode(short[] frame) {
        if (frame.length != PACKET_SAMPLES) {
            throw new IllegalArgumentException("a packet takes " + PACKET_SAMPLES + " samples, not " + frame.length);
        }
        try {
            int bytes = encoder.encode(frame, 0, PACKET_SAMPLES, buffer, 0, buffer.length);
            return Arrays.copyOf(buffer, bytes);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus encoding failed: " + e.getMessage(), e);
        }
    }
}
