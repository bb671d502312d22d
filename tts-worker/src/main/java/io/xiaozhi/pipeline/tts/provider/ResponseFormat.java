package io.xiaozhi.pipeline.tts.provider;

import java.util.Locale;

/**
 * The audio format asked of an OpenAI-compatible speech API ({@code response_format}). Only
 * uncompressed formats: the worker decodes nothing but PCM.
 */
public enum ResponseFormat {
    /** Raw 16-bit little-endian mono samples (24 kHz at OpenAI), read and encoded as they stream in. */
    PCM,
    /** A WAV file at any rate, read whole, then converted to 24 kHz. */
    WAV;

    /** The value sent in the request: {@code pcm} or {@code wav}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
