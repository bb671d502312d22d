package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Objects;

/**
 * The {@code audio_params} of a hello: codec, sample rate, channels and packet duration.
 *
 * @param format the codec, {@code "opus"}
 * @param sampleRate samples per second
 * @param channels channel count
 * @param frameDuration milliseconds per packet
 */
public record AudioParams(String format, int sampleRate, int channels, int frameDuration) {

    /** What a device sends when it says nothing: Opus, 16000 Hz, mono, 60 ms. */
    public static final AudioParams DEVICE_DEFAULT = new AudioParams("opus", 16000, 1, 60);

    /** What the server announces by default for its downlink: Opus, 24000 Hz, mono, 60 ms. */
    public static final AudioParams SERVER_DEFAULT = new AudioParams("opus", 24000, 1, 60);

    /** Checks the parameters. */
    public AudioParams {
        Objects.requireNonNull(format, "format");
        if (sampleRate <= 0 || channels <= 0 || frameDuration <= 0) {
            throw new IllegalArgumentException("audio params must be positive: " + sampleRate + " Hz, "
                    + channels + " channels, " + frameDuration + " ms");
        }
    }
}
