package io.xiaozhi.pipeline.tts.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one sentence's PCM, as it arrives, into numbered chunks of 60 ms Opus packets at 24 kHz:
 * resamples to 24 kHz ({@link StreamingResampler}), cuts 1440-sample frames, encodes each
 * ({@link OpusPacketEncoder}), and hands each chunk to the {@link ChunkSink} as soon as it is full and
 * more audio is known to follow. The last chunk (with the last frame padded with silence) is handed
 * over by {@link #finish()} and flagged final, so exactly one chunk of a sentence is final.
 *
 * <p>Chunk boundaries follow the {@link ChunkPlan} and depend only on the audio, never on how it
 * arrived, so the same audio always yields the same chunks. Not thread-safe: one per sentence.
 */
public final class AudioChunker implements PcmSink {

    /** Receives the chunks in order: numbers 0, 1, 2, …; {@code last} on the final one only. */
    @FunctionalInterface
    public interface ChunkSink {
        void chunk(int number, List<byte[]> packets, boolean last);
    }

    private final OpusPacketEncoder encoder;
    private final ChunkPlan plan;
    private final ChunkSink sink;
    private final short[] frame = new short[OpusPacketEncoder.PACKET_SAMPLES];
    private int framed;
    private List<byte[]> pending = new ArrayList<>();
    private StreamingResampler resampler;
    private int chunks;
    private long packets;
    private long inputSamples;
    private long encodeNanos;
    private boolean finished;

    public AudioChunker(OpusPacketEncoder encoder, ChunkPlan plan, ChunkSink sink) {
        this.encoder = encoder;
        this.plan = plan;
        this.sink = sink;
    }

    @Override
    public void accept(short[] samples, int offset, int length, int sampleRate) {
        if (finished) {
            throw new IllegalStateException("the sentence's audio was already finished");
        }
        if (resampler == null) {
            resampler = new StreamingResampler(sampleRate, OpusPacketEncoder.SAMPLE_RATE);
        } else if (resampler.fromRate() != sampleRate) {
            throw new IllegalArgumentException("the audio changed its sample rate from " + resampler.fromRate()
                    + " to " + sampleRate + " Hz within one sentence");
        }
        inputSamples += length;
        write(resampler.push(samples, offset, length));
    }

    /**
     * Ends the sentence: flushes the resampler, pads the last frame with silence and hands over the
     * final chunk. Returns {@code false}, handing over nothing, if the sentence had no audio at all.
     */
    public boolean finish() {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        finished = true;
        if (resampler != null) {
            write(resampler.finish());
        }
        if (framed > 0) {
            if (pending.size() == plan.packetsIn(chunks)) {
                emit(false);
            }
            java.util.Arrays.fill(frame, framed, frame.length, (short) 0);
            encodeFrame();
        }
        if (pending.isEmpty()) {
            return false;
        }
        emit(true);
        return true;
    }

    /** Chunks handed to the sink so far. */
    public int chunks() {
        return chunks;
    }

    /** Packets encoded so far. */
    public long packets() {
        return packets;
    }

    /** Input samples received (at the provider's rate). */
    public long inputSamples() {
        return inputSamples;
    }

    /** Seconds of audio received. */
    public double audioSeconds() {
        return resampler == null ? 0 : (double) inputSamples / resampler.fromRate();
    }

    /** Time spent in the Opus encoder, in nanoseconds. */
    public long encodeNanos() {
        return encodeNanos;
    }

    private void write(short[] samples) {
        int i = 0;
        while (i < samples.length) {
            if (framed == 0 && pending.size() == plan.packetsIn(chunks)) {
                // the chunk is full and more audio follows: it is not the last
                emit(false);
            }
            int take = Math.min(frame.length - framed, samples.length - i);
            System.arraycopy(samples, i, frame, framed, take);
            framed += take;
            i += take;
            if (framed == frame.length) {
                encodeFrame();
            }
        }
    }

    private void encodeFrame() {
        long start = System.nanoTime();
        pending.add(encoder.encode(frame));
        encodeNanos += System.nanoTime() - start;
        packets++;
        framed = 0;
    }

    private void emit(boolean last) {
        List<byte[]> chunk = pending;
        pending = new ArrayList<>();
        sink.chunk(chunks++, List.copyOf(chunk), last);
    }
}
