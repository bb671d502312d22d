package io.xiaozhi.pipeline.common.audio;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusSignal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes 16-bit mono PCM into Opus packets of 60 ms, the packet size of the device protocol.
 *
 * <p>Used at 16 kHz to play a simulated device and at 24 kHz for downlink audio such as prompts
 * prepared at start-up. One instance per stream: the encoder is stateful and not thread-safe.
 */
public final class OpusEncoding {

    /** Bit rate used unless another is given; ample for speech at 16 and 24 kHz. */
    public static final int DEFAULT_BITRATE = 24_000;

    /** Upper bound of one encoded packet, as recommended by the Opus documentation. */
    private static final int MAX_PACKET_BYTES = 4000;

    private final OpusEncoder encoder;
    private final int samplesPerPacket;
    private final byte[] buffer = new byte[MAX_PACKET_BYTES];

    /** A speech encoder at {@code sampleRate} with the default bit rate. */
    public OpusEncoding(int sampleRate) {
        this(sampleRate, DEFAULT_BITRATE);
    }

    /** A speech encoder at {@code sampleRate} (8, 12, 16, 24 or 48 kHz) and {@code bitrate} bit/s. */
    public OpusEncoding(int sampleRate, int bitrate) {
        OpusRates.requireSupported(sampleRate);
        if (bitrate < 6_000 || bitrate > 510_000) {
            throw new IllegalArgumentException("Opus bit rate must be 6000..510000 bit/s, not " + bitrate);
        }
        this.samplesPerPacket = OpusRates.samplesPerPacket(sampleRate);
        try {
            this.encoder = new OpusEncoder(sampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus encoder rejected " + sampleRate + " Hz mono", e);
        }
        encoder.setBitrate(bitrate);
        encoder.setSignalType(OpusSignal.OPUS_SIGNAL_VOICE);
    }

    /** Samples in one packet: 60 ms at this encoder's rate. */
    public int samplesPerPacket() {
        return samplesPerPacket;
    }

    /**
     * Encodes {@code pcm} into consecutive packets; a last partial packet is padded with silence,
     * so the result has {@code ceil(pcm.length / samplesPerPacket())} packets.
     */
    public List<byte[]> encode(short[] pcm) {
        int packets = (pcm.length + samplesPerPacket - 1) / samplesPerPacket;
        List<byte[]> out = new ArrayList<>(packets);
        for (int start = 0; start < pcm.length; start += samplesPerPacket) {
            // copyOfRange pads with zeros past the end of pcm.
            out.add(encodePacket(Arrays.copyOfRange(pcm, start, start + samplesPerPacket)));
        }
        return out;
    }

    /** Encodes exactly one packet's worth of samples. */
    public byte[] encodePacket(short[] frame) {
        if (frame.length != samplesPerPacket) {
            throw new IllegalArgumentException(
                    "a packet takes " + samplesPerPacket + " samples, not " + frame.length);
        }
        try {
            int bytes = encoder.encode(frame, 0, samplesPerPacket, buffer, 0, buffer.length);
            return Arrays.copyOf(buffer, bytes);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus encoding failed", e);
        }
    }
}
