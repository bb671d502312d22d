package io.xiaozhi.pipeline.common.audio;

/** The outcome of decoding one Opus packet: its samples, or why it could not be decoded. */
public sealed interface DecodeResult {

    /** The packet decoded to {@code samples}, 16-bit mono PCM at the decoder's rate. */
    record Samples(short[] samples) implements DecodeResult {
    }

    /** The packet was not valid Opus; the caller counts it as bad input and drops it. */
    record Undecodable(String reason) implements DecodeResult {
    }
}
