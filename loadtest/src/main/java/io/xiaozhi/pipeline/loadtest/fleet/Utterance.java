package io.xiaozhi.pipeline.loadtest.fleet;

import io.xiaozhi.pipeline.common.audio.FreeTtsSynthesizer;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import java.util.List;

/**
 * What every device says, encoded once and shared: the speech as 16 kHz mono 60 ms Opus packets, and
 * one packet of silence to send after it.
 */
public record Utterance(List<byte[]> speech, byte[] silence) {

    public Utterance {
        if (speech.isEmpty()) {
            throw new IllegalArgumentException("the utterance has no audio");
        }
        speech = List.copyOf(speech);
    }

    /** {@code text} spoken by FreeTTS and encoded as the firmware does. */
    public static Utterance spoken(String text) {
        return of(FreeTtsSynthesizer.speak(text));
    }

    /** 16 kHz mono samples encoded as the firmware does. */
    public static Utterance of(short[] pcm16k) {
        OpusEncoding encoder = new OpusEncoding(16_000);
        List<byte[]> speech = encoder.encode(pcm16k);
        byte[] silence = new OpusEncoding(16_000).encodePacket(new short[encoder.samplesPerPacket()]);
        return new Utterance(speech, silence);
    }

    public double seconds() {
        return speech.size() * 0.06;
    }
}
