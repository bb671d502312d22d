package io.xiaozhi.pipeline.common.audio;

import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusException;
import java.util.Arrays;

/**
 * Decodes the Opus packets of one session into 16-bit mono PCM.
 *
 * <p>One instance per session: the decoder carries state from packet to packet and is not
 * thread-safe. A packet that is not valid Opus yields {@link DecodeResult.Undecodable} rather than
 * an exception, and leaves the decoder usable for the next packet. Lost packets are not concealed.
 */
public final class OpusDecoding {

    /** The uplink rate of the device protocol. */
    public static final int UPLINK_SAMPLE_RATE = 16_000;

    /** The longest duration one Opus packet can carry. */
    private static final int MAX_PACKET_MILLIS = 120;

    private final OpusDecoder decoder;
    private final int sampleRate;
    private final short[] buffer;

    /** A decoder at the uplink rate, 16 kHz mono. */
    public OpusDecoding() {
        this(UPLINK_SAMPLE_RATE);
    }

    /** A mono decoder producing samples at {@code sampleRate} (8, 12, 16, 24 or 48 kHz). */
    public OpusDecoding(int sampleRate) {
        this.sampleRate = OpusRates.requireSupported(sampleRate);
        this.buffer = new short[sampleRate * MAX_PACKET_MILLIS / 1000];
        try {
            this.decoder = new OpusDecoder(sampleRate, 1);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus decoder rejected " + sampleRate + " Hz mono", e);
        }
    }

    /** The rate of the samples this decoder produces. */
    public int sampleRate() {
        return sampleRate;
    }

    /** Decodes one packet; never throws for bad packet content. */
    public DecodeResult decode(byte[] packet) {
        if (packet == null || packet.length == 0) {
            return new DecodeResult.Undecodable("empty packet");
        }
        try {
            int samples = decoder.decode(packet, 0, packet.length, buffer, 0, buffer.length, false);
            if (samples <= 0) {
                return new DecodeResult.Undecodable("packet decoded to no samples");
            }
            return new DecodeResult.Samples(Arrays.copyOf(buffer, samples));
        } catch (OpusException e) {
            decoder.resetState();
            return new DecodeResult.Undecodable("invalid Opus packet: " + e.getMessage());
        } catch (RuntimeException e) {
            // The pure-Java codec can fail with index errors on corrupt bitstreams; restart it clean.
            decoder.resetState();
            return new DecodeResult.Undecodable("corrupt Opus packet: " + e);
        }
    }
}
