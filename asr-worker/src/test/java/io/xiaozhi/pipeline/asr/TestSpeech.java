package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.audio.FreeTtsSynthesizer;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Spoken test utterances (FreeTTS, 16 kHz) and their uplink form: 60 ms Opus packets as a device sends them. */
final class TestSpeech {

    private static final Map<String, short[]> SPOKEN = new ConcurrentHashMap<>();

    private TestSpeech() {
    }

    /** {@code text} spoken by FreeTTS's kevin16 voice at 16 kHz (synthesized once per run). */
    static short[] pcm(String text) {
        return SPOKEN.computeIfAbsent(text, FreeTtsSynthesizer::speak).clone();
    }

    /** {@code pcm} as the device sends it: Opus packets of 60 ms at 16 kHz. */
    static List<byte[]> packets(short[] pcm) {
        return new OpusEncoding(16_000).encode(pcm);
    }

    /** An audio payload of {@code text}, spoken and Opus-encoded. */
    static byte[] payload(String text) {
        return AudioFrames.encode(packets(pcm(text)));
    }

    /** {@code millis} of digital silence. */
    static short[] silence(int millis) {
        return new short[16 * millis];
    }

    /**
     * Packets that are not valid Opus: a code-3 packet of zero frames, a code-2 packet whose first
     * frame overruns it, a code-3 packet of 180 ms.
     */
    static List<byte[]> garbagePackets(int count) {
        byte[][] bad = {{(byte) 0x0B, 0x00}, {(byte) 0x0A, (byte) 200, 1, 2, 3}, {(byte) 0x1B, 0x03, 0, 0, 0}};
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> bad[i % bad.length]).toList();
    }
}
