package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import java.util.ArrayList;
import java.util.List;

/**
 * The audio of one utterance as the stage takes it: the Opus packets of an {@link AudioFrames}
 * payload (60 ms each, 16 kHz mono, as the device sent them) decoded in order by one decoder into
 * 16 kHz PCM. A packet that is not valid Opus is skipped and counted in {@link #undecodable()}; the
 * rest of the utterance is kept.
 *
 * @param pcm the decoded samples at {@link SpeechRecognizer#SAMPLE_RATE}, possibly none
 * @param packets how many packets the payload held
 * @param undecodable how many of them were skipped
 * @param firstProblem why the first skipped packet was skipped, or {@code null}
 */
public record Utterance(short[] pcm, int packets, int undecodable, String firstProblem) {

    /**
     * Decodes a payload.
     *
     * @throws EnvelopeException if the payload is not an audio payload (empty, another version,
     *     truncated), saying where
     */
    public static Utterance decode(byte[] payload) {
        List<byte[]> packets = AudioFrames.decode(payload);
        OpusDecoding decoder = new OpusDecoding(SpeechRecognizer.SAMPLE_RATE);
        List<short[]> pieces = new ArrayList<>(packets.size());
        int samples = 0;
        int undecodable = 0;
        String firstProblem = null;
        for (byte[] packet : packets) {
            DecodeResult result = decoder.decode(packet);
            if (result instanceof DecodeResult.Samples decoded) {
                pieces.add(decoded.samples());
                samples += decoded.samples().length;
            } else if (result instanceof DecodeResult.Undecodable bad) {
                undecodable++;
                if (firstProblem == null) {
                    firstProblem = bad.reason();
                }
            }
        }
        short[] pcm = new short[samples];
        int at = 0;
        for (short[] piece : pieces) {
            System.arraycopy(piece, 0, pcm, at, piece.length);
            at += piece.length;
        }
        return new Utterance(pcm, packets.size(), undecodable, firstProblem);
    }

    /** The duration of the decoded audio in seconds. */
    public double seconds() {
        return (double) pcm.length / SpeechRecognizer.SAMPLE_RATE;
    }
}
